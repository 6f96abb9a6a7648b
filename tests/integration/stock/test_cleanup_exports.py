"""cleanup_exports on a real directory and database."""

from __future__ import annotations

import os
import time
from pathlib import Path

from db import warehouse_sync as q
from tests.integration.stock.conftest import Stock

DAY = 86400


def _file(path: Path, size: int, age: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


def _row(sync_time: int) -> q.SyncRow:
    return q.SyncRow(sync_time, "WH", "SKU", 1, "1", "SKU", 2, q.STATUS_OK, "compared")


async def test_deletes_oldest_first_and_keeps_in_progress(stock: Stock) -> None:
    root = stock.export_dir
    oldest = _file(root / "orders-1.csv", 400, age=5 * DAY)
    partial = _file(root / ".orders-2.csv.part", 400, age=6 * DAY)  # older, but being written
    tmp = _file(root / "sku-mapping-pull" / "d" / "new.json.tmp", 300, age=7 * DAY)
    middle = _file(root / "sku-mapping-pull" / "d" / "old.json", 300, age=4 * DAY)
    newer = _file(root / "orders-3.csv", 300, age=3 * DAY)
    fresh = _file(root / "orders-4.csv", 500, age=10)  # modified seconds ago
    # total 2200; threshold 1300 → drop oldest (400) and middle (300) → 1500 > 1300 → newer (300)

    result = await stock.run("cleanup_exports", env={"cleanup_threshold_bytes": 1300})

    assert result.status == "ok", result.error
    assert not oldest.exists()
    assert not middle.exists()
    assert not newer.exists()
    assert partial.exists()
    assert tmp.exists()
    assert fresh.exists()
    assert result.report is not None
    assert result.report["bytes_after"] == 1200 <= 1300
    assert result.report["deleted_files"] == 3
    assert result.counters["ok"] == 3


async def test_under_threshold_deletes_nothing_and_prunes_rows(stock: Stock) -> None:
    kept = _file(stock.export_dir / "a.csv", 100, age=30 * DAY)
    now = int(time.time())
    await q.insert_rows(stock.vendors.pool, [_row(now - 91 * DAY), _row(now - 89 * DAY)], now)

    result = await stock.run(
        "cleanup_exports",
        env={"cleanup_threshold_bytes": 1000, "warehouse_sync_retention_days": 90},
    )

    assert result.status == "ok", result.error
    assert kept.exists()
    assert result.report is not None
    assert result.report["pruned_rows"] == 1
    remaining = await stock.vendors.pool.fetch("SELECT sync_time FROM dsco_warehouse_sync")
    assert [r["sync_time"] for r in remaining] == [now - 89 * DAY]


async def test_missing_export_dir_is_fine(stock: Stock) -> None:
    result = await stock.run("cleanup_exports", env={"export_dir": stock.export_dir / "nope"})
    assert result.status == "ok", result.error
    assert result.report is not None
    assert result.report["bytes_before"] == 0
