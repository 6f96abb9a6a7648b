"""Business endpoints of the sandbox (fact sheet §6). Gateway checks happen in ``gateway``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from ..models import (
    MAX_ORDER_LIST_SPAN,
    InventoryDetailsRequest,
    OrderListRequest,
    PairListRequest,
    SellerListRequest,
    WarehouseListRequest,
    WmsOrderListRequest,
)
from . import paths
from .create import create_orders
from .envelopes import BadRequest, erp_success, mp_success
from .keys import BODY_KEY, SANDBOX_KEY
from .orderbook import WMS_TIME_FIELDS, OrderQuery, WmsQuery, default_wms_window
from .params import bool_param, int_param, int_set, page, str_param, str_set
from .timefmt import parse_day
from .validation import check_model

ORDER_DATE_TYPES = frozenset(
    {
        "update_time",
        "global_purchase_time",
        "global_delivery_time",
        "global_payment_time",
        "delivery_time",
    }
)


def _body(request: web.Request) -> dict[str, Any]:
    body = request.get(BODY_KEY)
    if not isinstance(body, dict):
        raise BadRequest(102, "request body must be a JSON object")
    return body


async def create_order(request: web.Request) -> web.Response:
    """POST /pb/mp/order/v2/create."""
    sb = request.app[SANDBOX_KEY]
    return mp_success(create_orders(sb, _body(request)), sb.clock())


async def list_orders(request: web.Request) -> web.Response:
    """POST /pb/mp/order/v2/list."""
    sb = request.app[SANDBOX_KEY]
    body = _body(request)
    if "offset" not in body or "length" not in body:
        raise BadRequest(1, "offset and length are required")
    offset = int_param(body, "offset", low=0) or 0
    # Observed upstream: a page under 20 is "invalid" (102), over 500 "validation failed" (1).
    length = int_param(body, "length", low=20) or 0
    int_param(body, "length", high=500, code=1)
    query = _order_query(body, MAX_ORDER_LIST_SPAN)
    check_model(OrderListRequest, body, paths.ORDER_LIST)
    rows = sb.book.query_orders(query)
    data = {"total": str(len(rows)), "list": [o.to_row() for o in page(rows, offset, length)]}
    return mp_success(data, sb.clock())


def _order_query(body: dict[str, Any], max_span: float) -> OrderQuery:
    nos = str_set(body, "platform_order_nos", max_items=200)
    nos |= str_set(body, "platform_order_names", max_items=200)  # names equal numbers here
    date_type = str_param(body, "date_type") or None
    start = int_param(body, "start_time")
    end = int_param(body, "end_time")
    if date_type is None and not nos:
        raise BadRequest(1, "date_type is required unless platform_order_nos is given")
    if date_type is not None:
        _check_window(date_type, start, end, max_span, optional=bool(nos))
    status = int_param(body, "order_status", low=1, high=9)
    return OrderQuery(
        platform_order_nos=nos,
        store_ids=str_set(body, "store_id"),
        platform_codes=int_set(body, "platform_code"),
        order_status=status,
        include_delete=bool_param(body, "include_delete"),
        date_type=date_type,
        start_time=start,
        end_time=end,
    )


def _check_window(
    date_type: str, start: int | None, end: int | None, span: float, *, optional: bool
) -> None:
    if date_type not in ORDER_DATE_TYPES:
        raise BadRequest(1, f"date_type: unsupported value {date_type}")
    if start is None or end is None:
        if optional:
            return
        raise BadRequest(1, "start_time and end_time are required with date_type")
    if end <= start or end - start > span:
        raise BadRequest(1, f"time window must be positive and at most {int(span // 86400)} days")


async def list_wms_orders(request: web.Request) -> web.Response:
    """POST /erp/sc/routing/wms/order/wmsOrderList (1-based pages of up to 200)."""
    sb = request.app[SANDBOX_KEY]
    body = _body(request)
    number = int_param(body, "page", 1, low=1) or 1
    size = int_param(body, "page_size", 20, low=1, high=200) or 20
    query = _wms_query(body, sb.clock(), sb.options.wms_default_window_days)
    check_model(WmsOrderListRequest, body, paths.WMS_ORDER_LIST)
    rows = sb.book.query_outbound(query)
    chosen = page(rows, (number - 1) * size, size)
    return erp_success([w.to_row() for w in chosen], len(rows), sb.clock())


def _wms_query(body: dict[str, Any], now: float, window_days: int) -> WmsQuery:
    time_type = str_param(body, "time_type") or "create_at"
    if time_type not in WMS_TIME_FIELDS:
        raise BadRequest(102, f"time_type: unsupported value {time_type}")
    default_start, default_end = default_wms_window(now, window_days)
    start_text, end_text = str_param(body, "start_date"), str_param(body, "end_date")
    if not start_text and not end_text:
        # Upstream shows only about the last month of outbound orders without dates.
        start, end, time_type = default_start, default_end, "create_at"
    else:
        try:
            end = parse_day(end_text) if end_text else default_end
            start = parse_day(start_text) if start_text else end - timedelta(days=window_days)
        except ValueError:
            raise BadRequest(102, "start_date/end_date must be YYYY-MM-DD") from None
    return WmsQuery(
        start=start,
        end=end,
        time_type=time_type,
        platform_order_nos=str_set(body, "platform_order_no_arr"),
        sids=int_set(body, "sid_arr"),
        statuses=int_set(body, "status_arr"),
        logistics_statuses=int_set(body, "logistics_status_arr"),
        order_numbers=str_set(body, "order_number_arr"),
        wo_numbers=str_set(body, "wo_number_arr"),
    )


async def inventory_details(request: web.Request) -> web.Response:
    """POST /erp/sc/routing/data/local_inventory/inventoryDetails (``length`` ≤ 800)."""
    sb = request.app[SANDBOX_KEY]
    body = _body(request)
    offset = int_param(body, "offset", 0, low=0) or 0
    length = int_param(body, "length", 20, low=1, high=800) or 20
    wid_text = str_param(body, "wid")
    try:
        wids = {int(w) for w in wid_text.split(",") if w.strip()}
    except ValueError:
        raise BadRequest(102, "wid: comma separated warehouse ids") from None
    sku = str_param(body, "sku")
    check_model(InventoryDetailsRequest, body, paths.INVENTORY_DETAILS)
    rows = [r for r in sb.inventory if (not wids or r.wid in wids) and sku in r.sku]
    return erp_success([r.to_row() for r in page(rows, offset, length)], len(rows), sb.clock())


async def list_pairs(request: web.Request) -> web.Response:
    """POST /pb/mp/listing/v2/getPairList (offset mode or cursor mode)."""
    sb = request.app[SANDBOX_KEY]
    body = _body(request)
    length = int_param(body, "length", 20, low=1, high=1000) or 20
    mskus, skus = str_set(body, "msku"), str_set(body, "sku")
    store_ids, codes = str_set(body, "store_ids"), str_set(body, "platform_codes")
    start, end = str_param(body, "start_time"), str_param(body, "end_time")
    check_model(PairListRequest, body, paths.PAIR_LIST)
    rows = []
    for index, pair in enumerate(sb.pairs):
        store = sb.stores.get(pair.store_id)
        row = pair.to_row(store)
        keep = (not mskus or pair.msku in mskus) and (not skus or pair.sku in skus)
        keep = keep and (not store_ids or pair.store_id in store_ids)
        keep = keep and (not codes or row["platform_code"] in codes)
        keep = (
            keep
            and (not start or pair.modify_time >= start)
            and (not end or pair.modify_time < end)
        )
        if keep:
            rows.append((index, row))
    if bool_param(body, "use_cursor"):
        return mp_success(_cursor_page(body, rows, length), sb.clock())
    offset = int_param(body, "offset", 0, low=0) or 0
    data = {"total": str(len(rows)), "list": [r for _, r in page(rows, offset, length)]}
    return mp_success(data, sb.clock())


def _cursor_page(
    body: dict[str, Any], rows: list[tuple[int, dict[str, Any]]], length: int
) -> dict[str, Any]:
    cursor = int_param(body, "cursor_id", code=1)
    if cursor is None:
        raise BadRequest(1, "cursor_id is required when use_cursor is true")
    after = [(i, r) for i, r in rows if i >= cursor]
    chosen = after[:length]
    has_next = len(after) > length
    next_cursor = after[length][0] if has_next else (chosen[-1][0] + 1 if chosen else cursor)
    return {"has_next": has_next, "next_cursor_id": next_cursor, "list": [r for _, r in chosen]}


async def list_stores(request: web.Request) -> web.Response:
    """POST /pb/mp/shop/v2/getSellerList (``length`` ≤ 200)."""
    sb = request.app[SANDBOX_KEY]
    body = _body(request)
    offset = int_param(body, "offset", 0, low=0) or 0
    length = int_param(body, "length", 20, low=1, high=200, code=1) or 20
    codes = int_set(body, "platform_code")
    is_sync, status = int_param(body, "is_sync"), int_param(body, "status")
    check_model(SellerListRequest, body, paths.STORE_LIST)
    rows = [
        s
        for s in sb.stores.values()
        if (not codes or s.platform_code in codes)
        and (is_sync is None or s.is_sync == is_sync)
        and (status is None or s.status == status)
    ]
    data = {"total": str(len(rows)), "list": [s.to_row() for s in page(rows, offset, length)]}
    return mp_success(data, sb.clock())


async def list_warehouses(request: web.Request) -> web.Response:
    """POST /erp/sc/data/local_inventory/warehouse."""
    sb = request.app[SANDBOX_KEY]
    body = _body(request)
    kind = int_param(body, "type", 1)
    sub_type = int_param(body, "sub_type")
    deleted_text = str_param(body, "is_delete", "0") or "0"
    deleted = {int(x) for x in deleted_text.split(",") if x.strip().isdigit()}
    offset = int_param(body, "offset", 0, low=0) or 0
    length = int_param(body, "length", 1000, low=1) or 1000
    check_model(WarehouseListRequest, body, paths.WAREHOUSE_LIST)
    rows = [
        w
        for w in sb.warehouses.values()
        if w.type == kind
        and w.is_delete in deleted
        and (sub_type is None or w.sub_type == sub_type)
    ]
    return erp_success([w.to_row() for w in page(rows, offset, length)], len(rows), sb.clock())


async def list_logistics_types(request: web.Request) -> web.Response:
    """POST /erp/sc/routing/wms/WmsLogistics/listUsedLogisticsType (nested ``param``)."""
    sb = request.app[SANDBOX_KEY]
    param = _body(request).get("param")
    if not isinstance(param, dict):
        raise BadRequest(102, "param: must be an object")
    provider_type = int_param(param, "provider_type")
    if provider_type is None:
        raise BadRequest(102, "param.provider_type is required")
    number = int_param(param, "page", 1, low=1) or 1
    size = int_param(param, "length", 20, low=1) or 20
    rows = [t for t in sb.logistics_types if t.provider_type == provider_type]
    chosen = page(rows, (number - 1) * size, size)
    return erp_success([t.to_row() for t in chosen], len(rows), sb.clock())


BUSINESS_ROUTES = {
    paths.ORDER_CREATE: create_order,
    paths.ORDER_LIST: list_orders,
    paths.WMS_ORDER_LIST: list_wms_orders,
    paths.INVENTORY_DETAILS: inventory_details,
    paths.PAIR_LIST: list_pairs,
    paths.STORE_LIST: list_stores,
    paths.WAREHOUSE_LIST: list_warehouses,
    paths.LOGISTICS_TYPES: list_logistics_types,
}
