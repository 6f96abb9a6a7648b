"""JSON errors of the open API: ``{"error": {"code", "message"}}`` for every failure."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler
from loguru import logger

from daemon.answers import ErrorAnswer, ErrorDetail
from daemon.inputs import InputError


class ApiError(Exception):
    """A request the API refuses; ``message`` is shown to the caller as is."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_parameter(name: str, problem: str) -> ApiError:
    """400 naming the offending parameter (or body field) first."""
    return ApiError(400, "invalid_parameter", f"{name}: {problem}")


def error_response(status: int, code: str, message: str) -> web.Response:
    body = ErrorAnswer(error=ErrorDetail(code=code, message=message))
    return web.json_response(text=body.model_dump_json(), status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn ``ApiError``, aiohttp's HTTP errors and crashes into JSON error bodies."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message)
    except InputError as exc:
        return error_response(400, "invalid_parameter", str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, _code(exc.status), exc.reason)
    except Exception as exc:  # never an HTML traceback page; the details go to the log
        logger.opt(exception=exc).error(
            "open api request crashed path={} error={}", request.path, type(exc).__name__
        )
        return error_response(500, "internal_error", "internal error")


def _code(status: int) -> str:
    return {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(status, "http_error")
