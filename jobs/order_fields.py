"""Pure derivations from a raw DSCO order: the status on insert and the indexed columns."""

from __future__ import annotations

from datetime import UTC, datetime

from db.orders import OrderUpsert
from jobs.pipeline_common import Skip
from jobs.states import initial_status
from jobs.untrusted import identifier_problem
from sdk.dsco.errors import DscoPayloadError
from sdk.dsco.responses import DscoOrder, OrderKeys, parse_order_keys


def warehouse_code(order: DscoOrder | OrderKeys) -> str:
    return order.ship_warehouse_code or order.requested_warehouse_code or ""


def service_level(order: DscoOrder | OrderKeys) -> str:
    return order.shipping_service_level_code or order.requested_shipping_service_level_code or ""


def mskus(order: OrderKeys) -> list[str]:
    """One ``sku(quantity)`` per line, duplicates kept (admin search by SKU)."""
    return [
        f"{line.sku or line.partner_sku or ''}({line.quantity if line.quantity is not None else 0})"
        for line in order.line_items
    ]


# Create dates outside this range are typos or placeholders, not orders (and would overflow
# the arithmetic of the pull window).
_EARLIEST, _LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def derive_order(raw: object, payload_json: str = "") -> OrderUpsert | Skip:
    """The row to upsert, or why the order cannot be stored. ``raw`` must already be
    :func:`jobs.untrusted.storable` (``payload_json``: its JSON text, when known); only the PO
    number and the create date are required. Only the fields stored beside the payload are
    parsed."""
    if not isinstance(raw, dict):
        return Skip("not_an_object", f"type={type(raw).__name__}")
    try:
        order = parse_order_keys(raw)
    except DscoPayloadError as exc:
        return Skip("unparsable_order", str(exc))
    if order.po_number is None:
        return Skip("missing_po_number")
    problem = identifier_problem(order.po_number)
    if problem:
        return Skip("invalid_po_number", f"problem={problem}")
    created = order.dsco_create_date
    if created is None or not _EARLIEST <= created < _LATEST:
        return Skip("bad_create_date")
    status = order.dsco_status or ""
    updated = order.dsco_last_update
    return OrderUpsert(
        po_number=order.po_number,
        dsco_create_time=int(created.timestamp()),
        dsco_update_time=int(updated.timestamp()) if updated and updated < _LATEST else 0,
        dsco_status=status,
        initial_status=initial_status(status),
        payload=raw,
        payload_json=payload_json,
        mskus=mskus(order),
        warehouse_id=warehouse_code(order),
        shipment=service_level(order),
        dsco_retailer_id=order.dsco_retailer_id or "",
    )
