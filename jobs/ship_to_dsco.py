"""``ship_to_dsco``: status 3 → DSCO shipments → 4 (SPEC §6.4, D6, D7, D9).

1. Current DSCO state per order (cancelled → 6, created → skip, else go on) and the tracking
   numbers DSCO already holds.
2. Live WMS outbound orders of the whole batch in one Lingxing read.
3. One DSCO package per new tracking number (not in local ``shipped_tracking_no`` nor in DSCO's
   packages, so a crash between sending and recording never duplicates one).
4. One ``POST /order/shipment/batch/small`` for the batch, results from the change log; the
   confirmed tracking numbers are recorded; the row moves to 4 once every line is covered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext
from jobs.dsco_shipment import Allocation, Skip, allocate, build_shipment
from jobs.runtime_config import reverse_mapping
from jobs.wms import outbound_by_po
from sdk._errors import SdkError
from sdk.dsco.changelog import ChangeLogOutcome
from sdk.dsco.client import DscoClient
from sdk.dsco.errors import DscoPayloadError, DscoValidationError
from sdk.dsco.models import ShipmentForOrder
from sdk.dsco.responses import BatchAccepted, DscoOrder, parse_order
from sdk.lingxing.client import LingxingClient

T = TypeVar("T")

IN, OUT = q.STATUS_ACKED, q.STATUS_SHIPPED
# How long one run waits for DSCO's change log of a batch before leaving it to the next run.
LOG_TIMEOUT, LOG_POLL = 60.0, 3.0
DSCO_DONE = ("shipped", "completed")
_GO_ON = ("shipment_pending", *DSCO_DONE)


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
    checked = await pc.gather_bounded(rows, lambda row: dsco_state(ctx, dsco, row))
    candidates = [c for c in checked if c is not None]
    if ctx.config.jobs.ship_to_dsco.multi_ban:
        candidates = [c for c in candidates if not _banned(ctx, c)]
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
    if status == "cancelled":
        await pc.advance(ctx, po, IN, q.STATUS_CANCELLED, "cancelled_in_dsco")
        return None
    if status not in _GO_ON:
        reason = "not_acknowledged" if status == "created" else "unexpected_dsco_status"
        pc.skip(ctx, po, reason, f"dsco_status={status}")
        return None
    in_dsco = order.tracking_numbers
    return Candidate(row, order, set(row.tracking_numbers) | in_dsco, in_dsco)


def _banned(ctx: JobContext, cand: Candidate) -> bool:
    if pc.multi_banned(cand.order):
        pc.skip(ctx, cand.row.po_number, "multi_ban", f"lines={len(cand.order.line_items)}")
        return True
    return False


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
        if isinstance(result, Skip):
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
    dsco_done = (cand.order.dsco_status or "") in DSCO_DONE
    return dsco_done and set(cand.allocation.tracking_numbers) <= cand.in_dsco


async def _send(
    ctx: JobContext, dsco: DscoClient, elements: dict[str, tuple[Candidate, ShipmentForOrder]]
) -> None:
    outcome = await deliver(
        dsco.create_shipments,
        lambda request_id, keys: dsco.wait_for_request("order", request_id, keys, **_WAIT),
        {po: element for po, (_, element) in elements.items()},
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


# --- sending an async DSCO batch (shared with invoice_to_dsco) --------------------------------

_WAIT = {"timeout": LOG_TIMEOUT, "poll_interval": LOG_POLL}


@dataclass
class BatchOutcome:
    """Per key (PO / invoiceId): confirmed, rejected (with DSCO's reasons) or not known yet."""

    succeeded: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)

    def merge(self, other: BatchOutcome) -> None:
        self.succeeded |= other.succeeded
        self.failed.update(other.failed)
        self.unknown.update(other.unknown)


async def deliver(
    post: Callable[[list[T]], Awaitable[BatchAccepted]],
    wait: Callable[[str, list[str]], Awaitable[ChangeLogOutcome]],
    elements: dict[str, T],
) -> BatchOutcome:
    """Send ``elements`` (key → element) in one batch and read their results.

    A batch DSCO refuses as a whole is split and sent element by element, so one bad element
    cannot block the others.  An ambiguous failure (timeout, 5xx) leaves every key unknown: the
    next run re-checks DSCO before sending anything again (D6)."""
    outcome = BatchOutcome()
    try:
        accepted = await post(list(elements.values()))
    except DscoValidationError as exc:
        if len(elements) == 1:
            outcome.failed.update(dict.fromkeys(elements, _short(str(exc))))
            return outcome
        singles = await pc.gather_bounded(
            elements.items(), lambda item: deliver(post, wait, dict([item]))
        )
        for single in singles:
            outcome.merge(single)
        return outcome
    except SdkError as exc:
        outcome.unknown.update(dict.fromkeys(elements, f"send_error={type(exc).__name__}"))
        return outcome
    log = await wait(accepted.request_id, list(elements))
    outcome.succeeded = set(log.succeeded)
    outcome.failed = {k: _short("; ".join(v)) for k, v in log.failed.items()}
    outcome.unknown = dict.fromkeys(
        log.pending, f"change_log_pending request_id={accepted.request_id}"
    )
    return outcome


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
