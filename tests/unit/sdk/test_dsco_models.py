"""DSCO request models are strict and serialise exactly; response models are lenient."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pydantic
import pytest

from sdk.dsco import (
    ApiMessage,
    BatchAccepted,
    ChangeLogPage,
    DscoPayloadError,
    InventoryWarehouse,
    Invoice,
    InvoiceLineItem,
    InvoiceShip,
    ItemInventory,
    OrderAck,
    Shipment,
    ShipmentForOrder,
    ShipmentLineItem,
    parse_order,
    to_wire,
)

CST = timezone(timedelta(hours=8))


def shipment(**line: Any) -> dict[str, Any]:
    return {
        "poNumber": "PO1",
        "shipments": [{"trackingNumber": "T1", "lineItems": [{"quantity": 1, **line}]}],
    }


# --- strict request models ---------------------------------------------------------------------


def test_shipment_wire_format_is_camel_case_utc_and_drops_nones() -> None:
    model = ShipmentForOrder(
        po_number="PO1",
        shipments=[
            Shipment(
                tracking_number="T1",
                ship_date=datetime(2026, 2, 12, 2, 40, tzinfo=CST),
                ship_method="Home Delivery",
                line_items=[ShipmentLineItem(quantity=2, sku="A", package_span_flag=True)],
            )
        ],
    )
    assert to_wire(model) == {
        "poNumber": "PO1",
        "shipments": [
            {
                "trackingNumber": "T1",
                "shipDate": "2026-02-11T18:40:00Z",
                "shipMethod": "Home Delivery",
                "lineItems": [{"sku": "A", "quantity": 2, "packageSpanFlag": True}],
            }
        ],
    }


def test_money_is_a_json_number_not_a_string() -> None:
    invoice = Invoice(
        invoice_id="PO1",
        po_number="PO1",
        total_amount=Decimal("162.91"),
        line_items=[InvoiceLineItem(quantity=2, unit_price=Decimal("74.54"), sku="A")],
    )
    text = json.dumps(to_wire(invoice))
    assert '"totalAmount": 162.91' in text
    assert '"unitPrice": 74.54' in text


def test_zero_total_is_still_sent() -> None:
    wire = to_wire(Invoice(invoice_id="I", po_number="P", total_amount=Decimal(0)))
    assert wire["totalAmount"] == 0


def test_sandbox_can_validate_wire_json_with_the_same_models() -> None:
    body = to_wire(ShipmentForOrder.model_validate(shipment(dscoItemId="9", lineNumber=1)))
    assert ShipmentForOrder.model_validate(body) == ShipmentForOrder.model_validate(
        shipment(dscoItemId="9", lineNumber=1)
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (shipment(sku="A") | {"unknownField": 1}, "extra_forbidden"),
        (shipment(), "one of dscoItemId, sku, partnerSku, upc, ean"),
        (shipment(sku="A", quantity=0), "greater_than_equal"),
        (shipment(upc="12345"), "string_pattern_mismatch"),
        (shipment(partnerSku="x" * 91), "string_too_long"),
        ({"poNumber": "PO1", "shipments": []}, "too_short"),
        ({"shipments": shipment(sku="A")["shipments"]}, "exactly one of poNumber"),
        (shipment(sku="A") | {"dscoOrderId": "1"}, "exactly one of poNumber"),
    ],
)
def test_shipment_rules(body: dict[str, Any], reason: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=reason):
        ShipmentForOrder.model_validate(body)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="timezone-aware"):
        Shipment(tracking_number="T", ship_date=datetime(2026, 1, 1), line_items=[])


def test_models_are_frozen() -> None:
    ack = OrderAck(id="PO1")
    with pytest.raises(pydantic.ValidationError):
        ack.id = "PO2"  # type: ignore[misc]


def test_ack_rules() -> None:
    assert to_wire(OrderAck(id="PO1")) == {"id": "PO1", "type": "PO_NUMBER"}
    assert to_wire(OrderAck(id=123, type="DSCO_ORDER_ID")) == {"id": 123, "type": "DSCO_ORDER_ID"}
    with pytest.raises(pydantic.ValidationError, match="numeric id"):
        OrderAck(id="PO1", type="DSCO_ORDER_ID")
    with pytest.raises(pydantic.ValidationError):
        OrderAck.model_validate({"id": "PO1", "type": "PO"})


def test_invoice_line_needs_unit_price_and_identifier() -> None:
    with pytest.raises(pydantic.ValidationError, match="unitPrice"):
        InvoiceLineItem.model_validate({"quantity": 1, "sku": "A"})
    with pytest.raises(pydantic.ValidationError, match="one of dscoItemId"):
        InvoiceLineItem(quantity=1, unit_price=Decimal(1))
    with pytest.raises(pydantic.ValidationError, match="at least one field"):
        InvoiceShip()


def test_inventory_quantities_must_add_up() -> None:
    two = [InventoryWarehouse(code="A", quantity=3), InventoryWarehouse(code="B", quantity=4)]
    item = ItemInventory(sku="S", status="in-stock", warehouses=two, quantity_available=7)
    assert to_wire(item)["quantityAvailable"] == 7
    with pytest.raises(pydantic.ValidationError, match="must equal the sum"):
        ItemInventory(sku="S", status="in-stock", warehouses=two, quantity_available=3)
    with pytest.raises(pydantic.ValidationError, match="quantity is required"):
        ItemInventory(sku="S", status="in-stock", warehouses=[InventoryWarehouse(code="A")])
    with pytest.raises(pydantic.ValidationError):
        ItemInventory.model_validate(
            {"sku": "S", "status": "plenty", "warehouses": [{"code": "A"}]}
        )


# --- lenient response models -------------------------------------------------------------------


def chewy_like_order() -> dict[str, Any]:
    """The production quirks of dsco_api.md §4.3 (nulls, ints as floats, ids as numbers)."""
    return {
        "poNumber": "5J7PMN8NH5DSBCXL2M1Y",
        "dscoOrderId": 1075104801,
        "dscoStatus": "completed",
        "orderType": "dropship",
        "dscoCreateDate": "2026-01-28T01:15:40+00:00",
        "dscoLastUpdate": "not a date",
        "billTo": {},
        "buyer": None,
        "packages": None,
        "shipping": {
            "firstName": "Maria Lopez",
            "lastName": ";",
            "address1": "4821 Willow Creek",
            "address": ["4821 Willow Creek", None],
        },
        "lineItems": [
            {
                "quantity": "2",
                "expectedCost": 54,
                "consumerPrice": "",
                "dscoItemId": 1310486994,
                "retailerItemIds": ["4412087"],
                "activity": [{"action": "add"}],
            },
        ],
        "marketplaceType": None,
    }


def test_parse_order_tolerates_production_quirks() -> None:
    order = parse_order(chewy_like_order())
    assert order.po_number == "5J7PMN8NH5DSBCXL2M1Y"
    assert order.dsco_order_id == "1075104801"
    assert order.dsco_create_date == datetime(2026, 1, 28, 1, 15, 40, tzinfo=UTC)
    assert order.dsco_last_update is None
    assert order.packages == []
    assert order.shipping is not None
    assert order.shipping.address == ["4821 Willow Creek"]
    line = order.line_items[0]
    assert (line.quantity, line.dsco_item_id, line.consumer_price) == (2, "1310486994", None)
    assert line.expected_cost == Decimal(54)
    assert order.model_extra is not None
    assert order.model_extra["marketplaceType"] is None


def test_tracking_numbers() -> None:
    raw = {"packages": [{"trackingNumber": "T1", "items": None}, {"trackingNumber": None}]}
    assert parse_order(raw).tracking_numbers == {"T1"}


def test_an_order_that_is_not_an_object_raises_without_buyer_data() -> None:
    with pytest.raises(DscoPayloadError) as info:
        parse_order(["Maria Lopez", "4821 Willow Creek"])  # type: ignore[arg-type]
    assert "Willow" not in str(info.value)
    assert info.value.__cause__ is None


def test_junk_where_text_or_objects_belong_costs_only_that_field() -> None:
    raw = chewy_like_order() | {
        "dscoStatus": {"nested": True},
        "testFlag": "yes",
        "shipping": "Maria Lopez, 4821 Willow Creek",
        "lineItems": [{"sku": ["A"], "quantity": "2", "partnerSku": 7}, "not a line", None],
    }
    order = parse_order(raw)
    assert (order.dsco_status, order.test_flag, order.shipping) == (None, None, None)
    assert [(li.sku, li.partner_sku, li.quantity) for li in order.line_items] == [
        (None, "7", 2),
        (None, None, None),
        (None, None, None),
    ]
    assert parse_order({"lineItems": "Maria Lopez"}).line_items == []


def test_snake_case_keys_are_unknown_fields_not_aliases() -> None:
    # Only DSCO's own camelCase names count: an unknown snake_case key must never stand in for
    # (or break) the field it resembles.
    order = parse_order({"poNumber": "PO-1", "dsco_status": {"x": 1}, "po_number": "OTHER"})
    assert (order.po_number, order.dsco_status) == ("PO-1", None)
    order = parse_order({"poNumber": "PO-1", "dscoStatus": "created", "dsco_status": "shipped"})
    assert order.dsco_status == "created"


def test_buyer_address_is_not_in_repr() -> None:
    text = repr(parse_order(chewy_like_order()))
    assert "Willow" not in text
    assert "Maria" not in text


def test_batch_and_log_models() -> None:
    accepted = BatchAccepted.model_validate(
        {"status": "pending", "requestId": "r1", "eventDate": "2026-02-11T15:01:12+00:00", "x": 1}
    )
    assert accepted.request_id == "r1"
    assert accepted.messages == []
    page = ChangeLogPage.model_validate(
        {
            "status": "COMPLETED",
            "logs": [
                {
                    "payload": {"poNumber": "P"},
                    "status": "failure",
                    "results": [{"code": "X", "description": ["a", "b"]}],
                }
            ],
        }
    )
    assert page.logs[0].results[0].text() == "X: a; b"
    assert ApiMessage().text() == "(no message)"
    assert ChangeLogPage.model_validate({"logs": None}).logs == []
