"""The request pipeline in front of every Lingxing path (fact sheet §10.3 #2, #3, #9).

Order: route check → gateway checks (business paths only) → in-flight slot (``3001008`` when
full) → injected fault → latency → handler; the slot is held until the answer is produced, and
every call is recorded with its outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from .auth_routes import read_params
from .calls import CallRecord, summarize_body
from .envelopes import (
    BadRequest,
    business_error,
    family_of,
    gateway_error,
    json_response,
)
from .faults import Fault
from .keys import BODY_KEY, OUTCOME_KEY, RAW_KEY, SANDBOX_KEY, SUMMARY_KEY
from .paths import AUTH_PATHS
from .signcheck import parse_for_sign, sign_matches
from .state import LingxingSandbox

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CONTROL_PREFIX = "/__sandbox"
_FIXED = ("access_token", "app_key", "timestamp", "sign")


async def pause(sb: LingxingSandbox, seconds: float) -> None:
    """Sleep ``seconds`` unless the app shuts down first (so hangs never block teardown)."""
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sb.closing.wait(), seconds)


def _check_gateway(request: web.Request, sb: LingxingSandbox, raw: bytes) -> str | None:
    """The gateway code rejecting this business call, or ``None`` when it may proceed."""
    query = request.query
    if any(not query.get(k) for k in _FIXED):
        return "3001001"
    whitelist = sb.options.ip_whitelist
    if whitelist is not None and request.remote not in whitelist:
        return "3001002"
    if query["app_key"] != sb.app_id:
        return "2001001"
    token_problem = sb.tokens.check(query["access_token"])
    if token_problem is not None:
        return token_problem
    if not _fresh(query["timestamp"], sb):
        return "2001007"
    if not sign_matches(query, parse_for_sign(raw), sb.app_id, sb.options.sign_variant):
        return "2001006"
    permitted = sb.options.permitted_paths
    if permitted is not None and request.path not in permitted:
        return "2001004"
    return None


def _fresh(timestamp: str, sb: LingxingSandbox) -> bool:
    if not timestamp.isdigit():
        return False
    age = sb.clock() - int(timestamp)
    future = sb.options.sign_max_future
    return age <= sb.options.sign_max_age and (future is None or -age <= future)


def _fault_response(fault: Fault, path: str, now: float) -> web.Response | None:
    """The canned answer of ``fault`` (``None`` for a hang, which then proceeds normally)."""
    if fault.kind == "http_error":
        resp = web.Response(text=_html(fault.status), status=fault.status, content_type="text/html")
        resp[OUTCOME_KEY] = f"http {fault.status}"
        return resp
    if fault.kind == "gateway_error":
        return gateway_error(fault.code, now)
    if fault.kind == "business_error":
        return business_error(family_of(path), fault.business_code, [], now)
    if fault.kind == "malformed_json":
        resp = web.Response(
            text='{"code":0,"message":"success","data":[{"wo', content_type="application/json"
        )
        resp[OUTCOME_KEY] = "malformed_json"
        return resp
    return None


def _html(status: int, title: str = "") -> str:
    """An nginx-style error page (what sits in front of Lingxing)."""
    head = f"{status} {title}".strip()
    return (
        f"<html><head><title>{head}</title></head><body><center><h1>{head}</h1></center>"
        "<hr><center>nginx</center></body></html>"
    )


async def _answer(
    request: web.Request, handler: Handler, sb: LingxingSandbox
) -> web.StreamResponse:
    path = request.path
    if path not in AUTH_PATHS:
        code = _check_gateway(request, sb, request[RAW_KEY])
        if code is not None:
            return gateway_error(code, sb.clock())
    if not sb.limiter.try_acquire(path):
        return gateway_error("3001008", sb.clock())
    try:
        fault = sb.faults.take(path)
        if fault is not None:
            canned = _fault_response(fault, path, sb.clock())
            if canned is not None:
                return canned
            await pause(sb, fault.seconds)
        await pause(sb, sb.faults.latency_for(path))
        try:
            return await handler(request)
        except BadRequest as exc:
            return business_error(family_of(path), exc.code, exc.details, sb.clock())
    finally:
        sb.limiter.release(path)


async def _read_input(request: web.Request) -> None:
    """Read everything the caller sent into request keys (see ``keys``)."""
    if request.path in AUTH_PATHS:
        await read_params(request)
        return
    raw = await request.read()
    body = _parse(raw)
    request[RAW_KEY] = raw
    request[BODY_KEY] = body
    request[SUMMARY_KEY] = (
        summarize_body(body) if isinstance(body, dict) else {"unparsable_body": True}
    )


def _parse(raw: bytes) -> object:
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return None


def _unrouted(request: web.Request) -> web.Response | None:
    error = request.match_info.http_exception
    if error is None:
        return None
    if error.status == 405:
        resp = web.Response(text=_html(405, "Not Allowed"), status=405, content_type="text/html")
        resp[OUTCOME_KEY] = "http 405"
        return resp
    # What Lingxing's gateway answers for a path it does not know.
    return json_response({"code": "500", "msg": "404 NOT_FOUND", "data": None}, "500")


@web.middleware
async def gateway_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply the gateway pipeline to every non-control path and record the call."""
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    sb = request.app[SANDBOX_KEY]
    if request.match_info.http_exception is None:
        await _read_input(request)
    # Like the real service, a call the client abandons (timeout, disconnect) still runs to the
    # end: a write is still applied and the in-flight slot stays taken until then. The shield
    # keeps that true even when the server cancels handlers of lost connections.
    task = asyncio.create_task(_answer_and_record(request, handler, sb))
    sb.background.add(task)
    task.add_done_callback(lambda t: _forget(sb, t))
    return await asyncio.shield(task)


def _forget(sb: LingxingSandbox, task: asyncio.Task[web.StreamResponse]) -> None:
    sb.background.discard(task)
    if not task.cancelled():
        # Retrieve the outcome so an abandoned call's failure is not reported as "never
        # retrieved"; the awaiting handler (if still there) gets it through the shield.
        task.exception()


async def _answer_and_record(
    request: web.Request, handler: Handler, sb: LingxingSandbox
) -> web.StreamResponse:
    started = sb.clock()
    resp = _unrouted(request) or await _answer(request, handler, sb)
    outcome = resp.get(OUTCOME_KEY, f"http {resp.status}")
    summary = request.get(SUMMARY_KEY, {})
    sb.calls.append(CallRecord(request.path, request.method, started, sb.clock(), summary, outcome))
    return resp
