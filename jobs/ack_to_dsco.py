"""``ack_to_dsco``: local status 2 → DSCO acknowledge → status 3 (docs/design.md, "Every job",
D7, D13).

1. ``multi_ban``: only single-line, single-unit orders (nothing to ask anyone about the others).
2. Lingxing first, the cheap vendor (200 POs a call): a PO is ready when every live sub-order is
   reviewed (status 5 pending shipment, or 6 shipped). Nothing is asked of DSCO for the others.
3. DSCO's state of the ready orders by one sweep (:mod:`jobs.dsco_state`): already acknowledged
   (``shipment_pending``/``shipped``/``completed``) → 3 without an ACK; cancelled → 6.
4. One acknowledge call for the rest; the change log decides: ``success`` → 3, ``failure`` →
   stays at 2 (reason logged), no result yet → stays at 2 (an ACK is safe to repeat).
"""

from __future__ import annotations

from collections import defaultdict

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext
from jobs.dsco_delivery import deliver
from jobs.dsco_state import refresh
from jobs.registry import JobSpec
from jobs.runtime_config import JobNeeds, MultiBanJobConfig
from jobs.states import ACKNOWLEDGED_IN_DSCO, OrderStatus
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.lingxing.client import LingxingClient

IN, OUT = OrderStatus.PUSHED, OrderStatus.ACKED
READY_STATUSES = frozenset({5, 6})  # Lingxing: pending shipment, shipped


async def run(ctx: JobContext) -> None:
    """Acknowledge the batch (or the single PO) of status-2 orders whose Lingxing side is ready."""
    dsco = ctx.clients.require_dsco()
    lx = ctx.clients.require_lingxing()
    orders = pc.parse_payloads(ctx, await pc.select_rows(ctx, IN))
    if JOB.settings(ctx).multi_ban:
        orders = pc.without_multi(ctx, orders, lambda pair: pair)
    ready = await _lingxing_ready(ctx, lx, [row for row, _ in orders])
    to_ack = await _not_acknowledged_yet(ctx, dsco, ready)
    if to_ack:
        await _acknowledge(ctx, dsco, to_ack)


async def _lingxing_ready(
    ctx: JobContext, lx: LingxingClient, rows: list[q.OrderRow]
) -> list[q.OrderRow]:
    """Step 2: the rows whose every live Lingxing (sub-)order is at status 5 or 6."""
    if not rows:
        return []
    pos = [row.po_number for row in rows]
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
    for row in rows:
        po = row.po_number
        if po in unreadable:  # a sub-order we cannot read may not be reviewed yet
            pc.skip(ctx, po, "lingxing_row_unreadable")
        elif not statuses.get(po):
            pc.skip(ctx, po, "not_in_lingxing")
        elif not set(statuses[po]) <= READY_STATUSES:
            pc.skip(ctx, po, "lingxing_not_ready", f"statuses={sorted(statuses[po])}")
        else:
            ready.append(row)
    return ready


async def _not_acknowledged_yet(
    ctx: JobContext, dsco: DscoClient, rows: list[q.OrderRow]
) -> list[str]:
    """Step 3: settle what DSCO already moved on; the POs that still need an ACK."""
    pending = []
    for row in await refresh(ctx, dsco, rows, IN):
        if row.dsco_status in ACKNOWLEDGED_IN_DSCO:
            detail = f"dsco={row.dsco_status}"
            await pc.advance(ctx, row.po_number, IN, OUT, "already_acknowledged", detail)
        else:
            pending.append(row.po_number)
    return pending


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
    {"cron": "0 */5 * * * *", "size": 1000, "multi_ban": False},
    needs=JobNeeds(dsco=True, lingxing=True),
    input_status=OrderStatus.PUSHED,
    in_pipeline=True,
)
