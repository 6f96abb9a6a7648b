"""Endpoint paths the sandbox serves and their documented in-flight capacities (fact sheet §5)."""

from __future__ import annotations

TOKEN = "/api/auth-server/oauth/access-token"  # noqa: S105 (a path, not a secret)
REFRESH = "/api/auth-server/oauth/refresh"
ORDER_CREATE = "/pb/mp/order/v2/create"
ORDER_LIST = "/pb/mp/order/v2/list"
PAIR_LIST = "/pb/mp/listing/v2/getPairList"
STORE_LIST = "/pb/mp/shop/v2/getSellerList"
WMS_ORDER_LIST = "/erp/sc/routing/wms/order/wmsOrderList"
INVENTORY_DETAILS = "/erp/sc/routing/data/local_inventory/inventoryDetails"
WAREHOUSE_LIST = "/erp/sc/data/local_inventory/warehouse"
LOGISTICS_TYPES = "/erp/sc/routing/wms/WmsLogistics/listUsedLogisticsType"

AUTH_PATHS = frozenset({TOKEN, REFRESH})

CAPACITIES: dict[str, int] = {
    TOKEN: 100,
    REFRESH: 100,
    ORDER_CREATE: 10,
    ORDER_LIST: 10,
    PAIR_LIST: 10,
    STORE_LIST: 10,
    WMS_ORDER_LIST: 1,
    INVENTORY_DETAILS: 1,
    WAREHOUSE_LIST: 1,
    LOGISTICS_TYPES: 1,
}
