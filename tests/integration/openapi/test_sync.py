"""``POST /api/v1/inventory/sync``: sync_stock through the runner with per-run overrides."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from jobs.context import Clients
from jobs.locks import lock_key
from tests.integration.openapi.conftest import AUTH, DAY, Api, ClientFactory, row, seed, start_api
from tests.integration.stock.conftest import unlimited_dsco
from tests.integration.vendors import Vendors

H = 3600
CODES = {"WH-A": "101", "WH-B": "102"}


async def prepare(api: Api, *, sync: bool = True) -> None:
    """DSCO knows SKUs A, B, C with 2 of each in both warehouses; config writes by default."""
    api.vendors.dsco.seed_items(
        {
            "sku": sku,
            "status": "in-stock",
            "warehouses": [{"code": c, "quantity": 2} for c in CODES],
        }
        for sku in ("A", "B", "C")
    )
    await api.vendors.configure(
        jobs={"sync_stock": {"size": 10, "sync": sync}}, mapping={"warehouse": CODES}
    )


def sent(api: Api) -> dict[str, dict[str, int]]:
    """What DSCO received: sku → warehouse → quantity, over every batch update call."""
    calls = api.vendors.dsco.calls("/inventory/batch/small", "POST")
    return {
        item["sku"]: {w["code"]: w["quantity"] for w in item["warehouses"]}
        for call in calls
        for item in call.body
    }


def dsco_stock(api: Api) -> dict[str, dict[str, int]]:
    return {
        i["sku"]: {w["code"]: w["quantity"] for w in i.get("warehouses") or []}
        for i in api.vendors.dsco.snapshot()["inventory"]
    }


async def config_state(api: Api) -> tuple[int, Any]:
    record = await api.vendors.pool.fetchrow(
        "SELECT version, config FROM runtime_config WHERE domain = 'dsco_lingxing'"
    )
    assert record is not None
    return record["version"], record["config"]


ITEMS = [
    {"sku": "A", "warehouse": "WH-A", "quantity": 9},
    {"sku": "A", "warehouse": "WH-B", "quantity": 1},
    {"sku": "B", "warehouse": "WH-B", "quantity": 4},
]


async def test_dry_run_is_the_default_and_writes_nothing(api: Api) -> None:
    await prepare(api, sync=True)  # the job's own setting would write: the request wins
    before, config_before = dsco_stock(api), await config_state(api)

    status, body = await api.sync({"items": ITEMS})

    assert status == 200, body
    assert (body["job"], body["trigger"], body["status"]) == ("sync_stock", "api", "ok")
    assert body["report"]["written"] is False
    assert body["report"]["update_calls"] == 0
    assert body["plan"] == {"source": "items", "dry_run": True, "items": ITEMS, "skipped": 0}
    assert api.vendors.dsco.calls("/inventory/batch/small") == []
    assert dsco_stock(api) == before
    assert api.vendors.lingxing.call_log() == []  # explicit items: Lingxing not read
    assert await config_state(api) == config_before  # never changes runtime config
    rows = await api.vendors.pool.fetch("SELECT diff FROM dsco_warehouse_sync ORDER BY id")
    assert len(rows) == 3  # the comparison is still recorded

    status, again = await api.sync({"items": ITEMS, "dry_run": True})
    assert status == 200
    assert again["report"]["written"] is False
    assert api.vendors.dsco.calls("/inventory/batch/small") == []


async def test_explicit_items_written_exactly(api: Api) -> None:
    await prepare(api, sync=False)  # the job's own setting would not write
    config_before = await config_state(api)

    status, body = await api.sync({"dry_run": False, "items": ITEMS})

    assert status == 200, body
    assert body["status"] == "ok", body["error"]
    assert body["report"]["written"] is True
    assert body["counters"]["advanced"] == 2
    assert sent(api) == {"A": {"WH-A": 9, "WH-B": 1}, "B": {"WH-B": 4}}
    stock = dsco_stock(api)
    assert stock["A"] == {"WH-A": 9, "WH-B": 1}
    assert stock["B"]["WH-B"] == 4
    assert stock["C"] == {"WH-A": 2, "WH-B": 2}  # not in the request: untouched
    assert await config_state(api) == config_before


async def test_todays_newest_rows_are_the_source(api: Api) -> None:
    await prepare(api)
    await seed(
        api.vendors,
        row(DAY + 8 * H, "WH-A", "A", dsco=2, lx=5),  # superseded by the 7 below
        row(DAY + 9 * H, "WH-A", "A", dsco=2, lx=7),
        row(DAY + 9 * H, "WH-B", "A", dsco=2, lx=3),
        row(DAY + 9 * H, "WH-A", "B", dsco=2, lx=-1),  # negative Lingxing stock → 0
        row(DAY - H, "WH-A", "C", dsco=2, lx=8),  # yesterday: not a source
        row(DAY + 9 * H, "WH-Z", "A", dsco=0, lx=1),  # warehouse no longer mapped
    )

    status, dry = await api.sync({})
    assert status == 200, dry
    expected = [
        {"sku": "A", "warehouse": "WH-A", "quantity": 7},
        {"sku": "B", "warehouse": "WH-A", "quantity": 0},
        {"sku": "A", "warehouse": "WH-B", "quantity": 3},
    ]
    assert dry["plan"] == {"source": "rows", "dry_run": True, "items": expected, "skipped": 1}
    assert dry["report"]["written"] is False
    assert api.vendors.dsco.calls("/inventory/batch/small") == []

    status, body = await api.sync({"dry_run": False})
    assert status == 200, body
    assert body["status"] == "ok", body["error"]
    assert body["plan"]["items"] == expected
    assert sent(api) == {"A": {"WH-A": 7, "WH-B": 3}, "B": {"WH-A": 0}}


async def test_rows_source_limits(api: Api) -> None:
    await prepare(api)
    status, body = await api.sync({})
    assert (status, body["error"]["code"]) == (400, "no_rows")

    await seed(api.vendors, *(row(DAY + H, "WH-A", f"S{i}", lx=1) for i in range(5001)))
    status, body = await api.sync({"dry_run": True})
    assert (status, body["error"]["code"]) == (400, "too_many_rows")
    assert api.vendors.runner.last_results == {}


def _many(n: int) -> list[dict[str, Any]]:
    return [{"sku": f"S{i}", "warehouse": "WH-A", "quantity": 1} for i in range(n)]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (
            {"items": [ITEMS[0], {"sku": "B", "warehouse": "WH-A", "quantity": -1}]},
            "items[1].quantity",
        ),
        ({"items": [{"sku": "B", "warehouse": "WH-A", "quantity": 1.5}]}, "items[0].quantity"),
        ({"items": [{"sku": "B", "warehouse": "WH-A", "quantity": True}]}, "items[0].quantity"),
        ({"items": [{"sku": "B", "warehouse": "WH-A", "quantity": "3"}]}, "items[0].quantity"),
        ({"items": [{"sku": "B", "warehouse": "WH-A"}]}, "items[0].quantity"),
        (
            {"items": [ITEMS[0], {"sku": "B", "warehouse": "WH-Z", "quantity": 1}]},
            "items[1].warehouse",
        ),
        ({"items": [{"sku": "B", "warehouse": "101", "quantity": 1}]}, "items[0].warehouse"),
        ({"items": [{"sku": "", "warehouse": "WH-A", "quantity": 1}]}, "items[0].sku"),
        ({"items": [{"sku": 7, "warehouse": "WH-A", "quantity": 1}]}, "items[0].sku"),
        ({"items": [*ITEMS, ITEMS[1]]}, "items[3]"),
        ({"items": [ITEMS[0], "A"]}, "items[1]"),
        ({"items": [{**ITEMS[0], "qty": 1}]}, "items[0].qty"),
        ({"items": []}, "items"),
        ({"items": _many(1001)}, "items"),
        ({"items": {"sku": "A"}}, "items"),
        ({"dry_run": "false", "items": ITEMS}, "dry_run"),
        ({"dry_run": False, "source": "rows"}, "source"),
        ([ITEMS], "body"),
    ],
)
async def test_validation_errors_name_the_field(api: Api, body: Any, name: str) -> None:
    await prepare(api)
    status, answer = await api.sync(body)
    assert status == 400
    assert answer["error"]["code"] == "invalid_parameter"
    assert answer["error"]["message"].startswith(f"{name}:")
    assert api.vendors.runner.last_results == {}  # refused before any run
    assert api.vendors.dsco.calls() == []


async def test_invalid_json_is_400(api: Api) -> None:
    resp = await api.client.post(
        "/api/v1/inventory/sync",
        data=b"{not json",
        headers=AUTH,
    )
    assert resp.status == 400
    assert (await resp.json())["error"]["message"].startswith("body:")


async def test_1000_items_accepted(
    vendors: Vendors, aiohttp_client: ClientFactory, unlimited_dsco: Clients
) -> None:
    # 1000 DSCO reads at DSCO's real rates would take minutes: this run's client has none.
    api = await start_api(vendors, aiohttp_client, clients=unlimited_dsco)
    await prepare(api)
    status, body = await api.sync({"items": _many(1000)})
    assert status == 200, body
    assert len(body["plan"]["items"]) == 1000
    assert body["report"]["skus"] == 1000


async def test_409_while_sync_stock_runs(api: Api) -> None:
    await prepare(api)
    # Another process holds sync_stock's run lock, exactly as the runner takes it.
    holder = await asyncpg.connect(api.vendors.dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", lock_key("dsco_lingxing", "sync_stock"))
        status, body = await api.sync({"dry_run": False, "items": ITEMS})
        assert status == 409
        assert body["error"]["code"] == "already_running"
        assert api.vendors.dsco.calls("/inventory/batch/small") == []
    finally:
        await holder.close()
    status, body = await api.sync({"dry_run": False, "items": ITEMS})
    assert (status, body["status"]) == (200, "ok")
    assert sent(api) == {"A": {"WH-A": 9, "WH-B": 1}, "B": {"WH-B": 4}}


__all__ = ["unlimited_dsco"]
