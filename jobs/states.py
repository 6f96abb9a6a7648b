"""The order state machine as code: local statuses, DSCO's statuses, and the moves between them.

Every job, the pull's upsert (in SQL, held to these rules by ``tests/integration/db``) and the
admin read statuses from here; nothing else spells a status as a bare number or string.
See docs/design.md, "The order state machine".
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Final


class OrderStatus(IntEnum):
    """``dsco_order_sync.status``: where an order is on its way through the pipeline."""

    PULLED = 1  # stored, waiting to be created in Lingxing
    PUSHED = 2  # in Lingxing, waiting for the acknowledgement to DSCO
    ACKED = 3  # acknowledged, waiting for shipments back to DSCO
    SHIPPED = 4  # every line shipped in DSCO, waiting for the invoice
    DONE = 5  # invoiced (or fulfilled outside the pipeline)
    CANCELLED = 6  # cancelled in DSCO

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Final = {
    OrderStatus.PULLED: "pulled",
    OrderStatus.PUSHED: "in_lingxing",
    OrderStatus.ACKED: "acked",
    OrderStatus.SHIPPED: "shipped",
    OrderStatus.DONE: "done",
    OrderStatus.CANCELLED: "cancelled",
}


class DscoStatus(StrEnum):
    """DSCO's ``dscoStatus`` values the pipeline reacts to (anything else counts as created)."""

    CREATED = "created"
    SHIPMENT_PENDING = "shipment_pending"  # acknowledged
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# DSCO has taken the acknowledgement (ours, or the retailer's portal's).
ACKNOWLEDGED_IN_DSCO: Final = frozenset(
    {DscoStatus.SHIPMENT_PENDING, DscoStatus.SHIPPED, DscoStatus.COMPLETED}
)
# DSCO considers the order fulfilled.
FULFILLED_IN_DSCO: Final = frozenset({DscoStatus.SHIPPED, DscoStatus.COMPLETED})
# Statuses a DSCO cancellation can still reach (before the invoice).
OPEN: Final = frozenset(
    {OrderStatus.PULLED, OrderStatus.PUSHED, OrderStatus.ACKED, OrderStatus.SHIPPED}
)

# The forward moves the pipeline makes (the admin's status edit may move anywhere, logged).
TRANSITIONS: Final = frozenset(
    {
        (OrderStatus.PULLED, OrderStatus.PUSHED),  # created in Lingxing
        (OrderStatus.PUSHED, OrderStatus.ACKED),  # acknowledged (or DSCO already was)
        (OrderStatus.ACKED, OrderStatus.SHIPPED),  # every line shipped
        (OrderStatus.SHIPPED, OrderStatus.DONE),  # invoiced
        (OrderStatus.PULLED, OrderStatus.DONE),  # fulfilled in DSCO before it reached Lingxing
        *((status, OrderStatus.CANCELLED) for status in OPEN),
    }
)


def status_of(dsco_status: str) -> DscoStatus:
    """DSCO's status as the pipeline reads it: unknown values count as ``created``."""
    try:
        return DscoStatus(dsco_status)
    except ValueError:
        return DscoStatus.CREATED


def initial_status(dsco_status: str) -> OrderStatus:
    """The status of a newly pulled order. ``shipment_pending`` still has to reach Lingxing
    (ack will see DSCO is acknowledged already); shipped or completed orders are done at first
    sight; anything unknown starts at the beginning."""
    dsco = status_of(dsco_status)
    if dsco == DscoStatus.CANCELLED:
        return OrderStatus.CANCELLED
    if dsco in FULFILLED_IN_DSCO:
        return OrderStatus.DONE
    return OrderStatus.PULLED


def refreshed_status(current: OrderStatus, dsco_status: str) -> OrderStatus:
    """The status after a pull sees an order again: only two DSCO changes move it, both
    forward — a cancellation before the invoice, and an order fulfilled in DSCO before it
    ever reached Lingxing (pushing it now would fulfil it twice). Progress is never undone."""
    dsco = status_of(dsco_status)
    if dsco == DscoStatus.CANCELLED and current in OPEN:
        return OrderStatus.CANCELLED
    if dsco in FULFILLED_IN_DSCO and current == OrderStatus.PULLED:
        return OrderStatus.DONE
    return current
