"""``invoice_to_dsco``: status 4 → one DSCO invoice per PO → 5 (docs/design.md, "Every job", D6–D9).

1. Idempotency first: an invoice with ``invoiceId = poNumber`` already in DSCO → 5 (crash-safe).
2. Shipped quantities and ship times from the live WMS outbound orders of the whole batch; only a
   fully shipped order is invoiced.
3. One ``POST /invoice/batch/small`` for the batch, results from the invoice change log; an
   unconfirmed invoice is looked up once more before the order is left for the next run.
"""

from __future__ import annotations

from collections.abc import Sequence

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext
from jobs.dsco_delivery import deliver
from jobs.dsco_invoice import build_invoice
from jobs.dsco_shipment import allocate
from jobs.fanout import gather_bounded
from jobs.registry import JobSpec
from jobs.runtime_config import JobNeeds, MultiBanJobConfig, reverse_mapping
from jobs.states import OrderStatus
from jobs.wms import outbound_by_po
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
    rows = await pc.select_rows(ctx, IN)
    pairs = pc.parse_payloads(ctx, rows)
    checked = await gather_bounded(pairs, lambda pair: _not_invoiced(ctx, dsco, pair))
    pending = [pair for pair in checked if pair is not None]
    if JOB.settings(ctx).multi_ban:
        pending = pc.without_multi(ctx, pending, lambda pair: pair)
    invoices = await _build(ctx, lingxing, pending)
    if invoices:
        await _send(ctx, dsco, invoices)


async def _not_invoiced(ctx: JobContext, dsco: DscoClient, pair: Pair) -> Pair | None:
    """The pair when DSCO has no invoice for the PO yet; otherwise it is settled here."""
    po = pair[0].po_number
    try:
        existing = await dsco.get_invoice(po)
    except SdkError as exc:
        pc.fail(ctx, po, "dsco_read_failed", type(exc).__name__)
        return None
    if existing is not None:
        await pc.advance(ctx, po, IN, OUT, "invoice_already_in_dsco", invoice_id=po)
        return None
    return pair


async def _build(
    ctx: JobContext, lingxing: LingxingClient, pairs: Sequence[Pair]
) -> dict[str, Invoice]:
    """PO → invoice for every order that can be invoiced now; the others are reported."""
    outbound = await outbound_by_po(ctx, lingxing, [row for row, _ in pairs])
    ready = [pair for pair in pairs if pair[0].po_number in outbound]
    currencies = await _lingxing_currencies(ctx, lingxing, ready)
    reverse_sku = reverse_mapping(ctx.config.mapping.sku)
    invoices: dict[str, Invoice] = {}
    for row, order in ready:
        po = row.po_number
        allocation = allocate(order, outbound[po], reverse_sku, ctx.env.lingxing_timezone)
        built = (
            allocation
            if isinstance(allocation, pc.Skip)
            else build_invoice(order, allocation, lingxing_currency=currencies.get(po))
        )
        if isinstance(built, pc.Skip):
            pc.skip(ctx, po, built.reason, built.detail)
        else:
            invoices[po] = built
    return invoices


async def _lingxing_currencies(
    ctx: JobContext, lingxing: LingxingClient, pairs: Sequence[Pair]
) -> dict[str, str]:
    """Lingxing ``amount_currency`` per PO, read only for orders DSCO gives no currency for."""
    wanted = [row.po_number for row, order in pairs if not order.currency_code]
    if not wanted:
        return {}
    try:
        orders = await lingxing.list_orders(wanted, include_deleted=False)
    except SdkError as exc:
        # The currency falls back to USD; the invoice itself does not depend on this read.
        ctx.log.warning("lingxing currency read failed ({}); using the default", type(exc).__name__)
        return {}
    found: dict[str, str] = {}
    for lx in orders:
        for po in lx.platform_order_nos:
            if lx.amount_currency and po in wanted:
                found.setdefault(po, lx.amount_currency)
    return found


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
    {"cron": "0 */15 * * * *", "size": 50, "multi_ban": False},
    needs=JobNeeds(dsco=True, lingxing=True, shop=True),
    input_status=OrderStatus.SHIPPED,
    in_pipeline=True,
)
