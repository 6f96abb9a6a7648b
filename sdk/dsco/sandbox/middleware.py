"""What happens around every DSCO API call: record it, add latency, check the bearer token,
fire injected faults, apply rate limits, then settle due batch work and run the handler.

Control routes (``/__sandbox/...``) bypass all of it: they need no token and are not recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from .faults import FaultSpec
from .keys import SANDBOX_KEY
from .messages import TOO_MANY_REQUESTS, UNAUTHORIZED, error_response
from .routes import canonical_path
from .state import DscoSandbox

CONTROL_PREFIX = "/__sandbox"
# A body cut off mid-way: what a proxy failure or a broken gateway can hand a client.
MALFORMED_BODY = '{"status": "pending", "requestId": "5b2e7c44-1d0a'


@web.middleware
async def sandbox_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    sandbox = request.app[SANDBOX_KEY]
    query = {k: request.query.getall(k) for k in request.query}
    record = sandbox.record_call(
        request.method, canonical_path(request.path), query, await _body(request)
    )
    try:
        response = await _serve(request, handler, sandbox)
    except web.HTTPException as exc:
        record.status = exc.status
        raise
    record.status = response.status
    return response


async def _body(request: web.Request) -> Any:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return None
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def route_key(request: web.Request) -> str:
    """What rules are keyed by: the route pattern for templated paths (``/stream/{id}…``)."""
    resource = request.match_info.route.resource
    if resource is not None and "{" in resource.canonical:
        return resource.canonical
    return canonical_path(request.path)


async def _serve(
    request: web.Request, handler: Handler, sandbox: DscoSandbox
) -> web.StreamResponse:
    path = route_key(request)
    delay = sandbox.latency.for_path(path)
    if delay > 0:
        await sleep_unless_closing(sandbox, delay)
    if not _authorized(request, sandbox.token):
        return error_response(401, UNAUTHORIZED, "missing or unknown bearer token", sandbox.now())
    fault = sandbox.faults.take_http(request.method, path)
    if fault is not None:
        return await _faulty(request, handler, sandbox, fault)
    if not sandbox.limiter.allow(request.method, path, sandbox.now()):
        retry_after = 1 if sandbox.switches.retry_after_header else None
        return _too_many(sandbox, retry_after)
    return await _handle(request, handler, sandbox)


async def _handle(
    request: web.Request, handler: Handler, sandbox: DscoSandbox
) -> web.StreamResponse:
    sandbox.settle()
    return await handler(request)


def _authorized(request: web.Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _too_many(sandbox: DscoSandbox, retry_after: int | None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(429, TOO_MANY_REQUESTS, "rate limit exceeded", sandbox.now(), headers)


async def _faulty(
    request: web.Request, handler: Handler, sandbox: DscoSandbox, fault: FaultSpec
) -> web.StreamResponse:
    real = await _handle(request, handler, sandbox) if fault.after_processing else None
    if fault.kind == "hang":
        await sleep_unless_closing(sandbox, fault.seconds)
        if real is not None:
            return real
        if fault.status is None:
            return await _handle(request, handler, sandbox)
    if fault.kind == "rate_limit":
        return _too_many(sandbox, fault.retry_after)
    if fault.kind == "malformed":
        status = fault.status or (real.status if real is not None else 200)
        return web.Response(status=status, text=MALFORMED_BODY, content_type="application/json")
    return error_response(fault.status or 503, fault.code, fault.description, sandbox.now())


async def sleep_unless_closing(sandbox: DscoSandbox, seconds: float) -> None:
    """Sleep, but wake at once when the app shuts down (so a hang never blocks shutdown)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(sandbox.closing.wait(), seconds)
