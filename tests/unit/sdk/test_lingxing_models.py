"""Lingxing models: strict request models, lenient response models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pydantic
import pytest

from sdk.lingxing.models import (
    CreateOrder,
    CreateOrdersRequest,
    CreateOrdersResult,
    InventoryDetailsRequest,
    InventoryRow,
    LxOrder,
    OrderListRequest,
    Pair,
    PairListRequest,
    Store,
    TokenData,
    Warehouse,
    WmsOrder,
    WmsOrderListRequest,
    to_body,
)

ITEM: dict[str, Any] = {"msku": "MSKU-1", "quantity": 2, "unit_price": "9.5"}
ORDER: dict[str, Any] = {
    "platform_order_no": "PO-1",
    "receiver_country_code": "US",
    "receiver_name": "Jane Doe",
    "city": "Austin",
    "address_line1": "1 Main St",
    "items": [ITEM],
}
REQUEST: dict[str, Any] = {
    "platform_code": 10009,
    "store_id": "110000000000000001",
    "orders": [ORDER],
}


def test_create_request_round_trips_through_json_body() -> None:
    request = CreateOrdersRequest.model_validate(REQUEST)
    body = to_body(request)
    assert body["orders"][0]["items"][0]["unit_price"] == "9.50"
    assert "wid" not in body["orders"][0]  # unset optionals are not sent
    assert CreateOrdersRequest.model_validate(body) == request


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extra_field": 1}, "Extra inputs are not permitted"),
        ({"receiver_country_code": "usa"}, "should match pattern"),
        ({"city": "   "}, "too_short"),
        ({"items": []}, "at least 1 item"),
        ({"wid": "12"}, "wid and logistics_type_id"),
        ({"logistics_type_id": "3"}, "wid and logistics_type_id"),
        ({"items": [{**ITEM, "quantity": 0}]}, "greater than or equal to 1"),
        ({"items": [{**ITEM, "quantity": "2"}]}, "valid integer"),
        ({"items": [{"quantity": 1, "unit_price": 1}]}, "msku or sku"),
        ({"items": [{**ITEM, "unit_price": "-1"}]}, "greater than or equal to 0"),
        ({"items": [{**ITEM, "unit_price": "NaN"}]}, "finite number"),
        ({"amount_currency": "usd"}, "should match pattern"),
    ],
)
def test_create_order_rejects_bad_input(change: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        CreateOrder.model_validate({**ORDER, **change})


def test_create_order_cleans_text_and_rounds_money() -> None:
    order = CreateOrder.model_validate(
        {
            **ORDER,
            "receiver_name": " Jane\x00 Doe\u2028 ",
            "wid": 12,
            "logistics_type_id": "340",
            "items": [{**ITEM, "unit_price": Decimal("10.005"), "stock_deduction_type": 2}],
        }
    )
    body = to_body(order)
    assert body["receiver_name"] == "Jane Doe"
    assert (body["wid"], body["logistics_type_id"]) == ("12", "340")
    assert body["items"][0]["unit_price"] == "10.01"
    assert body["items"][0]["stock_deduction_type"] == "2"


def test_request_models_are_frozen_and_reject_repeated_order_numbers() -> None:
    request = CreateOrdersRequest.model_validate(REQUEST)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        request.store_id = "2"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="repeats"):
        CreateOrdersRequest.model_validate({**REQUEST, "orders": [ORDER, ORDER]})
    with pytest.raises(pydantic.ValidationError, match="should match pattern"):
        CreateOrdersRequest.model_validate({**REQUEST, "store_id": "abc"})


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"platform_order_nos": ["PO-1"], "length": 200}, True),
        ({"platform_order_nos": [f"P{n}" for n in range(201)]}, False),
        ({"platform_order_nos": ["PO-1"], "length": 19}, False),
        ({"platform_order_nos": ["PO-1"], "length": 501}, False),
        ({}, False),
        ({"date_type": "update_time", "start_time": 0, "end_time": 30 * 86400}, True),
        ({"date_type": "update_time", "start_time": 0, "end_time": 30 * 86400 + 1}, False),
        ({"date_type": "update_time", "start_time": 10, "end_time": 10}, False),
        ({"date_type": "update_time", "start_time": 10}, False),
        ({"date_type": "ship_time", "start_time": 0, "end_time": 1}, False),
    ],
)
def test_order_list_request_limits(body: dict[str, Any], ok: bool) -> None:
    if ok:
        OrderListRequest.model_validate(body)
    else:
        with pytest.raises(pydantic.ValidationError):
            OrderListRequest.model_validate(body)


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"page": 1, "page_size": 200, "start_date": "2025-01-01", "end_date": "2025-01-31"}, True),
        ({"page": 0}, False),
        ({"page_size": 201}, False),
        ({"start_date": "2025-01-01"}, False),
        ({"start_date": "2025-02-30", "end_date": "2025-03-01"}, False),
        ({"start_date": "2025-03-02", "end_date": "2025-03-01"}, False),
        ({"status_arr": [5]}, False),
        ({"time_type": "shipped_at"}, False),
    ],
)
def test_wms_request_limits(body: dict[str, Any], ok: bool) -> None:
    if ok:
        WmsOrderListRequest.model_validate(body)
    else:
        with pytest.raises(pydantic.ValidationError):
            WmsOrderListRequest.model_validate(body)


def test_other_request_limits() -> None:
    assert to_body(InventoryDetailsRequest(wid="1,578,765", length=800))["wid"] == "1,578,765"
    for bad in ({"wid": "1;2"}, {"wid": "1", "length": 801}):
        with pytest.raises(pydantic.ValidationError):
            InventoryDetailsRequest.model_validate(bad)
    with pytest.raises(pydantic.ValidationError):
        PairListRequest.model_validate({"start_time": "2025-01-01"})


# --- lenient responses --------------------------------------------------------------------


def test_order_parses_vendor_type_drift() -> None:
    order = LxOrder.model_validate(
        {
            "global_order_no": 103336708973801472,
            "order_status": "6",
            "is_delete": "1",
            "wid": 0,
            "global_delivery_time": "1700000000",
            "global_cancel_time": None,
            "global_latest_ship_time": "",
            "platform_info": [
                {"platform_order_no": "PO-1", "platform_code": "10009"},
                {"platform_order_no": "PO-2", "store_Country_code": "US"},
            ],
            "item_info": [{"msku": "M", "local_sku": None, "quantity": "3"}],
            "logistics_info": [],
            "brand_new_field": {"kept": True},
        }
    )
    assert order.global_order_no == "103336708973801472"
    assert (order.status, order.deleted, order.wid) == (6, True, "0")
    assert order.global_delivery_time == 1700000000
    assert order.global_latest_ship_time is None
    assert order.platform_order_nos == ["PO-1", "PO-2"]
    assert order.item_info[0].local_sku == ""
    assert order.item_info[0].quantity == 3
    assert order.logistics_info is None
    assert order.model_extra == {"order_status": "6", "brand_new_field": {"kept": True}}


def test_wms_order_keeps_datetimes_as_received() -> None:
    wms = WmsOrder.model_validate(
        {
            "wo_number": "WO103341008688546816",
            "platform_order_no": "PO-1",
            "sid": "110000000000000001",
            "status": "4",
            "delivered_at": "0000-00-00 00:00:00",
            "stock_delivered_at": None,
            "product_info": [{"sku": "S", "count": "2.0", "wod_id": ""}],
        }
    )
    assert wms.platform_order_no == ["PO-1"]
    assert wms.sid == 110000000000000001
    assert wms.deleted is True
    assert (wms.delivered_at, wms.stock_delivered_at) == ("0000-00-00 00:00:00", "")
    assert (wms.product_info[0].count, wms.product_info[0].wod_id) == (2, None)


@pytest.mark.parametrize("bad", ["abc", "1.5", [1]])
def test_lenient_int_still_rejects_garbage(bad: object) -> None:
    with pytest.raises(pydantic.ValidationError):
        InventoryRow.model_validate({"wid": 1, "sku": "S", "product_valid_num": bad})


def test_small_response_models() -> None:
    token = TokenData.model_validate(
        {"access_token": "a", "refresh_token": "r", "expires_in": "7199"}
    )
    assert token.expires_in == 7199
    result = CreateOrdersResult.model_validate(
        {
            "success_details": [{"platform_order_no": 1, "global_order_no": 103336708973801472}],
            "error_details": [{"platform_order_no": "PO-2", "error_message": "exists"}],
        }
    )
    assert result.created() == {"1": "103336708973801472"}
    assert result.failed() == {"PO-2": "exists"}
    assert CreateOrdersResult.model_validate({"success_details": None}).created() == {}
    assert Pair.model_validate({"platform_code": "10009", "msku": "M"}).platform_code == 10009
    store = Store.model_validate({"store_id": 110000000000000001, "is_sync": "1", "sid": None})
    assert (store.store_id, store.is_sync, store.sid) == ("110000000000000001", 1, "")
    warehouse = Warehouse.model_validate({"wid": "5", "is_delete": "0", "t_status": 1})
    assert (warehouse.wid, warehouse.is_delete, warehouse.t_status) == (5, False, "1")
