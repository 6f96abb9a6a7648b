"""``ack_to_dsco``: local status 2 → DSCO acknowledge → status 3 (docs/design.md, "Every job", D7).

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
from jobs.dsco_delivery import deliver
from jobs.fanout import gather_bounded
from jobs.registry import JobSpec
from jobs.runtime_config import JobNeeds, MultiBanJobConfig
from jobs.states import ACKNOWLEDGED_IN_DSCO, DscoStatus, OrderStatus
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.dsco.errors import DscoPayloadError
from sdk.dsco.responses import DscoOrder, parse_order
from sdk.lingxing.client import LingxingClient

IN, OUT = OrderStatus.PUSHED, OrderStatus.ACKED
READY_STATUSES = frozenset({5, 6})  # Lingxing: pending shipment, shipped
DSCO_READ_CONCURRENCY = 10

Batch = list[tuple[q.OrderRow, DscoOrder]]


async def run(ctx: JobContext) -> None:
    """Acknowledge the batch (or the single PO) of status-2 orders whose Lingxing side is ready."""
    dsco = ctx.clients.require_dsco()
    lx = ctx.clients.require_lingxing()
    orders = pc.parse_payloads(ctx, await pc.select_rows(ctx, IN))
    orders = await _dsco_state(ctx, dsco, orders)
    if JOB.settings(ctx).multi_ban:
        orders = pc.without_multi(ctx, orders, lambda pair: pair)
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

    states = await gather_bounded(
        [row.po_number for row, _ in orders], read, limit=DSCO_READ_CONCURRENCY
    )
    remaining: Batch = []
    for (row, order), state in zip(orders, states, strict=True):
        if state in ACKNOWLEDGED_IN_DSCO:
            await pc.advance(ctx, row.po_number, IN, OUT, "already_acknowledged", f"dsco={state}")
        elif state == DscoStatus.CANCELLED:
            await pc.advance(ctx, row.po_number, IN, OrderStatus.CANCELLED, "cancelled_in_dsco")
        else:
            remaining.append((row, order))
    return remaining


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
    """Step 4: one ACK call for all ready POs; only a confirmed success advances."""
    outcome = await deliver(ctx, "order", dsco.acknowledge, {po: po for po in pos})
    for po in pos:
        if po in outcome.succeeded:
            await pc.advance(ctx, po, IN, OUT, "acknowledged")
        elif po in outcome.failed:
            pc.fail(ctx, po, "ack_failed", outcome.failed[po])
        else:  # sent but unconfirmed: an ACK is safe to repeat, the next run finds out
            pc.skip(ctx, po, "ack_pending", outcome.unknown.get(po, ""))


JOB = JobSpec(
    "ack_to_dsco",
    run,
    MultiBanJobConfig,
    {"cron": "0 */15 * * * *", "size": 200, "multi_ban": False},
    needs=JobNeeds(dsco=True, lingxing=True),
    input_status=OrderStatus.PUSHED,
    in_pipeline=True,
)
