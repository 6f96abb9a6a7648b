"""CSV exports: header + rows, streamed in chunks, injection neutralised, copy on disk, range."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import AsyncGenerator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from daemon.admin.csv_export import CHUNK_ROWS, neutralise, stream_csv
from daemon.admin.routes_export import ORDER_HEADER, SYNC_HEADER
from db.warehouse_sync import SyncRow, insert_rows
from tests.integration.admin.conftest import MAX_RANGE_DAYS, Admin, ClientFactory
from tests.integration.admin.orders_support import BASE_TIME, insert_order
from tests.integration.vendors import captured_logs

ORDERS_CSV = "/admin/api/export/orders.csv"
SYNC_CSV = "/admin/api/export/warehouse-sync.csv"
DAY = 86400


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def fetch(admin: Admin, path: str, **params: object) -> tuple[bytes, list[list[str]]]:
    resp = await admin.get(path, **params)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = await resp.read()
    return raw, parse(raw.decode("utf-8-sig"))


def copies(admin: Admin) -> list[Path]:
    folder = admin.settings.export_dir / "csv"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_neutralise_covers_every_formula_start() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("PO-1") == "PO-1"
    assert neutralise(-5) == -5  # a number is not a formula
    assert neutralise(None) is None


async def test_orders_csv_header_rows_injection_and_copy(admin: Admin) -> None:
    pool = admin.vendors.pool
    await insert_order(pool, "PO-PLAIN", created=BASE_TIME + 1, mskus=["SKU-1(2)"])
    await insert_order(
        pool,
        '=HYPERLINK("http://x","y")',
        created=BASE_TIME + 2,
        status=3,
        mskus=["-SKU(1)"],
        shipment="@CMD",
        dsco_retailer_id="+R",
    )
    await insert_order(pool, "PO-OLD", created=BASE_TIME - 40 * DAY)
    raw, rows = await fetch(admin, ORDERS_CSV, start=BASE_TIME - DAY, end=BASE_TIME + DAY)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert tuple(rows[0]) == ORDER_HEADER
    col = {name: i for i, name in enumerate(ORDER_HEADER)}
    evil, plain = rows[1], rows[2]  # newest first; PO-OLD is outside the range
    assert len(rows) == 3
    assert evil[col["po_number"]] == '\'=HYPERLINK("http://x","y")'
    assert evil[col["shipment"]] == "'@CMD"
    assert evil[col["dsco_retailer_id"]] == "'+R"
    assert evil[col["mskus"]] == "'-SKU(1)"
    assert evil[col["status"]] == "3"
    assert plain[col["po_number"]] == "PO-PLAIN"
    assert plain[col["dsco_create_time"]] == str(BASE_TIME + 1)
    assert plain[col["dsco_create_time_local"]] == "2026-01-01T00:00:01+00:00"
    (copy,) = copies(admin)
    assert copy.name.startswith("orders-")
    assert copy.name.endswith(".csv")
    assert copy.read_bytes() == raw


async def test_orders_csv_uses_the_list_filters(admin: Admin) -> None:
    for i, status in enumerate((1, 2, 2)):
        await insert_order(admin.vendors.pool, f"PO-{i}", created=BASE_TIME + i, status=status)
    _, rows = await fetch(admin, ORDERS_CSV, status="2", start=BASE_TIME, end=BASE_TIME + DAY)
    assert [r[0] for r in rows[1:]] == ["PO-2", "PO-1"]


async def test_large_export_streams_in_chunks(admin: Admin) -> None:
    count = CHUNK_ROWS * 2 + 7
    await admin.vendors.pool.executemany(
        "INSERT INTO dsco_order_sync (po_number, dsco_create_time, status, payload, created_at,"
        " updated_at) VALUES ($1, $2, 1, '{}', 0, 0)",
        [(f"PO-{i:05d}", BASE_TIME + i) for i in range(count)],
    )
    resp = await admin.get(ORDERS_CSV, start=BASE_TIME, end=BASE_TIME + DAY)
    assert resp.status == 200
    assert resp.headers.get("Transfer-Encoding") == "chunked"  # no Content-Length: streamed
    rows = parse((await resp.read()).decode("utf-8-sig"))
    assert len(rows) == count + 1
    assert rows[1][0] == f"PO-{count - 1:05d}"
    assert rows[-1][0] == "PO-00000"
    (copy,) = copies(admin)
    assert len(parse(copy.read_text("utf-8-sig"))) == count + 1
    assert not list(copy.parent.glob(".*.part"))


async def test_range_limit_is_enforced(admin: Admin) -> None:
    for path in (ORDERS_CSV, SYNC_CSV):
        resp = await admin.get(path, start=BASE_TIME, end=BASE_TIME + (MAX_RANGE_DAYS + 1) * DAY)
        assert resp.status == 400
        error = (await resp.json())["error"]
        assert error["field"] == "end"
        assert f"{MAX_RANGE_DAYS} days" in error["message"]
        resp = await admin.get(path, start=BASE_TIME)  # open end = now: far too long
        assert resp.status == 400
    assert copies(admin) == []


async def test_default_range_is_the_last_max_range_days(admin: Admin) -> None:
    now = int(time.time())
    await insert_order(admin.vendors.pool, "PO-RECENT", created=now - DAY)
    await insert_order(admin.vendors.pool, "PO-ANCIENT", created=now - (MAX_RANGE_DAYS + 2) * DAY)
    _, rows = await fetch(admin, ORDERS_CSV)
    assert [r[0] for r in rows[1:]] == ["PO-RECENT"]


async def test_warehouse_sync_csv(admin: Admin) -> None:
    await insert_rows(
        admin.vendors.pool,
        [
            SyncRow(BASE_TIME + 1, "NJ", "A", 10, "26", "A", 4, 1, ""),
            SyncRow(BASE_TIME + 2, "NJ", "=B", 0, "26", "=B", 3, 2, "-dsco read failed"),
        ],
        BASE_TIME,
    )
    raw, rows = await fetch(
        admin, SYNC_CSV, start=BASE_TIME, end=BASE_TIME + DAY, diff_range="nonzero"
    )
    assert tuple(rows[0]) == SYNC_HEADER
    col = {name: i for i, name in enumerate(SYNC_HEADER)}
    newest, oldest = rows[1], rows[2]
    assert newest[col["dsco_warehouse_sku"]] == "'=B"
    assert newest[col["reason"]] == "'-dsco read failed"
    assert oldest[col["diff"]] == "-6"  # numbers stay numbers
    assert oldest[col["dsco_warehouse_num"]] == "10"
    _, only_failed = await fetch(admin, SYNC_CSV, start=BASE_TIME, end=BASE_TIME + DAY, status=2)
    assert len(only_failed) == 2
    names = [p.name for p in copies(admin)]
    assert len(names) == 2
    assert all(n.startswith("warehouse-sync-") for n in names)
    assert raw in [p.read_bytes() for p in copies(admin)]


async def test_exports_need_a_session(anonymous: Admin) -> None:
    resp = await anonymous.get(ORDERS_CSV)
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthenticated"


async def test_failure_mid_stream_cuts_the_download_and_leaves_no_copy(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    async def rows() -> AsyncGenerator[tuple[str, int], None]:
        for i in range(CHUNK_ROWS + 1):
            yield (f"PO-{i}", i)
        raise RuntimeError("database went away")

    async def handler(request: web.Request) -> web.StreamResponse:
        return await stream_csv(
            request, filename="x.csv", header=("po", "n"), rows=rows(), copy_dir=tmp_path
        )

    app = web.Application()
    app.router.add_get("/x.csv", handler)
    client = await aiohttp_client(app)
    with captured_logs() as lines:
        resp = await client.get("/x.csv")
        assert resp.status == 200  # the headers were out before the failure
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    assert any("aborted mid-stream" in line for line in lines)
    assert list(tmp_path.iterdir()) == []
