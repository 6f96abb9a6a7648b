"""Lingxing request models: strict (unknown fields forbidden, frozen, documented limits checked).

A mistake fails here instead of as a vendor ``code 1/102``; the sandbox validates incoming
bodies with the same classes. Serialise with :func:`to_body`.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

__all__ = [
    "MAX_ORDER_LIST_SPAN",
    "MAX_ORDER_NOS",
    "AccessTokenForm",
    "CreateOrder",
    "CreateOrderItem",
    "CreateOrdersRequest",
    "InventoryDetailsRequest",
    "OrderListRequest",
    "PairListRequest",
    "RefreshTokenForm",
    "SellerListRequest",
    "WarehouseListRequest",
    "WmsOrderListRequest",
    "to_body",
]

MAX_ORDER_NOS = 200
MAX_ORDER_LIST_SPAN = 30 * 86400


def _clean_text(value: str) -> str:
    # Serialisers escape control characters differently (Go vs Python), which can break the
    # sign on the server side; they never belong in order data anyway.
    cleaned = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Zl", "Zp"))
    return cleaned.strip()


def _money_text(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _int_to_str(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _check_date(value: str) -> str:
    date.fromisoformat(value)
    return value


def _exact_key(value: str) -> str:
    # A key (PO number) is matched exactly by Lingxing later: cleaning it like free text would
    # send a different key than the one we store, so a key that needs cleaning is refused.
    if not value or value != _clean_text(value):
        raise ValueError("a key must be non-blank, without surrounding spaces or control chars")
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
Required = Annotated[Text, StringConstraints(min_length=1)]
Key = Annotated[str, AfterValidator(_exact_key), StringConstraints(max_length=200)]
Id = Annotated[str, BeforeValidator(_int_to_str), StringConstraints(pattern=r"^\d{1,20}$")]
Count = Annotated[int, Field(strict=True, ge=1)]
Offset = Annotated[int, Field(strict=True, ge=0)]
UnixSeconds = Annotated[int, Field(strict=True, ge=0)]
# Money goes out as a 2-decimal string, as the vendor's own examples do: no float artefacts,
# and a string signs the same whatever the server's JSON library does with numbers.
Money = Annotated[
    Decimal,
    # The upper bound keeps the cents rounding exact (a Decimal context holds 28 digits).
    Field(ge=0, lt=Decimal("1e15"), allow_inf_nan=False),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
]
DateText = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_check_date)
]
DateTimeText = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def to_body(model: BaseModel) -> dict[str, Any]:
    """The JSON body of a request model (unset optional fields are not sent)."""
    return model.model_dump(mode="json", exclude_none=True)


class CreateOrderItem(_Strict):
    """One order line: ``msku`` (store SKU) and/or ``sku`` (local SKU), quantity, unit price."""

    msku: Required | None = None
    sku: Required | None = None
    quantity: Count
    unit_price: Money
    stock_deduction_type: Annotated[Literal["1", "2"], BeforeValidator(_int_to_str)] | None = None

    @model_validator(mode="after")
    def _needs_a_sku(self) -> CreateOrderItem:
        if self.msku is None and self.sku is None:
            raise ValueError("an item needs msku or sku")
        return self


class CreateOrder(_Strict):
    """One manual order for ``/pb/mp/order/v2/create`` (``platform_order_no`` unique per store)."""

    platform_order_no: Key
    receiver_country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    receiver_name: Required
    city: Required
    address_line1: Required
    items: Annotated[list[CreateOrderItem], Field(min_length=1)]
    wid: Id | None = None
    logistics_type_id: Id | None = None
    amount_currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    site_code: Text | None = None
    buyer_note: Text | None = None
    remark: Text | None = None
    customer_shipping_amount: Money | None = None
    customer_tax_amount: Money | None = None
    order_total_amount: Money | None = None
    global_purchase_time: UnixSeconds | None = None
    global_payment_time: UnixSeconds | None = None
    address_type: Literal[1, 2] | None = None
    buyer_choose_express: Text | None = None
    receiver_company_name: Text | None = None
    # Not in the public doc; accepted once Lingxing enables the address permission.
    address_line2: Text | None = None
    address_line3: Text | None = None
    district: Text | None = None
    state_or_region: Text | None = None
    postal_code: Text | None = None
    doorplate_no: Text | None = None
    receiver_mobile: Text | None = None
    buyer_email: Text | None = None
    buyer_name: Text | None = None

    @model_validator(mode="after")
    def _warehouse_needs_shipping(self) -> CreateOrder:
        if (self.wid is None) != (self.logistics_type_id is None):
            raise ValueError("wid and logistics_type_id must be given together")
        return self


class CreateOrdersRequest(_Strict):
    """Body of ``/pb/mp/order/v2/create``; order numbers must be distinct within one call."""

    platform_code: Annotated[int, Field(strict=True, ge=10001)]
    store_id: Id
    orders: Annotated[list[CreateOrder], Field(min_length=1)]

    @model_validator(mode="after")
    def _distinct_order_nos(self) -> CreateOrdersRequest:
        numbers = [order.platform_order_no for order in self.orders]
        if len(set(numbers)) != len(numbers):
            raise ValueError("platform_order_no repeats within one create call")
        return self


OrderNos = Annotated[list[Key], Field(min_length=1, max_length=MAX_ORDER_NOS)]


class OrderListRequest(_Strict):
    """Body of ``/pb/mp/order/v2/list``: by order numbers, or by a time window of <= 30 days."""

    offset: Offset = 0
    length: Annotated[int, Field(strict=True, ge=20, le=500)] = 20
    date_type: (
        Literal[
            "update_time",
            "global_purchase_time",
            "global_delivery_time",
            "global_payment_time",
            "delivery_time",
        ]
        | None
    ) = None
    start_time: UnixSeconds | None = None
    end_time: UnixSeconds | None = None
    store_id: list[Id] | None = None
    platform_code: list[int] | None = None
    platform_order_nos: OrderNos | None = None
    platform_order_names: OrderNos | None = None
    order_status: Annotated[int, Field(strict=True, ge=1, le=9)] | None = None
    platform_shipping_status: list[str] | None = None
    platform_payment_status: list[str] | None = None
    include_delete: bool | None = None

    @model_validator(mode="after")
    def _window_or_numbers(self) -> OrderListRequest:
        window = (self.date_type, self.start_time, self.end_time)
        if any(v is not None for v in window) and any(v is None for v in window):
            raise ValueError("date_type, start_time and end_time go together")
        if self.start_time is not None and self.end_time is not None:
            if not 0 < self.end_time - self.start_time <= MAX_ORDER_LIST_SPAN:
                raise ValueError("the time window must be positive and at most 30 days")
        elif not (self.platform_order_nos or self.platform_order_names):
            raise ValueError("give platform_order_nos/names or a date_type time window")
        return self


class WmsOrderListRequest(_Strict):
    """Body of ``/erp/sc/routing/wms/order/wmsOrderList`` (1-based pages of <= 200)."""

    page: Annotated[int, Field(strict=True, ge=1)] = 1
    page_size: Annotated[int, Field(strict=True, ge=1, le=200)] = 20
    sid_arr: list[int] | None = None
    status_arr: list[Literal[1, 2, 3, 4]] | None = None
    logistics_status_arr: list[int] | None = None
    platform_order_no_arr: list[Key] | None = None
    order_number_arr: list[Required] | None = None
    wo_number_arr: list[Required] | None = None
    time_type: Literal["create_at", "delivered_at", "stock_delivered_at", "update_at"] | None = None
    start_date: DateText | None = None
    end_date: DateText | None = None

    @model_validator(mode="after")
    def _dates_together(self) -> WmsOrderListRequest:
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("start_date and end_date go together")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("start_date is after end_date")
        return self


class InventoryDetailsRequest(_Strict):
    """Body of ``.../local_inventory/inventoryDetails`` (``wid`` is a comma list)."""

    wid: Annotated[str, StringConstraints(pattern=r"^\d+(,\d+)*$")]
    offset: Offset = 0
    length: Annotated[int, Field(strict=True, ge=1, le=800)] = 20
    sku: Required | None = None


class PairListRequest(_Strict):
    """Body of ``/pb/mp/listing/v2/getPairList`` (offset paging, or cursor paging)."""

    offset: Offset | None = None
    length: Annotated[int, Field(strict=True, ge=1, le=1000)] | None = None
    msku: list[Required] | None = None
    sku: list[Required] | None = None
    start_time: DateTimeText | None = None
    end_time: DateTimeText | None = None
    platform_codes: list[Annotated[str, StringConstraints(pattern=r"^\d+$")]] | None = None
    store_ids: list[Id] | None = None
    use_cursor: bool | None = None
    cursor_id: Annotated[int, Field(strict=True, ge=0)] | None = None


class SellerListRequest(_Strict):
    """Body of ``/pb/mp/shop/v2/getSellerList``."""

    offset: Offset = 0
    length: Annotated[int, Field(strict=True, ge=1, le=200)] = 20
    platform_code: list[int] | None = None
    is_sync: Literal[0, 1] | None = None
    status: Literal[0, 1] | None = None


class WarehouseListRequest(_Strict):
    """Body of ``/erp/sc/data/local_inventory/warehouse``."""

    type: Literal[1, 3, 4, 6] = 1
    sub_type: Literal[1, 2] | None = None
    is_delete: Annotated[str, StringConstraints(pattern=r"^[01](,[01])?$")] | None = None
    offset: Offset = 0
    length: Annotated[int, Field(strict=True, ge=1, le=1000)] = 1000


class AccessTokenForm(_Strict):
    """Form fields of ``/api/auth-server/oauth/access-token`` (sent as multipart)."""

    appId: Annotated[str, StringConstraints(min_length=1)]
    appSecret: Annotated[str, StringConstraints(min_length=1)]


class RefreshTokenForm(_Strict):
    """Form fields of ``/api/auth-server/oauth/refresh`` (sent as multipart)."""

    appId: Annotated[str, StringConstraints(min_length=1)]
    refreshToken: Annotated[str, StringConstraints(min_length=1)]
