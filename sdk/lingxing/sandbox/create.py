"""CreateOrdersV2 (``/pb/mp/order/v2/create``): validation, duplicate check, order creation.

Each order is validated with the project's ``CreateOrder`` model (required fields, identifier
and currency rules, ``wid`` ⇔ ``logistics_type_id``); a bad or duplicate order lands in
``error_details`` while the call still answers ``code 0``, as the fact sheet describes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..models import CreateOrder, CreateOrderItem
from . import lifecycle as lc
from .envelopes import BadRequest
from .params import int_param, list_param, str_param
from .records import MpOrder, OrderLine
from .validation import reasons

if TYPE_CHECKING:
    from .state import LingxingSandbox

DUPLICATE_MESSAGE = "platform order no already exists in this store"
_STORE_ID = re.compile(r"^\d{1,20}$")


def create_orders(sb: LingxingSandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Create the valid orders of ``body``; the ``data`` of the M-style answer.

    Whole-call problems (missing top-level fields, unknown store, too many orders) raise
    ``BadRequest(1, ...)``; a bad or duplicate order only lands in ``error_details``.
    """
    platform_code, store_id, orders = _call_params(sb, body)
    successes: list[dict[str, str]] = []
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for raw in orders:
        po = str(raw.get("platform_order_no", "")) if isinstance(raw, dict) else ""
        order, problem = _validated(sb, store_id, raw, seen)
        if order is None:
            errors.append({"platform_order_no": po, "error_message": problem})
            continue
        seen.add(order.platform_order_no)
        stored = _store_order(sb, platform_code, store_id, order)
        successes.append({"platform_order_no": po, "global_order_no": stored.global_order_no})
    if not successes and sb.options.create_fails_when_all_fail:
        raise BadRequest(1, *(f"{e['platform_order_no']}: {e['error_message']}" for e in errors))
    return {"error_details": errors, "success_details": successes}


def _call_params(sb: LingxingSandbox, body: dict[str, Any]) -> tuple[int, str, list[Any]]:
    platform_code = int_param(body, "platform_code", code=1, low=10001)
    store_id = str_param(body, "store_id")
    orders = list_param(body, "orders")
    extra = set(body) - {"platform_code", "store_id", "orders"}
    if platform_code is None or not store_id or not orders or extra:
        raise BadRequest(1, "exactly platform_code, store_id and orders are required")
    if not _STORE_ID.match(store_id) or store_id not in sb.stores:
        raise BadRequest(1, f"store_id: {store_id[:20]} 店铺不存在")
    if len(orders) > sb.options.max_orders_per_create:
        raise BadRequest(1, f"orders: 最多{sb.options.max_orders_per_create}个")
    return platform_code, store_id, orders


def _validated(
    sb: LingxingSandbox, store_id: str, raw: Any, seen: set[str]
) -> tuple[CreateOrder | None, str]:
    try:
        order = CreateOrder.model_validate(raw)
    except ValidationError as exc:
        return None, "; ".join(reasons(exc))
    if order.wid is not None and int(order.wid) not in sb.warehouses:
        return None, f"wid {order.wid} does not exist"
    po = order.platform_order_no
    taken = sb.book.po_taken(store_id, po, count_deleted=sb.options.deleted_blocks_duplicates)
    if taken or po in seen:
        return None, DUPLICATE_MESSAGE
    return order, ""


def _store_order(
    sb: LingxingSandbox, platform_code: int, store_id: str, order: CreateOrder
) -> MpOrder:
    now = sb.clock()
    store = sb.stores[store_id]
    po = order.platform_order_no
    stored = MpOrder(
        global_order_no=sb.book.next_order_no(),
        store_id=store_id,
        platform_code=platform_code,
        platform_order_nos=[po],
        lines=[_line(sb, store_id, po, item) for item in order.items],
        status=4,
        created_at=now,
        wid=order.wid or "0",
        logistics_type_id=order.logistics_type_id or "",
        amount_currency=order.amount_currency or store.currency,
        remark=order.remark or "",
        country_code=store.country_code,
        purchase_time=order.global_purchase_time or int(now),
        payment_time=order.global_payment_time or int(now),
        update_time=now,
    )
    sb.book.orders[stored.global_order_no] = stored
    if sb.options.auto_review:
        lc.review(sb, stored, None, None)
    return stored


def _line(sb: LingxingSandbox, store_id: str, po: str, item: CreateOrderItem) -> OrderLine:
    msku = item.msku or ""
    sku = item.sku or sb.paired_sku(store_id, msku)
    return OrderLine(sb.book.next_line_id(), po, msku, sku, item.quantity, item.unit_price)
