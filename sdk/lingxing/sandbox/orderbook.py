"""Storage, numbering and queries for multi-platform orders and WMS outbound orders."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from .records import MpOrder, WmsOrder
from .timefmt import beijing_date, parse_beijing_text

_ORDER_TIME_FIELDS: dict[str, Callable[[MpOrder], float | None]] = {
    "update_time": lambda o: o.update_time,
    "global_purchase_time": lambda o: o.purchase_time,
    "global_payment_time": lambda o: o.payment_time,
    "global_delivery_time": lambda o: o.delivery_time,
    "delivery_time": lambda o: o.delivery_time,
}
WMS_TIME_FIELDS = frozenset({"create_at", "delivered_at", "stock_delivered_at", "update_at"})


@dataclass(frozen=True)
class OrderQuery:
    """Filters of the order list (already validated)."""

    platform_order_nos: frozenset[str] = frozenset()
    store_ids: frozenset[str] = frozenset()
    platform_codes: frozenset[int] = frozenset()
    order_status: int | None = None
    include_delete: bool = False
    date_type: str | None = None
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True)
class WmsQuery:
    """Filters of the WMS outbound list (already validated); dates are UTC+8 days, inclusive."""

    start: date
    end: date
    time_type: str = "create_at"
    platform_order_nos: frozenset[str] = frozenset()
    sids: frozenset[int] = frozenset()
    statuses: frozenset[int] = frozenset()
    logistics_statuses: frozenset[int] = frozenset()
    order_numbers: frozenset[str] = frozenset()
    wo_numbers: frozenset[str] = frozenset()


class OrderBook:
    """All orders of the sandbox with monotonic 18-digit numbering."""

    def __init__(self) -> None:
        self.orders: dict[str, MpOrder] = {}
        self.outbound: dict[str, WmsOrder] = {}
        self._order_seq = itertools.count(103_000_000_000_000_001)
        self._wo_seq = itertools.count(103_400_000_000_000_001)
        self._line_seq = itertools.count(200_000_000_000_000_001)
        self._wod_seq = itertools.count(1)

    def next_order_no(self) -> str:
        """A new ``global_order_no``."""
        return str(next(self._order_seq))

    def next_line_id(self) -> str:
        """A new order-line id."""
        return str(next(self._line_seq))

    def next_wo(self) -> tuple[int, str]:
        """A new outbound order id and its ``WO…`` number."""
        seq = next(self._wo_seq)
        return seq % 10_000_000, f"WO{seq}"

    def next_wod_id(self) -> int:
        """A new outbound line id."""
        return next(self._wod_seq)

    def for_po(self, po: str, *, include_deleted: bool = True) -> list[MpOrder]:
        """Orders carrying platform order number ``po``, oldest first."""
        found = (o for o in self.orders.values() if po in o.platform_order_nos)
        return [o for o in found if include_deleted or not o.is_delete]

    def po_taken(self, store_id: str, po: str, *, count_deleted: bool) -> bool:
        """Whether ``po`` already exists in ``store_id`` (duplicate check of create)."""
        orders = self.for_po(po, include_deleted=count_deleted)
        return any(o.store_id == store_id for o in orders)

    def outbound_for(self, order_number: str) -> list[WmsOrder]:
        """Outbound orders of one system order."""
        return [w for w in self.outbound.values() if w.order_number == order_number]

    def query_orders(self, q: OrderQuery) -> list[MpOrder]:
        """Orders matching ``q`` ordered by ``global_order_no``."""
        rows = [o for o in self.orders.values() if _order_matches(o, q)]
        return sorted(rows, key=lambda o: int(o.global_order_no))

    def query_outbound(self, q: WmsQuery) -> list[WmsOrder]:
        """Outbound orders matching ``q`` ordered by ``wo_number``."""
        rows = [w for w in self.outbound.values() if _wms_matches(w, q)]
        return sorted(rows, key=lambda w: w.wo_number)


def _any(wanted: frozenset[str] | frozenset[int], values: Iterable[object]) -> bool:
    return not wanted or any(v in wanted for v in values)


def _order_matches(o: MpOrder, q: OrderQuery) -> bool:
    if o.is_delete and not q.include_delete:
        return False
    if q.order_status is not None and o.status != q.order_status:
        return False
    if not (_any(q.platform_order_nos, o.platform_order_nos) and _any(q.store_ids, [o.store_id])):
        return False
    if not _any(q.platform_codes, [o.platform_code]):
        return False
    return _in_open_window(o, q)


def _in_open_window(o: MpOrder, q: OrderQuery) -> bool:
    if q.date_type is None or (q.start_time is None and q.end_time is None):
        return True
    value = _ORDER_TIME_FIELDS[q.date_type](o)
    if not value:
        return False
    after = q.start_time is None or value > q.start_time
    return after and (q.end_time is None or value < q.end_time)


def _wms_matches(w: WmsOrder, q: WmsQuery) -> bool:
    checks: Iterator[bool] = iter(
        (
            _any(q.platform_order_nos, w.platform_order_nos),
            _any(q.sids, [w.sid]),
            _any(q.statuses, [w.status]),
            _any(q.logistics_statuses, [w.logistics_status]),
            _any(q.order_numbers, [w.order_number]),
            _any(q.wo_numbers, [w.wo_number]),
        )
    )
    return all(checks) and _wms_in_window(w, q)


def _wms_in_window(w: WmsOrder, q: WmsQuery) -> bool:
    text = getattr(w, q.time_type) or (w.create_at if q.time_type == "update_at" else "")
    ts = parse_beijing_text(text)
    if ts is None:
        return False
    return q.start <= beijing_date(ts) <= q.end


def default_wms_window(now: float, days: int) -> tuple[date, date]:
    """The window used when a WMS list call names no dates: the last ``days`` days (UTC+8)."""
    today = beijing_date(now)
    return today - timedelta(days=days), today
