"""``ship_to_dsco``: status 3 → DSCO shipments → 4 (docs/design.md, "Every job", D6, D7, D9).

1. Current DSCO state per order (cancelled → 6, created → skip, else go on) and the tracking
   numbers DSCO already holds.
2. Live WMS outbound orders of the whole batch in one Lingxing read.
3. One DSCO package per new tracking number (not in local ``shipped_tracking_no`` nor in DSCO's
   packages, so a crash between sending and recording never duplicates one).
4. One ``POST /order/shipment/batch/small`` for the batch, results from the change log; the
   confirmed tracking numbers are recorded; the row moves to 4 once every line is covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext
from jobs.dsco_delivery import deliver
from jobs.dsco_shipment import Allocation, allocate, build_shipment
from jobs.fanout import gather_bounded
from jobs.registry import JobSpec
from jobs.runtime_config import JobNeeds, MultiBanJobConfig, reverse_mapping
from jobs.states import ACKNOWLEDGED_IN_DSCO, FULFILLED_IN_DSCO, DscoStatus, OrderStatus
from jobs.wms import outbound_by_po
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.dsco.errors import DscoPayloadError
from sdk.dsco.models import ShipmentForOrder
from sdk.dsco.responses import DscoOrder, parse_order
from sdk.lingxing.client import LingxingClient

T = TypeVar("T")

IN, OUT = OrderStatus.ACKED, OrderStatus.SHIPPED


@dataclass
class Candidate:
    """An order that passed the DSCO check, with what DSCO and the local row already know."""

    row: q.OrderRow
    order: DscoOrder
    known: set[str]  # tracking numbers recorded locally or present in DSCO
    in_dsco: set[str]
    allocation: Allocation | None = None


async def run(ctx: JobContext) -> None:
    dsco, lingxing = ctx.clients.require_dsco(), ctx.clients.require_lingxing()
    rows = await pc.select_rows(ctx, IN)
    checked = await gather_bounded(rows, lambda row: dsco_state(ctx, dsco, row))
    candidates = [c for c in checked if c is not None]
    if JOB.settings(ctx).multi_ban:
        candidates = pc.without_multi(ctx, candidates, lambda c: (c.row, c.order))
    candidates = await _with_outbound(ctx, lingxing, candidates)
    elements: dict[str, tuple[Candidate, ShipmentForOrder]] = {}
    for cand in candidates:
        element = await _plan(ctx, cand)
        if element is not None:
            elements[cand.row.po_number] = (cand, element)
    if elements:
        await _send(ctx, dsco, elements)


async def dsco_state(ctx: JobContext, dsco: DscoClient, row: q.OrderRow) -> Candidate | None:
    """The order as DSCO has it now; None when the order is settled here (cancel, skip, fail)."""
    po = row.po_number
    try:
        raw = await dsco.get_order(po)
        order = parse_order(raw) if raw is not None else None
    except (SdkError, DscoPayloadError) as exc:
        pc.fail(ctx, po, "dsco_read_failed", type(exc).__name__)
        return None
    if order is None:
        pc.skip(ctx, po, "not_found_in_dsco")
        return None
    status = order.dsco_status or ""
    if status == DscoStatus.CANCELLED:
        await pc.advance(ctx, po, IN, OrderStatus.CANCELLED, "cancelled_in_dsco")
        return None
    if status not in ACKNOWLEDGED_IN_DSCO:
        reason = "not_acknowledged" if status == DscoStatus.CREATED else "unexpected_dsco_status"
        pc.skip(ctx, po, reason, f"dsco_status={status}")
        return None
    in_dsco = order.tracking_numbers
    return Candidate(row, order, set(row.tracking_numbers) | in_dsco, in_dsco)


async def _with_outbound(
    ctx: JobContext, lingxing: LingxingClient, candidates: Sequence[Candidate]
) -> list[Candidate]:
    """Candidates with their allocation; the others are reported here."""
    outbound = await outbound_by_po(ctx, lingxing, [c.row for c in candidates])
    reverse_sku = reverse_mapping(ctx.config.mapping.sku)
    kept = []
    for cand in candidates:
        if cand.row.po_number not in outbound:
            continue
        result = allocate(
            cand.order, outbound[cand.row.po_number], reverse_sku, ctx.env.lingxing_timezone
        )
        if isinstance(result, pc.Skip):
            pc.skip(ctx, cand.row.po_number, result.reason, result.detail)
        else:
            cand.allocation = result
            kept.append(cand)
    return kept


async def _plan(ctx: JobContext, cand: Candidate) -> ShipmentForOrder | None:
    """The element to send, or None once the order has been settled without sending."""
    assert cand.allocation is not None
    po = cand.row.po_number
    # DSCO already has packages we never recorded (a crash after sending): record them now.
    missing_locally = (cand.in_dsco & set(cand.allocation.tracking_numbers)) - set(
        cand.row.tracking_numbers
    )
    if missing_locally:
        await q.add_tracking(ctx.pool, po, sorted(missing_locally), ctx.now())
    element = build_shipment(cand.order, cand.allocation, already_sent=cand.known)
    if element is not None:
        return element
    if shipped_everything(cand, cand.known):
        await pc.advance(ctx, po, IN, OUT, "all_shipments_known")
    else:
        pc.skip(ctx, po, "partially_shipped", f"tracking_sent={len(cand.known)}")
    return None


def shipped_everything(cand: Candidate, confirmed: set[str]) -> bool:
    """Every DSCO line's quantity is covered by confirmed packages — or DSCO itself says the
    order is shipped and knows every tracking number we have."""
    assert cand.allocation is not None
    if cand.allocation.covered(confirmed):
        return True
    dsco_done = (cand.order.dsco_status or "") in FULFILLED_IN_DSCO
    return dsco_done and set(cand.allocation.tracking_numbers) <= cand.in_dsco


async def _send(
    ctx: JobContext, dsco: DscoClient, elements: dict[str, tuple[Candidate, ShipmentForOrder]]
) -> None:
    outcome = await deliver(
        ctx, "order", dsco.create_shipments, {po: el for po, (_, el) in elements.items()}
    )
    for po, (cand, element) in elements.items():
        new = [s.tracking_number for s in element.shipments]
        if po in outcome.succeeded:
            await q.add_tracking(ctx.pool, po, new, ctx.now())
            if shipped_everything(cand, cand.known | set(new)):
                await pc.advance(ctx, po, IN, OUT, "shipped", f"new_tracking={len(new)}")
            else:
                pc.ok(ctx, po, "partial_shipment_sent", f"new_tracking={len(new)}")
        elif po in outcome.failed:
            pc.fail(ctx, po, "shipment_rejected", outcome.failed[po])
        else:
            pc.skip(ctx, po, "shipment_unconfirmed", outcome.unknown.get(po, ""))


JOB = JobSpec(
    "ship_to_dsco",
    run,
    MultiBanJobConfig,
    {"cron": "0 */15 * * * *", "size": 200, "multi_ban": False},
    needs=JobNeeds(dsco=True, lingxing=True, shop=True),
    input_status=OrderStatus.ACKED,
    in_pipeline=True,
)
