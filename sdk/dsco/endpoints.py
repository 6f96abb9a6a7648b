"""The DSCO endpoints this project calls and their documented limits.

Limits are keyed ``"<METHOD> <path>"`` because DSCO limits ``GET /order/`` and ``POST /order/``
differently.  Endpoints whose rate DSCO does not state (small batches, change logs) have none.
"""

from __future__ import annotations

from typing import Literal

from sdk._http import Endpoint
from sdk._limits import Rate
from sdk._retry import Safety

__all__ = [
    "ACKNOWLEDGE",
    "CHANGE_LOGS",
    "CONCURRENCY_CAPS",
    "GET_INVENTORY",
    "GET_INVOICE",
    "GET_ORDER",
    "INVENTORY_BATCH",
    "INVOICE_BATCH",
    "MAX_BODY_BYTES",
    "ORDER_PAGE",
    "RATE_LIMITS",
    "SHIPMENT_BATCH",
    "STREAMS",
    "STREAM_CREATE",
    "STREAM_DELETE",
    "STREAM_EVENTS",
    "STREAM_OPERATION",
    "STREAM_POSITION",
    "ChangeLogKind",
]

ChangeLogKind = Literal["order", "invoice", "inventory"]


def _endpoint(method: str, path: str, safety: Safety) -> Endpoint:
    return Endpoint(path, method=method, safety=safety, key=f"{method} {path}")


ORDER_PAGE = _endpoint("GET", "/order/page", Safety.READ)
GET_ORDER = _endpoint("GET", "/order/", Safety.READ)  # the trailing slash is part of the path
GET_INVOICE = _endpoint("GET", "/invoice", Safety.READ)
GET_INVENTORY = _endpoint("GET", "/inventory", Safety.READ)
# Acknowledging a PO twice is harmless (keyed by PO number), so it may be retried like a read.
ACKNOWLEDGE = _endpoint("POST", "/order/acknowledge", Safety.IDEMPOTENT)
# Batches are not idempotent: a retry after an ambiguous failure could duplicate the batch.
SHIPMENT_BATCH = _endpoint("POST", "/order/shipment/batch/small", Safety.WRITE)
INVOICE_BATCH = _endpoint("POST", "/invoice/batch/small", Safety.WRITE)
INVENTORY_BATCH = _endpoint("POST", "/inventory/batch/small", Safety.WRITE)
CHANGE_LOGS: dict[ChangeLogKind, Endpoint] = {
    "order": _endpoint("GET", "/order/log", Safety.READ),
    "invoice": _endpoint("GET", "/invoice/log", Safety.READ),
    "inventory": _endpoint("GET", "/inventory/log", Safety.READ),
}

# Streams (bulk inventory read, D10). Creating one is a write: a blind retry could leave a second
# stream behind. A repeated sync only duplicates events (readers tolerate that); a checkpoint
# or a delete sent twice ends in the same state. ``{...}`` segments are filled in per call.
STREAM_CREATE = _endpoint("POST", "/stream", Safety.WRITE)
STREAMS = _endpoint("GET", "/stream", Safety.READ)
STREAM_OPERATION = _endpoint("POST", "/stream/{id}", Safety.IDEMPOTENT)
STREAM_DELETE = _endpoint("DELETE", "/stream/{id}", Safety.IDEMPOTENT)
STREAM_EVENTS = _endpoint("GET", "/stream/{id}/{partitionId}/{position}", Safety.READ)
STREAM_POSITION = _endpoint("PUT", "/stream/{id}/{partitionId}/{position}", Safety.IDEMPOTENT)

RATE_LIMITS: dict[str, Rate] = {
    ORDER_PAGE.limit_key: Rate(per_second=10, per_minute=500),
    GET_ORDER.limit_key: Rate(per_second=10, per_minute=500),
    ACKNOWLEDGE.limit_key: Rate(per_second=15, per_minute=1000),
    GET_INVOICE.limit_key: Rate(per_second=15, per_minute=1000),
    GET_INVENTORY.limit_key: Rate(per_second=15, per_minute=300),
    # DSCO's 15 a minute is for ``GET /stream/single/…`` (one event by position), which this
    # project does not call; the events read of a dump has no stated rate.
}
"""DSCO's documented per-endpoint request rates: every call keeps within both windows (at
most N in any second and M in any minute; see :class:`~sdk._limits.RateLimiter`)."""

CONCURRENCY_CAPS: dict[str, int] = {GET_ORDER.limit_key: 5}
"""In-flight caps: the reference service never runs more than 5 order lookups at once."""

MAX_BODY_BYTES = 5 * 1024 * 1024
"""DSCO refuses request bodies over 5 MB."""
