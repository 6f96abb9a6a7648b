"""DSCO's ``ApiResponseMessage`` and the error envelope, plus the sandbox's message codes.

Real DSCO message codes are undocumented (only ``notFound`` and ``VALIDATION_FAILED`` were ever
observed); the others below are the sandbox's own, as the fact sheet suggests. Clients must branch
on HTTP status and log-entry status, never on these codes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aiohttp import web

from .clock import format_ts

Message = dict[str, Any]

VALIDATION_FAILED = "VALIDATION_FAILED"
NOT_FOUND = "notFound"
ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
INVALID_ORDER_STATE = "INVALID_ORDER_STATE"
ALREADY_ACKNOWLEDGED = "ALREADY_ACKNOWLEDGED"
ITEM_NOT_ON_ORDER = "ITEM_NOT_ON_ORDER"
QUANTITY_EXCEEDS_REMAINING = "QUANTITY_EXCEEDS_REMAINING"
DUPLICATE_TRACKING_NUMBER = "DUPLICATE_TRACKING_NUMBER"
PACKAGE_SPAN_FLAG_REQUIRED = "PACKAGE_SPAN_FLAG_REQUIRED"
DUPLICATE_INVOICE_ID = "DUPLICATE_INVOICE_ID"
QUANTITY_EXCEEDS_INVOICEABLE = "QUANTITY_EXCEEDS_INVOICEABLE"
ITEM_NOT_FOUND = "ITEM_NOT_FOUND"
UNKNOWN_WAREHOUSE = "UNKNOWN_WAREHOUSE"
QUANTITY_MISMATCH = "QUANTITY_MISMATCH"
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
UNAUTHORIZED = "UNAUTHORIZED"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
SANDBOX_FAULT = "SANDBOX_FAULT"


def message(code: str, description: str, severity: str = "error") -> Message:
    """One ``ApiResponseMessage``."""
    return {"code": code, "severity": severity, "description": description}


def envelope(status: str, now: datetime, messages: list[Message] | None = None) -> dict[str, Any]:
    """The ``{status, requestId, eventDate, messages}`` shape DSCO uses for updates and errors."""
    return {
        "status": status,
        "requestId": str(uuid.uuid4()),
        "eventDate": format_ts(now),
        "messages": messages or [],
    }


def error_response(
    http_status: int,
    code: str,
    description: str,
    now: datetime,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A failure envelope with one message, as DSCO answers 4xx/5xx."""
    body = envelope("failure", now, [message(code, description)])
    return web.json_response(body, status=http_status, headers=headers)
