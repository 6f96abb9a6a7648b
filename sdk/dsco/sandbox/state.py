"""The DSCO sandbox's state and the Python control surface the tests and the demo use."""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .batches import AsyncRequest, BatchEngine
from .calls import CallRecord
from .clock import Clock, FakeClock, format_ts, system_clock
from .faults import FaultBook, FaultSpec, Latency
from .fixtures import OrderGenSpec, generate_orders
from .intake import apply_faults, element_key, plan_elements
from .inventory import InventoryBook, apply_inventory
from .invoices import InvoiceBook, apply_invoice
from .lifecycle import apply_ack, apply_shipments, change_status
from .messages import Message
from .orders import DSCO_STATUSES, OrderBook, OrderRecord, SeedError
from .ratelimit import RateLimiter
from .scrolls import ScrollBook
from .streams import StreamBook
from .switches import SandboxSwitches


class BatchRejected(Exception):
    """A batch POST refused as a whole (``strict_sync_validation``): answered with 400."""

    def __init__(self, problems: list[Message]) -> None:
        super().__init__("batch rejected")
        self.problems = problems


class DscoSandbox:
    """A stateful stand-in for one DSCO supplier account.

    Every HTTP request first calls :meth:`settle`, which processes the async batch elements whose
    time has come; the Python methods below do the same, so what they show is what the API shows.
    """

    def __init__(
        self,
        *,
        token: str,
        clock: Clock = system_clock,
        batch_delay: float = 0.0,
        rate_limits: bool = True,
        switches: SandboxSwitches | None = None,
        supplier_id: str = "1000078901",
        max_calls: int = 10_000,
    ) -> None:
        self.token = token
        self.clock = clock
        self.supplier_id = supplier_id
        self.max_calls = max_calls  # the call record keeps only the newest calls
        self._initial = (batch_delay, rate_limits, switches or SandboxSwitches())
        self.limiter = RateLimiter(rate_limits)
        self.faults = FaultBook()
        self.latency = Latency()
        self.closing = asyncio.Event()  # set on app shutdown so injected hangs end at once
        self.reset()

    # -- control -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all data, faults, latency and calls; restore the construction settings."""
        self.batch_delay, self.limiter.enabled, self.switches = self._initial
        self.limiter.reset()
        self.faults.clear()
        self.latency.clear()
        self.orders = OrderBook(self.supplier_id)
        self.invoices = InvoiceBook()
        self.inventory = InventoryBook(self.supplier_id)
        self.warehouses: set[str] = set()
        self.engine = BatchEngine()
        self.scrolls = ScrollBook()
        self.streams = StreamBook()
        self.call_log: deque[CallRecord] = deque(maxlen=self.max_calls)

    def now(self) -> datetime:
        return self.clock()

    def seed_orders(self, orders: Iterable[Mapping[str, Any]]) -> list[str]:
        """Insert orders (all or none); their warehouses and SKUs become known. Returns POs."""
        now = self.now()
        records = self.orders.add_many(orders, now)
        for rec in records:
            self._register_order_refs(rec, now)
        return [rec.po_number for rec in records]

    def generate_orders(self, spec: OrderGenSpec | None = None, **fields: Any) -> list[str]:
        """Seed generated orders (see :class:`OrderGenSpec`); returns their PO numbers."""
        spec = spec or OrderGenSpec.model_validate(fields)
        return self.seed_orders(generate_orders(spec, taken=self.orders.po_numbers()))

    def seed_items(self, items: Iterable[Mapping[str, Any]]) -> list[str]:
        """Make items exist in the catalog, with stock when ``warehouses`` are given."""
        now = self.now()
        skus = []
        for item in items:
            if not isinstance(item.get("sku"), str) or not item["sku"]:
                raise SeedError("every item needs a non-empty string sku")
            if any(
                not isinstance(w, dict) or not w.get("code") for w in item.get("warehouses") or []
            ):
                raise SeedError(f"item {item['sku']}: every warehouse needs a code")
            self.inventory.register(item["sku"], dict(item), now)
            if item.get("warehouses"):
                self.warehouses.update(w["code"] for w in item["warehouses"])
                self.inventory.update(dict(item), now)
            skus.append(item["sku"])
        return skus

    def add_warehouses(self, codes: Iterable[str]) -> None:
        self.warehouses.update(codes)

    def set_order_status(self, po_number: str, status: str) -> dict[str, Any]:
        """Move an order as if it happened outside the daemon (cancel, ack in the portal…)."""
        if status not in DSCO_STATUSES:
            raise ValueError(f"dscoStatus must be one of {', '.join(DSCO_STATUSES)}")
        self.settle()
        rec = self.orders.find("poNumber", po_number)
        if rec is None:
            raise KeyError(po_number)
        change_status(rec, status, self.now())
        return copy.deepcopy(rec.data)

    def serve_as(self, po_number: str, payload: Any) -> None:
        """Serve ``payload`` (any JSON: a malformed order, even a non-object) verbatim for the
        order from now on, in its place in time order: a stand-in for a vendor feed gone wrong."""
        rec = self.orders.find("poNumber", po_number)
        if rec is None:
            raise KeyError(po_number)
        rec.hostile, rec.served = True, copy.deepcopy(payload)

    def set_latency(self, seconds: float, path: str | None = None) -> None:
        """Delay responses: for every endpoint, or for one path (the two add up)."""
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        if path is None:
            self.latency.global_seconds = seconds
        else:
            self.latency.by_path[path] = seconds

    def set_batch_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("batch delay must be >= 0")
        self.batch_delay = seconds

    def set_rate_limits(self, enabled: bool) -> None:
        self.limiter.enabled = enabled
        self.limiter.reset()

    def update_switches(self, **changes: Any) -> SandboxSwitches:
        self.switches = SandboxSwitches.model_validate({**self.switches.model_dump(), **changes})
        return self.switches

    def add_fault(self, spec: FaultSpec | None = None, /, **fields: Any) -> int:
        """Add a fault rule (a :class:`FaultSpec` or its fields); returns its id."""
        return self.faults.add(spec or FaultSpec.model_validate(fields))

    def clear_faults(self) -> None:
        self.faults.clear()

    def advance_clock(self, seconds: float) -> datetime:
        """Move a :class:`FakeClock` forward (refused for the system clock)."""
        if not isinstance(self.clock, FakeClock):
            raise TypeError("the sandbox runs on the system clock")
        return self.clock.advance(seconds)

    # -- observation ---------------------------------------------------------------------------

    def calls(self, path: str | None = None, method: str | None = None) -> list[CallRecord]:
        """Recorded API calls, oldest first, optionally only one path and/or method."""
        return [
            c
            for c in self.call_log
            if (path is None or c.path == path) and (method is None or c.method == method)
        ]

    def clear_calls(self) -> None:
        self.call_log.clear()

    def record_call(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> CallRecord:
        record = CallRecord(method, path, query, self.now(), body)
        self.call_log.append(record)
        return record

    def order(self, po_number: str) -> dict[str, Any] | None:
        """A copy of the order as the API serves it now."""
        self.settle()
        rec = self.orders.find("poNumber", po_number)
        return copy.deepcopy(rec.data) if rec else None

    def snapshot(self) -> dict[str, Any]:
        """A copy of everything: orders, packages, invoices, inventory, warehouses, requests."""
        self.settle()
        orders = [rec.data for rec in self.orders.records()]
        packages = [
            {"poNumber": o["poNumber"], **p} for o in orders for p in o.get("packages") or []
        ]
        return copy.deepcopy(
            {
                "orders": orders,
                "packages": packages,
                "invoices": [r.data for r in self.invoices.records()],
                "inventory": self.inventory.items(),
                "warehouses": sorted(self.warehouses),
                "requests": [_request_json(r) for r in self.engine.requests()],
            }
        )

    # -- async engine --------------------------------------------------------------------------

    def submit(
        self, operation: str, elements: list[Any], path: str, *, skip_missing: bool = False
    ) -> AsyncRequest:
        """Queue a batch POST; raises :class:`BatchRejected` under ``strict_sync_validation``."""
        self.settle()
        if skip_missing:
            elements = [e for e in elements if not self._missing_item(e)]
        plans = plan_elements(operation, elements, self.switches)
        if self.switches.strict_sync_validation and any(p.problems for p in plans):
            raise BatchRejected([m for p in plans for m in p.problems])
        keys = [element_key(operation, e) for e in elements]
        apply_faults(plans, self.faults.take_elements("POST", path, keys))
        return self.engine.submit(operation, plans, self.now(), self.batch_delay)

    def settle(self) -> None:
        """Process every batch element whose time has come, in submission order."""
        now = self.now()
        self._auto_ack(now)
        for entry in self.engine.pop_due(now):
            plan = entry.plan
            results = (
                plan.problems
                or plan.injected
                or self._process(entry.operation, plan.payload, entry.due)
            )
            entry.status = "failure" if results else "success"
            entry.results = results
            entry.processed = entry.due

    def _process(self, operation: str, payload: dict[str, Any], when: datetime) -> list[Message]:
        sw = self.switches
        if operation == "acknowledgeOrders":
            return apply_ack(self.orders, payload, sw, when)
        if operation == "createShipmentSmallBatch":
            return apply_shipments(self.orders, payload, sw, self.warehouses, when)
        if operation == "createInvoiceSmallBatch":
            return apply_invoice(self.orders, self.invoices, payload, sw, when)
        problems = apply_inventory(self.inventory, payload, sw, self.warehouses, when)
        if not problems:
            self.streams.publish(self.inventory.lookup("sku", payload["sku"], None)[0], when)
        return problems

    def _auto_ack(self, now: datetime) -> None:
        delay = self.switches.auto_ack_after_seconds
        if delay is None:
            return
        for rec in self.orders.records():
            when = rec.created + timedelta(seconds=delay)
            if rec.status == "created" and when <= now:
                rec.set_status("shipment_pending", when)

    def _missing_item(self, element: Any) -> bool:
        sku = element.get("sku") if isinstance(element, dict) else None
        return isinstance(sku, str) and sku not in self.inventory

    def _register_order_refs(self, rec: OrderRecord, now: datetime) -> None:
        for key in ("requestedWarehouseCode", "shipWarehouseCode"):
            if rec.data.get(key):
                self.warehouses.add(str(rec.data[key]))
        for line in rec.lines:
            sku = line.get("sku")
            if not sku:
                continue
            ids = {k: line.get(k) for k in ("dscoItemId", "upc", "ean")}
            self.inventory.register(str(sku), ids, now)
            if line.get("partnerSku"):
                retailer = rec.data.get("dscoRetailerId")
                self.inventory.add_partner_sku(str(sku), str(line["partnerSku"]), retailer)


def _request_json(request: AsyncRequest) -> dict[str, Any]:
    return {
        "requestId": request.request_id,
        "operation": request.operation,
        "submitted": format_ts(request.submitted),
        "entries": [{**e.to_json(), "dropped": e.plan.drop_log} for e in request.entries],
    }
