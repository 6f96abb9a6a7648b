"""sync_stock chooses how to read DSCO's current stock per run, from the number of SKUs.

1,000 SKUs read both ways against both sandboxes: one ``GET /inventory`` per SKU costs 1,000
DSCO calls (186 s at DSCO's rates, see tests/unit/sdk/test_dsco_ratelimit.py), the stream
four — and ends as soon as every SKU has arrived. Both give the same rows; the run result says
which path was taken and why. Counts, never times.
"""

from __future__ import annotations

from typing import Any

from jobs.context import Clients, RunResult
from tests.integration.stock.conftest import Stock

CODES = {"WH-A": "101", "WH-B": "102"}
SKUS = [f"SKU-{n:04d}" for n in range(1000)]
COMPARED = ("dsco_warehouse_id", "dsco_warehouse_sku", "dsco_warehouse_num",
            "lingxing_warehouse_id", "lingxing_warehouse_sku", "lingxing_warehouse_num",
            "diff", "status", "reason")  # fmt: skip


def _seed(stock: Stock, skus: list[str]) -> None:
    lx, dsco = stock.vendors.lingxing, stock.vendors.dsco
    for wid in CODES.values():
        lx.add_warehouse(int(wid))
    items: list[dict[str, Any]] = []
    for n, sku in enumerate(skus):
        lx.add_inventory(101, sku, n % 17)
        lx.add_inventory(102, sku, n % 5)
        warehouses = [{"code": "WH-A", "quantity": n % 13}, {"code": "WH-B", "quantity": n % 3}]
        items.append({"sku": sku, "status": "in-stock", "warehouses": warehouses})
    dsco.seed_items(items)


async def _rows(stock: Stock, after_id: int = 0) -> list[tuple[Any, ...]]:
    records = await stock.vendors.pool.fetch(
        "SELECT * FROM dsco_warehouse_sync WHERE id > $1 ORDER BY id", after_id
    )
    return sorted(tuple(r[c] for c in COMPARED) for r in records)


def _dsco_calls(stock: Stock) -> list[tuple[str, str]]:
    """(method, first path segment) of every DSCO call, stream ids left out."""
    return [(c.method, "/" + c.path.split("/")[1]) for c in stock.vendors.dsco.calls()]


def _read(result: RunResult) -> dict[str, Any]:
    assert result.status == "ok", result.error
    assert result.report is not None
    read: dict[str, Any] = result.report["dsco_read"]
    return read


async def test_thousand_skus_by_stream_by_default_and_per_sku_below_the_threshold(
    stock: Stock, unlimited_dsco: Clients
) -> None:
    _seed(stock, SKUS)
    dsco = stock.vendors.dsco
    await stock.vendors.configure(
        jobs={"sync_stock": {"size": 200, "sync": False}}, mapping={"warehouse": CODES}
    )

    # Default threshold (one minute of GET /inventory, 300 SKUs): 1,000 go by stream. The
    # daemon's own client, DSCO's rates on in the sandbox too.
    streamed = await stock.run("sync_stock")

    assert _read(streamed) == {
        "path": "stream",
        "why": "1000 SKUs to read, more than stream_above_skus=300",
        "skus": 1000,
    }
    assert streamed.counters == {"total": 1000, "ok": 1000, "skip": 0, "fail": 0, "advanced": 0}
    assert _dsco_calls(stock) == [
        ("POST", "/stream"),  # create
        ("POST", "/stream"),  # sync of the 1,000 SKUs
        ("GET", "/stream"),  # one read: 1,000 events, every SKU in, so the dump is complete
        ("DELETE", "/stream"),
    ]
    assert dsco.calls("/inventory") == []
    streamed_rows = await _rows(stock)
    assert len(streamed_rows) == 2000
    first_run = int(await stock.vendors.pool.fetchval("SELECT max(id) FROM dsco_warehouse_sync"))

    # Raise the threshold to the count: the same 1,000 SKUs are read one by one (DSCO's rates
    # off on both sides here: this run is about counts; their cost in time is the unit test's).
    dsco.clear_calls()
    await stock.vendors.configure(jobs={"sync_stock": {"stream_above_skus": 1000}})
    per_sku = await stock.run("sync_stock", clients=unlimited_dsco)

    assert _read(per_sku) == {
        "path": "per_sku",
        "why": "1000 SKUs to read, at most stream_above_skus=1000",
        "skus": 1000,
    }
    assert per_sku.counters == streamed.counters
    assert _dsco_calls(stock) == [("GET", "/inventory")] * 1000
    assert sorted(c.query["value"][0] for c in dsco.calls("/inventory")) == SKUS
    assert await _rows(stock, first_run) == streamed_rows  # the same comparison either way


async def test_few_skus_per_sku_unless_use_stream(stock: Stock) -> None:
    _seed(stock, SKUS[:20])
    dsco = stock.vendors.dsco
    await stock.vendors.configure(
        jobs={"sync_stock": {"size": 200, "sync": False}}, mapping={"warehouse": CODES}
    )

    per_sku = await stock.run("sync_stock")
    assert _read(per_sku) == {
        "path": "per_sku",
        "why": "20 SKUs to read, at most stream_above_skus=300",
        "skus": 20,
    }
    assert len(dsco.calls("/inventory")) == 20

    dsco.clear_calls()
    await stock.vendors.configure(jobs={"sync_stock": {"use_stream": True}})
    streamed = await stock.run("sync_stock")
    assert _read(streamed) == {"path": "stream", "why": "use_stream is on", "skus": 20}
    assert len(_dsco_calls(stock)) == 4
    assert dsco.calls("/inventory") == []
