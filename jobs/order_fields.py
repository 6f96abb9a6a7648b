"""Pure derivations from a raw DSCO order (SPEC §6.1): status on insert and indexed columns."""

from __future__ import annotations

from typing import Any

from db.orders import OrderUpsert
from sdk.dsco.errors import DscoPayloadError
from sdk.dsco.responses import DscoOrder, parse_order

# D4: shipment_pending still has to reach Lingxing; shipped/completed are done at first sight.
_INITIAL_STATUS = {
    "created": 1,
    "shipment_pending": 1,
    "shipped": 5,
    "completed": 5,
    "cancelled": 6,
}


def initial_status(dsco_status: str) -> int:
    return _INITIAL_STATUS.get(dsco_status, 1)


def warehouse_code(order: DscoOrder) -> str:
    return order.ship_warehouse_code or order.requested_warehouse_code or ""


def service_level(order: DscoOrder) -> str:
    return order.shipping_service_level_code or order.requested_shipping_service_level_code or ""


def mskus(order: DscoOrder) -> list[str]:
    """One ``sku(quantity)`` per line, duplicates kept (admin search by SKU)."""
    return [
        f"{line.sku or line.partner_sku or ''}({line.quantity if line.quantity is not None else 0})"
        for line in order.line_items
    ]


def derive_order(raw: dict[str, Any]) -> OrderUpsert | str:
    """The row to upsert, or a stable reason code when the order is unusable."""
    try:
        order = parse_order(raw)
    except DscoPayloadError:
        return "unparsable_order"
    if not order.po_number:
        return "missing_po_number"
    if order.dsco_create_date is None:
        return "bad_create_date"
    status = order.dsco_status or ""
    return OrderUpsert(
        po_number=order.po_number,
        dsco_create_time=int(order.dsco_create_date.timestamp()),
        dsco_update_time=int(order.dsco_last_update.timestamp()) if order.dsco_last_update else 0,
        dsco_status=status,
        initial_status=initial_status(status),
        payload=raw,
        mskus=mskus(order),
        warehouse_id=warehouse_code(order),
        shipment=service_level(order),
        dsco_retailer_id=order.dsco_retailer_id or "",
    )
