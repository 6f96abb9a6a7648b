"""Lingxing WMS outbound orders of a batch of POs, grouped per PO (docs/design.md, "Every job").

One list call covers the whole batch (the SDK chunks the PO list and reads every page); the date
window starts before the oldest order of the batch because the endpoint otherwise only shows
about the last month.  Deleted outbound orders (status 4) are never returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from db.orders import OrderRow
from jobs import pipeline_common as pc
from jobs.context import JobContext
from sdk._errors import SdkError
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.models import WmsOrder

# Outbound orders are created after the DSCO order; the margin absorbs clock and zone skew.
WINDOW_MARGIN_SECONDS = 2 * 86400


def shop_sid(shop: Mapping[str, str], retailer_id: str) -> int | None:
    """The WMS store id (``sid``) of a DSCO retailer: ``mapping.shop`` read as an integer."""
    value = shop.get(retailer_id, "").strip()
    return int(value) if value.isdigit() else None


def window_start(rows: Sequence[OrderRow]) -> datetime:
    """Where the WMS date window must start to cover the oldest order of ``rows``."""
    oldest = min(row.dsco_create_time for row in rows)
    return datetime.fromtimestamp(max(oldest - WINDOW_MARGIN_SECONDS, 0), UTC)


def group_by_po(outbound: Sequence[WmsOrder], sids: Mapping[str, int]) -> dict[str, list[WmsOrder]]:
    """Live outbound orders per PO of ``sids`` (PO → expected store id); a merged outbound
    order counts for each of its POs, and one from another store is ignored."""
    grouped: dict[str, list[WmsOrder]] = {po: [] for po in sids}
    for wo in outbound:
        if wo.deleted:
            continue
        for po in wo.platform_order_no:
            if po in grouped and (wo.sid is None or wo.sid == sids[po]):
                grouped[po].append(wo)
    return grouped


async def outbound_by_po(
    ctx: JobContext, lingxing: LingxingClient, rows: Sequence[OrderRow]
) -> dict[str, list[WmsOrder]]:
    """Live outbound orders per PO of ``rows``, in one batched read. Orders that cannot be
    read are reported here and left out: no store mapping, a failed read, or an outbound order
    Lingxing sent that our model refused (it would be a shipment we cannot see)."""
    sids: dict[str, int] = {}
    for row in rows:
        sid = shop_sid(ctx.config.mapping.shop, row.dsco_retailer_id)
        if sid is None:
            pc.skip(
                ctx,
                row.po_number,
                "missing_mapping_shop",
                f"dsco_retailer_id={row.dsco_retailer_id}",
            )
        else:
            sids[row.po_number] = sid
    usable = [row for row in rows if row.po_number in sids]
    if not usable:
        return {}
    try:
        outbound = await lingxing.list_wms_orders(
            platform_order_nos=[row.po_number for row in usable],
            sids=sorted(set(sids.values())),
            start=window_start(usable),
            exclude_deleted=True,
        )
    except SdkError as exc:
        for row in usable:
            pc.fail(ctx, row.po_number, "lingxing_read_failed", type(exc).__name__)
        return {}
    grouped = group_by_po(outbound, sids)
    for bad in outbound.rejected:
        for po in sorted(set(bad.keys) & grouped.keys()):
            pc.skip(ctx, po, "unreadable_outbound_order", f"fields={','.join(bad.fields[:5])}")
            del grouped[po]
    return grouped
