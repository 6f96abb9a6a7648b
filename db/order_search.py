"""Admin searches on ``dsco_order_sync`` : filters, paging, counts, streamed rows.

Every filter becomes one ``$n`` parameter; the WHERE clause is assembled only from constant
fragments. Results are newest first (``dsco_create_time DESC, id DESC``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import asyncpg

from db.search import Where, fetch_page, walk
from db.types import Conn, Executor

MAX_LIMIT = 500
# A bare SKU (no "(qty)") is looked up in the GIN index as "sku(1)" … "sku(N)": the array
# elements are whole "sku(qty)" strings, and GIN only answers whole-element questions.
BARE_SKU_MAX_QUANTITY = 1000
_SKU_QTY = re.compile(r"^(?P<sku>.+)\((?P<qty>\d+)\)$")


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
    total: int
    orders: list[OrderSummary] = field(default_factory=list)


_COLUMNS = ", ".join(OrderSummary.__dataclass_fields__)


def like_pattern(text: str) -> str:
    """``%text%`` for ILIKE with the pattern characters of ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def msku_candidates(msku: str) -> list[str]:
    """The exact ``mskus`` elements that match the filter."""
    if _SKU_QTY.match(msku):
        return [msku]
    return [f"{msku}({qty})" for qty in range(BARE_SKU_MAX_QUANTITY + 1)]


def _where(f: OrderFilter) -> Where:
    w = Where()
    if f.po_number:
        w.add("po_number ILIKE {p}", like_pattern(f.po_number))
    if f.statuses:
        w.add("status = ANY({p}::smallint[])", list(f.statuses))
    for column in ("dsco_status", "dsco_retailer_id", "warehouse_id", "shipment"):
        value = getattr(f, column)
        if value:
            w.add(f"{column} = {{p}}", value)
    if f.msku:
        w.add("mskus && {p}::text[]", msku_candidates(f.msku))
    if f.tracking:
        w.add("shipped_tracking_no ILIKE {p}", like_pattern(f.tracking))
    if f.invoice_id:
        w.add("dsco_invoice_id ILIKE {p}", like_pattern(f.invoice_id))
    if f.start is not None:
        w.add("dsco_create_time >= {p}", f.start)
    if f.end is not None:
        w.add("dsco_create_time < {p}", f.end)
    if f.min_attempts is not None:
        w.add("attempts >= {p}", f.min_attempts)
    return w


def _summary(record: asyncpg.Record) -> OrderSummary:
    return OrderSummary(**dict(record))


_SELECT = f"SELECT {_COLUMNS} FROM dsco_order_sync"
_ORDER = " ORDER BY dsco_create_time DESC, id DESC"


async def search_orders(db: Executor, f: OrderFilter, *, offset: int, limit: int) -> OrderPage:
    """One page of matching orders, newest first, and how many match in total."""
    if not 0 < limit <= MAX_LIMIT or offset < 0:
        raise ValueError(f"limit must be 1..{MAX_LIMIT} and offset >= 0")
    total, records = await fetch_page(db, _SELECT, _where(f), _ORDER, offset=offset, limit=limit)
    return OrderPage(total=total, orders=[_summary(r) for r in records])


async def iter_orders(
    conn: Conn, f: OrderFilter, *, prefetch: int = 500
) -> AsyncGenerator[OrderSummary, None]:
    """Every matching order, newest first, with bounded memory (see :func:`db.search.walk`)."""
    async with contextlib.aclosing(
        walk(conn, _SELECT, _where(f), _ORDER, prefetch=prefetch)
    ) as rows:
        async for record in rows:
            yield _summary(record)
