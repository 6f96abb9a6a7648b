"""Admin authentication (SPEC §8): password login, server-side sessions, CSRF, rate limit.

Rules enforced by :func:`admin_middleware` on every ``/admin/api/`` request:

- no live session → 401 JSON (never a redirect); only ``POST /admin/api/login`` is open;
- a state-changing method (POST/PUT/PATCH/DELETE) needs ``Content-Type: application/json``
  → else **415**, and ``X-CSRF-Token`` equal to the session's token → else **403**
  (login itself has no session yet: content type only; SameSite=Strict and the JSON
  content type, which a cross-site form cannot send, cover it);
- errors come out as the JSON envelope of :mod:`daemon.admin.errors`.

Login failures are counted per client address (``request.remote``; a reverse proxy in front
makes that the proxy's address, which then limits everyone together — the safe direction).
Nothing here logs the password, a session id or a CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from loguru import logger

from daemon.admin.context import AdminState, admin_state
from daemon.admin.errors import ApiError, from_http, internal
from daemon.admin.params import json_body
from daemon.admin.sessions import Session

API_PREFIX = "/admin/api/"
COOKIE = "dl_admin_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_PATH = "/admin/api/login"
SESSION = web.RequestKey("admin_session", Session)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class StreamAborted(Exception):
    """A streamed answer failed after its headers went out; the connection must just close."""


@web.middleware
async def admin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    try:
        _guard(request, admin_state(request))
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return from_http(exc).response()
    except StreamAborted:
        raise
    except Exception as exc:
        return internal(exc, request).response()


def _guard(request: web.Request, state: AdminState) -> None:
    unsafe = request.method in UNSAFE
    if request.path == LOGIN_PATH:
        if unsafe:
            _require_json(request)
        return
    session = _session(request, state)
    if session is None:
        raise ApiError(401, "unauthenticated", "log in first (POST /admin/api/login)")
    request[SESSION] = session
    if unsafe:
        _require_json(request)
        if not session.csrf_matches(request.headers.get(CSRF_HEADER, "")):
            raise ApiError(403, "csrf", f"missing or wrong {CSRF_HEADER} header")


def _require_json(request: web.Request) -> None:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send Content-Type: application/json")


def _session(request: web.Request, state: AdminState) -> Session | None:
    session_id = request.cookies.get(COOKIE, "")
    return state.sessions.get(session_id) if session_id else None


def current_session(request: web.Request) -> Session:
    return request[SESSION]


async def login(request: web.Request) -> web.Response:
    state = admin_state(request)
    address = request.remote or "unknown"
    wait = state.limiter.retry_after(address)
    if wait is not None:
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many failed logins; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    body = await json_body(request)
    password = body.get("password")
    if not isinstance(password, str) or not _password_ok(state, password):
        state.limiter.failed(address)
        logger.warning("admin login failed from {}", address)
        raise ApiError(401, "bad_password", "wrong password")
    state.limiter.succeeded(address)
    session = state.sessions.create()
    logger.info("admin login from {}", address)
    response = web.json_response({"csrf_token": session.csrf_token})
    _set_cookie(response, state, session.id)
    return response


def _password_ok(state: AdminState, presented: str) -> bool:
    secret = state.settings.admin.password
    expected = secret.get_secret_value() if secret is not None else ""
    # An unset password never matches (not even an empty one); still compare to spend the time.
    same = hmac.compare_digest(presented.encode(), expected.encode())
    return same and expected != ""


def _set_cookie(response: web.Response, state: AdminState, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=state.settings.admin.session_ttl_seconds,
        path="/admin",
        httponly=True,
        samesite="Strict",
        secure=state.settings.admin.cookie_secure,
    )


async def logout(request: web.Request) -> web.Response:
    state = admin_state(request)
    state.sessions.delete(current_session(request).id)
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/admin")
    logger.info("admin logout")
    return response


async def session_info(request: web.Request) -> web.Response:
    return web.json_response({"csrf_token": current_session(request).csrf_token})


def add_routes(app: web.Application) -> None:
    app.router.add_post(LOGIN_PATH, login)
    app.router.add_post("/admin/api/logout", logout)
    app.router.add_get("/admin/api/session", session_info)
