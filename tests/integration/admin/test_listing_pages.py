"""The listings' paging contract over HTTP: cursors, bounded offsets, labelled totals."""

from __future__ import annotations

from typing import Any

from db.search import COUNT_BOUND, MAX_OFFSET
from db.warehouse_sync import SyncRow, insert_rows
from tests.integration.admin.conftest import Admin
from tests.integration.admin.orders_support import BASE_TIME, insert_order

ORDERS = "/admin/api/orders"
SYNC = "/admin/api/warehouse-sync"


async def _walk(admin: Admin, path: str, rows: str, key: str, **params: Any) -> list[str]:
    """Follow ``next_cursor`` from the first page to the last; every page has the same total."""
    seen: list[str] = []
    cursor = None
    totals = set()
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = await admin.ok(await admin.get(path, **query))
        assert body["cursor"] == cursor
        totals.add((body["total"], body["total_is_estimate"], body["total_at_least"]))
        seen += [row[key] for row in body[rows]]
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(totals) == 1
            return seen


async def test_order_pages_follow_the_cursor_to_the_end(admin: Admin) -> None:
    for i in range(7):
        await insert_order(admin.vendors.pool, f"PO-{i}", created=BASE_TIME + i // 2)
    everything = await admin.ok(await admin.get(ORDERS, limit=500))
    assert (everything["total"], everything["total_is_estimate"]) == (7, False)
    assert everything["next_cursor"] is None
    expected = [o["po_number"] for o in everything["orders"]]
    assert await _walk(admin, ORDERS, "orders", "po_number", limit=3) == expected
    assert (
        await _walk(admin, ORDERS, "orders", "po_number", limit=2, start=BASE_TIME + 1)
        == expected[:5]
    )


async def test_warehouse_sync_pages_follow_the_cursor_to_the_end(admin: Admin) -> None:
    rows = [
        SyncRow(BASE_TIME + i // 3, "NJ", f"S{i}", 1, "W1", f"S{i}", 2, 1, "") for i in range(8)
    ]
    await insert_rows(admin.vendors.pool, rows, BASE_TIME)
    everything = await admin.ok(await admin.get(SYNC, limit=500))
    expected = [r["dsco_warehouse_sku"] for r in everything["rows"]]
    assert len(expected) == 8
    assert await _walk(admin, SYNC, "rows", "dsco_warehouse_sku", limit=3) == expected


async def test_a_total_past_the_bound_is_labelled_an_estimate(admin: Admin) -> None:
    await admin.vendors.pool.execute(
        "INSERT INTO dsco_order_sync (po_number, dsco_create_time, status, payload,"
        " warehouse_id, created_at, updated_at)"
        " SELECT 'PO' || i, i, 1, '{}', 'NJ', i, i FROM generate_series(1, $1::int) AS i",
        COUNT_BOUND + 50,
    )
    await admin.vendors.pool.execute("ANALYZE dsco_order_sync")
    body = await admin.ok(await admin.get(ORDERS, warehouse_id="NJ", limit=1))
    assert body["total_is_estimate"] is True
    assert body["total_at_least"] == COUNT_BOUND + 1
    assert body["total"] >= COUNT_BOUND + 1
    # Status filters alone are counted exactly whatever their size.
    body = await admin.ok(await admin.get(ORDERS, status="1", limit=1))
    assert (body["total"], body["total_is_estimate"]) == (COUNT_BOUND + 50, False)


async def test_bad_paging_names_the_field(admin: Admin) -> None:
    for path in (ORDERS, SYNC):
        for params, field in (
            ({"cursor": "nonsense"}, "cursor"),
            ({"cursor": "1.2", "offset": 5}, "cursor"),
            ({"offset": MAX_OFFSET + 1}, "offset"),
        ):
            resp = await admin.get(path, **params)
            assert resp.status == 400, (path, params)
            assert (await resp.json())["error"]["field"] == field
