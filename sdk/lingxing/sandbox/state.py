"""``LingxingSandbox``: the whole state of the fake Lingxing and its Python control methods."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..signing import check_app_id
from . import lifecycle as lc
from .calls import CallRecord
from .catalog import InventoryRow, LogisticsType, Pair, Store, Warehouse
from .faults import Fault, FaultPlan
from .limiter import InFlightLimiter
from .options import SandboxOptions
from .orderbook import OrderBook
from .records import MpOrder, WmsOrder
from .timefmt import beijing_text, to_beijing_text
from .tokens import TokenBook

Clock = Callable[[], float]


class LingxingSandbox:
    """State of one fake Lingxing app plus the control operations tests and the demo use.

    Every ``/__sandbox/...`` HTTP control route maps to one of these methods.
    """

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        token_ttl: float = 7200.0,
        clock: Clock = time.time,
        options: SandboxOptions | None = None,
    ) -> None:
        check_app_id(app_id)  # a sandbox that cannot verify signs would be useless
        self.app_id = app_id
        self.app_secret = app_secret
        self.clock = clock
        self.options = options or SandboxOptions()
        self.tokens = TokenBook(token_ttl, self.options, clock)
        self.limiter = InFlightLimiter(self.options.capacity_overrides)
        self.faults = FaultPlan()
        self.closing = asyncio.Event()
        # Calls still being answered (kept so that abandoned calls finish and are awaited).
        self.background: set[asyncio.Task[Any]] = set()
        self._init_data()

    def _init_data(self) -> None:
        self.calls: list[CallRecord] = []
        self.book = OrderBook()
        self.stores: dict[str, Store] = {}
        self.warehouses: dict[int, Warehouse] = {}
        self.pairs: list[Pair] = []
        self.inventory: list[InventoryRow] = []
        self.logistics_types: list[LogisticsType] = []
        self._product_ids: dict[str, int] = {}

    # ----------------------------------------------------------------- housekeeping
    def reset(self) -> None:
        """Forget all data, tokens, faults, latency and call records (options are kept)."""
        self._init_data()
        self.tokens.reset()
        self.faults.clear()
        self.limiter.reset_stats()

    def reset_stats(self) -> None:
        """Forget call records, in-flight maxima, rejections and token counters (data is kept)."""
        self.calls.clear()
        self.limiter.reset_stats()
        self.tokens.issued = self.tokens.refreshed = 0

    def product_id(self, sku: str) -> int:
        """Stable product id of a local SKU."""
        return self._product_ids.setdefault(sku, 10_000 + len(self._product_ids))

    # ----------------------------------------------------------------- seeding
    def add_store(self, store_id: str, **fields: Any) -> Store:
        """Add or replace a store (see ``Store`` for fields; ``sid`` defaults to store_id)."""
        store = Store(store_id=str(store_id), **fields)
        self.stores[store.store_id] = store
        return store

    def add_warehouse(self, wid: int, **fields: Any) -> Warehouse:
        """Add or replace a warehouse."""
        warehouse = Warehouse(wid=int(wid), **fields)
        self.warehouses[warehouse.wid] = warehouse
        return warehouse

    def add_pair(self, store_id: str, msku: str, sku: str, local_name: str = "") -> Pair:
        """Add or replace the pairing of ``msku`` in ``store_id``."""
        self.pairs = [p for p in self.pairs if (p.store_id, p.msku) != (store_id, msku)]
        pair = Pair(store_id, msku, sku, local_name, beijing_text(self.clock()))
        self.pairs.append(pair)
        return pair

    def add_inventory(
        self, wid: int, sku: str, product_valid_num: int, **fields: Any
    ) -> InventoryRow:
        """Add a stock row (several rows per SKU and warehouse are allowed)."""
        fields.setdefault("product_id", self.product_id(sku))
        row = InventoryRow(wid=int(wid), sku=sku, product_valid_num=product_valid_num, **fields)
        self.inventory.append(row)
        return row

    def add_logistics_type(self, type_id: str, **fields: Any) -> LogisticsType:
        """Add a shipping method."""
        item = LogisticsType(type_id=str(type_id), **fields)
        self.logistics_types.append(item)
        return item

    def paired_sku(self, store_id: str, msku: str) -> str:
        """Local SKU paired with ``msku`` in ``store_id`` (``""`` when unpaired)."""
        for pair in self.pairs:
            if pair.store_id == store_id and pair.msku == msku:
                return pair.sku
        return ""

    # ----------------------------------------------------------------- orders
    def orders_for(self, po: str, *, include_deleted: bool = True) -> list[MpOrder]:
        """Lingxing orders (sub-orders too) carrying platform order number ``po``."""
        return self.book.for_po(po, include_deleted=include_deleted)

    def review(
        self,
        po: str,
        *,
        global_order_no: str | None = None,
        wid: int | None = None,
        logistics_type_id: str | None = None,
    ) -> list[WmsOrder]:
        """Review pending orders of ``po`` (4 → 5); each gets an outbound order."""
        orders = lc.targets(self, po, global_order_no, {4})
        return [lc.review(self, o, wid, logistics_type_id) for o in orders]

    def label(
        self, po: str, tracking_no: str, *, waybill_no: str = "", global_order_no: str | None = None
    ) -> None:
        """Give reviewed orders of ``po`` a tracking number (order and outbound orders)."""
        for order in lc.targets(self, po, global_order_no, {5, 6}):
            lc.label(self, order, tracking_no, waybill_no)

    def ship(
        self,
        po: str,
        *,
        tracking_no: str | None = None,
        at: datetime | str | float | None = None,
        global_order_no: str | None = None,
    ) -> None:
        """Ship reviewed orders of ``po`` (→ 6; outbound → 3, delivered at ``at`` or now)."""
        for order in lc.targets(self, po, global_order_no, {5}):
            if tracking_no is not None:
                lc.label(self, order, tracking_no, "")
            lc.ship(self, order, at)

    def cancel(self, po: str, *, global_order_no: str | None = None) -> None:
        """Cancel orders of ``po`` (→ 7); their outbound orders become deleted (4)."""
        for order in lc.targets(self, po, global_order_no):
            lc.cancel(self, order)

    def delete_order(self, po: str, *, global_order_no: str | None = None) -> None:
        """Soft-delete orders of ``po`` (``is_delete=1``); outbound orders → 4."""
        for order in lc.targets(self, po, global_order_no):
            lc.delete(self, order)

    def set_status(self, po: str, status: int, *, global_order_no: str | None = None) -> None:
        """Force status ``status`` (1–9) on orders of ``po`` without side effects."""
        if not 1 <= status <= 9:
            raise lc.ControlError("status must be within 1..9")
        for order in lc.targets(self, po, global_order_no):
            order.status = status
            order.update_time = self.clock()

    def split(
        self,
        po: str,
        groups: list[dict[str, int]] | None = None,
        *,
        global_order_no: str | None = None,
    ) -> list[MpOrder]:
        """Split an order of ``po`` into sub-orders (groups of ``msku -> quantity``)."""
        parent = lc.targets(self, po, global_order_no)[0]
        return lc.split(self, parent, groups or lc.default_groups(parent))

    def merge(self, pos: list[str]) -> MpOrder:
        """Merge the pending orders of ``pos`` (one store) into one order with several POs."""
        orders = [o for po in pos for o in lc.targets(self, po, None, {4})]
        unique = list({o.global_order_no: o for o in orders}.values())
        return lc.merge(self, unique)

    def add_outbound(
        self,
        po: str,
        *,
        products: list[dict[str, Any]],
        tracking_no: str = "",
        delivered_at: datetime | str | float | None = None,
        status: int = 3,
        sid: int | None = None,
        wid: int | None = None,
        order_number: str | None = None,
        create_at: datetime | str | float | None = None,
    ) -> WmsOrder:
        """Create an outbound order for ``po`` directly (``products``: ``[{sku, count}]``).

        Missing ``sid``/``wid``/``order_number`` come from the PO's Lingxing order; a shipped
        order (status 3) gets ``delivered_at``/``stock_delivered_at`` (default now, UTC+8 text).
        """
        orders = self.orders_for(po, include_deleted=False)
        store = self.stores.get(orders[0].store_id) if orders else None
        if sid is None and store is None:
            raise lc.ControlError("sid is required when the PO has no Lingxing order")
        wo = lc.add_outbound_raw(
            self,
            order_number=order_number or (orders[0].global_order_no if orders else ""),
            platform_order_nos=[po],
            sid=sid if sid is not None else store.wms_sid if store else 0,
            wid=wid if wid is not None else int(orders[0].wid) if orders else 0,
            lines=lc.outbound_lines(products),
            status=status,
            create_at=create_at,
        )
        wo.tracking_no = tracking_no
        wo.logistics_status = 5 if tracking_no else 2
        if status == 3:
            wo.delivered_at = wo.stock_delivered_at = to_beijing_text(delivered_at, self.clock())
        return wo

    def delete_outbound(self, wo_number: str) -> None:
        """Mark an outbound order deleted (status 4)."""
        wo = self.book.outbound.get(wo_number)
        if wo is None:
            raise lc.ControlError(f"unknown outbound order {wo_number!r}")
        wo.status = 4
        wo.touch(self.clock())

    # ----------------------------------------------------------------- faults and stats
    def set_latency(self, seconds: float, path: str | None = None) -> None:
        """Delay answers by ``seconds`` for every path, or only ``path``."""
        if path is None:
            self.faults.latency = seconds
        else:
            self.faults.path_latency[path] = seconds

    def inject(self, path: str, kind: str, count: int = 1, **params: Any) -> Fault:
        """Make the next ``count`` calls to ``path`` (``*`` = any) suffer fault ``kind``."""
        fault = Fault.build(kind, count, **params)
        self.faults.add(path, fault)
        return fault

    def expire_tokens(self) -> None:
        """Expire every access token now (next business call: 2001003)."""
        self.tokens.expire_all()

    def revoke_tokens(self) -> None:
        """Revoke every access token (next business call: 2001005)."""
        self.tokens.revoke_all()

    def call_log(self, path: str | None = None) -> list[CallRecord]:
        """Answered calls, oldest first, optionally only those to ``path``."""
        return [c for c in self.calls if path is None or c.path == path]

    def stats(self) -> dict[str, Any]:
        """Counters tests assert on: token grants, max in-flight and rejections per path."""
        return {
            "token_issued": self.tokens.issued,
            "token_refreshed": self.tokens.refreshed,
            "token_grants": self.tokens.grants,
            "max_in_flight": dict(self.limiter.max_in_flight),
            "in_flight": {p: n for p, n in self.limiter.in_flight.items() if n},
            "rejected": dict(self.limiter.rejected),
            "calls": len(self.calls),
        }
