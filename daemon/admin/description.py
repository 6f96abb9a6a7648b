"""How the admin API is described: its session and CSRF schemes, the errors of its middleware."""

from __future__ import annotations

from typing import Final

from daemon.admin.answers import AdminErrorAnswer
from daemon.admin.auth import COOKIE, CSRF_HEADER, LOGIN_PATH, UNSAFE
from daemon.api_description import (
    ApiDescription,
    ApiProfile,
    SecurityRequirement,
    openapi_description,
)
from daemon.routing import Route

PATH: Final = "/admin/api/openapi.json"

SECURITY_SCHEMES: Final = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": f"the session cookie set by POST {LOGIN_PATH}",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER,
        "description": "the csrf_token of the login answer; every state-changing call sends it",
    },
}

REASONS: Final = {
    400: "refused input; error.field names the parameter or field at fault",
    401: "not logged in (or the session expired); for the login: wrong password",
    403: f"missing or wrong {CSRF_HEADER} header",
    404: "no such thing (error.message says what)",
    409: "the job is already running (error.result is the refused run), or a version conflict",
    413: "the body is larger than 1 MiB",
    415: "a state-changing call must say Content-Type: application/json",
    429: "too many failed logins from this client; wait Retry-After seconds",
    500: "internal error; error.reference names the log record with the details",
}


def security(route: Route) -> SecurityRequirement:
    if route.path == LOGIN_PATH:
        return []
    if route.method in UNSAFE:
        return [{"session": [], "csrf": []}]
    return [{"session": []}]


def statuses(route: Route) -> set[int]:
    """What :func:`daemon.admin.auth.admin_middleware` and input parsing may answer."""
    found = {400, 500}
    if route.path != LOGIN_PATH:
        found.add(401)
    if route.method in UNSAFE:
        found |= {415} if route.path == LOGIN_PATH else {403, 415}
    if route.body is not None:
        found.add(413)
    return found


def tag(route: Route) -> str:
    """The module that holds the handler: ``daemon.admin.routes_orders`` → ``orders``."""
    module = getattr(route.handler, "__module__", "")
    if module == openapi_description.__module__:
        return "description"
    return module.rpartition(".")[2].removeprefix("routes_")


PROFILE: Final = ApiProfile(
    title="dsco-lingxing admin API",
    description=(
        "The operator's API: dashboard, runtime config, job runs, orders, inventory sync rows "
        f"and CSV exports. Log in with POST {LOGIN_PATH}; the session cookie authenticates "
        f"every other call, and state-changing calls also send {CSRF_HEADER} and "
        "Content-Type: application/json."
    ),
    error=AdminErrorAnswer,
    security_schemes=SECURITY_SCHEMES,
    security=security,
    statuses=statuses,
    tag=tag,
    reasons=REASONS,
    json_without_body=lambda route: route.method in UNSAFE,
)

ROUTES = (Route("GET", PATH, openapi_description, answer=ApiDescription),)
