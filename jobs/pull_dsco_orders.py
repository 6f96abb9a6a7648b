"""``pull_dsco_orders``: DSCO orders → local table (docs/design.md, "Every job", D2–D4).

Scheduled: a created-since sweep from the newest stored create time minus the lookback, then an
updated-since sweep from the newest stored update time minus the lookback (late changes and
cancellations). Manual: ``[start, end)`` on the create time. Single PO: ``GET /order/``.
Every page is one bulk upsert; one bad order never stops its page. The next page is fetched
while the current one is stored (:func:`read_ahead`). Each page logs one INFO line with its
counts; the line per order is DEBUG (warnings about an order stay warnings).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import Field

from db import orders as q
from jobs.context import JobContext, JobError
from jobs.dsco_intake import raw_po, store, take
from jobs.pipeline_common import Skip
from jobs.registry import JobSpec
from jobs.runtime_config import JobConfig, JobNeeds
from jobs.states import OrderStatus
from jobs.untrusted import printable
from sdk.dsco.client import DscoClient

EPOCH = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())  # empty table: start here

YIELD_EVERY = 100  # orders derived between two turns of the event loop
T = TypeVar("T")
Outcome = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    keep_from: int | None = None  # manual window: only orders created in [keep_from, end)
    # POs already counted this run: the updated-since sweep re-reads recent orders.
    seen: set[str] = field(default_factory=set, compare=False)
    # Orders without a usable PO, by their text: a sweep numbers identical ones apart.
    raw_seen: Counter[str] = field(default_factory=Counter, compare=False)


async def run(ctx: JobContext) -> None:
    try:
        await _run(ctx, ctx.clients.require_dsco())
    finally:
        ctx.counters.ok = ctx.counters.total - ctx.counters.fail - ctx.counters.skip


async def _run(ctx: JobContext, dsco: DscoClient) -> None:
    if ctx.po_number:
        await _pull_one(ctx, dsco, ctx.po_number)
        return
    per_page = min(max(ctx.size, 10), 1000)
    until = ctx.now() - ctx.env.dsco_until_margin
    if "start" in ctx.overrides:
        window = _manual_window(ctx, until)
        pages = dsco.iter_order_pages(
            created_since=_dt(window.start), until=_dt(window.end), per_page=per_page
        )
        await _store_pages(ctx, pages, window)
        return
    lookback = JOB.settings(ctx).lookback_seconds
    seen: set[str] = set()
    created_from = (await q.newest_create_time(ctx.pool) or EPOCH + lookback) - lookback
    await _store_pages(
        ctx,
        dsco.iter_order_pages(
            created_since=_dt(min(created_from, until - 1)), until=_dt(until), per_page=per_page
        ),
        Window(created_from, until, seen=seen),
    )
    updated_from = await q.newest_update_time(ctx.pool)
    if updated_from is not None:
        since = min(updated_from - lookback, until - 1)
        await _store_pages(
            ctx,
            dsco.iter_order_pages(updated_since=_dt(since), until=_dt(until), per_page=per_page),
            Window(since, until, seen=seen),
        )


def _manual_window(ctx: JobContext, until: int) -> Window:
    start = int(ctx.overrides["start"])
    end = min(int(ctx.overrides.get("end", until)), until)
    if end <= start:
        raise JobError(f"empty pull window: start {start} is not before end {end}")
    if end - start > ctx.env.max_range_days * 86400:
        raise JobError(f"pull window longer than {ctx.env.max_range_days} days")
    return Window(start, end, keep_from=start)


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


async def read_ahead(items: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """``items``, with the next one already being fetched while the caller works on the
    current one: a page travels from DSCO while the previous one is being stored.

    Close it (``contextlib.aclosing``) when stopping early: the fetch in flight is cancelled
    and ``items`` closed. A failed fetch raises here, after the pages before it."""
    pending = asyncio.ensure_future(anext(items))
    try:
        while True:
            try:
                item = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(anext(items))
            yield item
    finally:
        pending.cancel()
        await asyncio.wait([pending])  # never raises what the fetch raised ...
        if not pending.cancelled():
            pending.exception()  # ... which is retrieved here, so asyncio does not report it
        if isinstance(items, AsyncGenerator):
            await items.aclose()


@dataclass
class Page:
    """A page of orders made ready to store, and what deriving them found (counted into the
    run when the page is stored)."""

    size: int
    rows: list[q.OrderUpsert] = field(default_factory=list)
    total: int = 0  # orders this run had not seen yet
    skip: int = 0
    fail: int = 0


async def _store_pages(ctx: JobContext, pages: AsyncIterator[list[Any]], window: Window) -> None:
    """Store every page; each is derived (CPU) while the one before is being stored
    (PostgreSQL), and fetched while the one before is being derived (DSCO)."""
    storing: asyncio.Future[None] | None = None
    try:
        async with contextlib.aclosing(read_ahead(pages)) as ahead:
            async for raw_page in ahead:
                page = await _prepare(ctx, raw_page, window)
                if storing is not None:
                    await storing
                storing = asyncio.ensure_future(_store_page(ctx, page))
        if storing is not None:
            await storing
    finally:
        if storing is not None and not storing.done():
            storing.cancel()
            await asyncio.wait([storing])


async def _prepare(ctx: JobContext, raw_page: list[Any], window: Window) -> Page:
    page = Page(len(raw_page))
    for start in range(0, len(raw_page), YIELD_EVERY):
        if start:
            # A page of a thousand orders is tens of milliseconds of CPU: the admin and the
            # other jobs share this event loop, so let them in between.
            await asyncio.sleep(0)
        chunk = raw_page[start : start + YIELD_EVERY]
        page.rows += [row for raw in chunk if (row := _derive(ctx, raw, window, page)) is not None]
    return page


async def _store_page(ctx: JobContext, page: Page) -> None:
    """Store one page and log it: a DEBUG line per order, one INFO line for the page."""
    outcomes = Counter(_log_outcome(ctx, outcome) for outcome in await _store(ctx, page, page.rows))
    ctx.counters.total += page.total
    ctx.counters.skip += page.skip
    ctx.counters.fail += page.fail
    ctx.log.info(
        "page stored: orders={} new={} changed={} unchanged={} skipped={} failed={}"
        " seen_this_run={}",
        page.size,
        outcomes["new"],
        outcomes["changed"],
        outcomes["unchanged"],
        page.skip,
        page.fail,
        page.size - page.total,
    )


def _derive(ctx: JobContext, raw: object, window: Window, page: Page) -> q.OrderUpsert | None:
    po = raw.get("poNumber") if isinstance(raw, dict) else None
    if isinstance(po, str) and po in window.seen:
        return None  # stored by this run's first sweep (see below), no need to parse it again
    intake = take(raw)
    row = intake.row
    key = row.po_number if isinstance(row, q.OrderUpsert) else _raw_key(window, intake.clean)
    if key in window.seen:
        # Handled by this run's first sweep seconds ago (stored, or refused and reported);
        # a change made since then is picked up by the next run's lookback.
        return None
    window.seen.add(key)
    page.total += 1
    if isinstance(row, Skip):
        _refused(ctx, page, raw_po(intake.clean), row.reason, row.detail)
        return None
    if intake.cleaned_paths:
        # Stored with U+FFFD where DSCO sent what PostgreSQL cannot hold; say where.
        ctx.log.bind(po_number=row.po_number).warning(
            "order payload cleaned to be storable paths={}",
            printable(",".join(intake.cleaned_paths)),
        )
    if window.keep_from is not None and not window.keep_from <= row.dsco_create_time < window.end:
        page.skip += 1
        return None
    return row


def _refused(ctx: JobContext, page: Page, po_number: str, reason: str, detail: str) -> None:
    """An order DSCO sent that cannot be stored: counted as failed, logged, left in DSCO (the
    next pull sees it again, so a corrected order comes in by itself)."""
    page.fail += 1
    ctx.log.bind(po_number=po_number).warning(
        "order skipped reason={}{}", reason, f" {detail}" if detail else ""
    )


def _raw_key(window: Window, raw: object) -> str:
    """A key for an order without a usable PO number: its text, numbered within the sweep, so
    that the next sweep (which sees the same orders in the same order) counts none twice."""
    text = repr(raw)
    window.raw_seen[text] += 1
    return f"\x00raw:{window.raw_seen[text]}:{text}"


async def _store(ctx: JobContext, page: Page, rows: list[q.OrderUpsert]) -> list[q.UpsertOutcome]:
    return await store(
        ctx, rows, lambda po, reason, detail: _refused(ctx, page, po, reason, detail)
    )


def _log_outcome(ctx: JobContext, outcome: q.UpsertOutcome) -> Outcome:
    log = ctx.log.bind(po_number=outcome.po_number)
    if outcome.inserted:
        ctx.counters.advanced += 1
        log.debug("order ok reason=inserted status={}", outcome.new_status)
        return "new"
    if outcome.old_status != outcome.new_status:
        if outcome.new_status == OrderStatus.CANCELLED and (outcome.old_status or 0) >= 2:
            log.warning(
                "order cancelled in DSCO after it reached Lingxing (status {}): cancel it there",
                outcome.old_status,
            )
        elif outcome.new_status == OrderStatus.DONE:
            log.warning("order shipped in DSCO before it reached Lingxing: not pushed")
        else:
            log.debug(
                "order ok reason=status_changed {} -> {}", outcome.old_status, outcome.new_status
            )
        return "changed"
    if outcome.changed:
        log.debug("order ok reason=updated")
        return "changed"
    return "unchanged"


async def _pull_one(ctx: JobContext, dsco: DscoClient, po_number: str) -> None:
    raw = await dsco.get_order(po_number)
    if raw is None:
        ctx.counters.total += 1
        ctx.counters.skip += 1
        ctx.log.warning("order skipped reason=not_found_in_dsco")
        return
    await _store_page(ctx, await _prepare(ctx, [raw], Window(0, 2**62)))


class PullSettings(JobConfig):
    """``pull_dsco_orders``: how far before the newest known order each pull starts."""

    lookback_seconds: int = Field(default=3600, ge=0)


JOB = JobSpec(
    "pull_dsco_orders",
    run,
    PullSettings,
    {"cron": "0 */5 * * * *", "size": 1000, "lookback_seconds": 3600},
    needs=JobNeeds(dsco=True),
    in_pipeline=True,
)
