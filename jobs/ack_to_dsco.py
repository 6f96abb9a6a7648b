"""``ack_to_dsco``: local status 2 → DSCO acknowledge → status 3 (SPEC §6.3, D7).

1. DSCO state first (bounded concurrent ``get_order``): ``shipment_pending``/``shipped``/
   ``completed`` → 3 without an ACK; ``cancelled`` → 6; unreadable → go on (an ACK is safe to
   repeat).
2. ``multi_ban``: skip orders with several lines or a quantity above 1.
3. Lingxing order list, deleted orders excluded: a PO is ready when every remaining sub-order
   has status 5 (pending shipment) or 6 (shipped).
4. One acknowledge call for every ready PO, then the change log: ``success`` → 3, ``failure`` →
   stays at 2 (reason logged), no result yet → stays at 2 (the next run asks DSCO first).
"""

from __future__ import annotations

from collections import defaultdict

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.dsco.errors import DscoPayloadError, DscoValidationError
from sdk.dsco.responses import DscoOrder, parse_order
from sdk.lingxing.client import LingxingClient

FROM, TO = q.STATUS_PUSHED, q.STATUS_ACKED
ALREADY_ACKED = frozenset({"shipment_pending", "shipped", "completed"})
READY_STATUSES = frozenset({5, 6})  # Lingxing: pending shipment, shipped
DSCO_READ_CONCURRENCY = 10
LOG_TIMEOUT = 60.0  # how long one run waits for the change log before leaving orders at 2
LOG_POLL_INTERVAL = 2.0

Batch = list[tuple[q.OrderRow, DscoOrder]]


async def run(ctx: JobContext) -> None:
    """Acknowledge the batch (or the single PO) of status-2 orders whose Lingxing side is ready."""
    dsco = ctx.clients.require_dsco()
    lx = ctx.clients.require_lingxing()
    orders = pc.parse_payloads(ctx, await pc.select_rows(ctx, FROM))
    orders = await _dsco_state(ctx, dsco, orders)
    if ctx.config.jobs.ack_to_dsco.multi_ban:
        orders = _without_multi(ctx, orders)
    ready = await _lingxing_ready(ctx, lx, [row.po_number for row, _ in orders])
    if ready:
        await _acknowledge(ctx, dsco, ready)


async def _dsco_state(ctx: JobContext, dsco: DscoClient, orders: Batch) -> Batch:
    """Step 1: settle orders DSCO already moved on; the rest still need an ACK."""

    async def read(po: str) -> str | None:
        try:
            raw = await dsco.get_order(po)
            return (parse_order(raw).dsco_status or "") if raw else None
        except (SdkError, DscoPayloadError) as exc:
            ctx.log.bind(po_number=po).info("dsco state unreadable: {}", type(exc).__name__)
            return None

    states = await pc.gather_bounded(
        [row.po_number for row, _ in orders], read, limit=DSCO_READ_CONCURRENCY
    )
    remaining: Batch = []
    for (row, order), state in zip(orders, states, strict=True):
        if state in ALREADY_ACKED:
            await pc.advance(ctx, row.po_number, FROM, TO, "already_acknowledged", f"dsco={state}")
        elif state == "cancelled":
            await pc.advance(ctx, row.po_number, FROM, q.STATUS_CANCELLED, "cancelled_in_dsco")
        else:
            remaining.append((row, order))
    return remaining


def _without_multi(ctx: JobContext, orders: Batch) -> Batch:
    """Step 2 (``multi_ban``): single-line, single-unit orders only."""
    kept: Batch = []
    for row, order in orders:
        if pc.multi_banned(order):
            pc.skip(ctx, row.po_number, "multi_ban", f"lines={len(order.line_items)}")
        else:
            kept.append((row, order))
    return kept


async def _lingxing_ready(ctx: JobContext, lx: LingxingClient, pos: list[str]) -> list[str]:
    """Step 3: the POs whose every non-deleted Lingxing (sub-)order is at status 5 or 6."""
    if not pos:
        return []
    try:
        found = await lx.list_orders(pos, include_deleted=False)
    except SdkError as exc:
        for po in pos:
            pc.fail(ctx, po, "lingxing_list_failed", type(exc).__name__)
        return []
    statuses: dict[str, list[int]] = defaultdict(list)
    for order in found:
        if order.deleted:
            continue  # belt and braces: the list was asked without deleted orders
        for po in set(order.platform_order_nos) & set(pos):
            statuses[po].append(order.status)
    ready = []
    unreadable = found.rejected_keys()
    for po in pos:
        if po in unreadable:  # a sub-order we cannot read may not be reviewed yet
            pc.skip(ctx, po, "lingxing_row_unreadable")
        elif not statuses.get(po):
            pc.skip(ctx, po, "not_in_lingxing")
        elif not set(statuses[po]) <= READY_STATUSES:
            pc.skip(ctx, po, "lingxing_not_ready", f"statuses={sorted(statuses[po])}")
        else:
            ready.append(po)
    return ready


async def _acknowledge(ctx: JobContext, dsco: DscoClient, pos: list[str]) -> None:
    """Step 4: one ACK call for all ready POs (one per PO if DSCO refuses the whole call)."""
    try:
        accepted = await dsco.acknowledge(pos)
    except DscoValidationError as exc:
        if len(pos) > 1:
            ctx.log.warning("acknowledge refused as a whole, sending one by one: {}", exc.message)
            await pc.gather_bounded(
                pos, lambda po: _acknowledge(ctx, dsco, [po]), limit=DSCO_READ_CONCURRENCY
            )
            return
        pc.fail(ctx, pos[0], "ack_rejected", f"message={exc.message!r}")
        return
    except SdkError as exc:
        for po in pos:
            pc.fail(ctx, po, "ack_call_failed", type(exc).__name__)
        return
    await _confirm(ctx, dsco, accepted.request_id, pos)


async def _confirm(ctx: JobContext, dsco: DscoClient, request_id: str, pos: list[str]) -> None:
    """Read the change log of the ACK request: only a confirmed success advances (D7)."""
    try:
        outcome = await dsco.wait_for_request(
            "order", request_id, pos, timeout=LOG_TIMEOUT, poll_interval=LOG_POLL_INTERVAL
        )
    except SdkError as exc:
        for po in pos:  # sent but unconfirmed: the next run asks DSCO first
            pc.skip(ctx, po, "ack_pending", f"request_id={request_id} log={type(exc).__name__}")
        return
    for po in pos:
        if po in outcome.succeeded:
            await pc.advance(ctx, po, FROM, TO, "acknowledged", f"request_id={request_id}")
        elif po in outcome.failed:
            reasons = "; ".join(outcome.failed[po])[:200]
            pc.fail(ctx, po, "ack_failed", f"request_id={request_id} reasons={reasons!r}")
        else:
            pc.skip(ctx, po, "ack_pending", f"request_id={request_id}")
