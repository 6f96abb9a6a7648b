"""Table tests of the push builder (docs/design.md, "Every job"): one row per field rule."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from jobs.lingxing_order import BuiltOrder, Skip, build_order, shipment_key, unit_price
from jobs.runtime_config import MappingConfig
from sdk.dsco.responses import OrderLineItem, parse_order
from sdk.lingxing.models import to_body

BASE: dict[str, Any] = {
    "poNumber": "PO-1",
    "dscoRetailerId": "R1",
    "shipWarehouseCode": "NJ",
    "requestedWarehouseCode": "CA",
    "shippingServiceLevelCode": "FEHD",
    "shipping": {
        "name": "Ann Lee",
        "firstName": "Ann",
        "lastName": "Lee",
        "address1": "1 Main St",
        "address": ["9 Other Rd"],
        "city": "Boise",
        "state": "ID",
        "postal": "83704",
        "country": "CA",
        "phone": "555-0100",
    },
    "lineItems": [
        {"partnerSku": "P-1", "sku": "S-1", "quantity": 2, "consumerPriceWithTax": "10.50"},
    ],
}
MAPPING = MappingConfig(
    shop={"R1": "111"}, warehouse={"NJ": "26", "CA": "27"}, shipment={"NJ-FEHD": "900"}
)


def _with(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    for path, value in changes.items():
        target = raw
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[part] if not part.isdigit() else target[int(part)]
        if value is _DROP:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return raw


_DROP = object()


def _body(raw: dict[str, Any], mapping: MappingConfig = MAPPING) -> dict[str, Any]:
    built = build_order(parse_order(raw), mapping)
    assert isinstance(built, BuiltOrder), built
    return to_body(built.order)


def _skip(raw: dict[str, Any], mapping: MappingConfig = MAPPING) -> Skip:
    built = build_order(parse_order(raw), mapping)
    assert isinstance(built, Skip), built
    return built


def test_full_order_maps_every_field() -> None:
    built = build_order(parse_order(BASE), MAPPING)
    assert isinstance(built, BuiltOrder)
    assert built.store_id == "111"
    assert to_body(built.order) == {
        "platform_order_no": "PO-1",
        "receiver_country_code": "CA",
        "receiver_name": "Ann Lee",
        "city": "Boise",
        "address_line1": "1 Main St",
        "wid": "26",
        "logistics_type_id": "900",
        "items": [{"msku": "P-1", "quantity": 2, "unit_price": "10.50"}],
    }


def test_optional_state_postal_phone_are_not_sent() -> None:
    body = _body(BASE)
    assert not {"state_or_region", "postal_code", "receiver_mobile"} & body.keys()


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"shipping__name": _DROP}, "receiver_name", "Ann Lee"),
        ({"shipping__name": "", "shipping__lastName": _DROP}, "receiver_name", "Ann"),
        ({"shipping__name": "  Bo  "}, "receiver_name", "Bo"),
        ({"shipping__address1": _DROP}, "address_line1", "9 Other Rd"),
        ({"shipping__address1": ""}, "address_line1", "9 Other Rd"),
        ({"shipping__country": _DROP}, "receiver_country_code", "US"),
        ({"shipping__country": ""}, "receiver_country_code", "US"),
        ({"shipping__country": "gb"}, "receiver_country_code", "GB"),
        ({"lineItems__0__partnerSku": _DROP}, "items", [("S-1", 2, "10.50")]),
    ],
)
def test_field_fallbacks(changes: dict[str, Any], field: str, expected: Any) -> None:
    body = _body(_with(**changes))
    if field == "items":
        assert [(i["msku"], i["quantity"], i["unit_price"]) for i in body["items"]] == expected
    else:
        assert body[field] == expected


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        ({"consumerPriceWithTax": 4, "consumerPrice": 3, "retailPrice": 2, "expectedCost": 1}, "4"),
        ({"consumerPrice": 3, "retailPrice": 2, "expectedCost": 1}, "3"),
        ({"retailPrice": "2.5", "expectedCost": 1}, "2.5"),
        ({"expectedCost": 1}, "1"),
        ({"consumerPriceWithTax": 0, "consumerPrice": None, "retailPrice": 7}, "7"),
        ({"consumerPriceWithTax": "n/a", "expectedCost": "1.25"}, "1.25"),
        ({}, None),
        ({"consumerPriceWithTax": 0, "expectedCost": 0}, None),
    ],
)
def test_unit_price_rule(prices: dict[str, Any], expected: str | None) -> None:
    line = OrderLineItem.model_validate({"sku": "X", "quantity": 1, **prices})
    assert unit_price(line) == (Decimal(expected) if expected is not None else None)


def test_price_goes_out_as_two_decimals() -> None:
    body = _body(_with(lineItems=[{"sku": "A", "quantity": 1, "expectedCost": 3}]))
    assert body["items"][0]["unit_price"] == "3.00"


@pytest.mark.parametrize(
    ("changes", "mapping", "reason", "detail_part"),
    [
        ({}, MappingConfig(), "missing_mapping_shop", "dscoRetailerId=R1"),
        ({"dscoRetailerId": "R9"}, MAPPING, "missing_mapping_shop", "R9"),
        ({"dscoRetailerId": _DROP}, MAPPING, "missing_mapping_shop", ""),
        ({"shippingServiceLevelCode": "USFC"}, MAPPING, "missing_mapping_shipment", "NJ-USFC"),
        ({"shipping__name": _DROP, "shipping__firstName": _DROP, "shipping__lastName": _DROP},
         MAPPING, "missing_address_fields", "receiver_name"),
        ({"shipping__city": ""}, MAPPING, "missing_address_fields", "city"),
        ({"shipping__address1": _DROP, "shipping__address": []}, MAPPING,
         "missing_address_fields", "address_line1"),
        ({"shipping": None}, MAPPING, "missing_address_fields", "receiver_name,city"),
        ({"shipping__country": "USA"}, MAPPING, "bad_country_code", ""),
        ({"lineItems": []}, MAPPING, "no_lines", ""),
        ({"lineItems": None}, MAPPING, "no_lines", ""),
        ({"lineItems__0__partnerSku": _DROP, "lineItems__0__sku": _DROP}, MAPPING,
         "missing_sku", "line=1"),
        ({"lineItems__0__quantity": 0}, MAPPING, "bad_quantity", "sku=P-1"),
        ({"lineItems__0__consumerPriceWithTax": _DROP}, MAPPING, "missing_unit_price", "P-1"),
    ],
)  # fmt: skip
def test_skips(
    changes: dict[str, Any], mapping: MappingConfig, reason: str, detail_part: str
) -> None:
    skip = _skip(_with(**changes), mapping)
    assert skip.reason == reason
    assert detail_part in skip.detail


def test_any_line_without_price_skips_the_whole_order() -> None:
    lines = [
        {"partnerSku": "A", "quantity": 1, "retailPrice": 5, "lineNumber": 1},
        {"partnerSku": "B", "quantity": 1, "lineNumber": 2},
    ]
    skip = _skip(_with(lineItems=lines))
    assert (skip.reason, skip.detail) == ("missing_unit_price", "line=2 sku=B")


def test_skip_details_never_carry_buyer_data() -> None:
    skip = _skip(_with(shipping__city="", shipping__country="XX"))
    assert "Ann" not in skip.detail
    assert "Main" not in skip.detail


def test_no_warehouse_mapping_sends_neither_wid_nor_logistics() -> None:
    mapping = MappingConfig(shop={"R1": "111"})
    body = _body(BASE, mapping)
    assert "wid" not in body
    assert "logistics_type_id" not in body


def test_requested_warehouse_is_the_fallback_for_wid_and_shipment_key() -> None:
    raw = _with(shipWarehouseCode=_DROP)
    assert shipment_key(parse_order(raw)) == "CA-FEHD"
    assert _skip(raw).reason == "missing_mapping_shipment"  # CA-FEHD is not mapped
    mapping = MappingConfig(shop={"R1": "111"}, warehouse={"CA": "27"}, shipment={"CA-FEHD": "5"})
    body = _body(raw, mapping)
    assert (body["wid"], body["logistics_type_id"]) == ("27", "5")


def test_shipment_key_exact_format() -> None:
    assert shipment_key(parse_order(BASE)) == "NJ-FEHD"


def test_multiple_lines_keep_order_and_quantities() -> None:
    lines = [
        {"partnerSku": "A", "quantity": 3, "consumerPrice": "1.10"},
        {"sku": "B", "quantity": 1, "expectedCost": "2"},
    ]
    body = _body(_with(lineItems=lines))
    assert body["items"] == [
        {"msku": "A", "quantity": 3, "unit_price": "1.10"},
        {"msku": "B", "quantity": 1, "unit_price": "2.00"},
    ]
