"""Plumbing shared by the order-pipeline jobs (push, ack, ship, invoice).

A job picks its rows with :func:`select_rows` (a rotating batch, or the one PO of a single-PO
run), parses their payloads with :func:`parse_payloads`, works on them concurrently with
:func:`jobs.fanout.gather_bounded`, and reports every order exactly once through :func:`ok`,
:func:`skip`, :func:`fail` or :func:`advance` — these keep ``ctx.counters`` and write the one log
line per order (``order <result> reason=<code> ...``). ``ctx.counters.total`` counts selected
rows. See docs/design.md, "Every job".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from db import orders as q
from jobs.context import JobContext
from jobs.states import TRANSITIONS, OrderStatus
from jobs.untrusted import identifier_problem, printable
from sdk.dsco.errors import DscoPayloadError
from sdk.dsco.responses import DscoOrder, parse_order

__all__ = [
    "Skip",
    "advance",
    "fail",
    "multi_banned",
    "ok",
    "parse_payloads",
    "select_rows",
    "skip",
    "without_multi",
]

T = TypeVar("T")
Pair = tuple[q.OrderRow, DscoOrder]


async def select_rows(ctx: JobContext, status: OrderStatus) -> list[q.OrderRow]:
    """The rows this run handles: ``ctx.po_number`` only if it is in ``status``, else a batch of
    up to ``ctx.size`` rows, least recently attempted first (D5).  Counts them in ``total``."""
    if ctx.po_number:
        row = await q.pick_one(ctx.pool, ctx.po_number, status, ctx.now())
        if row is None:
            ctx.counters.total += 1
            skip(ctx, ctx.po_number, "not_in_input_status", f"wanted status {status}")
            return []
        rows = [row]
    else:
        rows = await q.pick_batch(ctx.pool, status, ctx.size, ctx.now())
    ctx.counters.total += len(rows)
    return rows


def parse_payloads(
    ctx: JobContext, rows: Iterable[q.OrderRow]
) -> list[tuple[q.OrderRow, DscoOrder]]:
    """Typed DSCO orders of ``rows``; an unusable payload is reported as a failure and dropped."""
    parsed: list[tuple[q.OrderRow, DscoOrder]] = []
    for row in rows:
        problem = identifier_problem(row.po_number)
        if problem:  # stored before the pull refused such PO numbers: never send it anywhere
            skip(ctx, printable(row.po_number, 100), "invalid_po_number", f"problem={problem}")
            continue
        try:
            parsed.append((row, parse_order(row.payload)))
        except DscoPayloadError:
            fail(ctx, row.po_number, "unparsable_payload")
    return parsed


@dataclass(frozen=True)
class Skip:
    """Why an order cannot go on now: a stable reason code and the detail needed to act
    (never buyer data)."""

    reason: str
    detail: str = ""


def multi_banned(order: DscoOrder) -> bool:
    """``multi_ban``: True for an order with more than one line or any quantity above 1."""
    lines = order.line_items
    return len(lines) > 1 or any((line.quantity or 0) > 1 for line in lines)


def without_multi(ctx: JobContext, items: Iterable[T], of: Callable[[T], Pair]) -> list[T]:
    """``multi_ban``: ``items`` whose order has one line of one unit; the others are skipped.
    ``of`` gives an item's row and order."""
    kept: list[T] = []
    for item in items:
        row, order = of(item)
        if multi_banned(order):
            skip(ctx, row.po_number, "multi_ban", f"lines={len(order.line_items)}")
        else:
            kept.append(item)
    return kept


def _detail(text: str) -> str:
    # Details carry vendor values (SKUs, DSCO and Lingxing messages): escaped for the log.
    return f" {printable(text, 500)}" if text else ""


def ok(ctx: JobContext, po_number: str, reason: str, detail: str = "") -> None:
    """The order succeeded without a status move (or the move was recorded elsewhere)."""
    ctx.counters.ok += 1
    ctx.log.bind(po_number=po_number).info("order ok reason={}{}", reason, _detail(detail))


def skip(ctx: JobContext, po_number: str, reason: str, detail: str = "") -> None:
    """Nothing to do for the order now; a later run looks again."""
    ctx.counters.skip += 1
    ctx.log.bind(po_number=po_number).warning("order skipped reason={}{}", reason, _detail(detail))


def fail(ctx: JobContext, po_number: str, reason: str, detail: str = "") -> None:
    """The order failed (a vendor error or a rejection); a later run tries again."""
    ctx.counters.fail += 1
    ctx.log.bind(po_number=po_number).error("order failed reason={}{}", reason, _detail(detail))


async def advance(
    ctx: JobContext,
    po_number: str,
    from_status: OrderStatus,
    to_status: OrderStatus,
    reason: str,
    detail: str = "",
    *,
    invoice_id: str | None = None,
) -> bool:
    """Compare-and-set the row forward and report the order (ok+advanced, or skip when another
    writer moved the row first). Only the state machine's forward moves are allowed."""
    if (from_status, to_status) not in TRANSITIONS:
        raise ValueError(f"no such move in the order state machine: {from_status} -> {to_status}")
    moved = await q.advance(
        ctx.pool, po_number, from_status, to_status, ctx.now(), invoice_id=invoice_id
    )
    if not moved:
        skip(ctx, po_number, "status_changed_meanwhile", f"expected status {from_status}")
        return False
    ctx.counters.advanced += 1
    ok(ctx, po_number, reason, f"status {from_status}->{to_status}{_detail(detail)}")
    return True
