"""What Lingxing staff and the warehouse do to an order after it is created (fact sheet §10.2).

Driven by the control API, never by the public endpoints: review (status 5 + an outbound order),
label (tracking number), ship (status 6, outbound status 3, stock leaves the warehouse), cancel,
delete, split into sub-orders, and direct creation/deletion of outbound orders.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from .records import MpOrder, WmsLine, WmsOrder
from .timefmt import beijing_text, parse_beijing_text, to_beijing_text

if TYPE_CHECKING:
    from .state import LingxingSandbox


class ControlError(ValueError):
    """A control-API request that cannot be applied (unknown PO, wrong state...)."""


def targets(
    sb: LingxingSandbox, po: str, global_order_no: str | None, statuses: set[int] | None = None
) -> list[MpOrder]:
    """The live orders of ``po`` an operation applies to (one sub-order when numbered)."""
    orders = sb.book.for_po(po, include_deleted=False)
    if global_order_no is not None:
        orders = [o for o in orders if o.global_order_no == global_order_no]
    if statuses is not None:
        orders = [o for o in orders if o.status in statuses]
    if not orders:
        raise ControlError(f"no matching Lingxing order for platform_order_no {po!r}")
    return orders


def _touch(sb: LingxingSandbox, order: MpOrder) -> None:
    order.update_time = sb.clock()
    for wo in sb.book.outbound_for(order.global_order_no):
        wo.touch(order.update_time)


def review(sb: LingxingSandbox, order: MpOrder, wid: int | None, logistics: str | None) -> WmsOrder:
    """Status 4 → 5 and a new outbound order (status 1) for it."""
    order.status = 5
    order.review_time = int(sb.clock())
    if wid is not None:
        order.wid = str(wid)
    if logistics is not None:
        order.logistics_type_id = logistics
    lines = [(ln.local_sku or ln.msku, ln.msku, ln.quantity) for ln in order.lines]
    wo = new_outbound(sb, order, lines, status=1)
    _touch(sb, order)
    return wo


def new_outbound(
    sb: LingxingSandbox, order: MpOrder, lines: list[tuple[str, str, int]], status: int
) -> WmsOrder:
    """Store an outbound order for ``order`` with ``(sku, seller_sku, count)`` lines."""
    store = sb.stores.get(order.store_id)
    return add_outbound_raw(
        sb,
        order_number=order.global_order_no,
        platform_order_nos=list(order.platform_order_nos),
        sid=store.wms_sid if store else 0,
        wid=int(order.wid or 0),
        lines=lines,
        status=status,
        logistics_type_id=order.logistics_type_id,
    )


def add_outbound_raw(
    sb: LingxingSandbox,
    *,
    order_number: str,
    platform_order_nos: list[str],
    sid: int,
    wid: int,
    lines: list[tuple[str, str, int]],
    status: int,
    logistics_type_id: str = "",
    create_at: datetime | str | float | None = None,
) -> WmsOrder:
    """Store an outbound order built from plain values."""
    wo_id, wo_number = sb.book.next_wo()
    wms_lines = [
        WmsLine(sb.book.next_wod_id(), sb.product_id(sku), sku, seller_sku, count)
        for sku, seller_sku, count in lines
    ]
    wo = WmsOrder(
        wo_id=wo_id,
        wo_number=wo_number,
        order_number=order_number,
        platform_order_nos=platform_order_nos,
        sid=sid,
        wid=wid,
        lines=wms_lines,
        create_at=to_beijing_text(create_at, sb.clock()),
        status=status,
        logistics_type_id=logistics_type_id,
    )
    sb.book.outbound[wo_number] = wo
    return wo


def label(sb: LingxingSandbox, order: MpOrder, tracking_no: str, waybill_no: str) -> None:
    """Carrier order done: tracking number on the order and its outbound orders."""
    order.logistics_status = 2
    order.tracking_no, order.waybill_no = tracking_no, waybill_no
    for wo in _live_outbound(sb, order):
        wo.tracking_no, wo.waybill_no = tracking_no, waybill_no
        wo.logistics_status = 5
        wo.status = max(wo.status, 2)
    _touch(sb, order)


def ship(sb: LingxingSandbox, order: MpOrder, at: datetime | str | float | None) -> None:
    """Stock leaves the warehouse: status 6, outbound status 3 with delivered times."""
    if not order.tracking_no:
        label(sb, order, f"SBX{order.global_order_no[-12:]}", "")
    text = to_beijing_text(at, sb.clock())
    order.status = 6
    order.delivery_time = int(sb.clock()) if at is None else _unix_of(text)
    for wo in _live_outbound(sb, order):
        if wo.status != 3 and sb.options.ship_consumes_inventory:
            consume_stock(sb, wo)
        wo.status, wo.delivered_at, wo.stock_delivered_at = 3, text, text
    _touch(sb, order)


def _unix_of(text: str) -> int:
    return int(parse_beijing_text(text) or 0)


def consume_stock(sb: LingxingSandbox, wo: WmsOrder) -> None:
    """Take shipped counts out of ``product_valid_num`` of the outbound order's warehouse."""
    for line in wo.lines:
        need = line.count
        for row in (r for r in sb.inventory if r.wid == wo.wid and r.sku == line.sku):
            used = min(need, row.product_valid_num)
            row.product_valid_num -= used
            need -= used


def cancel(sb: LingxingSandbox, order: MpOrder) -> None:
    """Status 7; its outbound orders become deleted (status 4)."""
    order.status = 7
    order.cancel_time = int(sb.clock())
    for wo in _live_outbound(sb, order):
        wo.status = 4
    _touch(sb, order)


def delete(sb: LingxingSandbox, order: MpOrder) -> None:
    """Soft delete (``is_delete=1``, hidden unless ``include_delete``); outbound orders → 4."""
    order.is_delete = 1
    for wo in _live_outbound(sb, order):
        wo.status = 4
    _touch(sb, order)


def _live_outbound(sb: LingxingSandbox, order: MpOrder) -> list[WmsOrder]:
    return [w for w in sb.book.outbound_for(order.global_order_no) if w.status != 4]


def split(sb: LingxingSandbox, parent: MpOrder, groups: list[dict[str, int]]) -> list[MpOrder]:
    """Replace ``parent`` by one child per group (``msku -> quantity``), same PO numbers."""
    if parent.status not in (4, 5):
        raise ControlError("only orders pending review or shipment can be split")
    _check_groups(parent, groups)
    children = [_child(sb, parent, group) for group in groups]
    for wo in _live_outbound(sb, parent):
        wo.status = 4
    del sb.book.orders[parent.global_order_no]
    for child in children:
        sb.book.orders[child.global_order_no] = child
        if child.status == 5:
            lines = [(ln.local_sku or ln.msku, ln.msku, ln.quantity) for ln in child.lines]
            new_outbound(sb, child, lines, status=1)
    return children


def merge(sb: LingxingSandbox, orders: list[MpOrder]) -> MpOrder:
    """Replace pending orders of one store by one merged order (``split_type "2"``)."""
    if len(orders) < 2 or len({o.store_id for o in orders}) != 1:
        raise ControlError("merge needs >= 2 orders of the same store")
    if any(o.status != 4 for o in orders):
        raise ControlError("only orders pending review can be merged")
    first = orders[0]
    merged = replace(
        first,
        global_order_no=sb.book.next_order_no(),
        platform_order_nos=[po for o in orders for po in o.platform_order_nos],
        lines=[ln for o in orders for ln in o.lines],
        split_type="2",
        update_time=sb.clock(),
    )
    for order in orders:
        del sb.book.orders[order.global_order_no]
    sb.book.orders[merged.global_order_no] = merged
    return merged


def default_groups(order: MpOrder) -> list[dict[str, int]]:
    """One child per line; a single line of quantity ≥ 2 splits into a child per unit."""
    if len(order.lines) == 1 and order.lines[0].quantity >= 2:
        return [{order.lines[0].msku: 1} for _ in range(order.lines[0].quantity)]
    return [{ln.msku: ln.quantity} for ln in order.lines]


def _check_groups(parent: MpOrder, groups: list[dict[str, int]]) -> None:
    have: Counter[str] = Counter()
    for ln in parent.lines:
        have[ln.msku] += ln.quantity
    want: Counter[str] = Counter()
    for group in groups:
        want.update(group)
    if len(groups) < 2 or want != have or any(q <= 0 for g in groups for q in g.values()):
        raise ControlError("split groups must be >= 2 and add up to the order's quantities")


def _child(sb: LingxingSandbox, parent: MpOrder, group: dict[str, int]) -> MpOrder:
    by_msku = {ln.msku: ln for ln in parent.lines}
    lines = [
        replace(by_msku[msku], id=sb.book.next_line_id(), quantity=qty)
        for msku, qty in group.items()
    ]
    return replace(
        parent,
        global_order_no=sb.book.next_order_no(),
        platform_order_nos=list(parent.platform_order_nos),
        lines=lines,
        split_type="3",
        update_time=sb.clock(),
    )


def outbound_lines(products: list[dict[str, object]]) -> list[tuple[str, str, int]]:
    """``[{sku, count, seller_sku?}]`` from the control API as outbound lines."""
    lines = []
    for p in products:
        sku = str(p["sku"])
        count = p["count"]
        if not isinstance(count, int) or count <= 0:
            raise ControlError("product count must be a positive integer")
        lines.append((sku, str(p.get("seller_sku", sku)), count))
    if not lines:
        raise ControlError("an outbound order needs at least one product line")
    return lines


def describe(order: MpOrder) -> dict[str, object]:
    """A short control-API view of an order and its outbound orders' numbers."""
    return {
        "global_order_no": order.global_order_no,
        "platform_order_nos": order.platform_order_nos,
        "status": order.status,
        "is_delete": order.is_delete,
        "split_type": order.split_type,
        "tracking_no": order.tracking_no,
        "update_time": beijing_text(order.update_time),
        "lines": [
            {"msku": ln.msku, "local_sku": ln.local_sku, "quantity": ln.quantity}
            for ln in order.lines
        ],
    }
