"""``/admin/api/warehouse-sync`` (+ ``/options``): filters, diff ranges, paging, options."""

from __future__ import annotations

from typing import Any

from db.warehouse_sync import SyncRow, insert_rows
from tests.integration.admin.conftest import Admin

PATH = "/admin/api/warehouse-sync"
T0 = 1_767_225_600


def row(
    t: int, wh: str, sku: str, dsco: int, lx: int, status: int = 1, reason: str = ""
) -> SyncRow:
    return SyncRow(t, wh, sku, dsco, f"W-{wh}", f"LX-{sku}", lx, status, reason)


async def seed(admin: Admin) -> None:
    await insert_rows(
        admin.vendors.pool,
        [
            row(T0 + 1, "NJ", "A", 10, 10),  # diff 0
            row(T0 + 2, "NJ", "B", 10, 4),  # diff -6
            row(T0 + 3, "CA", "A", 0, 3),  # diff 3
            row(T0 + 4, "CA", "C", 5, 25, status=2, reason="dsco read failed"),  # diff 20
        ],
        T0,
    )


async def _keys(admin: Admin, **params: Any) -> list[str]:
    body = await admin.ok(await admin.get(PATH, **params))
    assert body["total"] == len(body["rows"])
    return [f"{r['dsco_warehouse_id']}/{r['dsco_warehouse_sku']}" for r in body["rows"]]


async def test_filters(admin: Admin) -> None:
    await seed(admin)
    assert await _keys(admin) == ["CA/C", "CA/A", "NJ/B", "NJ/A"]  # newest first
    assert await _keys(admin, warehouse_id="NJ") == ["NJ/B", "NJ/A"]
    assert await _keys(admin, warehouse_id="W-CA,NJ") == ["CA/C", "CA/A", "NJ/B", "NJ/A"]
    assert await _keys(admin, sku="A") == ["CA/A", "NJ/A"]
    assert await _keys(admin, sku="LX-B,C") == ["CA/C", "NJ/B"]
    assert await _keys(admin, diff_range="nonzero") == ["CA/C", "CA/A", "NJ/B"]
    assert await _keys(admin, diff_range="-5,5") == ["CA/A", "NJ/A"]
    assert await _keys(admin, diff_range=",0") == ["NJ/B", "NJ/A"]
    assert await _keys(admin, diff_range="4,") == ["CA/C"]
    assert await _keys(admin, status=2) == ["CA/C"]
    assert await _keys(admin, start=T0 + 2, end=T0 + 4) == ["CA/A", "NJ/B"]
    assert await _keys(admin, warehouse_id="CA", diff_range="nonzero", status=1) == ["CA/A"]
    body = await admin.ok(await admin.get(PATH, status=2))
    (failed,) = body["rows"]
    assert (failed["diff"], failed["reason"]) == (20, "dsco read failed")


async def test_bad_filters_name_the_field(admin: Admin) -> None:
    for params, field in (
        ({"diff_range": "5"}, "diff_range"),
        ({"diff_range": "a,b"}, "diff_range"),
        ({"diff_range": "5,-5"}, "diff_range"),
        ({"status": 3}, "status"),
        ({"limit": 1000}, "limit"),
    ):
        resp = await admin.get(PATH, **params)
        assert resp.status == 400, params
        assert (await resp.json())["error"]["field"] == field


async def test_paging(admin: Admin) -> None:
    await insert_rows(admin.vendors.pool, [row(T0 + i, "NJ", f"S{i}", 0, i) for i in range(6)], T0)
    body = await admin.ok(await admin.get(PATH, offset=1, limit=2))
    assert body["total"] == 6
    assert [r["dsco_warehouse_sku"] for r in body["rows"]] == ["S4", "S3"]


async def test_options(admin: Admin) -> None:
    empty = await admin.ok(await admin.get(f"{PATH}/options"))
    assert empty == {"warehouse_ids": [], "skus": []}
    await seed(admin)
    body = await admin.ok(await admin.get(f"{PATH}/options"))
    assert body["warehouse_ids"] == ["CA", "NJ", "W-CA", "W-NJ"]
    assert body["skus"] == ["A", "B", "C", "LX-A", "LX-B", "LX-C"]
