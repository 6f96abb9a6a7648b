"""Lingxing models: strict request models (what we send) and lenient response models.

Import from here: ``from sdk.lingxing.models import CreateOrder, LxOrder``.
"""

from __future__ import annotations

from sdk.lingxing.models.request import (
    MAX_ORDER_LIST_SPAN,
    MAX_ORDER_NOS,
    AccessTokenForm,
    CreateOrder,
    CreateOrderItem,
    CreateOrdersRequest,
    InventoryDetailsRequest,
    OrderListRequest,
    PairListRequest,
    RefreshTokenForm,
    SellerListRequest,
    WarehouseListRequest,
    WmsOrderListRequest,
    to_body,
)
from sdk.lingxing.models.response import (
    WMS_DELETED,
    CreatedOrder,
    CreateOrdersResult,
    InventoryRow,
    ItemInfo,
    LogisticsInfo,
    LxOrder,
    OrderError,
    Pair,
    PlatformInfo,
    Store,
    TokenData,
    Warehouse,
    WmsOrder,
    WmsProduct,
    row_keys,
)

__all__ = [
    "MAX_ORDER_LIST_SPAN",
    "MAX_ORDER_NOS",
    "WMS_DELETED",
    "AccessTokenForm",
    "CreateOrder",
    "CreateOrderItem",
    "CreateOrdersRequest",
    "CreateOrdersResult",
    "CreatedOrder",
    "InventoryDetailsRequest",
    "InventoryRow",
    "ItemInfo",
    "LogisticsInfo",
    "LxOrder",
    "OrderError",
    "OrderListRequest",
    "Pair",
    "PairListRequest",
    "PlatformInfo",
    "RefreshTokenForm",
    "SellerListRequest",
    "Store",
    "TokenData",
    "Warehouse",
    "WarehouseListRequest",
    "WmsOrder",
    "WmsOrderListRequest",
    "WmsProduct",
    "row_keys",
    "to_body",
]
