"""Table tests for the pure invoice builder (docs/design.md, "Every job", D8, D9)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jobs.dsco_invoice import build_invoice, currency, money, total_amount
from jobs.dsco_shipment import Allocation, Skip, allocate
from sdk.dsco.models import InvoiceLineItem, to_wire
from sdk.dsco.responses import DscoOrder, parse_order
from sdk.lingxing.models import WmsOrder

BEIJING = ZoneInfo("Asia/Shanghai")


def order(lines: list[dict[str, Any]], **fields: Any) -> DscoOrder:
    items = [
        {"lineNumber": n, "partnerSku": f"P{n}", "dscoItemId": f"9{n}", **line}
        for n, line in enumerate(lines, 1)
    ]
    return parse_order({"poNumber": "PO1", "currencyCode": "USD", "lineItems": items, **fields})


def wo(tracking: str, items: list[tuple[str, int]], at: str) -> WmsOrder:
    return WmsOrder.model_validate(
        {
            "wo_number": f"WO-{tracking}",
            "platform_order_no": ["PO1"],
            "status": 3,
            "tracking_no": tracking,
            "delivered_at": at,
            "product_info": [{"sku": s, "count": c} for s, c in items],
        }
    )


def alloc(o: DscoOrder, outbound: list[WmsOrder]) -> Allocation:
    result = allocate(o, outbound, {}, BEIJING)
    assert isinstance(result, Allocation)
    return result


def test_full_invoice() -> None:
    o = order([{"quantity": 2, "consumerPrice": "10.10"}, {"quantity": 1, "expectedCost": 3}])
    a = alloc(
        o,
        [
            wo("T1", [("P1", 2)], "2026-03-01 10:00:00"),
            wo("T2", [("P2", 1)], "2026-03-02 09:00:00"),
        ],
    )
    invoice = build_invoice(o, a)
    assert not isinstance(invoice, Skip)
    wire = to_wire(invoice)
    assert wire["invoiceId"] == wire["poNumber"] == "PO1"
    assert wire["invoiceDate"] == "2026-03-02T01:00:00Z"  # the latest ship time, in UTC
    assert wire["currencyCode"] == "USD"
    assert wire["totalAmount"] == 23.2
    assert wire["ship"] == {
        "trackingNumber": "T1",
        "date": "2026-03-02T01:00:00Z",
        "numberOfUnitsShipped": 3,
    }
    assert wire["lineItems"] == [
        {
            "dscoItemId": "91",
            "partnerSku": "P1",
            "lineNumber": 1,
            "quantity": 2,
            "unitPrice": 10.1,
            "trackingNumber": "T1",
        },
        {
            "dscoItemId": "92",
            "partnerSku": "P2",
            "lineNumber": 2,
            "quantity": 1,
            "unitPrice": 3.0,
            "trackingNumber": "T2",
        },
    ]


@pytest.mark.parametrize(
    ("prices", "quantities", "total"),
    [
        (["19.999"], [3], "60.00"),  # unit price rounded to cents first
        (["0.125", "0.124"], [1, 1], "0.25"),
        (["10.10", "0.1"], [3, 7], "31.00"),
        (["1.005"], [1000], "1010.00"),
    ],
)
def test_total_equals_sum_of_rounded_lines(
    prices: list[str], quantities: list[int], total: str
) -> None:
    o = order([{"quantity": q, "retailPrice": p} for p, q in zip(prices, quantities, strict=True)])
    items = [(f"P{n}", q) for n, q in enumerate(quantities, 1)]
    invoice = build_invoice(o, alloc(o, [wo("T1", items, "2026-03-01 10:00:00")]))
    assert not isinstance(invoice, Skip)
    assert invoice.total_amount == Decimal(total)
    assert invoice.line_items is not None
    assert invoice.total_amount == sum(li.quantity * li.unit_price for li in invoice.line_items)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"consumerPriceWithTax": 4, "consumerPrice": 3, "retailPrice": 2, "expectedCost": 1}, 4),
        ({"consumerPrice": 3, "retailPrice": 2, "expectedCost": 1}, 3),
        ({"consumerPrice": 0, "retailPrice": 2, "expectedCost": 1}, 2),
        ({"expectedCost": "1.5"}, Decimal("1.5")),
    ],
)
def test_price_rule(line: dict[str, Any], expected: Decimal) -> None:
    o = order([{"quantity": 1, **line}])
    invoice = build_invoice(o, alloc(o, [wo("T1", [("P1", 1)], "2026-03-01 10:00:00")]))
    assert not isinstance(invoice, Skip)
    assert invoice.line_items is not None
    assert invoice.line_items[0].unit_price == expected


def test_line_without_price_skips() -> None:
    o = order([{"quantity": 1, "retailPrice": 2}, {"quantity": 1}])
    a = alloc(o, [wo("T1", [("P1", 1), ("P2", 1)], "2026-03-01 10:00:00")])
    assert build_invoice(o, a) == Skip("missing_unit_price", "line=2")


def test_not_fully_shipped_skips() -> None:
    o = order([{"quantity": 2, "retailPrice": 2}, {"quantity": 1, "retailPrice": 2}])
    a = alloc(o, [wo("T1", [("P1", 1)], "2026-03-01 10:00:00")])
    assert build_invoice(o, a) == Skip("not_fully_shipped", "lines=1,2")


def test_cancelled_units_need_no_shipment_and_are_not_billed() -> None:
    o = order([{"quantity": 2, "cancelledQuantity": 1, "retailPrice": 5}])
    invoice = build_invoice(o, alloc(o, [wo("T1", [("P1", 1)], "2026-03-01 10:00:00")]))
    assert not isinstance(invoice, Skip)
    assert invoice.line_items is not None
    assert [li.quantity for li in invoice.line_items] == [1]
    assert invoice.total_amount == Decimal("5.00")


@pytest.mark.parametrize(
    ("dsco", "lingxing", "expected"),
    [("EUR", "GBP", "EUR"), (None, "gbp", "GBP"), (None, None, "USD"), ("", "bad!", "USD")],
)
def test_currency_rule(dsco: str | None, lingxing: str | None, expected: str) -> None:
    o = order([{"quantity": 1}], currencyCode=dsco)
    assert currency(o, lingxing) == expected


def test_money_and_total_helpers() -> None:
    assert money(Decimal("2.675")) == Decimal("2.68")
    lines = [
        InvoiceLineItem(partner_sku="A", quantity=3, unit_price=Decimal("0.33")),
        InvoiceLineItem(partner_sku="B", quantity=1, unit_price=Decimal("0.01")),
    ]
    assert total_amount(lines) == Decimal("1.00")
