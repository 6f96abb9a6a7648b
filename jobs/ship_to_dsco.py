"""``ship_to_dsco``: status 3 → DSCO shipments → 4 (docs/design.md, "Every job", D6, D7, D9,
D13).

1. ``multi_ban``: only single-line, single-unit orders.
2. Lingxing first: the batch's live outbound orders, attributed by the Lingxing order they were
   made from and shared out between merged POs (:mod:`jobs.wms`), one DSCO package per tracking
   number (:mod:`jobs.dsco_shipment`).
3. Per order, the packages not sent yet: neither recorded locally (``shipped_tracking_no``) nor
   among DSCO's packages in the stored payload. Nothing new → no DSCO call at all: the row moves
   to 4 once every line is covered, else it waits.
4. DSCO's state of the orders with something to send, by one sweep (:mod:`jobs.dsco_state`):
   cancelled → 6; packages DSCO already holds are recorded, not sent again. A payload that still
   says ``created`` does not block: local status 3 proves our acknowledgement, the stored
   payload may trail DSCO by seconds.
5. One ``POST /order/shipment/batch/small``; confirmed tracking numbers are recorded; → 4 once
   every line is covered. DSCO refusing a lone package as a duplicate tracking number means it
   was sent before (a crash after sending): it is recorded as sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext
from jobs.dsco_delivery import deliver
from jobs.dsco_shipment import Allocation, build_shipment
from jobs.dsco_state import refresh
from jobs.registry import JobSpec
from jobs.runtime_config import JobNeeds, MultiBanJobConfig
from jobs.states import FULFILLED_IN_DSCO, OrderStatus
from jobs.wms import allocations
from sdk.dsco.client import DscoClient
from sdk.dsco.models import ShipmentForOrder
from sdk.dsco.responses import DscoOrder

IN, OUT = OrderStatus.ACKED, OrderStatus.SHIPPED
DUPLICATE_TRACKING = "DUPLICATE_TRACKING_NUMBER"


@dataclass(frozen=True)
class Candidate:
    """An order with its packages, and the tracking numbers already known as sent."""

    row: q.OrderRow
    order: DscoOrder
    allocation: Allocation

    @property
    def in_dsco(self) -> set[str]:
        return self.order.tracking_numbers

    @property
    def known(self) -> set[str]:
        return set(self.row.tracking_numbers) | self.in_dsco

    def new_tracking(self) -> list[str]:
        return [t for t in self.allocation.tracking_numbers if t not in self.known]

    def shipped_everything(self, confirmed: set[str]) -> bool:
        """Every DSCO line's quantity is covered by confirmed packages — or DSCO itself says
        the order is shipped and holds every tracking number we have."""
        if self.allocation.covered(confirmed):
            return True
        done = (self.order.dsco_status or "") in FULFILLED_IN_DSCO
        return done and set(self.allocation.tracking_numbers) <= self.in_dsco


async def run(ctx: JobContext) -> None:
    dsco, lingxing = ctx.clients.require_dsco(), ctx.clients.require_lingxing()
    pairs = pc.parse_payloads(ctx, await pc.select_rows(ctx, IN))
    if JOB.settings(ctx).multi_ban:
        pairs = pc.without_multi(ctx, pairs, lambda pair: pair)
    _, allocated = await allocations(ctx, lingxing, pairs)
    candidates = [Candidate(row, order, allocated[row.po_number]) for row, order in pairs
                  if row.po_number in allocated]  # fmt: skip
    with_news = [c for c in candidates if c.new_tracking()]
    for cand in candidates:
        if not cand.new_tracking():
            await _settle(ctx, cand)
    elements = await _elements(ctx, dsco, with_news)
    if elements:
        await _send(ctx, dsco, elements)


async def _record_unrecorded(ctx: JobContext, cand: Candidate) -> None:
    """Record the packages DSCO holds that we never recorded (their confirmation was lost, or
    a crash came after sending): the row's tracking numbers stay complete."""
    unrecorded = (cand.in_dsco & set(cand.allocation.tracking_numbers)) - set(
        cand.row.tracking_numbers
    )
    if unrecorded:
        await q.add_tracking(ctx.pool, cand.row.po_number, sorted(unrecorded), ctx.now())


async def _settle(ctx: JobContext, cand: Candidate) -> None:
    """An order with nothing new to send: moved on once everything is covered."""
    po = cand.row.po_number
    await _record_unrecorded(ctx, cand)
    if cand.shipped_everything(cand.known):
        await pc.advance(ctx, po, IN, OUT, "all_shipments_known")
    else:
        pc.skip(ctx, po, "partially_shipped", f"tracking_sent={len(cand.known)}")


async def _elements(
    ctx: JobContext, dsco: DscoClient, candidates: Sequence[Candidate]
) -> dict[str, tuple[Candidate, ShipmentForOrder]]:
    """Step 4: DSCO's state of the orders with something new, and the element each sends."""
    by_po = {c.row.po_number: c for c in candidates}
    refreshed = await refresh(ctx, dsco, [c.row for c in candidates], IN)
    elements: dict[str, tuple[Candidate, ShipmentForOrder]] = {}
    for row, order in pc.parse_payloads(ctx, refreshed):
        cand = Candidate(row, order, by_po[row.po_number].allocation)
        element = build_shipment(order, cand.allocation, already_sent=cand.known)
        if element is None:
            await _settle(ctx, cand)  # DSCO had them all: it was sent before
        else:
            await _record_unrecorded(ctx, cand)
            elements[row.po_number] = (cand, element)
    return elements


async def _send(
    ctx: JobContext, dsco: DscoClient, elements: dict[str, tuple[Candidate, ShipmentForOrder]]
) -> None:
    outcome = await deliver(
        ctx, "order", dsco.create_shipments, {po: el for po, (_, el) in elements.items()}
    )
    for po, (cand, element) in elements.items():
        new = [s.tracking_number for s in element.shipments]
        if po in outcome.succeeded:
            await _record(ctx, cand, new, "shipped")
        elif po in outcome.failed and DUPLICATE_TRACKING in outcome.failed[po] and len(new) == 1:
            # The package is in DSCO already (a crash after sending): it counts as sent.
            await _record(ctx, cand, new, "shipment_already_in_dsco")
        elif po in outcome.failed:
            pc.fail(ctx, po, "shipment_rejected", outcome.failed[po])
        else:
            pc.skip(ctx, po, "shipment_unconfirmed", outcome.unknown.get(po, ""))


async def _record(ctx: JobContext, cand: Candidate, new: list[str], reason: str) -> None:
    po = cand.row.po_number
    await q.add_tracking(ctx.pool, po, new, ctx.now())
    detail = f"new_tracking={len(new)}"
    if cand.shipped_everything(cand.known | set(new)):
        await pc.advance(ctx, po, IN, OUT, reason, detail)
    else:
        pc.ok(ctx, po, "partial_shipment_sent", detail)


JOB = JobSpec(
    "ship_to_dsco",
    run,
    MultiBanJobConfig,
    {"cron": "0 */5 * * * *", "size": 1000, "multi_ban": False},
    needs=JobNeeds(dsco=True, lingxing=True, shop=True),
    input_status=OrderStatus.ACKED,
    in_pipeline=True,
)
