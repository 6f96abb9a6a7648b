"""DSCO's current state of the orders a run is about to write for, at the cost of a page
(docs/design.md, "Cost per change", D13).

The stored payload is DSCO's order as of the last pull. One updated-since sweep — from the oldest
update time among the rows, minus the pull's lookback, until a few seconds ago — brings every one
of them up to date at once, up to 1,000 orders a call, instead of one read per order: DSCO allows
about ten order reads a second for the whole account. The sweep stores what changed through the
pull's own upsert, so a cancellation moves the row exactly as a pull would (and is reported
here). A row whose stored state is unknown (no DSCO status in its payload) is read on its own,
a bounded number per run.

A sweep that fails is not fatal: every write that follows is keyed, so DSCO refuses what the
state would have prevented, and the next run tries again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from db import orders as q
from jobs import pipeline_common as pc
from jobs import pull_dsco_orders
from jobs.context import JobContext
from jobs.dsco_intake import store, take
from jobs.states import OrderStatus
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient

__all__ = ["MAX_SINGLE_READS", "SWEEP_PAGE", "refresh"]

SWEEP_PAGE = 1000  # DSCO's largest page
MAX_SINGLE_READS = 20  # per run, for rows whose state the payload does not tell


async def refresh(
    ctx: JobContext, dsco: DscoClient, rows: Sequence[q.OrderRow], status: OrderStatus
) -> list[q.OrderRow]:
    """``rows`` as DSCO has them now, still in ``status``; a row DSCO cancelled is moved to 6 and
    reported, one that moved otherwise meanwhile is reported skipped."""
    if not rows:
        return []
    wanted = {row.po_number for row in rows}
    moves: dict[str, q.UpsertOutcome] = {}
    await _sweep(ctx, dsco, rows, wanted, moves)
    unknown = [row for row in rows if not row.dsco_status]
    await _read_one_by_one(ctx, dsco, unknown, moves)
    current = {row.po_number: row for row in await q.get_orders(ctx.pool, sorted(wanted))}
    kept = []
    for before in rows:
        row = current.get(before.po_number)
        if row is not None and row.status == status:
            kept.append(row)
        else:
            _report_move(ctx, before, row, moves.get(before.po_number))
    return kept


async def _sweep(
    ctx: JobContext,
    dsco: DscoClient,
    rows: Sequence[q.OrderRow],
    wanted: set[str],
    moves: dict[str, q.UpsertOutcome],
) -> None:
    since = min(row.dsco_update_time or row.dsco_create_time for row in rows) - _lookback(ctx)
    until = ctx.now() - ctx.env.dsco_until_margin
    if since >= until:
        return  # every row was refreshed within the last seconds
    pages = dsco.iter_order_pages(updated_since=_dt(since), until=_dt(until), per_page=SWEEP_PAGE)
    try:
        await _store_wanted(ctx, pages, wanted, moves)
    except SdkError as exc:
        ctx.log.warning("dsco state sweep failed ({}); using the stored state", type(exc).__name__)


async def _store_wanted(
    ctx: JobContext,
    pages: AsyncIterator[list[Any]],
    wanted: set[str],
    moves: dict[str, q.UpsertOutcome],
) -> None:
    async for page in pages:
        rows = [
            intake.row
            for raw in page
            if isinstance((intake := take(raw)).row, q.OrderUpsert)
            and intake.row.po_number in wanted
        ]
        await _store(ctx, rows, moves)


async def _read_one_by_one(
    ctx: JobContext,
    dsco: DscoClient,
    rows: Sequence[q.OrderRow],
    moves: dict[str, q.UpsertOutcome],
) -> None:
    """A bounded number of single reads, for rows the sweep cannot speak for."""
    for row in rows[:MAX_SINGLE_READS]:
        try:
            found = await dsco.get_orders(row.po_number)
        except SdkError as exc:
            ctx.log.bind(po_number=row.po_number).info(
                "dsco state unreadable: {}", type(exc).__name__
            )
            continue
        upserts = [i.row for raw in found if isinstance((i := take(raw)).row, q.OrderUpsert)]
        await _store(ctx, [u for u in upserts if u.po_number == row.po_number][:1], moves)


async def _store(
    ctx: JobContext, rows: list[q.OrderUpsert], moves: dict[str, q.UpsertOutcome]
) -> None:
    def refused(po: str, reason: str, detail: str) -> None:
        ctx.log.bind(po_number=po).warning("dsco state not stored reason={} {}", reason, detail)

    for outcome in await store(ctx, rows, refused):
        if outcome.old_status != outcome.new_status:
            moves[outcome.po_number] = outcome


def _report_move(
    ctx: JobContext,
    before: q.OrderRow,
    row: q.OrderRow | None,
    move: q.UpsertOutcome | None,
) -> None:
    po = before.po_number
    if move is not None and move.new_status == OrderStatus.CANCELLED:
        ctx.counters.advanced += 1
        pc.ok(ctx, po, "cancelled_in_dsco", f"status {before.status}->{move.new_status}")
        if before.status >= OrderStatus.PUSHED:
            ctx.log.bind(po_number=po).warning(
                "order cancelled in DSCO after it reached Lingxing: cancel it there"
            )
    else:
        now = row.status if row is not None else "gone"
        pc.skip(ctx, po, "status_changed_meanwhile", f"status {before.status}->{now}")


def _lookback(ctx: JobContext) -> int:
    # The pull's own margin for late updates: the sweep reads the same way the pull does.
    return pull_dsco_orders.JOB.settings(ctx).lookback_seconds


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
