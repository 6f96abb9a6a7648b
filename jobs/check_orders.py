"""``check_orders`` (manual only; writes nothing): local rows vs DSCO vs Lingxing.

See docs/design.md, "Every job".

Input: ``ctx.po_number`` (one PO), or ``overrides["start"]``/``overrides["end"]`` (unix seconds,
``[start, end)`` on the DSCO create time; ``end`` defaults to now; at most ``max_range_days``).

Range mode streams DSCO's order pages (every scroll page, no cap) and looks up the local rows
of each page only; then pages through the local rows created in the range and re-checks, one
``GET /order/`` each, those DSCO did not return. Memory: one page of orders plus the ids of the
matched local rows. Lingxing is asked (one batched list call per page) about rows in status 2,
DSCO's invoices about rows in status 5. Codes: :mod:`jobs.audit_orders`. The result is in
``ctx.report`` (counts per code + the first problem POs); a vendor read failure fails the run
(an incomplete check must not look clean).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db import order_check as q
from db.order_check import LocalState
from jobs.audit_orders import OK, Tally, status_mismatch, verdict
from jobs.context import JobContext, JobError
from jobs.fanout import gather_bounded
from jobs.registry import JobSpec
from jobs.runtime_config import JobConfig, JobNeeds
from jobs.states import OrderStatus
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.lingxing.client import LingxingClient

LOOKUP_CONCURRENCY = 5


@dataclass(frozen=True)
class Entry:
    po_number: str
    local: LocalState | None
    dsco_status: str | None  # None: DSCO does not have the order


async def run(ctx: JobContext) -> None:
    """Entry point registered as ``check_orders``."""
    dsco = ctx.clients.require_dsco()
    lingxing = ctx.clients.require_lingxing()
    tally = Tally()
    try:
        if ctx.po_number:
            await _check_one(ctx, dsco, lingxing, tally, ctx.po_number)
            extra: dict[str, Any] = {"po_number": ctx.po_number}
        else:
            start, end = _window(ctx)
            await _check_range(ctx, dsco, lingxing, tally, start, end)
            extra = {"start": start, "end": end}
    except SdkError as exc:
        raise JobError(f"check incomplete, a vendor read failed: {exc}") from None
    ctx.counters.total = tally.checked
    ctx.counters.ok = tally.counts[OK]
    ctx.counters.fail = tally.checked - tally.counts[OK]
    ctx.report = tally.report(**extra)
    ctx.log.info("check done checked={} counts={}", tally.checked, tally.counts)


def _window(ctx: JobContext) -> tuple[int, int]:
    if "start" not in ctx.overrides:
        raise JobError("check_orders needs a PO number or overrides start/end (unix seconds)")
    try:
        start = int(ctx.overrides["start"])
        end = int(ctx.overrides.get("end", ctx.now()))
    except (TypeError, ValueError):
        raise JobError("overrides start/end must be unix seconds") from None
    if end <= start:
        raise JobError(f"empty window: start {start} is not before end {end}")
    if end - start > ctx.env.max_range_days * 86400:
        raise JobError(f"window longer than {ctx.env.max_range_days} days")
    return start, end


async def _check_one(
    ctx: JobContext, dsco: DscoClient, lingxing: LingxingClient, tally: Tally, po: str
) -> None:
    local = (await q.by_po_numbers(ctx.pool, [po])).get(po)
    order = await dsco.get_order(po)
    await _judge(ctx, dsco, lingxing, tally, [Entry(po, local, _status(order))])


async def _check_range(
    ctx: JobContext,
    dsco: DscoClient,
    lingxing: LingxingClient,
    tally: Tally,
    start: int,
    end: int,
) -> None:
    until = min(end, ctx.now() - ctx.env.dsco_until_margin)
    matched: set[int] = set()
    if until > start:
        pages = dsco.iter_order_pages(
            created_since=_dt(start), until=_dt(until), per_page=min(max(ctx.size, 10), 1000)
        )
        async for page in pages:
            orders = {o["poNumber"]: o for o in page if isinstance(o.get("poNumber"), str)}
            local = await q.by_po_numbers(ctx.pool, list(orders))
            matched.update(row.id for row in local.values())
            entries = [Entry(po, local.get(po), _status(o)) for po, o in orders.items()]
            await _judge(ctx, dsco, lingxing, tally, entries)
    await _check_unmatched(ctx, dsco, lingxing, tally, (start, end), matched)


async def _check_unmatched(
    ctx: JobContext,
    dsco: DscoClient,
    lingxing: LingxingClient,
    tally: Tally,
    window: tuple[int, int],
    matched: set[int],
) -> None:
    """Local rows of the window DSCO's listing did not return: ask DSCO for each directly."""
    after = 0
    while rows := await q.created_between(
        ctx.pool, *window, after_id=after, limit=max(ctx.size, 1)
    ):
        after = rows[-1].id
        unseen = [row for row in rows if row.id not in matched]
        orders = await gather_bounded(
            [row.po_number for row in unseen], dsco.get_order, limit=LOOKUP_CONCURRENCY
        )
        entries = [Entry(r.po_number, r, _status(o)) for r, o in zip(unseen, orders, strict=True)]
        await _judge(ctx, dsco, lingxing, tally, entries)


async def _judge(
    ctx: JobContext,
    dsco: DscoClient,
    lingxing: LingxingClient,
    tally: Tally,
    entries: Sequence[Entry],
) -> None:
    live = await _in_lingxing(lingxing, [e for e in entries if _wants(e, OrderStatus.PUSHED)])
    invoices = await _invoices_found(dsco, [e for e in entries if _wants(e, OrderStatus.DONE)])
    for e in entries:
        status = e.local.status if e.local else None
        code = verdict(
            local_status=status,
            dsco_status=e.dsco_status,
            in_lingxing=(e.po_number in live) if _wants(e, OrderStatus.PUSHED) else None,
            invoice_found=invoices.get(e.po_number),
        )
        tally.add(e.po_number, code, local_status=status, dsco_status=e.dsco_status)
        log = ctx.log.bind(po_number=e.po_number)
        if code == OK:
            log.debug("order ok reason=ok")
        else:
            log.warning(
                "order checked reason={} local_status={} dsco_status={}",
                code,
                status,
                e.dsco_status,
            )


def _wants(entry: Entry, status: int) -> bool:
    """Whether the extra lookup for ``status`` (pushed: Lingxing, done: invoice) applies."""
    if entry.local is None or entry.dsco_status is None or entry.local.status != status:
        return False
    if status_mismatch(entry.local.status, entry.dsco_status):
        return False
    return status == OrderStatus.PUSHED or bool(entry.local.dsco_invoice_id)


async def _in_lingxing(lingxing: LingxingClient, entries: list[Entry]) -> set[str]:
    if not entries:
        return set()
    orders = await lingxing.list_orders([e.po_number for e in entries], include_deleted=False)
    return {
        info.platform_order_no
        for order in orders
        if not order.is_delete
        for info in order.platform_info
    }


async def _invoices_found(dsco: DscoClient, entries: list[Entry]) -> dict[str, bool]:
    ids = [e.local.dsco_invoice_id for e in entries if e.local is not None]
    found = await gather_bounded(ids, dsco.get_invoice, limit=LOOKUP_CONCURRENCY)
    return {e.po_number: f is not None for e, f in zip(entries, found, strict=True)}


def _status(order: dict[str, Any] | None) -> str | None:
    if order is None:
        return None
    return str(order.get("dscoStatus") or "")


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


JOB = JobSpec(
    "check_orders",
    run,
    JobConfig,
    {"cron": "0 0 2 * * *", "size": 500},
    needs=JobNeeds(dsco=True, lingxing=True),
    manual_only=True,
)
