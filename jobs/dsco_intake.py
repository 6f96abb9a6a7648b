"""Taking DSCO orders in: from a raw page element to a stored row, one bad order costing only
itself (docs/design.md, "Hostile vendor data").

Used by the pull (every order it reads) and by the state refresh of ack and ship (the orders
they handle). The caller decides what to count and how loudly to report; this module decides
what can be stored and stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from db import orders as q
from jobs.context import JobContext
from jobs.order_fields import derive_order
from jobs.pipeline_common import Skip
from jobs.untrusted import printable, storable_json

__all__ = ["Intake", "db_error", "raw_po", "store", "take"]

Refused = Callable[[str, str, str], None]  # po_number, reason, detail


@dataclass(frozen=True)
class Intake:
    """One page element: the row to store (or why not), the element as stored, and the payload
    paths that had to change to be storable."""

    row: q.OrderUpsert | Skip
    clean: object
    cleaned_paths: list[str]


def take(raw: object) -> Intake:
    clean, text, cleaned_paths = storable_json(raw)
    return Intake(derive_order(clean, text), clean, cleaned_paths)


def raw_po(raw: object) -> str:
    """The element's PO number for a log line, escaped (empty when it has none)."""
    po = raw.get("poNumber") if isinstance(raw, dict) else None
    return printable(po, 100) if isinstance(po, str) else ""


async def store(
    ctx: JobContext, rows: Sequence[q.OrderUpsert], refused: Refused
) -> list[q.UpsertOutcome]:
    """One statement for the page; when the database refuses the data itself, the orders one
    by one, so that only the offending order is skipped (``refused`` is told which)."""
    try:
        return await q.upsert_orders(ctx.pool, rows, ctx.now())
    except q.DATA_REFUSED as exc:
        if len(rows) == 1:
            refused(rows[0].po_number, "refused_by_database", f"error={db_error(exc)}")
            return []
        ctx.log.warning(
            "page of {} orders refused by the database ({}); storing them one by one",
            len(rows),
            db_error(exc),
        )
    outcomes: list[q.UpsertOutcome] = []
    for row in rows:
        outcomes += await store(ctx, [row], refused)
    return outcomes


def db_error(exc: Exception) -> str:
    code = getattr(exc, "sqlstate", None)
    return f"{type(exc).__name__}{f' sqlstate={code}' if code else ''}"
