"""What Lingxing shipped for a batch of POs: their live WMS outbound orders, attributed by the
Lingxing order they were made from (docs/design.md, "Every job").

An outbound order names the platform PO numbers it carries and ``order_number``, the Lingxing
order (``global_order_no``) it was made from. It belongs to a PO when both agree: the PO is in
its list and its order is one of the PO's own Lingxing orders (one order-list read for the
batch). The store's WMS ``sid`` is not needed for that — Lingxing documents ``sid`` for Amazon
stores only — and is sent only where the operator configured it (``mapping.wms_sid``) to
narrow the query.

Orders merged in Lingxing ship as one outbound order for several POs. Its units are shared out
between them (:mod:`jobs.dsco_shipment`), which needs every PO of the merge: a partner PO outside
the batch is read too, with its own outbound orders, one more read of each kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from db import orders as q
from db.orders import OrderRow
from jobs import pipeline_common as pc
from jobs.context import JobContext
from jobs.dsco_shipment import Allocation, allocate_all
from jobs.runtime_config import reverse_mapping
from sdk._errors import SdkError
from sdk.dsco.errors import DscoPayloadError
from sdk.dsco.responses import DscoOrder, parse_order
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.models import LxOrder, WmsOrder
from sdk.lingxing.paging import Rows

# Outbound orders are created after the DSCO order; the margin absorbs clock and zone skew.
WINDOW_MARGIN = timedelta(days=2)


@dataclass
class Shipped:
    """Per PO: its live Lingxing orders and the live outbound orders made from them. POs of the
    batch that could not be read are absent (and reported); merge partners from outside the
    batch are present, with their rows in ``partners``."""

    lingxing: dict[str, list[LxOrder]] = field(default_factory=dict)
    outbound: dict[str, list[WmsOrder]] = field(default_factory=dict)
    partners: dict[str, OrderRow] = field(default_factory=dict)


async def read_shipped(
    ctx: JobContext, lingxing: LingxingClient, rows: Sequence[OrderRow]
) -> Shipped:
    """Lingxing orders and outbound orders of ``rows`` (and of their merge partners)."""
    shipped = Shipped()
    batch = await _read(ctx, lingxing, rows, shipped, report=True)
    partners = _merge_partners(shipped, batch)
    if partners:
        known = await q.get_orders(ctx.pool, sorted(partners))
        shipped.partners = {row.po_number: row for row in known}
        await _read(ctx, lingxing, known, shipped, report=False)
    return shipped


async def allocations(
    ctx: JobContext, lingxing: LingxingClient, pairs: Sequence[pc.Pair]
) -> tuple[Shipped, dict[str, Allocation]]:
    """What Lingxing shipped for ``pairs`` and each order's packages from it; an order that
    cannot be allocated (nothing shipped yet, an unmatched SKU, an implausible outbound order)
    is reported here and left out."""
    shipped = await read_shipped(ctx, lingxing, [row for row, _ in pairs])
    orders = {row.po_number: order for row, order in pairs if row.po_number in shipped.outbound}
    orders |= _partner_orders(shipped)
    reverse_sku = reverse_mapping(ctx.config.mapping.sku)
    results = allocate_all(orders, shipped.outbound, reverse_sku, ctx.env.lingxing_timezone)
    allocated: dict[str, Allocation] = {}
    for row, _ in pairs:
        result = results.get(row.po_number)
        if isinstance(result, pc.Skip):
            pc.skip(ctx, row.po_number, result.reason, result.detail)
        elif result is not None:
            allocated[row.po_number] = result
    return shipped, allocated


def _partner_orders(shipped: Shipped) -> dict[str, DscoOrder]:
    orders = {}
    for po, row in shipped.partners.items():
        try:
            orders[po] = parse_order(row.payload)
        except DscoPayloadError:
            continue  # its share cannot be known: the batch order gets what the rest leaves
    return orders


async def _read(
    ctx: JobContext,
    lingxing: LingxingClient,
    rows: Sequence[OrderRow],
    into: Shipped,
    *,
    report: bool,
) -> set[str]:
    """Fill ``into`` for ``rows``; the POs read. ``report``: each PO that cannot be read is
    skipped or failed here (partners are only context: they are not this run's to report)."""
    pos = [row.po_number for row in rows]
    try:
        orders = await lingxing.list_orders(pos, include_deleted=False)
        found = _by_po(orders, pos)
        outbound = (
            await lingxing.list_wms_orders(
                platform_order_nos=sorted(found),
                sids=_configured_sids(ctx, [r for r in rows if r.po_number in found]),
                start=_window_start(rows),
                exclude_deleted=True,
            )
            if found
            else Rows[WmsOrder]()
        )
    except SdkError as exc:
        if report:
            for po in pos:
                pc.fail(ctx, po, "lingxing_read_failed", type(exc).__name__)
        return set()
    unreadable = orders.rejected_keys() | outbound.rejected_keys()
    read = set()
    for po in pos:
        if po in unreadable:
            if report:
                pc.skip(ctx, po, "unreadable_lingxing_row")
        elif po not in found:
            if report:
                pc.skip(ctx, po, "not_in_lingxing", "no live Lingxing order carries the PO")
        else:
            read.add(po)
            into.lingxing[po] = found[po]
            into.outbound[po] = _made_from(outbound, po, found[po])
    return read


def _by_po(orders: Sequence[LxOrder], pos: Sequence[str]) -> dict[str, list[LxOrder]]:
    wanted = set(pos)
    grouped: dict[str, list[LxOrder]] = defaultdict(list)
    for order in orders:
        if order.deleted:
            continue
        for po in set(order.platform_order_nos) & wanted:
            grouped[po].append(order)
    return dict(grouped)


def _made_from(outbound: Sequence[WmsOrder], po: str, orders: Sequence[LxOrder]) -> list[WmsOrder]:
    """The live outbound orders that carry ``po`` and were made from one of its orders."""
    numbers = {order.global_order_no for order in orders}
    return [
        wo
        for wo in outbound
        if not wo.deleted and po in wo.platform_order_no and wo.order_number in numbers
    ]


def _merge_partners(shipped: Shipped, batch: set[str]) -> set[str]:
    """POs that share an outbound order with a PO of the batch but are not in it."""
    partners = {
        po
        for read in batch
        for wo in shipped.outbound.get(read, [])
        if len(wo.platform_order_no) > 1
        for po in wo.platform_order_no
    }
    return partners - batch


def _configured_sids(ctx: JobContext, rows: Sequence[OrderRow]) -> list[int]:
    """The WMS sids to narrow the query by: only when the operator configured one for every
    store of the batch (a partial list would hide the other stores' outbound orders)."""
    configured: Mapping[str, str] = ctx.config.mapping.wms_sid
    sids = {configured.get(row.dsco_retailer_id, "") for row in rows}
    if not sids or "" in sids:
        return []
    return sorted(int(sid) for sid in sids)


def _window_start(rows: Sequence[OrderRow]) -> datetime:
    """Where the WMS date window must start to cover the oldest order of ``rows`` (without
    dates Lingxing only returns about the last month)."""
    oldest = min(row.dsco_create_time for row in rows)
    return datetime.fromtimestamp(oldest, UTC) - WINDOW_MARGIN
