"""Building DSCO request bodies and query strings, and decoding DSCO answers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from multidict import MultiDict

from sdk._http import Endpoint, ErrorInfo, RawResponse
from sdk.dsco.endpoints import MAX_BODY_BYTES
from sdk.dsco.errors import DscoValidationError
from sdk.dsco.models import WireModel, to_wire
from sdk.dsco.responses import BatchAccepted

__all__ = [
    "Query",
    "accepted",
    "batch_body",
    "describe_dsco_error",
    "first_object",
    "format_instant",
    "json_body",
    "log_query",
    "multi_params",
    "order_window",
    "page_body",
]

Query = Mapping[str, str | list[str]]
"""Query parameters; a list value is sent as repeated keys."""


def format_instant(value: datetime) -> str:
    """A query-string instant: UTC with ``Z`` (a ``+`` offset would need escaping)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("DSCO instants must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_dsco_error(raw: RawResponse) -> ErrorInfo:
    """Facts from DSCO's error envelope ``{status, requestId, messages[{code, description}]}``.

    All messages are joined (DSCO often explains a 400 in the second one).  A body that is not
    JSON gives neither code nor request id: that is how a genuine "no such object" answer is
    told apart from the 404 of a wrong base URL or a proxy.
    """
    body = _json_or_none(raw.body)
    if not isinstance(body, dict):
        return ErrorInfo(message=f"HTTP {raw.status}")
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    texts = [_message_text(m) for m in messages]
    code = next((str(m["code"]) for m in messages if m.get("code")), None)
    code = code or _str_or_none(body.get("code") or body.get("error"))
    message = "; ".join(t for t in texts if t) or _str_or_none(body.get("message"))
    request_id = _str_or_none(body.get("requestId"))
    return ErrorInfo(code=code, message=message or f"HTTP {raw.status}", request_id=request_id)


def _message_text(message: dict[str, Any]) -> str:
    desc = message.get("description")
    if isinstance(desc, list):
        desc = ", ".join(str(d) for d in desc)
    parts = [str(p) for p in (message.get("code"), desc) if p not in (None, "")]
    return ": ".join(parts)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _str_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def batch_body(items: list[WireModel]) -> bytes:
    if not items:
        raise ValueError("an async batch needs at least one element")
    body = json.dumps([to_wire(i) for i in items], separators=(",", ":")).encode()
    if len(body) > MAX_BODY_BYTES:
        raise ValueError(f"batch body is {len(body)} bytes; DSCO accepts at most 5 MB: split it")
    return body


def accepted(endpoint: Endpoint) -> Callable[[RawResponse], BatchAccepted]:
    def parse(raw: RawResponse) -> BatchAccepted:
        accepted = BatchAccepted.model_validate(raw.json())
        if (accepted.status or "").lower() == "failure":
            reasons = "; ".join(m.text() for m in accepted.messages) or "batch refused"
            raise DscoValidationError(
                reasons,
                vendor="dsco",
                path=endpoint.path,
                status=raw.status,
                request_id=accepted.request_id,
            )
        return accepted

    return parse


def json_body(raw: RawResponse) -> Any:
    return raw.json()


def page_body(raw: RawResponse, items_key: str) -> dict[str, Any]:
    body = raw.json()
    if not isinstance(body, dict) or not isinstance(body.get(items_key) or [], list):
        raise ValueError(f"not a page of {items_key}")
    return body


def first_object(body: Any) -> dict[str, Any] | None:
    # returnMultiple (or a split PO) turns the object into a list; take the first.
    if isinstance(body, list):
        body = next((b for b in body if isinstance(b, dict)), None)
    return body if isinstance(body, dict) else None


def multi_params(params: Query) -> MultiDict[str]:
    # DSCO's list parameters are repeated keys (status=a&status=b).
    pairs = MultiDict[str]()
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.add(name, item)
    return pairs


def order_window(
    created_since: datetime | None, updated_since: datetime | None, until: datetime
) -> dict[str, str | list[str]]:
    if (created_since is None) == (updated_since is None):
        raise ValueError("give exactly one of created_since and updated_since")
    query: dict[str, str | list[str]] = {"until": format_instant(until)}
    if created_since is not None:
        query["ordersCreatedSince"] = format_instant(created_since)
    if updated_since is not None:
        query["ordersUpdatedSince"] = format_instant(updated_since)
    return query


def log_query(
    request_id: str | None, start: datetime | None, end: datetime | None, status: str | None
) -> dict[str, str | list[str]]:
    query: dict[str, str | list[str]] = {}
    if request_id:
        query["requestId"] = request_id
    elif start is None or end is None:
        raise ValueError("a change-log read needs request_id, or both start and end")
    if start is not None:
        query["startDate"] = format_instant(start)
    if end is not None:
        query["endDate"] = format_instant(end)
    if status:
        query["status"] = status
    return query
