"""Structural rules DSCO enforces on each batch element before looking at any state (§5.4).

Each ``check_*`` returns the list of problems (empty = well formed). Problems found here become the
element's ``VALIDATION_FAILED`` change-log failure (or a 400 under ``strict_sync_validation``).
"""

from __future__ import annotations

import re
from typing import Any

from .clock import parse_ts
from .messages import QUANTITY_MISMATCH, VALIDATION_FAILED, Message, message
from .switches import SandboxSwitches

ITEM_IDS = ("dscoItemId", "sku", "partnerSku", "upc", "ean")
ORDER_REFS = ("dscoOrderId", "poNumber", "supplierOrderNumber")
ACK_TYPES = ("DSCO_ORDER_ID", "PO_NUMBER", "SUPPLIER_ORDER_NUMBER")
INVENTORY_STATUSES = ("in-stock", "out-of-stock", "discontinued", "hidden")
_FORMATS = {
    "upc": re.compile(r"^(\d{6}|\d{12})$"),
    "ean": re.compile(r"^(\d{8}|\d{13})$"),
    "gtin": re.compile(r"^(\d{8}|\d{12,14})$"),
    "isbn": re.compile(r"^(\d{10}|\d{13})$"),
}
MAX_SKU = 90


def _bad(description: str) -> Message:
    return message(VALIDATION_FAILED, description)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def present(value: Any) -> bool:
    return value is not None and value != ""


def check_ack(element: Any) -> list[Message]:
    if not isinstance(element, dict):
        return [_bad("$: each acknowledgement must be an object")]
    problems: list[Message] = []
    if element.get("type") not in ACK_TYPES:
        problems.append(_bad(f"$.type: must be one of {', '.join(ACK_TYPES)}"))
    ident = element.get("id")
    if not (is_int(ident) or (isinstance(ident, str) and ident)):
        problems.append(_bad("$.id: required string or integer"))
    elif element.get("type") == "DSCO_ORDER_ID" and not str(ident).isdigit():
        problems.append(_bad("$.id: a DSCO_ORDER_ID must be numeric"))
    return problems


def check_order_ref(element: dict[str, Any]) -> list[Message]:
    if any(isinstance(element.get(k), str) and element[k] for k in ORDER_REFS):
        return []
    return [_bad("$: one of dscoOrderId, poNumber, supplierOrderNumber is required")]


def check_line_item(item: Any, where: str) -> list[Message]:
    """Quantity, identifier presence and identifier formats of one shipment/invoice line."""
    if not isinstance(item, dict):
        return [_bad(f"{where}: must be an object")]
    problems: list[Message] = []
    if not is_int(item.get("quantity")) or item["quantity"] < 1:
        problems.append(_bad(f"{where}.quantity: required integer >= 1"))
    if not any(present(item.get(k)) for k in ITEM_IDS):
        problems.append(_bad(f"{where}: one of {', '.join(ITEM_IDS)} is required"))
    for key, pattern in _FORMATS.items():
        value = item.get(key)
        if present(value) and not (isinstance(value, str) and pattern.match(value)):
            problems.append(_bad(f"{where}.{key}: malformed {key}"))
    partner = item.get("partnerSku")
    if isinstance(partner, str) and len(partner) > MAX_SKU:
        problems.append(_bad(f"{where}.partnerSku: longer than {MAX_SKU} characters"))
    line_number = item.get("lineNumber")
    if line_number is not None and not is_int(line_number):
        problems.append(_bad(f"{where}.lineNumber: must be an integer"))
    return problems


def check_shipments(element: Any, switches: SandboxSwitches) -> list[Message]:
    if not isinstance(element, dict):
        return [_bad("$: each element must be an object")]
    problems = check_order_ref(element)
    shipments = element.get("shipments")
    if not isinstance(shipments, list) or not shipments:
        return [*problems, _bad("$.shipments: required non-empty array")]
    for i, shipment in enumerate(shipments):
        problems += _check_shipment(shipment, f"$.shipments[{i}]", switches)
    return problems


def _check_shipment(shipment: Any, where: str, switches: SandboxSwitches) -> list[Message]:
    if not isinstance(shipment, dict):
        return [_bad(f"{where}: must be an object")]
    problems: list[Message] = []
    if not isinstance(shipment.get("trackingNumber"), str) or not shipment["trackingNumber"]:
        problems.append(_bad(f"{where}.trackingNumber: required non-empty string"))
    ship_date = shipment.get("shipDate")
    if ship_date is not None and (not isinstance(ship_date, str) or parse_ts(ship_date) is None):
        problems.append(_bad(f"{where}.shipDate: not an RFC 3339 date-time"))
    problems += _check_ship_policies(shipment, where, switches)
    lines = shipment.get("lineItems")
    if not isinstance(lines, list) or not lines:
        return [*problems, _bad(f"{where}.lineItems: required non-empty array")]
    for j, line in enumerate(lines):
        problems += check_line_item(line, f"{where}.lineItems[{j}]")
        if switches.require_line_number and isinstance(line, dict) and not line.get("lineNumber"):
            problems.append(_bad(f"{where}.lineItems[{j}].lineNumber: required by account policy"))
    return problems


def _check_ship_policies(
    shipment: dict[str, Any], where: str, sw: SandboxSwitches
) -> list[Message]:
    level = present(shipment.get("shippingServiceLevelCode"))
    carrier_method = present(shipment.get("shipCarrier")) and present(shipment.get("shipMethod"))
    problems: list[Message] = []
    if sw.require_carrier_and_method and not carrier_method:
        problems.append(_bad(f"{where}: shipCarrier and shipMethod are required by account policy"))
    elif sw.require_service_level_or_carrier_method and not (level or carrier_method):
        problems.append(_bad(f"{where}: shippingServiceLevelCode or shipCarrier+shipMethod needed"))
    if sw.require_warehouse_code and not present(shipment.get("warehouseCode")):
        problems.append(_bad(f"{where}.warehouseCode: required by account policy"))
    return problems


def check_invoice(element: Any, switches: SandboxSwitches) -> list[Message]:
    if not isinstance(element, dict):
        return [_bad("$: each invoice must be an object")]
    problems = check_order_ref(element)
    if not isinstance(element.get("invoiceId"), str) or not element["invoiceId"]:
        problems.append(_bad("$.invoiceId: required non-empty string"))
    if not is_number(element.get("totalAmount")):
        problems.append(_bad("$.totalAmount: required number"))
    if switches.require_invoice_date and not present(element.get("invoiceDate")):
        problems.append(_bad("$.invoiceDate: required by retailer policy"))
    if switches.reject_invoice_tracking_number and "trackingNumber" in element:
        problems.append(_bad("$.trackingNumber: not an invoice field"))
    lines = element.get("lineItems") or []
    if not isinstance(lines, list):
        return [*problems, _bad("$.lineItems: must be an array")]
    for j, line in enumerate(lines):
        problems += check_line_item(line, f"$.lineItems[{j}]")
        if isinstance(line, dict) and not is_number(line.get("unitPrice")):
            problems.append(_bad(f"$.lineItems[{j}].unitPrice: required number"))
    return problems


def check_inventory(element: Any) -> list[Message]:
    if not isinstance(element, dict):
        return [_bad("$: each item must be an object")]
    problems: list[Message] = []
    sku = element.get("sku")
    if not isinstance(sku, str) or not sku or len(sku) > MAX_SKU:
        problems.append(_bad(f"$.sku: required string of 1-{MAX_SKU} characters"))
    if element.get("status") not in INVENTORY_STATUSES:
        problems.append(_bad(f"$.status: must be one of {', '.join(INVENTORY_STATUSES)}"))
    warehouses = element.get("warehouses")
    if not isinstance(warehouses, list) or not warehouses:
        return [*problems, _bad("$.warehouses: required non-empty array")]
    return problems + _check_quantities(element, warehouses)


def _check_quantities(element: dict[str, Any], warehouses: list[Any]) -> list[Message]:
    problems: list[Message] = []
    quantities: list[int] = []
    for i, wh in enumerate(warehouses):
        if not isinstance(wh, dict) or not isinstance(wh.get("code"), str) or not wh["code"]:
            problems.append(_bad(f"$.warehouses[{i}].code: required"))
            continue
        qty = wh.get("quantity")
        if qty is not None and (not is_int(qty) or qty < 0):
            problems.append(_bad(f"$.warehouses[{i}].quantity: integer >= 0 expected"))
        elif qty is not None:
            quantities.append(qty)
    total = element.get("quantityAvailable")
    if total is not None and (not is_int(total) or total < 0):
        problems.append(_bad("$.quantityAvailable: integer >= 0 expected"))
    elif total is None and not quantities:
        problems.append(_bad("$: quantityAvailable or a warehouse quantity is required"))
    elif total is not None and quantities and total != sum(quantities):
        problems.append(message(QUANTITY_MISMATCH, "quantityAvailable != sum of warehouses"))
    return problems
