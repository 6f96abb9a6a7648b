"""``/__sandbox/...``: the HTTP control API (JSON, no auth). See the package docstring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from .keys import SANDBOX_KEY
from .lifecycle import ControlError, describe
from .state import LingxingSandbox

JsonHandler = Callable[[LingxingSandbox, dict[str, Any], web.Request], Any]
routes = web.RouteTableDef()


def _json_route(method: str, path: str) -> Callable[[JsonHandler], JsonHandler]:
    """Register ``fn(sandbox, body, request) -> JSON-able`` under ``/__sandbox{path}``."""

    def register(fn: JsonHandler) -> JsonHandler:
        async def handler(request: web.Request) -> web.Response:
            try:
                body = await request.json() if request.can_read_body else {}
                result = fn(request.app[SANDBOX_KEY], body, request)
            except (ControlError, KeyError, TypeError, ValueError) as exc:
                return web.json_response({"error": str(exc)}, status=400)
            return web.json_response({"ok": True} if result is None else result)

        routes.route(method, "/__sandbox" + path)(handler)
        return fn

    return register


def _items(body: Any) -> list[dict[str, Any]]:
    return body if isinstance(body, list) else [body]


@_json_route("POST", "/reset")
def _reset(sb: LingxingSandbox, body: Any, request: web.Request) -> None:
    sb.reset()


@_json_route("POST", "/stats/reset")
def _reset_stats(sb: LingxingSandbox, body: Any, request: web.Request) -> None:
    sb.reset_stats()


@_json_route("GET", "/options")
def _get_options(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return sb.options.as_dict()


@_json_route("POST", "/options")
def _set_options(sb: LingxingSandbox, body: dict[str, Any], request: web.Request) -> Any:
    sb.options.update(body)
    return sb.options.as_dict()


@_json_route("POST", "/stores")
def _stores(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return [sb.add_store(**item).to_row() for item in _items(body)]


@_json_route("POST", "/warehouses")
def _warehouses(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return [sb.add_warehouse(**item).to_row() for item in _items(body)]


@_json_route("POST", "/inventory")
def _inventory(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return [sb.add_inventory(**item).to_row() for item in _items(body)]


@_json_route("POST", "/pairs")
def _pairs(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return [sb.add_pair(**item).to_row(sb.stores.get(item["store_id"])) for item in _items(body)]


@_json_route("POST", "/logistics-types")
def _logistics(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return [sb.add_logistics_type(**item).to_row() for item in _items(body)]


@_json_route("GET", "/orders")
def _orders(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    po = request.query.get("po")
    orders = sb.orders_for(po) if po else list(sb.book.orders.values())
    return [describe(o) for o in orders]


@_json_route("POST", "/orders/merge")
def _merge(sb: LingxingSandbox, body: dict[str, Any], request: web.Request) -> Any:
    return describe(sb.merge(list(body["pos"])))


_ORDER_ACTIONS: dict[str, Callable[[LingxingSandbox, str, dict[str, Any]], Any]] = {
    "review": lambda sb, po, b: [w.to_row() for w in sb.review(po, **b)],
    "label": lambda sb, po, b: sb.label(po, **b),
    "ship": lambda sb, po, b: sb.ship(po, **b),
    "cancel": lambda sb, po, b: sb.cancel(po, **b),
    "delete": lambda sb, po, b: sb.delete_order(po, **b),
    "status": lambda sb, po, b: sb.set_status(po, **b),
    "split": lambda sb, po, b: [describe(o) for o in sb.split(po, **b)],
}


@_json_route("POST", "/orders/{po}/{action}")
def _order_action(sb: LingxingSandbox, body: dict[str, Any], request: web.Request) -> Any:
    action = _ORDER_ACTIONS.get(request.match_info["action"])
    if action is None:
        raise ControlError(f"unknown order action {request.match_info['action']!r}")
    return action(sb, request.match_info["po"], body)


@_json_route("GET", "/outbound")
def _outbound(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    po = request.query.get("po")
    rows = [w for w in sb.book.outbound.values() if po is None or po in w.platform_order_nos]
    return [w.to_row() for w in rows]


@_json_route("POST", "/outbound")
def _add_outbound(sb: LingxingSandbox, body: dict[str, Any], request: web.Request) -> Any:
    return sb.add_outbound(**body).to_row()


@_json_route("DELETE", "/outbound/{wo_number}")
def _delete_outbound(sb: LingxingSandbox, body: Any, request: web.Request) -> None:
    sb.delete_outbound(request.match_info["wo_number"])


@_json_route("POST", "/latency")
def _latency(sb: LingxingSandbox, body: dict[str, Any], request: web.Request) -> None:
    sb.set_latency(float(body["seconds"]), body.get("path"))


@_json_route("GET", "/faults")
def _faults(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return sb.faults.pending()


@_json_route("POST", "/faults")
def _inject(sb: LingxingSandbox, body: dict[str, Any], request: web.Request) -> None:
    params = dict(body)
    sb.inject(params.pop("path"), params.pop("kind"), int(params.pop("count", 1)), **params)


@_json_route("DELETE", "/faults")
def _clear_faults(sb: LingxingSandbox, body: Any, request: web.Request) -> None:
    sb.faults.clear()


@_json_route("POST", "/tokens/expire")
def _expire(sb: LingxingSandbox, body: Any, request: web.Request) -> None:
    sb.expire_tokens()


@_json_route("POST", "/tokens/revoke")
def _revoke(sb: LingxingSandbox, body: Any, request: web.Request) -> None:
    sb.revoke_tokens()


@_json_route("GET", "/calls")
def _calls(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return [c.as_dict() for c in sb.call_log(request.query.get("path"))]


@_json_route("GET", "/stats")
def _stats(sb: LingxingSandbox, body: Any, request: web.Request) -> Any:
    return sb.stats()
