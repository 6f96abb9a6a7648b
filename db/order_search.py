"""Admin searches on ``dsco_order_sync``: filters, keyset pages, totals, streamed rows.

Every filter becomes ``$n`` parameters; the WHERE clause is assembled only from constant
fragments. Results are newest first (``dsco_create_time DESC, id DESC``). Every filter has an
index that answers it (migration 0004, docs/performance.md): "contains" filters go through
trigram arrays, the SKU filter through the SKUs of the lines, equality filters through indexes
that also hold the listing order.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import asyncpg

from db.order_stats import KEPT_COUNT, REPEATED_ATTEMPTS
from db.search import (
    COUNT_BOUND,
    Cursor,
    KeptTotal,
    Listing,
    Total,
    Where,
    check_paging,
    fetch_page,
    walk,
)
from db.types import Conn, Executor

MAX_LIMIT = 500
_SKU_QTY = re.compile(r"^(?P<sku>.+)\((?P<qty>\d+)\)$")
# A trigram index can only narrow a search for a text of three characters or more.
TRIGRAM = 3


@dataclass(frozen=True)
class OrderFilter:
    """Every admin filter; empty / ``None`` fields do not filter."""

    po_number: str = ""  # contains, case-insensitive
    statuses: tuple[int, ...] = ()
    dsco_status: str = ""
    dsco_retailer_id: str = ""
    msku: str = ""  # "sku" (any quantity) or "sku(qty)"
    warehouse_id: str = ""
    shipment: str = ""
    tracking: str = ""  # contains
    invoice_id: str = ""  # contains
    start: int | None = None  # dsco_create_time >= start
    end: int | None = None  # dsco_create_time < end
    min_attempts: int | None = None  # picked by at least this many runs without moving

    def only_statuses(self) -> bool:
        """Whether nothing but (at most) the status list filters: its total is kept exactly."""
        return self == OrderFilter(statuses=self.statuses)


@dataclass(frozen=True)
class OrderSummary:
    """One order without its payload (list pages and CSV rows)."""

    id: int
    po_number: str
    dsco_create_time: int
    dsco_update_time: int
    dsco_status: str
    status: int
    mskus: list[str]
    warehouse_id: str
    shipment: str
    dsco_retailer_id: str
    shipped_tracking_no: str
    dsco_invoice_id: str
    last_attempt_at: int
    created_at: int
    updated_at: int
    status_since: int
    attempts: int


@dataclass(frozen=True)
class OrderPage:
    total: Total
    orders: list[OrderSummary] = field(default_factory=list)
    next_cursor: Cursor | None = None


ORDERS = Listing(
    table="dsco_order_sync",
    columns=", ".join(OrderSummary.__dataclass_fields__),
    time_column="dsco_create_time",
)


def like_pattern(text: str) -> str:
    """``%text%`` for ILIKE with the pattern characters of ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(w: Where, column: str, text: str, *, partial: bool = False) -> None:
    """``column`` contains ``text`` (case-insensitive), narrowed by the column's trigram index.

    ``partial``: the column's index holds only non-empty values; a non-empty text can only
    be in a non-empty value, and saying so lets the planner use that index."""
    if len(text) >= TRIGRAM:
        w.add(f"trigram_codes({column}) @> trigram_codes({{p}})", text)
        if partial:
            w.clauses.append(f"{column} <> ''")
    w.add(f"{column} ILIKE {{p}}", like_pattern(text))


def _sku(w: Where, msku: str) -> None:
    match = _SKU_QTY.match(msku)
    w.add("order_line_skus(mskus) @> ARRAY[{p}]::text[]", match["sku"] if match else msku)
    if match:
        w.add("mskus @> ARRAY[{p}]::text[]", msku)


def _where(f: OrderFilter) -> Where:
    w = Where()
    if f.po_number:
        _contains(w, "po_number", f.po_number)
    if f.statuses:
        w.add("status = ANY({p}::smallint[])", list(f.statuses))
    for column in ("dsco_status", "dsco_retailer_id", "warehouse_id", "shipment"):
        value = getattr(f, column)
        if value:
            w.add(f"{column} = {{p}}", value)
    if f.msku:
        _sku(w, f.msku)
    if f.tracking:
        _contains(w, "shipped_tracking_no", f.tracking, partial=True)
    if f.invoice_id:
        _contains(w, "dsco_invoice_id", f.invoice_id, partial=True)
    if f.start is not None:
        w.add("dsco_create_time >= {p}", f.start)
    if f.end is not None:
        w.add("dsco_create_time < {p}", f.end)
    if f.min_attempts is not None:
        if f.min_attempts >= REPEATED_ATTEMPTS:
            # Implied by the condition below; as a literal it lets the planner use the small
            # partial index of repeatedly skipped orders.
            w.clauses.append(f"attempts >= {REPEATED_ATTEMPTS}")
        w.add("attempts >= {p}", f.min_attempts)
    return w


def _summary(record: asyncpg.Record) -> OrderSummary:
    return OrderSummary(**dict(record))


async def search_orders(
    db: Executor,
    f: OrderFilter,
    *,
    limit: int,
    offset: int = 0,
    after: Cursor | None = None,
    count_bound: int = COUNT_BOUND,
) -> OrderPage:
    """One page of matching orders, newest first (after ``after`` or from ``offset``), with
    the filter's total: exact for the status filters and up to ``count_bound`` rows."""
    check_paging(limit=limit, max_limit=MAX_LIMIT, offset=offset, after=after)
    page = await fetch_page(
        db,
        ORDERS,
        _where(f),
        limit=limit,
        offset=offset,
        after=after,
        kept_total=KeptTotal(KEPT_COUNT, (list(f.statuses),)) if f.only_statuses() else None,
        count_bound=count_bound,
    )
    return OrderPage(page.total, [OrderSummary(**row) for row in page.rows], page.next_cursor)


async def iter_orders(
    conn: Conn, f: OrderFilter, *, prefetch: int = 500
) -> AsyncGenerator[OrderSummary, None]:
    """Every matching order, newest first, with bounded memory (see :func:`db.search.walk`)."""
    async with contextlib.aclosing(walk(conn, ORDERS, _where(f), prefetch=prefetch)) as rows:
        async for record in rows:
            yield _summary(record)
