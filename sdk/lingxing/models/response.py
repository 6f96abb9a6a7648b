"""Lingxing response models: lenient (extra fields kept, the vendor's type drift absorbed).

Ids and numbers may arrive as strings or numbers, ``null`` stands for empty strings, ``[]`` for
an empty object. Datetime strings (``YYYY-MM-DD HH:MM:SS`` in UTC+8, ``""`` or
``0000-00-00 00:00:00`` for "none") are kept exactly as received; the jobs convert them with the
configured time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, model_validator

from sdk.lingxing.models._types import LxBool, LxInt, LxList, LxOptInt, LxStr

__all__ = [
    "WMS_DELETED",
    "CreateOrdersResult",
    "CreatedOrder",
    "InventoryRow",
    "ItemInfo",
    "LogisticsInfo",
    "LxOrder",
    "OrderError",
    "Pair",
    "PlatformInfo",
    "Store",
    "TokenData",
    "Warehouse",
    "WmsOrder",
    "WmsProduct",
    "row_keys",
]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TokenData(_Lenient):
    """``data`` of the access-token and refresh answers."""

    access_token: Annotated[str, StringConstraints(min_length=1)]
    refresh_token: LxStr = ""
    expires_in: LxInt = 7199


class CreatedOrder(_Lenient):
    platform_order_no: LxStr
    global_order_no: LxStr


class OrderError(_Lenient):
    platform_order_no: LxStr = ""
    error_message: LxStr = ""


class CreateOrdersResult(_Lenient):
    """Per-order outcome of a create call; an order is created only if listed in success."""

    success_details: LxList[CreatedOrder] = []
    error_details: LxList[OrderError] = []

    def created(self) -> dict[str, str]:
        """``platform_order_no -> global_order_no`` of the created orders."""
        return {d.platform_order_no: d.global_order_no for d in self.success_details}

    def failed(self) -> dict[str, str]:
        """``platform_order_no -> error message`` of the rejected orders."""
        return {d.platform_order_no: d.error_message for d in self.error_details}


class PlatformInfo(_Lenient):
    platform_order_no: LxStr = ""
    platform_order_name: LxStr = ""
    platform_code: LxOptInt = None
    status: LxStr = ""
    payment_status: LxStr = ""
    shipping_status: LxStr = ""
    purchase_time: LxOptInt = None
    payment_time: LxOptInt = None
    delivery_time: LxOptInt = None
    cancel_time: LxOptInt = None


class ItemInfo(_Lenient):
    id: LxStr = ""
    platform_order_no: LxStr = ""
    msku: LxStr = ""
    local_sku: LxStr = ""
    quantity: LxInt = 0
    unit_price_amount: LxStr = ""
    item_price_amount: LxStr = ""
    title: LxStr = ""


class LogisticsInfo(_Lenient):
    status: LxOptInt = None
    tracking_no: LxStr = ""
    waybill_no: LxStr = ""
    logistics_type_id: LxStr = ""
    logistics_type_name: LxStr = ""
    logistics_provider_id: LxStr = ""
    logistics_provider_name: LxStr = ""
    actual_carrier: LxStr = ""


def _empty_to_none(value: object) -> object:
    return None if value in ([], {}, "") else value


class LxOrder(_Lenient):
    """A multi-platform (MP) order. Split orders share a PO; merged orders carry several."""

    global_order_no: LxStr
    store_id: LxStr = ""
    status: LxInt = 0
    split_type: LxStr = ""
    delivery_type: LxOptInt = None
    order_from_name: LxStr = ""
    wid: LxStr = ""
    amount_currency: LxStr = ""
    reference_no: LxStr = ""
    remark: LxStr = ""
    update_time: LxOptInt = None
    global_purchase_time: LxOptInt = None
    global_payment_time: LxOptInt = None
    global_review_time: LxOptInt = None
    global_delivery_time: LxOptInt = None
    global_cancel_time: LxOptInt = None
    global_latest_ship_time: LxOptInt = None
    is_delete: LxBool = False
    platform_info: LxList[PlatformInfo] = []
    item_info: LxList[ItemInfo] = []
    logistics_info: Annotated[LogisticsInfo | None, BeforeValidator(_empty_to_none)] = None

    @model_validator(mode="before")
    @classmethod
    def _old_status_name(cls, data: Any) -> Any:
        # Older payloads call the status "order_status".
        if isinstance(data, dict) and "status" not in data and "order_status" in data:
            return {**data, "status": data["order_status"]}
        return data

    @property
    def deleted(self) -> bool:
        return self.is_delete

    @property
    def platform_order_nos(self) -> list[str]:
        """Every PO this order carries (one, or several for a merged order)."""
        return [p.platform_order_no for p in self.platform_info if p.platform_order_no]


class WmsProduct(_Lenient):
    wod_id: LxOptInt = None
    product_id: LxOptInt = None
    sku: LxStr = ""
    seller_sku: LxStr = ""
    count: LxInt = 0
    bundle_type: LxInt = 0
    product_name: LxStr = ""


WMS_DELETED = 4


class WmsOrder(_Lenient):
    """A WMS sales outbound order; status 4 means deleted. Datetimes are the raw strings."""

    wo_id: LxOptInt = None
    wo_number: LxStr
    order_number: LxStr = ""
    platform_order_no: LxList[LxStr] = []
    sid: LxOptInt = None
    wid: LxOptInt = None
    warehouse_type: LxOptInt = None
    status: LxInt = 0
    logistics_status: LxOptInt = None
    tracking_no: LxStr = ""
    waybill_no: LxStr = ""
    logistics_type_id: LxStr = ""
    logistics_provider_id: LxStr = ""
    delivered_at: LxStr = ""
    stock_delivered_at: LxStr = ""
    create_at: LxStr = ""
    update_at: LxStr = ""
    product_info: LxList[WmsProduct] = []

    @property
    def deleted(self) -> bool:
        return self.status == WMS_DELETED


class InventoryRow(_Lenient):
    """One stock row (SKU x store x FNSKU); sum ``product_valid_num`` per (wid, sku)."""

    wid: LxInt
    sku: LxStr
    product_id: LxOptInt = None
    seller_id: LxStr = ""
    fnsku: LxStr = ""
    product_total: LxInt = 0
    product_valid_num: LxInt = 0
    product_bad_num: LxInt = 0
    product_qc_num: LxInt = 0
    product_lock_num: LxInt = 0
    product_onway: LxInt = 0
    third_inventory: Any = None


class Pair(_Lenient):
    """An MSKU <-> local SKU pairing of one store."""

    store_id: LxStr = ""
    store_name: LxStr = ""
    platform_code: LxOptInt = None
    platform_name: LxStr = ""
    msku: LxStr = ""
    sku: LxStr = ""
    local_name: LxStr = ""
    modify_time: LxStr = ""


class Store(_Lenient):
    """A multi-platform store (``store_id`` is what create/list take)."""

    store_id: LxStr
    sid: LxStr = ""
    store_name: LxStr = ""
    platform_code: LxOptInt = None
    platform_name: LxStr = ""
    currency: LxStr = ""
    is_sync: LxInt = 0
    status: LxInt = 0


class Warehouse(_Lenient):
    wid: LxInt
    name: LxStr = ""
    type: LxOptInt = None
    sub_type: LxOptInt = None
    is_delete: LxBool = False
    country_code: LxStr = ""
    t_warehouse_code: LxStr = ""
    t_warehouse_name: LxStr = ""
    t_status: LxStr = ""
    wp_id: LxOptInt = None
    wp_name: LxStr = ""


def _texts(values: object) -> tuple[str, ...]:
    items = values if isinstance(values, list) else [values]
    return tuple(v for v in items if isinstance(v, str) and v)


def _order_keys(row: dict[str, Any]) -> tuple[str, ...]:
    infos = row.get("platform_info")
    infos = infos if isinstance(infos, list) else []
    return _texts([i.get("platform_order_no") for i in infos if isinstance(i, dict)])


# What names a row of each list, read from the raw row when the model refuses it: the PO
# numbers of an order or outbound order, the SKU of a stock row, both sides of a pair.
_ROW_KEYS: dict[type[BaseModel], Callable[[dict[str, Any]], tuple[str, ...]]] = {
    LxOrder: _order_keys,
    WmsOrder: lambda row: _texts(row.get("platform_order_no")),
    InventoryRow: lambda row: _texts(row.get("sku")),
    Pair: lambda row: _texts([row.get("msku"), row.get("sku")]),
}


def row_keys(model: type[BaseModel], row: object) -> tuple[str, ...]:
    """The keys a (refused) raw row of ``model`` names, as far as they are readable."""
    reader = _ROW_KEYS.get(model)
    return tuple(reader(row)) if reader is not None and isinstance(row, dict) else ()
