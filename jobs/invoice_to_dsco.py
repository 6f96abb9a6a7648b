"""``invoice_to_dsco``: status 4 → one DSCO invoice per PO → 5 (docs/design.md, "Every job",
D6–D9, D13).

1. ``multi_ban``: only single-line, single-unit orders.
2. Shipped quantities and ship times from the batch's live WMS outbound orders, exactly as the
   ship job reads them (:func:`jobs.wms.allocations`); only a fully shipped order is invoiced.
3. One ``POST /invoice/batch/small`` for the batch, without a read first: ``invoiceId`` is the
   PO number, so DSCO refuses a second invoice (``DUPLICATE_INVOICE_ID``), which means ours is
   there already → 5. Results come from the invoice change log; an invoice whose result never
   came is looked up once (``GET /invoice``) before the order is left for the next run.
"""

from __future__ import annotations

from collections.abc import Sequence

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext
from jobs.dsco_delivery import deliver
from jobs.dsco_invoice import build_invoice
from jobs.registry import JobSpec
from jobs.runtime_config import JobNeeds, MultiBanJobConfig
from jobs.states import OrderStatus
from jobs.wms import allocations
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.dsco.models import Invoice
from sdk.dsco.responses import DscoOrder
from sdk.lingxing.client import LingxingClient

IN, OUT = OrderStatus.SHIPPED, OrderStatus.DONE
Pair = tuple[q.OrderRow, DscoOrder]
DUPLICATE_INVOICE = "DUPLICATE_INVOICE_ID"


async def run(ctx: JobContext) -> None:
    dsco, lingxing = ctx.clients.require_dsco(), ctx.clients.require_lingxing()
    pairs = pc.parse_payloads(ctx, await pc.select_rows(ctx, IN))
    if JOB.settings(ctx).multi_ban:
        pairs = pc.without_multi(ctx, pairs, lambda pair: pair)
    invoices = await _build(ctx, lingxing, pairs)
    if invoices:
        await _send(ctx, dsco, invoices)


async def _build(
    ctx: JobContext, lingxing: LingxingClient, pairs: Sequence[Pair]
) -> dict[str, Invoice]:
    """PO → invoice for every order that can be invoiced now; the others are reported."""
    shipped, allocated = await allocations(ctx, lingxing, pairs)
    invoices: dict[str, Invoice] = {}
    for row, order in pairs:
        po = row.po_number
        if po not in allocated:
            continue
        currency = next(
            (o.amount_currency for o in shipped.lingxing[po] if o.amount_currency), None
        )
        built = build_invoice(order, allocated[po], lingxing_currency=currency)
        if isinstance(built, pc.Skip):
            pc.skip(ctx, po, built.reason, built.detail)
        else:
            invoices[po] = built
    return invoices


async def _send(ctx: JobContext, dsco: DscoClient, invoices: dict[str, Invoice]) -> None:
    outcome = await deliver(ctx, "invoice", dsco.create_invoices, invoices)
    for po in invoices:
        if po in outcome.succeeded:
            await pc.advance(ctx, po, IN, OUT, "invoiced", invoice_id=po)
        elif po in outcome.failed and DUPLICATE_INVOICE in outcome.failed[po]:
            # invoiceId is the PO number: a duplicate means our own earlier invoice is there.
            await pc.advance(ctx, po, IN, OUT, "invoice_already_in_dsco", invoice_id=po)
        elif po in outcome.failed:
            pc.fail(ctx, po, "invoice_rejected", outcome.failed[po])
        else:
            await _recheck(ctx, dsco, po, outcome.unknown.get(po, ""))


async def _recheck(ctx: JobContext, dsco: DscoClient, po: str, detail: str) -> None:
    """One bounded look-up for an invoice whose change-log entry did not show up."""
    try:
        found = await dsco.get_invoice(po) is not None
    except SdkError:
        found = False
    if found:
        await pc.advance(ctx, po, IN, OUT, "invoiced", "confirmed_by_lookup", invoice_id=po)
    else:
        pc.skip(ctx, po, "invoice_unconfirmed", detail)


JOB = JobSpec(
    "invoice_to_dsco",
    run,
    MultiBanJobConfig,
    {"cron": "0 */5 * * * *", "size": 1000, "multi_ban": False},
    needs=JobNeeds(dsco=True, lingxing=True, shop=True),
    input_status=OrderStatus.SHIPPED,
    in_pipeline=True,
)
