"""Bearer-token authentication of the open API.

Missing or malformed ``Authorization`` → 401, a wrong token → 403. The comparison is constant
time, and the presented credential is never logged.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from loguru import logger

from daemon.openapi.errors import error_response

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dsco-lingxing"'}


def bearer_auth(token: str) -> Middleware:
    """A middleware that lets a request through only with ``Authorization: Bearer <token>``."""
    expected = token.encode()

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        presented = parse_bearer(request.headers.get("Authorization"))
        if presented is None:
            _refused(request, "missing_or_malformed")
            response = error_response(
                401, "unauthorized", "expected an 'Authorization: Bearer <token>' header"
            )
            response.headers.update(_CHALLENGE)
            return response
        if not hmac.compare_digest(presented.encode(), expected):
            _refused(request, "wrong_token")
            return error_response(403, "forbidden", "the token is not valid")
        return await handler(request)

    return middleware


def parse_bearer(header: str | None) -> str | None:
    """The credential of a ``Bearer`` header, or None when absent or malformed."""
    if header is None:
        return None
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    # The scheme name is case-insensitive (RFC 7235); the credential is one token68 word.
    if scheme.lower() != "bearer" or not credential or any(c.isspace() for c in credential):
        return None
    return credential


def _refused(request: web.Request, reason: str) -> None:
    logger.warning(
        "open api request refused reason={} method={} path={} remote={}",
        reason,
        request.method,
        request.path,
        request.remote or "",
    )
