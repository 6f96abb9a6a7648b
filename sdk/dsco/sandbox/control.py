"""The control API under ``/__sandbox/...``: JSON, no auth, not recorded as calls. Each route
mirrors a Python method of :class:`DscoSandbox`:

=======  ==============================  =================================================
POST     /__sandbox/reset                ``reset()``
POST     /__sandbox/orders               ``{"orders": [...]}`` → ``seed_orders``;
                                         ``{"generate": OrderGenSpec}`` → ``generate_orders``
GET      /__sandbox/orders/{po}          ``order(po)``
PUT      /__sandbox/orders/{po}/status   ``{"dscoStatus": ...}`` → ``set_order_status``
POST     /__sandbox/items                ``{"items": [...]}`` → ``seed_items``
POST     /__sandbox/warehouses           ``{"codes": [...]}`` → ``add_warehouses``
PUT      /__sandbox/latency              ``{"seconds": s, "path": p|null}`` → ``set_latency``
PUT      /__sandbox/batch-delay          ``{"seconds": s}`` → ``set_batch_delay``
PUT      /__sandbox/rate-limits          ``{"enabled": b}`` → ``set_rate_limits``
GET      /__sandbox/switches             current :class:`SandboxSwitches`
PATCH    /__sandbox/switches             ``{name: value}`` → ``update_switches``
POST     /__sandbox/faults               :class:`FaultSpec` → ``add_fault`` (201 ``{"id"}``)
GET      /__sandbox/faults               active rules with their remaining count
DELETE   /__sandbox/faults               ``clear_faults()``
GET      /__sandbox/calls?path=&method=  ``calls(...)``
DELETE   /__sandbox/calls                ``clear_calls()``
GET      /__sandbox/state                ``snapshot()``
POST     /__sandbox/clock/advance        ``{"seconds": s}`` → ``advance_clock`` (409 when the
                                         sandbox runs on the system clock)
=======  ==============================  =================================================

Bad input answers 400 ``{"error": ...}``; an unknown PO answers 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .clock import format_ts
from .faults import FaultSpec
from .fixtures import OrderGenSpec
from .keys import SANDBOX_KEY
from .orders import SeedError
from .state import DscoSandbox

P = "/__sandbox"
_M = TypeVar("_M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedOrdersBody(_Body):
    orders: list[dict[str, Any]] | None = None
    generate: OrderGenSpec | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SeedOrdersBody:
        if (self.orders is None) == (self.generate is None):
            raise ValueError("give exactly one of orders, generate")
        return self


class StatusBody(_Body):
    dscoStatus: str  # DSCO's own field name


class ItemsBody(_Body):
    items: list[dict[str, Any]]


class CodesBody(_Body):
    codes: list[str]


class LatencyBody(_Body):
    seconds: float = Field(ge=0)
    path: str | None = None


class SecondsBody(_Body):
    seconds: float = Field(ge=0)


class EnabledBody(_Body):
    enabled: bool


def add_control_routes(router: web.UrlDispatcher) -> None:
    router.add_post(f"{P}/reset", _guard(reset))
    router.add_post(f"{P}/orders", _guard(seed_orders))
    router.add_get(f"{P}/orders/{{po}}", _guard(get_order))
    router.add_put(f"{P}/orders/{{po}}/status", _guard(set_status))
    router.add_post(f"{P}/items", _guard(seed_items))
    router.add_post(f"{P}/warehouses", _guard(add_warehouses))
    router.add_put(f"{P}/latency", _guard(set_latency))
    router.add_put(f"{P}/batch-delay", _guard(set_batch_delay))
    router.add_put(f"{P}/rate-limits", _guard(set_rate_limits))
    router.add_get(f"{P}/switches", _guard(get_switches))
    router.add_patch(f"{P}/switches", _guard(patch_switches))
    router.add_post(f"{P}/faults", _guard(add_fault))
    router.add_get(f"{P}/faults", _guard(list_faults))
    router.add_delete(f"{P}/faults", _guard(clear_faults))
    router.add_get(f"{P}/calls", _guard(list_calls))
    router.add_delete(f"{P}/calls", _guard(clear_calls))
    router.add_get(f"{P}/state", _guard(get_state))
    router.add_post(f"{P}/clock/advance", _guard(advance_clock))


def _guard(handler: Handler) -> Handler:
    """Map bad control input to 400 (404 for an unknown PO), with a short JSON reason."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationError as exc:
            return _error(
                400, exc.errors(include_url=False, include_input=False, include_context=False)
            )
        except (SeedError, ValueError, TypeError) as exc:
            return _error(400 if not isinstance(exc, TypeError) else 409, str(exc))
        except KeyError as exc:
            return _error(404, f"unknown {exc.args[0]}")

    return guarded


def _error(status: int, detail: Any) -> web.Response:
    return web.json_response({"error": detail}, status=status)


async def _parse(request: web.Request, model: type[_M]) -> _M:
    try:
        raw = await request.json()
    except ValueError:
        raise ValueError("body is not valid JSON") from None
    return model.model_validate(raw)


def _sandbox(request: web.Request) -> DscoSandbox:
    return request.app[SANDBOX_KEY]


async def reset(request: web.Request) -> web.Response:
    _sandbox(request).reset()
    return web.json_response({"ok": True})


async def seed_orders(request: web.Request) -> web.Response:
    body = await _parse(request, SeedOrdersBody)
    sandbox = _sandbox(request)
    if body.generate is not None:
        return web.json_response({"poNumbers": sandbox.generate_orders(body.generate)})
    return web.json_response({"poNumbers": sandbox.seed_orders(body.orders or [])})


async def get_order(request: web.Request) -> web.Response:
    order = _sandbox(request).order(request.match_info["po"])
    if order is None:
        raise KeyError("poNumber")
    return web.json_response(order)


async def set_status(request: web.Request) -> web.Response:
    body = await _parse(request, StatusBody)
    return web.json_response(
        _sandbox(request).set_order_status(request.match_info["po"], body.dscoStatus)
    )


async def seed_items(request: web.Request) -> web.Response:
    body = await _parse(request, ItemsBody)
    return web.json_response({"skus": _sandbox(request).seed_items(body.items)})


async def add_warehouses(request: web.Request) -> web.Response:
    body = await _parse(request, CodesBody)
    sandbox = _sandbox(request)
    sandbox.add_warehouses(body.codes)
    return web.json_response({"warehouses": sorted(sandbox.warehouses)})


async def set_latency(request: web.Request) -> web.Response:
    body = await _parse(request, LatencyBody)
    sandbox = _sandbox(request)
    sandbox.set_latency(body.seconds, body.path)
    latency = sandbox.latency
    return web.json_response({"global": latency.global_seconds, "paths": latency.by_path})


async def set_batch_delay(request: web.Request) -> web.Response:
    body = await _parse(request, SecondsBody)
    _sandbox(request).set_batch_delay(body.seconds)
    return web.json_response({"seconds": body.seconds})


async def set_rate_limits(request: web.Request) -> web.Response:
    body = await _parse(request, EnabledBody)
    _sandbox(request).set_rate_limits(body.enabled)
    return web.json_response({"enabled": body.enabled})


async def get_switches(request: web.Request) -> web.Response:
    return web.json_response(_sandbox(request).switches.model_dump())


async def patch_switches(request: web.Request) -> web.Response:
    changes = await request.json()
    if not isinstance(changes, dict):
        raise ValueError("body must be a JSON object")
    return web.json_response(_sandbox(request).update_switches(**changes).model_dump())


async def add_fault(request: web.Request) -> web.Response:
    spec = await _parse(request, FaultSpec)
    return web.json_response({"id": _sandbox(request).add_fault(spec)}, status=201)


async def list_faults(request: web.Request) -> web.Response:
    faults = _sandbox(request).faults.active()
    body = [{"id": f.fault_id, "remaining": f.remaining, **f.spec.model_dump()} for f in faults]
    return web.json_response(body)


async def clear_faults(request: web.Request) -> web.Response:
    _sandbox(request).clear_faults()
    return web.json_response({"ok": True})


async def list_calls(request: web.Request) -> web.Response:
    query = request.query
    calls = _sandbox(request).calls(query.get("path"), query.get("method"))
    return web.json_response([c.to_json() for c in calls])


async def clear_calls(request: web.Request) -> web.Response:
    _sandbox(request).clear_calls()
    return web.json_response({"ok": True})


async def get_state(request: web.Request) -> web.Response:
    return web.json_response(_sandbox(request).snapshot())


async def advance_clock(request: web.Request) -> web.Response:
    body = await _parse(request, SecondsBody)
    return web.json_response({"now": format_ts(_sandbox(request).advance_clock(body.seconds))})
