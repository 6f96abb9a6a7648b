"""Invoices: the supplier's invoice store and the rules for accepting one (§5.4 "Invoices")."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import format_ts
from .lifecycle import resolve_line, resolve_order
from .messages import (
    DUPLICATE_INVOICE_ID,
    INVALID_ORDER_STATE,
    ITEM_NOT_ON_ORDER,
    QUANTITY_EXCEEDS_INVOICEABLE,
    VALIDATION_FAILED,
    Message,
    message,
)
from .orders import OrderBook, OrderRecord
from .switches import SandboxSwitches

INVOICE_KEYS = (
    "dscoInvoiceId",
    "invoiceId",
    "poNumber",
    "supplierOrderNumber",
    "consumerOrderNumber",
    "trackingNumber",
)
_COPIED_FROM_ORDER = (
    "dscoRetailerId",
    "dscoTradingPartnerId",
    "requestedWarehouseCode",
    "requestedWarehouseRetailerCode",
    "requestedWarehouseDscoId",
)


@dataclass
class InvoiceRecord:
    data: dict[str, Any]
    visible_at: datetime


class InvoiceBook:
    """Accepted invoices by ``invoiceId`` (unique per supplier)."""

    def __init__(self) -> None:
        self._by_id: dict[str, InvoiceRecord] = {}
        self._next_id = 7000000

    def __contains__(self, invoice_id: object) -> bool:
        return invoice_id in self._by_id

    def records(self) -> list[InvoiceRecord]:
        return list(self._by_id.values())

    def add(self, data: dict[str, Any], visible_at: datetime) -> None:
        self._next_id += 1
        data["dscoInvoiceId"] = str(self._next_id)
        self._by_id[str(data["invoiceId"])] = InvoiceRecord(data, visible_at)

    def lookup(self, key: str, value: str, now: datetime) -> list[dict[str, Any]]:
        """Visible invoices whose ``key`` equals ``value`` (tracking: ``ship.trackingNumber``)."""
        return [
            r.data
            for r in self._by_id.values()
            if r.visible_at <= now and _key_value(r.data, key) == value
        ]


def _key_value(data: dict[str, Any], key: str) -> str | None:
    if key == "trackingNumber":
        value = (data.get("ship") or {}).get("trackingNumber")
    else:
        value = data.get(key)
    return None if value is None else str(value)


def apply_invoice(
    book: OrderBook,
    invoices: InvoiceBook,
    element: dict[str, Any],
    sw: SandboxSwitches,
    now: datetime,
) -> list[Message]:
    if element["invoiceId"] in invoices:
        text = f"invoiceId {element['invoiceId']} already exists for this supplier"
        return [message(DUPLICATE_INVOICE_ID, text)]
    rec = resolve_order(book, element)
    if isinstance(rec, dict):
        return [rec]
    if rec.status == "cancelled":
        return [message(INVALID_ORDER_STATE, "cannot invoice a cancelled order")]
    units, problems = _units_per_line(rec, element.get("lineItems") or [])
    problems += _invoice_problems(rec, element, units, sw)
    if problems:
        return problems
    for index, quantity in units.items():
        rec.invoiced[index] += quantity
    delay = timedelta(seconds=sw.invoice_propagation_seconds)
    invoices.add(_stored_invoice(rec, element, now), now + delay)
    return []


def _units_per_line(
    rec: OrderRecord, lines: list[dict[str, Any]]
) -> tuple[Counter[int], list[Message]]:
    units: Counter[int] = Counter()
    problems: list[Message] = []
    for item in lines:
        index = resolve_line(rec, item)
        if index is None:
            problems.append(message(ITEM_NOT_ON_ORDER, "an invoice line matches no order line"))
        else:
            units[index] += item["quantity"]
    return units, problems


def _invoice_problems(
    rec: OrderRecord, element: dict[str, Any], units: Counter[int], sw: SandboxSwitches
) -> list[Message]:
    problems: list[Message] = []
    for index, quantity in sorted(units.items()):
        available = rec.shipped[index] - rec.invoiced[index]
        if quantity > available:
            text = f"line {index + 1}: available-to-invoice is {available}, got {quantity}"
            problems.append(message(QUANTITY_EXCEEDS_INVOICEABLE, text))
    if sw.invoice_must_cover_whole_order:
        open_lines = {i for i in range(len(rec.lines)) if rec.ordered(i) > rec.cancelled[i]}
        if not open_lines <= set(units):
            problems.append(message(VALIDATION_FAILED, "the invoice must cover the whole order"))
    if sw.strict_total and abs(element["totalAmount"] - _computed_total(element)) > 0.01:
        problems.append(message(VALIDATION_FAILED, "totalAmount does not match the lines"))
    return problems


def _computed_total(element: dict[str, Any]) -> float:
    lines = sum(i["quantity"] * i["unitPrice"] for i in element.get("lineItems") or [])
    charges = sum(c.get("amount") or 0 for c in element.get("charges") or [])
    return float(lines + charges)


def _stored_invoice(rec: OrderRecord, element: dict[str, Any], now: datetime) -> dict[str, Any]:
    data = copy.deepcopy(element)
    data.update({k: rec.data[k] for k in _COPIED_FROM_ORDER if rec.data.get(k) is not None})
    data["dscoSupplierId"] = rec.data.get("dscoSupplierId")
    data.setdefault("poNumber", rec.po_number)
    data["dscoOrderId"] = rec.order_id
    expected = _expected_total(rec, element)
    data["dscoExpectedOrderTotalAmount"] = expected
    data["dscoExpectedOrderTotalDifference"] = round(element["totalAmount"] - expected, 2)
    data["createDate"] = data["lastUpdate"] = format_ts(now)
    return data


def _expected_total(rec: OrderRecord, element: dict[str, Any]) -> float:
    """What DSCO expects from the order's costs (informational; never rejects by default)."""
    total = 0.0
    for item in element.get("lineItems") or []:
        index = resolve_line(rec, item)
        cost = rec.lines[index].get("expectedCost") if index is not None else None
        total += item["quantity"] * float(cost or 0)
    return round(total, 2)
