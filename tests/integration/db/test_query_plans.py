"""Plan shapes: every admin filter and every row selection of the jobs is answered by the index
meant for it, never by reading the whole table.

The statements are the ones the code really sends (captured with a query logger), planned
with their own values on a small table with sequential scans disabled: what is asserted is the
shape of the plan, never a time. ``tests/bench/test_admin_latency.py`` shows the same plans
with timings at a million rows.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeAlias

import asyncpg
import pytest

from db import order_check, order_stats
from db import orders as q
from db.order_search import OrderFilter, search_orders
from db.search import Cursor
from db.warehouse_sync_search import SyncFilter, search_sync

Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record]"
Plan: TypeAlias = dict[str, Any]
TABLE = "dsco_order_sync"


async def _seed(conn: Conn) -> None:
    """2,000 orders where every filter value below is rare, and inventory sync rows."""
    await conn.execute(
        """
        INSERT INTO dsco_order_sync (
            po_number, dsco_create_time, dsco_update_time, dsco_status, status, payload, mskus,
            warehouse_id, shipment, dsco_retailer_id, shipped_tracking_no, dsco_invoice_id,
            attempts, created_at, updated_at)
        SELECT 'PO' || lpad(i::text, 6, '0'), 1700000000 + i, 1700000000 + i,
               CASE WHEN i % 500 = 0 THEN 'cancelled' ELSE 'completed' END,
               CASE WHEN i % 400 = 0 THEN 3 ELSE 5 END, '{}',
               ARRAY['SKU-' || (i % 300) || '(1)'],
               CASE WHEN i % 250 = 0 THEN 'RARE-WH' ELSE 'WH' END,
               CASE WHEN i % 250 = 1 THEN 'RARE-SHIP' ELSE 'GRND' END,
               CASE WHEN i % 250 = 2 THEN 'RARE-RETAILER' ELSE 'R1' END,
               CASE WHEN i % 3 = 0 THEN '' ELSE '1Z' || md5(i::text) END,
               CASE WHEN i % 3 = 0 THEN '' ELSE 'PO' || lpad(i::text, 6, '0') END,
               CASE WHEN i % 700 = 0 THEN 4 ELSE 0 END,
               1700000000, 1700000000
        FROM generate_series(1, 2000) AS i
        """
    )
    await conn.execute(
        """
        INSERT INTO dsco_warehouse_sync (
            sync_time, dsco_warehouse_id, dsco_warehouse_sku, dsco_warehouse_num,
            lingxing_warehouse_id, lingxing_warehouse_sku, lingxing_warehouse_num, diff, status,
            reason, created_at, updated_at)
        SELECT 1700000000 + i / 100, 'WH-' || (i % 50), 'SKU-' || (i % 100), 5,
               'LX-' || (i % 50), 'LSKU-' || (i % 100), 5 + d, d,
               CASE WHEN i % 97 = 0 THEN 2 ELSE 1 END, '', 1700000000, 1700000000
        FROM generate_series(1, 3000) AS i,
             LATERAL (SELECT CASE WHEN i % 150 = 0 THEN 40 ELSE i % 11 - 5 END AS d) AS diff
        """
    )
    await conn.execute("ANALYZE dsco_order_sync")
    await conn.execute("ANALYZE dsco_warehouse_sync")


@pytest.fixture
async def conn(db_dsn: str) -> AsyncIterator[Conn]:
    from db.pool import connect

    c = await connect(db_dsn)
    try:
        await _seed(c)
        yield c
    finally:
        await c.close()


async def _plans(conn: Conn, call: Callable[[Conn], Awaitable[object]]) -> list[Plan]:
    """The plans of the statements ``call`` sends, each planned for its own values."""
    sent: list[tuple[str, tuple[object, ...]]] = []

    def log(query: asyncpg.connection.LoggedQuery) -> None:
        sent.append((query.query, tuple(query.args)))

    conn.add_query_logger(log)
    try:
        await call(conn)
    finally:
        conn.remove_query_logger(log)
    plans = []
    await conn.execute("SET enable_seqscan = off")
    try:
        for sql, args in sent:
            # Ours only: not asyncpg's type introspection, not SET/BEGIN/COMMIT/EXPLAIN.
            if "dsco_" not in sql or sql.lstrip().upper().startswith(("SET ", "EXPLAIN")):
                continue
            text = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
            plans.append(json.loads(text)[0]["Plan"])
    finally:
        await conn.execute("RESET enable_seqscan")
    return plans


def _nodes(plan: Plan) -> Iterator[Plan]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _reads(plans: list[Plan], table: str) -> list[tuple[str, str, bool]]:
    """Every read of ``table``: (node type, index name, whether it has a condition)."""
    found = []
    for plan in plans:
        for node in _nodes(plan):
            if node.get("Relation Name") == table or (
                "Index Name" in node and str(node["Index Name"]).startswith(table)
            ):
                has_cond = "Index Cond" in node or "Recheck Cond" in node
                found.append((node["Node Type"], str(node.get("Index Name", "")), has_cond))
    return found


# Partial indexes hold only the rows they are for: read whole, they are still a short read.
PARTIAL = {"dsco_order_sync_repeated_idx"}


def _assert_indexed(reads: list[tuple[str, str, bool]], index: str) -> None:
    assert reads, "the table is not read at all?"
    assert not [r for r in reads if r[0] == "Seq Scan"], reads
    assert any(name == index and (cond or name in PARTIAL) for _, name, cond in reads), reads
    # A read of an index without a condition walks all of it (fine in list order, where the
    # page's LIMIT stops it; not here, where every filter is selective).
    assert all(cond or name in PARTIAL for n, name, cond in reads if n != "ModifyTable"), reads


ORDER_FILTERS = [
    (OrderFilter(po_number="O00123"), "dsco_order_sync_po_trigram_idx"),
    (OrderFilter(tracking=f"1Z{'c4ca4238a0b92382'}"), "dsco_order_sync_tracking_trigram_idx"),
    (OrderFilter(invoice_id="PO001234"), "dsco_order_sync_invoice_trigram_idx"),
    (OrderFilter(statuses=(3,), warehouse_id="WH"), "dsco_order_sync_status_newest_idx"),
    (OrderFilter(dsco_status="cancelled"), "dsco_order_sync_dsco_status_newest_idx"),
    (OrderFilter(dsco_retailer_id="RARE-RETAILER"), "dsco_order_sync_retailer_newest_idx"),
    (OrderFilter(warehouse_id="RARE-WH"), "dsco_order_sync_warehouse_newest_idx"),
    (OrderFilter(shipment="RARE-SHIP"), "dsco_order_sync_shipment_newest_idx"),
    (OrderFilter(msku="SKU-7"), "dsco_order_sync_skus_idx"),
    (OrderFilter(msku="SKU-7(1)"), "dsco_order_sync_skus_idx"),
    (OrderFilter(start=1700000100, end=1700000110), "dsco_order_sync_newest_idx"),
    (OrderFilter(min_attempts=3), "dsco_order_sync_repeated_idx"),
]


def _set_fields(value: object) -> str:
    """A test id from the fields a filter sets (its other fields are empty)."""
    if not dataclasses.is_dataclass(value):
        return str(value).removeprefix("dsco_")
    return ",".join(f"{k}={v}" for k, v in vars(value).items() if v not in ("", (), None, False))


@pytest.mark.parametrize(("f", "index"), ORDER_FILTERS, ids=_set_fields)
async def test_each_order_filter_reads_its_index(conn: Conn, f: OrderFilter, index: str) -> None:
    plans = await _plans(conn, lambda c: search_orders(c, f, limit=50, count_bound=5))
    _assert_indexed(_reads(plans, TABLE), index)


async def test_an_unfiltered_page_and_a_cursor_page_read_the_newest_index_in_order(
    conn: Conn,
) -> None:
    for after in (None, Cursor(1700001000, 1000)):

        async def page(c: Conn, after: Cursor | None = after) -> object:
            return await search_orders(c, OrderFilter(), limit=50, after=after)

        reads = _reads(plans := await _plans(conn, page), TABLE)
        assert [name for _, name, _ in reads] == ["dsco_order_sync_newest_idx"], reads
        # The page's rows come off the index in order: a Limit right over its scan (any sort
        # is of the page's own rows, never of the table's).
        limits = [n for p in plans for n in _nodes(p) if n["Node Type"] == "Limit"]
        assert any(
            child.get("Index Name") == "dsco_order_sync_newest_idx"
            for limit in limits
            for child in limit.get("Plans", [])
        ), plans


async def test_the_dashboard_reads_no_order_rows_beyond_index_entries(conn: Conn) -> None:
    plans = await _plans(conn, order_stats.status_summary)
    reads = _reads(plans, TABLE)
    assert {name for _, name, _ in reads} == {
        "dsco_order_sync_status_since_idx",
        "dsco_order_sync_repeated_idx",
    }, reads
    assert all(node == "Index Only Scan" and cond for node, _, cond in reads), reads


JOB_QUERIES: list[tuple[str, Callable[[Conn], Awaitable[object]], str]] = [
    ("pick_batch", lambda c: q.pick_batch(c, 3, 200, 1), "dsco_order_sync_pick_idx"),
    ("pick_one", lambda c: q.pick_one(c, "PO000400", 3, 1), "dsco_order_sync_po_number_key"),
    ("newest_create_time", q.newest_create_time, "dsco_order_sync_newest_idx"),
    ("newest_update_time", q.newest_update_time, "dsco_order_sync_update_time_idx"),
    ("advance", lambda c: q.advance(c, "PO000400", 3, 4, 1), "dsco_order_sync_po_number_key"),
    (
        "check_orders: by PO",
        lambda c: order_check.by_po_numbers(c, ["PO000001", "PO000002"]),
        "dsco_order_sync_po_number_key",
    ),
    (
        "check_orders: created between",
        lambda c: order_check.created_between(c, 1700000100, 1700000200, after_id=0, limit=500),
        "dsco_order_sync_newest_idx",
    ),
]


@pytest.mark.parametrize(("name", "call", "index"), JOB_QUERIES, ids=[j[0] for j in JOB_QUERIES])
async def test_job_row_selection_reads_its_index(
    conn: Conn, name: str, call: Callable[[Conn], Awaitable[object]], index: str
) -> None:
    _assert_indexed(_reads(await _plans(conn, call), TABLE), index)


SYNC_FILTERS = [
    (SyncFilter(warehouse_ids=("WH-3",)), "dsco_warehouse_sync_key_idx"),
    (SyncFilter(warehouse_ids=("LX-3",)), "dsco_warehouse_sync_lingxing_key_idx"),
    (SyncFilter(skus=("SKU-7",)), "dsco_warehouse_sync_dsco_sku_idx"),
    (SyncFilter(skus=("LSKU-7",)), "dsco_warehouse_sync_lingxing_sku_idx"),
    (SyncFilter(status=2), "dsco_warehouse_sync_status_idx"),
    (SyncFilter(diff_min=30), "dsco_warehouse_sync_diff_idx"),
    (SyncFilter(start=1700000010, end=1700000012), "dsco_warehouse_sync_newest_idx"),
]


@pytest.mark.parametrize(("f", "index"), SYNC_FILTERS, ids=_set_fields)
async def test_each_warehouse_sync_filter_reads_its_index(
    conn: Conn, f: SyncFilter, index: str
) -> None:
    plans = await _plans(conn, lambda c: search_sync(c, f, limit=50, count_bound=5))
    _assert_indexed(_reads(plans, "dsco_warehouse_sync"), index)
