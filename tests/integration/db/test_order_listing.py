"""The admin order listing: keyset pages, bounded totals, and the index-backed filters giving
exactly the rows the plain conditions give."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
import pytest

from db.order_search import OrderFilter, OrderSummary, like_pattern, search_orders
from db.search import MAX_OFFSET, Cursor
from tests.integration.admin.orders_support import BASE_TIME, insert_order

Pool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"


async def _walk(pool: Pool, f: OrderFilter, limit: int) -> list[OrderSummary]:
    """Every page of ``f`` by cursor, checking that only the last page has no next cursor."""
    shown: list[OrderSummary] = []
    after: Cursor | None = None
    while True:
        page = await search_orders(pool, f, limit=limit, after=after)
        shown += page.orders
        if page.next_cursor is None:
            return shown
        assert len(page.orders) == limit
        after = page.next_cursor


async def test_cursor_pages_show_every_row_once_newest_first_across_equal_times(
    pool: Pool,
) -> None:
    # Three orders share each create time: the id orders them within it.
    for i in range(10):
        await insert_order(pool, f"PO-{i:02d}", created=BASE_TIME + i // 3, warehouse_id="W")
    expected = [o.po_number for o in (await search_orders(pool, OrderFilter(), limit=500)).orders]
    assert len(expected) == 10
    for limit in (1, 2, 3, 4, 10, 11):
        assert [o.po_number for o in await _walk(pool, OrderFilter(), limit)] == expected
    by_filter = await _walk(pool, OrderFilter(warehouse_id="W", start=BASE_TIME + 1), 2)
    assert [o.po_number for o in by_filter] == expected[:7]


async def test_the_last_page_has_no_next_cursor_even_when_it_is_full(pool: Pool) -> None:
    for i in range(4):
        await insert_order(pool, f"PO-{i}", created=BASE_TIME + i)
    first = await search_orders(pool, OrderFilter(), limit=2)
    assert first.next_cursor == Cursor(BASE_TIME + 2, first.orders[-1].id)
    second = await search_orders(pool, OrderFilter(), limit=2, after=first.next_cursor)
    assert [o.po_number for o in second.orders] == ["PO-1", "PO-0"]
    assert second.next_cursor is None
    assert second.total.value == 4  # the filter's total, not what is left after the cursor


async def test_offset_and_cursor_exclude_each_other_and_offset_is_bounded(pool: Pool) -> None:
    with pytest.raises(ValueError, match="exclude"):
        await search_orders(pool, OrderFilter(), limit=5, offset=5, after=Cursor(1, 1))
    with pytest.raises(ValueError, match="offset"):
        await search_orders(pool, OrderFilter(), limit=5, offset=MAX_OFFSET + 1)


@pytest.mark.parametrize(
    "text",
    ["1.2", "-5.0", "9223372036854775807.9223372036854775807"],
)
def test_cursor_text_round_trips(text: str) -> None:
    assert Cursor.decode(text).encode() == text


@pytest.mark.parametrize(
    "text",
    ["", "1", "1.", ".1", "1.-2", "a.1", "1.2.3", "1.٣", "1. 2", "9223372036854775808.1"],
)
def test_malformed_cursors_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="cursor"):
        Cursor.decode(text)


async def test_totals_are_exact_up_to_the_bound_then_an_estimate_labelled_so(pool: Pool) -> None:
    for i in range(6):
        await insert_order(pool, f"PO-{i}", warehouse_id="W" if i < 5 else "X")
    f = OrderFilter(warehouse_id="W")
    exact = await search_orders(pool, f, limit=2, count_bound=5)
    assert (exact.total.value, exact.total.exact, exact.total.at_least) == (5, True, 5)
    over = await search_orders(pool, f, limit=2, count_bound=3)
    assert not over.total.exact
    assert over.total.at_least == 4  # "more than 3"
    assert over.total.value >= over.total.at_least


async def test_status_only_totals_come_exactly_from_the_kept_counts(pool: Pool) -> None:
    for i in range(5):
        await insert_order(pool, f"PO-{i}", status=1 + i % 2)
    # The bound would make a counted total an estimate: these are exact anyway.
    everything = await search_orders(pool, OrderFilter(), limit=1, count_bound=1)
    assert (everything.total.value, everything.total.exact) == (5, True)
    second = await search_orders(pool, OrderFilter(statuses=(2,)), limit=1, count_bound=1)
    assert (second.total.value, second.total.exact) == (2, True)
    assert [o.status for o in second.orders] == [2]


TRICKY = [
    "PO-ALPHA-1",
    "po-alpha-3",
    "ÄÖÜ-straße-9",
    "äöü-STRASSE-9",
    "İSTANBUL-1",
    "100%_OFF\\X",
    "ab",
    "",
    "1ZTRACK99,1ZOTHER",
    "XYZAB-ABXYZ",  # has every trigram of "xyzabxyz" but does not contain it
]


@pytest.mark.parametrize(
    "needle",
    ["alpha", "ALPHA-", "a", "PO", "äöü", "ÄÖÜ-S", "straße", "strasse", "İst", "ist", "0%_",
     "%", "_", "\\x", "ab", "zzz", "1ZOTHER", "99,1z", "xyzabxyz"],
)  # fmt: skip
async def test_contains_filters_match_exactly_what_ilike_matches(pool: Pool, needle: str) -> None:
    for i, text in enumerate(TRICKY):
        await insert_order(
            pool,
            text or f"EMPTY-{i}",
            created=BASE_TIME + i,
            shipped_tracking_no=text,
            dsco_invoice_id=text,
        )
    for column, field in (
        ("po_number", "po_number"),
        ("shipped_tracking_no", "tracking"),
        ("dsco_invoice_id", "invoice_id"),
    ):
        plain = await pool.fetch(
            f"SELECT po_number FROM dsco_order_sync WHERE {column} ILIKE $1"  # noqa: S608
            " ORDER BY dsco_create_time DESC, id DESC",
            like_pattern(needle),
        )
        page = await search_orders(pool, OrderFilter(**{field: needle}), limit=500)
        assert [o.po_number for o in page.orders] == [r["po_number"] for r in plain], field


async def test_sku_filter_matches_any_quantity_and_sku_qty_exactly(pool: Pool) -> None:
    await insert_order(pool, "P1", created=BASE_TIME + 1, mskus=["SKU-A(1)", "SKU-B(2)"])
    await insert_order(pool, "P2", created=BASE_TIME + 2, mskus=["SKU-A(2500)"])
    await insert_order(pool, "P3", created=BASE_TIME + 3, mskus=["SKU-AB(1)"])
    await insert_order(pool, "P4", created=BASE_TIME + 4, mskus=["SKU(X)(2)", "(1)"])

    async def pos(msku: str) -> list[str]:
        page = await search_orders(pool, OrderFilter(msku=msku), limit=500)
        return [o.po_number for o in page.orders]

    assert await pos("SKU-A") == ["P2", "P1"]  # any quantity, not SKU-AB
    assert await pos("SKU-A(2500)") == ["P2"]
    assert await pos("SKU-A(3)") == []
    assert await pos("SKU(X)") == ["P4"]  # a SKU with parentheses of its own
    assert await pos("SKU(X)(2)") == ["P4"]
    assert await pos("SKU") == []
