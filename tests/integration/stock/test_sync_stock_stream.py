"""sync_stock with ``use_stream`` (D10) against both sandboxes: the same rows as the per-SKU
read from a handful of DSCO calls, and a failed stream fails the rows, not the run."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from jobs.context import Clients, StreamWaits
from tests.integration.stock.conftest import Stock

CODES = {"WH-A": "101", "WH-B": "102"}
SKU_MAP = {"DSCO-0003": "LX-0003"}  # DSCO SKU → Lingxing SKU
LX_SKUS = [f"LX-{n:04d}" for n in range(40)]
# Seconds. The sandbox dumps at once and keeps maxPosition current: with no settle time the
# first empty read ends the dump (the long idle timeout never fires, however slow the machine).
FAST = {"first_event_wait": 30.0, "idle_timeout": 30.0, "poll_interval": 0.05, "settle": 0.0}
COMPARED = ("dsco_warehouse_id", "dsco_warehouse_sku", "dsco_warehouse_num",
            "lingxing_warehouse_id", "lingxing_warehouse_sku", "lingxing_warehouse_num",
            "diff", "status", "reason")  # fmt: skip


@pytest.fixture(autouse=True)
def fast_stream_waits(stock: Stock) -> None:
    stock.env = replace(stock.env, stream_waits=StreamWaits(**FAST))


def _dsco_sku(lx_sku: str) -> str:
    return next((d for d, lx in SKU_MAP.items() if lx == lx_sku), lx_sku)


def _seed(stock: Stock) -> None:
    """Lingxing stock for 40 SKUs; DSCO knows 34 of them (in assorted shapes) plus others."""
    rng = random.Random(11)
    lx, dsco = stock.vendors.lingxing, stock.vendors.dsco
    for wid in CODES.values():
        lx.add_warehouse(int(wid))
    for i, sku in enumerate(LX_SKUS):
        lx.add_inventory(101, sku, rng.randrange(0, 50))
        if i % 3:
            lx.add_inventory(102, sku, rng.randrange(0, 50), fnsku=f"F{i}")
    items: list[dict[str, Any]] = []
    for i, lx_sku in enumerate(LX_SKUS[:34]):
        warehouses = [{"code": "WH-A", "quantity": rng.randrange(0, 30)}]
        if i % 4 == 0:
            warehouses.append({"code": "WH-B", "quantity": rng.randrange(0, 30)})
        if i % 5 == 0:
            warehouses.append({"code": "WH-ELSEWHERE", "quantity": 7})  # not mapped: ignored
        items.append({"sku": _dsco_sku(lx_sku), "status": "in-stock", "warehouses": warehouses})
    items += [{"sku": f"OTHER-{n}", "status": "in-stock"} for n in range(5)]  # not asked for
    dsco.seed_items(items)


async def _rows(stock: Stock, after_id: int = 0) -> list[tuple[Any, ...]]:
    records = await stock.vendors.pool.fetch(
        "SELECT * FROM dsco_warehouse_sync WHERE id > $1 ORDER BY id", after_id
    )
    return sorted(tuple(r[c] for c in COMPARED) for r in records)


async def _max_id(stock: Stock) -> int:
    newest = await stock.vendors.pool.fetchval("SELECT max(id) FROM dsco_warehouse_sync")
    return int(newest or 0)


async def test_stream_read_gives_the_per_sku_rows_from_few_calls(
    stock: Stock, unlimited_dsco: Clients
) -> None:
    _seed(stock)
    dsco = stock.vendors.dsco
    await stock.vendors.configure(
        jobs={"sync_stock": {"size": 50, "sync": False, "use_stream": False}},
        mapping={"warehouse": CODES, "sku": SKU_MAP},
    )
    per_sku = await stock.run("sync_stock", clients=unlimited_dsco)
    assert per_sku.status == "ok", per_sku.error
    per_sku_calls = len(dsco.calls())
    per_sku_rows = await _rows(stock)
    first_run = await _max_id(stock)

    dsco.clear_calls()
    dsco.set_rate_limits(True)  # the stream run keeps to DSCO's limits on both sides
    await stock.vendors.configure(jobs={"sync_stock": {"use_stream": True}})
    streamed = await stock.run("sync_stock")  # the default client, rate limits on

    assert streamed.status == "ok", streamed.error
    assert await _rows(stock, first_run) == per_sku_rows
    assert streamed.counters == per_sku.counters == {
        "total": 40, "ok": 34, "skip": 0, "fail": 6, "advanced": 0
    }  # fmt: skip
    reasons = {row[-1] for row in per_sku_rows}
    assert reasons == {"compared", "dsco_item_not_found"}
    calls = dsco.calls()
    assert per_sku_calls == 40  # one GET /inventory per SKU
    assert [(c.method, c.path.split("/")[1]) for c in calls if c.path != "/stream"] == [
        ("POST", "stream"),  # sync
        ("GET", "stream"),  # events from the epoch: the whole dump
        ("GET", "stream"),  # nothing newer
        ("DELETE", "stream"),
    ]
    assert [(c.method, c.path) for c in calls if c.path == "/stream"] == [
        ("POST", "/stream"),
        ("GET", "/stream"),  # maxPosition: caught up
    ]
    assert all(c.status is not None and c.status < 300 for c in calls)
    sync_body = next(c.body for c in calls if c.method == "POST" and c.path != "/stream")
    assert sync_body["sku"] == sorted(_dsco_sku(s) for s in LX_SKUS)  # only what is needed
    assert dsco.streams.all() == []  # deleted


async def test_stream_failure_fails_the_rows_and_the_run_goes_on(stock: Stock) -> None:
    _seed(stock)
    dsco = stock.vendors.dsco
    dsco.add_fault(
        path="/stream/{id}/{partitionId}/{position}", method="GET", kind="status", status=400
    )
    await stock.vendors.configure(
        jobs={"sync_stock": {"size": 50, "sync": True, "use_stream": True}},
        mapping={"warehouse": CODES, "sku": SKU_MAP},
    )

    result = await stock.run("sync_stock")

    assert result.status == "ok", result.error
    assert result.counters == {"total": 40, "ok": 0, "skip": 0, "fail": 40, "advanced": 0}
    rows = await _rows(stock)
    assert len(rows) == 80
    assert {(row[7], row[8].split(":")[0]) for row in rows} == {(2, "dsco_stream_failed")}
    assert dsco.calls("/inventory/batch/small") == []  # nothing written for failed rows
    assert [c.method for c in dsco.calls() if c.path != "/stream"][-1] == "DELETE"
    assert dsco.streams.all() == []
