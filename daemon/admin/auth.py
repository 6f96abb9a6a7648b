"""Admin authentication: password login, server-side sessions, CSRF, login pacing.

Rules enforced by :func:`admin_middleware` on every ``/admin/api/`` request:

- no live session → 401 JSON (never a redirect); only ``POST /admin/api/login`` is open;
- a state-changing method (POST/PUT/PATCH/DELETE) needs ``Content-Type: application/json``
  → else **415**, and ``X-CSRF-Token`` equal to the session's token → else **403**
  (login itself has no session yet: content type only; SameSite=Strict and the JSON
  content type, which a cross-site form cannot send, cover it);
- errors come out as the JSON envelope of :mod:`daemon.admin.errors`.

Failed logins slow down the next attempt briefly (:mod:`daemon.admin.throttle`): per client
address (``X-Forwarded-For`` is believed only from ``admin.trusted_proxies``), per browser that
logged in before (its device cookie), and for everyone together. The throttle answers before
the body is read. Nothing here logs the password, a session id, a device or a CSRF token.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Awaitable, Callable

from aiohttp import web
from loguru import logger

from daemon.admin.answers import CsrfAnswer, OkAnswer
from daemon.admin.context import AdminState, admin_state
from daemon.admin.errors import ApiError, from_http, from_input, internal
from daemon.admin.models import LoginBody
from daemon.admin.sessions import Session
from daemon.admin.throttle import client_address
from daemon.inputs import InputError
from daemon.routing import Route, reply

API_PREFIX = "/admin/api/"
COOKIE = "dl_admin_session"
DEVICE_COOKIE = "dl_admin_device"
DEVICE_TTL_SECONDS = 90 * 86400
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
    except InputError as exc:
        return from_input(exc).response()
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


LOGIN_CLIENT = web.RequestKey("login_client", tuple[str, bool])


def pace_login(request: web.Request) -> None:
    """429 while this client must still wait after failed logins (checked before the body)."""
    state = admin_state(request)
    key, known = _login_client(request, state)
    request[LOGIN_CLIENT] = (key, known)
    wait = state.throttle.wait(key, known_device=known)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many failed logins; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )


def _login_client(request: web.Request, state: AdminState) -> tuple[str, bool]:
    """The throttle key: a known browser's device, else the client's address."""
    token = request.cookies.get(DEVICE_COOKIE, "")
    device = state.devices.device_id(token) if token else None
    if device is not None:
        return f"device:{device}", True
    trusted = state.settings.admin.trusted_networks
    forwarded = request.headers.get("X-Forwarded-For", "")
    return f"address:{client_address(request.remote, forwarded, trusted)}", False


async def login(request: web.Request, body: LoginBody) -> web.Response:
    """Log in with the admin password: sets the session cookie, answers the CSRF token."""
    state = admin_state(request)
    key, known = request[LOGIN_CLIENT]
    who = "a known browser" if known else key.removeprefix("address:")
    if not _password_ok(state, body.password):
        state.throttle.failed(key, known_device=known)
        logger.warning("admin login failed from {}", who)
        raise ApiError(401, "bad_password", "wrong password")
    state.throttle.succeeded(key)
    session = state.sessions.create()
    logger.info("admin login from {}", who)
    response = reply(CsrfAnswer(csrf_token=session.csrf_token))
    _set_cookie(response, state, COOKIE, session.id, state.settings.admin.session_ttl_seconds)
    if not known:
        _set_cookie(response, state, DEVICE_COOKIE, state.devices.issue(), DEVICE_TTL_SECONDS)
    return response


def _password_ok(state: AdminState, presented: str) -> bool:
    secret = state.settings.admin.password
    expected = secret.get_secret_value() if secret is not None else ""
    # An unset password never matches (not even an empty one); still compare to spend the time.
    same = hmac.compare_digest(presented.encode(), expected.encode())
    return same and expected != ""


def _set_cookie(
    response: web.Response, state: AdminState, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        # The device cookie is only ever needed by the login call.
        path=LOGIN_PATH if name == DEVICE_COOKIE else "/admin",
        httponly=True,
        samesite="Strict",
        secure=state.settings.admin.cookie_secure,
    )


async def logout(request: web.Request) -> web.Response:
    """End the session."""
    state = admin_state(request)
    state.sessions.delete(current_session(request).id)
    response = reply(OkAnswer(ok=True))
    response.del_cookie(COOKIE, path="/admin")
    logger.info("admin logout")
    return response


async def session_info(request: web.Request) -> CsrfAnswer:
    """Whether the session is live, and its CSRF token (a reloaded page needs it again)."""
    return CsrfAnswer(csrf_token=current_session(request).csrf_token)


ROUTES = (
    Route(
        "POST",
        LOGIN_PATH,
        login,
        body=LoginBody,
        before=pace_login,
        answer=CsrfAnswer,
        errors=(401, 429),
    ),
    Route("POST", "/admin/api/logout", logout, answer=OkAnswer),
    Route("GET", "/admin/api/session", session_info, answer=CsrfAnswer),
)
