"""The sandbox's order book: orders as DSCO serves them, plus the counters DSCO keeps per line."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import format_ts, parse_ts

DSCO_STATUSES = ("created", "shipment_pending", "shipped", "cancelled")
LIFECYCLE_OF = {
    "created": "created",
    "shipment_pending": "acknowledged",
    "shipped": "completed",
    "cancelled": "completed",
}
ORDER_KEYS = ("dscoOrderId", "poNumber", "supplierOrderNumber")


class SeedError(ValueError):
    """A seeded order is not usable (missing poNumber, lines or shipping, duplicate id…)."""


@dataclass
class OrderRecord:
    """One order: ``data`` is the JSON served by the API; the lists count units per line."""

    data: dict[str, Any]
    created: datetime
    updated: datetime
    shipped: list[int]
    cancelled: list[int]
    invoiced: list[int] = field(default_factory=list)
    # A hostile-feed switch (tests only): when ``hostile``, the API serves ``served`` verbatim
    # (any JSON, null included) instead of ``data``; the record keeps its place in time order.
    hostile: bool = False
    served: Any = None

    def view(self) -> Any:
        """The JSON the API serves for this order."""
        return self.served if self.hostile else self.data

    @property
    def po_number(self) -> str:
        return str(self.data["poNumber"])

    @property
    def order_id(self) -> str:
        return str(self.data["dscoOrderId"])

    @property
    def status(self) -> str:
        return str(self.data.get("dscoStatus") or "created")

    @property
    def lines(self) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = self.data["lineItems"]
        return lines

    def ordered(self, index: int) -> int:
        return int(self.lines[index]["quantity"])

    def remaining(self, index: int) -> int:
        return self.ordered(index) - self.shipped[index] - self.cancelled[index]

    def total_remaining(self) -> int:
        return sum(self.remaining(i) for i in range(len(self.lines)))

    def touch(self, now: datetime) -> None:
        """Record a change: ``ordersUpdatedSince`` finds the order again."""
        self.updated = now.replace(microsecond=0)
        self.data["dscoLastUpdate"] = format_ts(now)

    def set_status(self, status: str, now: datetime) -> None:
        self.data["dscoStatus"] = status
        self.data["dscoLifecycle"] = LIFECYCLE_OF.get(status, "created")
        self.touch(now)

    def sync_line_quantities(self, index: int) -> None:
        """Mirror the counters into the served line, as DSCO's stream-derived fields."""
        line = self.lines[index]
        line["shippedQuantity"] = self.shipped[index]
        line["cancelledQuantity"] = self.cancelled[index]
        line["remainingQuantity"] = self.remaining(index)


@dataclass(frozen=True)
class OrderQuery:
    """The filters of ``GET /order/page`` once parsed."""

    created_since: datetime | None = None
    updated_since: datetime | None = None
    until: datetime | None = None
    statuses: frozenset[str] = frozenset()
    include_test: bool = False
    consumer_order_number: str | None = None
    returned_only: bool | None = None

    def matches(self, rec: OrderRecord) -> bool:
        if self.statuses and rec.status not in self.statuses:
            return False
        if rec.data.get("testFlag") is True and not self.include_test:
            return False
        if self.returned_only is not None and _is_returned(rec) != self.returned_only:
            return False
        if self.consumer_order_number is not None:
            return rec.data.get("consumerOrderNumber") == self.consumer_order_number
        return self._in_window(rec)

    def _in_window(self, rec: OrderRecord) -> bool:
        if self.until is not None and self.created_since is not None and rec.created > self.until:
            return False
        if self.until is not None and self.updated_since is not None and rec.updated > self.until:
            return False
        if self.created_since is not None and rec.created < self.created_since:
            return False
        return self.updated_since is None or rec.updated > self.updated_since


def _is_returned(rec: OrderRecord) -> bool:
    return any(p.get("returnedFlag") is True for p in rec.data.get("packages") or [])


class OrderBook:
    """All orders of the supplier, indexed by ``dscoOrderId`` and ``poNumber``."""

    def __init__(self, supplier_id: str) -> None:
        self._supplier_id = supplier_id
        self._by_id: dict[str, OrderRecord] = {}
        self._by_po: dict[str, list[str]] = {}
        self._next_id = 1075300000

    def __len__(self) -> int:
        return len(self._by_id)

    def records(self) -> list[OrderRecord]:
        return list(self._by_id.values())

    def po_numbers(self) -> set[str]:
        return set(self._by_po)

    def add_many(self, orders: Iterable[Mapping[str, Any]], now: datetime) -> list[OrderRecord]:
        """Insert copies of ``orders`` with DSCO's defaults, all or none; raises ``SeedError``."""
        records: list[OrderRecord] = []
        claimed: set[str] = set()
        for order in orders:
            data = _checked_copy(order)
            order_id = str(data.get("dscoOrderId") or self._new_id(claimed))
            if order_id in self._by_id or order_id in claimed:
                raise SeedError(f"dscoOrderId {order_id} already exists")
            claimed.add(order_id)
            data["dscoOrderId"] = order_id
            records.append(_record_from(data, self._supplier_id, now))
        for rec in records:
            self._by_id[rec.order_id] = rec
            self._by_po.setdefault(rec.po_number, []).append(rec.order_id)
        return records

    def find(self, key: str, value: str) -> OrderRecord | None:
        """First order whose ``key`` (one of ``ORDER_KEYS``) equals ``value``."""
        if key == "dscoOrderId":
            return self._by_id.get(value)
        if key == "poNumber":
            ids = self._by_po.get(value) or []
            return self._by_id[ids[0]] if ids else None
        found = (r for r in self._by_id.values() if r.data.get(key) == value)
        return next(found, None)

    def find_all(self, key: str, value: str) -> list[OrderRecord]:
        """Every order matching (a PO may be split into sub-orders)."""
        if key == "poNumber":
            return [self._by_id[i] for i in self._by_po.get(value) or []]
        return [r for r in self._by_id.values() if str(r.data.get(key)) == value]

    def query(self, query: OrderQuery) -> list[OrderRecord]:
        """Matching orders in ascending ``dscoCreateDate``, then ``dscoOrderId``."""
        found = [r for r in self._by_id.values() if query.matches(r)]
        found.sort(key=lambda r: (r.created, len(r.order_id), r.order_id))
        return found

    def _new_id(self, claimed: set[str]) -> str:
        while str(self._next_id) in self._by_id or str(self._next_id) in claimed:
            self._next_id += 1
        return str(self._next_id)


def _checked_copy(order: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(order, Mapping):
        raise SeedError("an order must be a JSON object")
    if not isinstance(order.get("poNumber"), str) or not order["poNumber"]:
        raise SeedError("an order needs a non-empty string poNumber")
    lines = order.get("lineItems")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, dict) for x in lines):
        raise SeedError(f"order {order['poNumber']}: lineItems must be a non-empty list of objects")
    for line in lines:
        qty = line.get("quantity")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise SeedError(f"order {order['poNumber']}: every line needs an integer quantity >= 1")
    if not isinstance(order.get("shipping"), dict):
        raise SeedError(f"order {order['poNumber']}: shipping must be an object")
    status = order.get("dscoStatus", "created")
    if status not in DSCO_STATUSES:
        raise SeedError(f"order {order['poNumber']}: unknown dscoStatus {status!r}")
    return copy.deepcopy(dict(order))


def _record_from(data: dict[str, Any], supplier_id: str, now: datetime) -> OrderRecord:
    created = _timestamp(data, "dscoCreateDate", now)
    updated = _timestamp(data, "dscoLastUpdate", created)
    status = data.setdefault("dscoStatus", "created")
    data.setdefault("dscoLifecycle", LIFECYCLE_OF[status])
    data.setdefault("dscoSupplierId", supplier_id)
    lines = data["lineItems"]
    shipped = [int(line.get("shippedQuantity") or 0) for line in lines]
    cancelled = [int(line.get("cancelledQuantity") or 0) for line in lines]
    if status == "shipped" and not any(shipped):
        shipped = [int(line["quantity"]) - c for line, c in zip(lines, cancelled, strict=True)]
    return OrderRecord(data, created, updated, shipped, cancelled, [0] * len(lines))


def _timestamp(data: dict[str, Any], key: str, default: datetime) -> datetime:
    raw = data.get(key)
    if raw is None:
        data[key] = format_ts(default)
        return default.replace(microsecond=0)
    parsed = parse_ts(str(raw))
    if parsed is None:
        raise SeedError(f"order {data['poNumber']}: {key} is not an RFC 3339 instant")
    return parsed
