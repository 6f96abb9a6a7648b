"""The DSCO v3 endpoints the sandbox serves (reads, scroll paging and async batch POSTs)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .clock import format_ts
from .intake import OPERATION_OF_PATH
from .inventory import ITEM_KEYS
from .invoices import INVOICE_KEYS
from .keys import SANDBOX_KEY
from .messages import NOT_FOUND, PAYLOAD_TOO_LARGE, VALIDATION_FAILED, envelope, error_response
from .orders import ORDER_KEYS
from .params import BadRequest, bool_param, enum_param, log_query, order_page_query, required
from .state import BatchRejected, DscoSandbox

MAX_BODY = 5 * 1024 * 1024
ORDER_SCROLL = "order-page"  # change-log scrolls use their log name ("order", …)
LOG_PATHS = {"/order/log": "order", "/invoice/log": "invoice", "/inventory/log": "inventory"}


def add_api_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/order/page", get_order_page)
    router.add_get("/order/", get_order)
    router.add_get("/order", get_order)  # alias: the spec's path has the slash, callers may not
    router.add_get("/invoice", get_invoices)
    router.add_get("/inventory", get_inventory)
    for path in LOG_PATHS:
        router.add_get(path, get_change_log)
    for path in OPERATION_OF_PATH:
        router.add_post(path, post_batch)


def canonical_path(path: str) -> str:
    return "/order/" if path == "/order" else path


def _bad(sandbox: DscoSandbox, description: str) -> web.Response:
    return error_response(400, VALIDATION_FAILED, description, sandbox.now())


def _not_found(sandbox: DscoSandbox, description: str) -> web.Response:
    return error_response(404, NOT_FOUND, description, sandbox.now())


async def get_order_page(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    now = sandbox.now()
    scroll_id = request.query.get("scrollId")
    if scroll_id:
        scroll = sandbox.scrolls.fetch(
            scroll_id, ORDER_SCROLL, now, sandbox.switches.scroll_ttl_seconds
        )
        if scroll is None:
            return _not_found(sandbox, "scrollId expired or unknown")
        return web.json_response(
            {"scrollId": scroll_id, "orders": _orders(sandbox, scroll.next_page())}
        )
    try:
        query, per_page = order_page_query(request.query, now, sandbox.switches)
    except BadRequest as exc:
        return _bad(sandbox, str(exc))
    ids = [rec.order_id for rec in sandbox.orders.query(query)]
    ttl = sandbox.switches.scroll_ttl_seconds
    first, new_scroll = sandbox.scrolls.open(ORDER_SCROLL, ids, per_page, now, ttl)
    body: dict[str, Any] = {"orders": _orders(sandbox, first)}
    if new_scroll is not None:
        body["scrollId"] = new_scroll
    return web.json_response(body)


def _orders(sandbox: DscoSandbox, ids: list[str]) -> list[dict[str, Any]]:
    found = (sandbox.orders.find("dscoOrderId", order_id) for order_id in ids)
    return [rec.view() for rec in found if rec is not None]


async def get_order(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    try:
        key = enum_param(request.query, "orderKey", ORDER_KEYS)
        value = required(request.query, "value")
        multiple = bool_param(request.query, "returnMultiple") or False
    except BadRequest as exc:
        return _bad(sandbox, str(exc))
    records = sandbox.orders.find_all(key, value)
    if not records:
        return _not_found(sandbox, f"no order with {key} {value}")
    if multiple:
        return web.json_response([rec.view() for rec in records])
    return web.json_response(records[0].view())


async def get_invoices(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    try:
        key = enum_param(request.query, "key", INVOICE_KEYS)
        value = required(request.query, "value")
    except BadRequest as exc:
        return _bad(sandbox, str(exc))
    invoices = sandbox.invoices.lookup(key, value, sandbox.now())
    if not invoices and sandbox.switches.invoice_not_found_404:
        return _not_found(sandbox, f"no invoice with {key} {value}")
    return web.json_response({"invoices": invoices})


async def get_inventory(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    query = request.query
    try:
        key = enum_param(query, "itemKey", ITEM_KEYS)
        value = required(query, "value")
        multiple = bool_param(query, "returnMultiple") or False
    except BadRequest as exc:
        return _bad(sandbox, str(exc))
    retailer = query.get("dscoRetailerId") or query.get("dscoTradingPartnerId")
    if (
        key == "partnerSku"
        and retailer is None
        and sandbox.switches.partner_sku_lookup_needs_retailer
    ):
        return _bad(sandbox, "itemKey=partnerSku needs dscoRetailerId or dscoTradingPartnerId")
    items = sandbox.inventory.lookup(key, value, retailer)
    if not items:
        return _not_found(sandbox, f"no item with {key} {value}")
    return web.json_response(items if multiple else items[0])


async def get_change_log(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    log = LOG_PATHS[request.path]
    now, sw = sandbox.now(), sandbox.switches
    scroll_id = request.query.get("scrollId")
    if scroll_id:
        scroll = sandbox.scrolls.fetch(scroll_id, log, now, sw.scroll_ttl_seconds)
        if scroll is None:
            return _not_found(sandbox, "scrollId expired or unknown")
        page, request_id = scroll.next_page(), scroll.extra.get("requestId")
    else:
        try:
            lq = log_query(request.query)
        except BadRequest as exc:
            return _bad(sandbox, str(exc))
        entries = sandbox.engine.select(
            log, sw, now, request_id=lq.request_id, status=lq.status, start=lq.start, end=lq.end
        )
        extra = {"requestId": lq.request_id}
        page, scroll_id = sandbox.scrolls.open(
            log, entries, sw.log_page_size, now, sw.scroll_ttl_seconds, extra
        )
        request_id = lq.request_id
    body: dict[str, Any] = {"logs": [entry.to_json() for entry in page]}
    if scroll_id is not None:
        body["scrollId"] = scroll_id
    if request_id is not None:
        body["status"] = sandbox.engine.request_status(request_id, now)
    return web.json_response(body)


async def post_batch(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    now = sandbox.now()
    raw = await request.read()
    if len(raw) > MAX_BODY:
        return error_response(413, PAYLOAD_TOO_LARGE, "body larger than 5 MB", now)
    try:
        elements = json.loads(raw)
    except ValueError:
        return _bad(sandbox, "body is not valid JSON")
    if not isinstance(elements, list):
        return _bad(sandbox, "body must be a JSON array")
    try:
        # Only the inventory batch knows this flag; DSCO ignores unknown query parameters.
        skip = request.path == "/inventory/batch/small" and bool(
            bool_param(request.query, "skipItemsThatDontExist")
        )
        accepted = sandbox.submit(
            OPERATION_OF_PATH[request.path], elements, request.path, skip_missing=skip
        )
    except BadRequest as exc:
        return _bad(sandbox, str(exc))
    except BatchRejected as exc:
        return web.json_response(envelope("failure", now, exc.problems), status=400)
    body = {
        "status": "pending",
        "requestId": accepted.request_id,
        "eventDate": format_ts(now),
        "messages": [],
    }
    return web.json_response(body, status=202)
