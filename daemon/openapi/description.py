"""How the open API is described: bearer authentication, the errors of its middleware."""

from __future__ import annotations

from typing import Final

from daemon.answers import ErrorAnswer
from daemon.api_description import ApiProfile, SecurityRequirement, openapi_description
from daemon.routing import Route

REASONS: Final = {
    400: "refused input; the message names the parameter or field first",
    401: "missing or malformed Authorization header",
    403: "wrong token",
    409: "sync_stock is already running; try again later",
    413: "the body is larger than 1 MiB",
    500: "internal error (the details are in the daemon's log)",
}


def statuses(route: Route) -> set[int]:
    """What the bearer check, the error middleware and input parsing may answer."""
    return {400, 401, 403, 500} | ({413} if route.body is not None else set())


def security(_route: Route) -> SecurityRequirement:
    return [{"bearer": []}]


def tag(route: Route) -> str:
    return "description" if route.handler is openapi_description else "inventory"


def profile(prefix: str) -> ApiProfile:
    """The open API mounted at ``prefix``."""
    return ApiProfile(
        title="dsco-lingxing open API",
        description=(
            "Inventory differences between Lingxing and DSCO, and stock sync runs. Every call "
            "(this description too) needs Authorization: Bearer <api.token>."
        ),
        error=ErrorAnswer,
        security_schemes={
            "bearer": {"type": "http", "scheme": "bearer", "description": "the api.token setting"}
        },
        security=security,
        statuses=statuses,
        tag=tag,
        prefix=prefix,
        reasons=REASONS,
    )
