"""sync_stock against both sandboxes: sums, diffs, one item per SKU, chunked writes."""

from __future__ import annotations

import math
import random
import time
from typing import Any

from db import warehouse_sync
from jobs.context import Clients
from tests.integration.stock.conftest import Stock

CODES = {"WH-A": "101", "WH-B": "102", "WH-C": "103"}
SKU_MAP = {"DSCO-0001": "LX-0001", "DSCO-0002": "LX-0002"}  # DSCO SKU → Lingxing SKU


def _seed_lingxing(stock: Stock, rows: int, skus: int, seed: int = 7) -> dict[tuple[str, str], int]:
    """``rows`` Lingxing stock rows (duplicates per SKU); returns (code, lx_sku) → sum."""
    rng = random.Random(seed)
    lx = stock.vendors.lingxing
    for wid in CODES.values():
        lx.add_warehouse(int(wid), name=f"W{wid}")
    expected: dict[tuple[str, str], int] = {}
    codes = list(CODES)
    for i in range(rows):
        code = codes[i % 3]
        sku = f"LX-{rng.randrange(skus):04d}"
        qty = rng.randrange(0, 40)
        lx.add_inventory(int(CODES[code]), sku, qty, seller_id=str(i % 5), fnsku=f"F{i}")
        expected[(code, sku)] = expected.get((code, sku), 0) + qty
    return expected


def _dsco_sku(lx_sku: str) -> str:
    reverse = {v: k for k, v in SKU_MAP.items()}
    return reverse.get(lx_sku, lx_sku)


def _seed_dsco(stock: Stock, lx_skus: set[str], seed: int = 3) -> dict[tuple[str, str], int]:
    rng = random.Random(seed)
    current: dict[tuple[str, str], int] = {}
    items = []
    for lx_sku in sorted(lx_skus):
        sku = _dsco_sku(lx_sku)
        warehouses = [{"code": c, "quantity": rng.randrange(0, 30)} for c in CODES]
        current.update({(w["code"], sku): w["quantity"] for w in warehouses})
        items.append({"sku": sku, "status": "in-stock", "warehouses": warehouses})
    stock.vendors.dsco.seed_items(items)
    return current


async def _rows(stock: Stock) -> list[dict[str, Any]]:
    records = await stock.vendors.pool.fetch("SELECT * FROM dsco_warehouse_sync ORDER BY id")
    return [dict(r) for r in records]


async def test_20k_rows_sum_compare_and_write(stock: Stock, unlimited_dsco: Clients) -> None:
    started = time.monotonic()
    lx_expected = _seed_lingxing(stock, rows=20_000, skus=1500)
    lx_skus = {sku for _, sku in lx_expected}
    dsco_before = _seed_dsco(stock, lx_skus)
    size = 170
    await stock.vendors.configure(
        jobs={"sync_stock": {"size": size, "sync": False}},
        mapping={"warehouse": CODES, "sku": SKU_MAP},
    )

    result = await stock.run("sync_stock", clients=unlimited_dsco)

    assert result.status == "ok", result.error
    assert result.counters["total"] == len(lx_skus)
    assert result.counters["fail"] == 0
    assert stock.vendors.dsco.calls("/inventory/batch/small") == []
    rows = await _rows(stock)
    assert len(rows) == len(lx_skus) * 3
    by_key = {(r["dsco_warehouse_id"], r["dsco_warehouse_sku"]): r for r in rows}
    for lx_sku in lx_skus:
        for code, wid in CODES.items():
            row = by_key[(code, _dsco_sku(lx_sku))]
            lx_qty = lx_expected.get((code, lx_sku), 0)
            dsco_qty = dsco_before[(code, _dsco_sku(lx_sku))]
            assert row["lingxing_warehouse_sku"] == lx_sku
            assert row["lingxing_warehouse_id"] == wid
            assert (row["lingxing_warehouse_num"], row["dsco_warehouse_num"]) == (lx_qty, dsco_qty)
            assert row["diff"] == lx_qty - dsco_qty
            assert (row["status"], row["reason"]) == (1, "compared")

    first_run_ids = {r["id"] for r in rows}
    await stock.vendors.configure(jobs={"sync_stock": {"size": size, "sync": True}})
    result = await stock.run("sync_stock", clients=unlimited_dsco)

    assert result.status == "ok", result.error
    calls = stock.vendors.dsco.calls("/inventory/batch/small", "POST")
    assert len(calls) == math.ceil(len(lx_skus) / size)
    sent = [item for call in calls for item in call.body]
    assert sorted(i["sku"] for i in sent) == sorted(_dsco_sku(s) for s in lx_skus)
    for item in sent:
        lx_sku = SKU_MAP.get(item["sku"], item["sku"])
        quantities = {w["code"]: w["quantity"] for w in item["warehouses"]}
        assert quantities == {c: lx_expected.get((c, lx_sku), 0) for c in CODES}
        assert item["quantityAvailable"] == sum(quantities.values())
    inventory = {i["sku"]: i for i in stock.vendors.dsco.snapshot()["inventory"]}
    assert inventory["DSCO-0001"]["quantityAvailable"] == sum(
        lx_expected.get((c, "LX-0001"), 0) for c in CODES
    )
    second = [r for r in await _rows(stock) if r["id"] not in first_run_ids]
    assert len(second) == len(lx_skus) * 3
    assert {(r["status"], r["reason"]) for r in second} == {(1, "updated")}
    assert time.monotonic() - started < 120


async def test_read_failure_marks_only_that_sku(stock: Stock) -> None:
    lx = stock.vendors.lingxing
    lx.add_warehouse(101)
    for sku, qty in [("A", 5), ("A", 2), ("B", 1), ("C", 3), ("GHOST", 4)]:
        lx.add_inventory(101, sku, qty)
    stock.vendors.dsco.seed_items(
        [
            {"sku": s, "status": "in-stock", "warehouses": [{"code": "WH-A", "quantity": 1}]}
            for s in ("A", "B", "C")
        ]
    )
    # One GET /inventory answers 400 (not retried): whichever SKU it hits fails alone.
    stock.vendors.dsco.add_fault(path="/inventory", method="GET", kind="status", status=400)
    await stock.vendors.configure(
        jobs={"sync_stock": {"size": 10, "sync": True}}, mapping={"warehouse": {"WH-A": "101"}}
    )

    result = await stock.run("sync_stock")

    assert result.status == "ok", result.error
    rows = {r["dsco_warehouse_sku"]: r for r in await _rows(stock)}
    failed = [s for s in "ABC" if rows[s]["reason"].startswith("dsco_read_failed")]
    assert len(failed) == 1
    assert rows[failed[0]]["status"] == 2
    assert (rows["GHOST"]["status"], rows["GHOST"]["reason"]) == (2, "dsco_item_not_found")
    updated = sorted(s for s in "ABC" if s not in failed)
    assert all((rows[s]["status"], rows[s]["reason"]) == (1, "updated") for s in updated)
    assert rows["A"]["lingxing_warehouse_num"] == 7
    sent = [i["sku"] for c in stock.vendors.dsco.calls("/inventory/batch/small") for i in c.body]
    assert sorted(sent) == updated
    assert result.counters == {"total": 4, "ok": 2, "skip": 0, "fail": 2, "advanced": 2}
    assert await warehouse_sync.count_rows(stock.vendors.pool) == 4


async def test_update_failures_marked_and_overrides(stock: Stock) -> None:
    stock.vendors.dsco.seed_items(
        [
            {"sku": s, "status": "in-stock", "warehouses": [{"code": c, "quantity": 2}]}
            for s in ("A", "B")
            for c in ("WH-A", "WH-B")
        ]
    )
    stock.vendors.dsco.add_fault(
        path="/inventory/batch/small", kind="fail_elements", keys=("B",), count=None
    )
    await stock.vendors.configure(
        jobs={"sync_stock": {"size": 10, "sync": True}},
        mapping={"warehouse": {"WH-A": "101", "WH-B": "102"}},
    )
    items = [
        {"sku": "A", "warehouse": "WH-A", "quantity": 9},
        {"sku": "A", "warehouse": "WH-B", "quantity": 1},
        {"sku": "B", "warehouse": "WH-B", "quantity": 4},
    ]

    dry = await stock.run("sync_stock", overrides={"dry_run": True, "items": items})
    assert dry.status == "ok", dry.error
    assert stock.vendors.dsco.calls("/inventory/batch/small") == []
    assert stock.vendors.lingxing.call_log() == []  # explicit items: Lingxing not read

    result = await stock.run("sync_stock", overrides={"items": items})

    assert result.status == "ok", result.error
    rows = await _rows(stock)
    assert len(rows) == 6
    last = {(r["dsco_warehouse_id"], r["dsco_warehouse_sku"]): r for r in rows[3:]}
    assert (last[("WH-A", "A")]["status"], last[("WH-A", "A")]["reason"]) == (1, "updated")
    assert last[("WH-A", "A")]["diff"] == 7
    assert last[("WH-B", "B")]["status"] == 2
    assert last[("WH-B", "B")]["reason"].startswith("dsco_update_failed")
    body = stock.vendors.dsco.calls("/inventory/batch/small")[0].body
    assert {i["sku"]: i["quantityAvailable"] for i in body} == {"A": 10, "B": 4}


async def test_bad_items_override_fails_the_run(stock: Stock) -> None:
    await stock.vendors.configure(mapping={"warehouse": {"WH-A": "101"}})
    result = await stock.run(
        "sync_stock", overrides={"items": [{"sku": "A", "warehouse": "WH-Z", "quantity": 1}]}
    )
    assert result.status == "failed"
    assert "overrides.items[0].warehouse" in (result.error or "")
