"""Pure mapping from a fully shipped order to its one DSCO invoice (D8).

``invoiceId`` is the PO number; quantities are what Lingxing shipped (from the shared
:func:`jobs.dsco_shipment.allocate`); unit prices follow the push job's price rule
(:func:`jobs.lingxing_order.unit_price`), rounded to cents so that ``totalAmount`` is exactly
the sum of what DSCO will compute from the lines.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from jobs.dsco_shipment import Allocation, line_identifiers
from jobs.lingxing_order import unit_price
from jobs.pipeline_common import Skip
from sdk.dsco.models import Invoice, InvoiceLineItem, InvoiceShip
from sdk.dsco.responses import DscoOrder

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "USD"
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def money(value: Decimal) -> Decimal:
    """``value`` rounded half-up to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def currency(order: DscoOrder, lingxing_currency: str | None) -> str:
    """DSCO ``currencyCode``, else Lingxing ``amount_currency``, else USD."""
    for candidate in (order.currency_code, lingxing_currency):
        code = (candidate or "").strip().upper()
        if _CURRENCY.match(code):
            return code
    return DEFAULT_CURRENCY


def not_fully_shipped(allocation: Allocation) -> list[int]:
    """1-based DSCO line positions whose quantity the shipped packages do not cover yet."""
    units = allocation.units_in(allocation.tracking_numbers)
    return [i + 1 for i, (u, r) in enumerate(zip(units, allocation.required, strict=True)) if u < r]


def _first_tracking(allocation: Allocation, index: int) -> str | None:
    return next((p.tracking_number for p in allocation.packages if p.units.get(index)), None)


def _lines(order: DscoOrder, allocation: Allocation) -> list[InvoiceLineItem] | Skip:
    shipped = allocation.units_in(allocation.tracking_numbers)
    lines: list[InvoiceLineItem] = []
    for index, line in enumerate(order.line_items):
        # Never bill more than was ordered, whatever the warehouse sent.
        quantity = min(shipped[index], allocation.required[index])
        if quantity <= 0:
            continue
        price = unit_price(line)
        if price is None:
            return Skip("missing_unit_price", f"line={index + 1}")
        values = {
            **line_identifiers(line),
            "quantity": quantity,
            "unit_price": money(price),
            "tracking_number": _first_tracking(allocation, index),
        }
        lines.append(InvoiceLineItem.model_validate(values))
    return lines


def total_amount(lines: list[InvoiceLineItem]) -> Decimal:
    """Σ quantity × unitPrice, in cents (unit prices are already rounded to cents)."""
    return money(sum((line.quantity * line.unit_price for line in lines), Decimal(0)))


def build_invoice(
    order: DscoOrder, allocation: Allocation, *, lingxing_currency: str | None = None
) -> Invoice | Skip:
    """The invoice of a fully shipped order, or why it cannot be built yet."""
    missing = not_fully_shipped(allocation)
    if missing:
        return Skip("not_fully_shipped", f"lines={','.join(map(str, missing))}")
    lines = _lines(order, allocation)
    if isinstance(lines, Skip):
        return lines
    if not lines or not order.po_number or not allocation.packages:
        return Skip("nothing_to_invoice")
    shipped_at = max(p.shipped_at for p in allocation.packages)
    return Invoice(
        invoice_id=order.po_number,
        po_number=order.po_number,
        invoice_date=shipped_at,
        currency_code=currency(order, lingxing_currency),
        total_amount=total_amount(lines),
        line_items=lines,
        ship=InvoiceShip(
            tracking_number=allocation.packages[0].tracking_number,
            date=shipped_at,
            number_of_units_shipped=sum(line.quantity for line in lines),
        ),
    )
