"""The admin API's JSON error envelope: ``{"error": {"code", "message", ...}}``.

Handlers raise :class:`ApiError`; the middleware turns it (and aiohttp's own HTTP errors, and
anything unexpected) into the envelope. An unexpected exception becomes a 500 that shows only a
correlation id; the traceback goes to the log under that id.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from loguru import logger

from daemon.admin.answers import AdminErrorAnswer, AdminErrorDetail
from daemon.inputs import InputError

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class ApiError(Exception):
    """An error answer: HTTP ``status``, a stable ``code``, a message for people, extras."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def answer(self) -> AdminErrorAnswer:
        detail = AdminErrorDetail(code=self.code, message=self.message, **self.extra)
        return AdminErrorAnswer(error=detail)

    def response(self) -> web.Response:
        # Only the extras this error has: absent rather than null, as they always were.
        body = self.answer().model_dump_json(exclude_unset=True)
        return web.json_response(text=body, status=self.status, headers=self.headers)


def invalid(field: str, reason: str) -> ApiError:
    """A 400 that names the field at fault."""
    return ApiError(400, "invalid_request", f"{field}: {reason}", field=field)


def from_input(exc: InputError) -> ApiError:
    """A refused query parameter or body field (``daemon.inputs``) as a 400 naming it."""
    return ApiError(400, exc.code, str(exc), field=exc.field)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def from_http(exc: web.HTTPException) -> ApiError:
    code = _CODES.get(exc.status, "error")
    return ApiError(exc.status, code, exc.reason, headers=_keep_headers(exc))


def _keep_headers(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


def internal(exc: BaseException, request: web.Request) -> ApiError:
    """Log ``exc`` under a fresh correlation id; the answer carries only the id."""
    ref = uuid.uuid4().hex[:12]
    logger.opt(exception=exc).error(
        "admin request failed: {} {} ({}) ref={}",
        request.method,
        request.path,
        type(exc).__name__,
        ref,
    )
    return ApiError(500, "internal", f"internal error (reference {ref})", reference=ref)
