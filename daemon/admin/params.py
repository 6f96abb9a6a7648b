"""Reading request input: the JSON body, query parameters, time ranges — errors name the field."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from daemon.admin.errors import ApiError, invalid

DEFAULT_LIMIT = 50


async def json_body(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``."""
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except ValueError:
        raise ApiError(400, "invalid_json", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the request body must be a JSON object")
    return body


def body_int(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(name, "required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, "must be an integer")
    return value


def body_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, "required (a non-empty string)")
    return value.strip()


def query_str(query: MultiMapping[str], name: str) -> str:
    return query.get(name, "").strip()


def query_int(query: MultiMapping[str], name: str, default: int | None = None) -> int | None:
    raw = query.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid(name, "must be an integer") from None


def query_list(query: MultiMapping[str], name: str) -> tuple[str, ...]:
    """``?x=a,b&x=c`` → ``("a", "b", "c")`` (blanks dropped, order kept, no duplicates)."""
    items = (part.strip() for value in query.getall(name, []) for part in value.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


def paging(query: MultiMapping[str], max_limit: int) -> tuple[int, int]:
    offset = query_int(query, "offset", 0) or 0
    limit = query_int(query, "limit", DEFAULT_LIMIT)
    if offset < 0:
        raise invalid("offset", "must be >= 0")
    if limit is None or not 1 <= limit <= max_limit:
        raise invalid("limit", f"must be between 1 and {max_limit}")
    return offset, limit


def check_range(start: int | None, end: int | None, max_seconds: int | None = None) -> None:
    """``[start, end)``: start before end; when ``max_seconds``, not longer than that."""
    if start is not None and end is not None and end <= start:
        raise invalid("end", "must be after start")
    if max_seconds is None or start is None or end is None:
        return
    if end - start > max_seconds:
        raise invalid("end", f"the range is longer than {max_seconds // 86400} days")
