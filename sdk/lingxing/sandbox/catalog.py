"""Reference data the sandbox serves: stores, warehouses, pairs, inventory, logistics types.

Rows are rendered with the types Lingxing is observed to send (ids as strings, M-style
``platform_code`` as a string, ``third_inventory`` as ``[]`` when empty...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PLATFORM_NAMES = {10001: "Amazon", 10002: "Shopify", 10008: "Walmart", 10009: "自定义平台"}


def platform_name(code: int) -> str:
    """Display name of a platform code (generic for codes the sandbox does not name)."""
    return PLATFORM_NAMES.get(code, f"platform-{code}")


WMS_SID_OFFSET = 700_000


@dataclass
class Store:
    """A multi-platform store. Its WMS ``sid`` is NOT its ``store_id`` unless set so: Lingxing
    documents ``sid`` only for Amazon stores, so clients must not assume the two agree (the
    default here is deliberately different, ``store_id`` + 700000)."""

    store_id: str
    store_name: str = ""
    platform_code: int = 10009
    sid: str = ""
    currency: str = "USD"
    is_sync: int = 1
    status: int = 1
    country_code: str = "US"

    def __post_init__(self) -> None:
        if not self.sid and self.store_id.isdigit():
            self.sid = str(int(self.store_id) + WMS_SID_OFFSET)
        self.store_name = self.store_name or f"store {self.store_id}"

    @property
    def wms_sid(self) -> int:
        """The integer ``sid`` WMS outbound orders carry."""
        return int(self.sid) if self.sid.isdigit() else 0

    def to_row(self) -> dict[str, Any]:
        """Row of the store list."""
        return {
            "store_id": self.store_id,
            "sid": self.sid,
            "store_name": self.store_name,
            "platform_code": str(self.platform_code),
            "platform_name": platform_name(self.platform_code),
            "currency": self.currency,
            "is_sync": self.is_sync,
            "status": self.status,
        }


@dataclass
class Warehouse:
    """A warehouse (type 1 local, 3 overseas, 4 platform, 6 AWD)."""

    wid: int
    name: str = ""
    type: int = 1
    sub_type: int = 0
    is_delete: int = 0
    country_code: str = "US"

    def to_row(self) -> dict[str, Any]:
        """Row of the warehouse list."""
        return {
            "wid": self.wid,
            "name": self.name or f"warehouse {self.wid}",
            "type": self.type,
            "is_delete": self.is_delete,
            "t_country_area_name": "",
            "t_status": "",
            "t_warehouse_code": "",
            "t_warehouse_name": "",
            "country_code": self.country_code,
            "wp_id": 0,
            "wp_name": "",
        }


@dataclass
class Pair:
    """An MSKU ↔ local SKU pairing of one store."""

    store_id: str
    msku: str
    sku: str
    local_name: str = ""
    modify_time: str = ""

    def to_row(self, store: Store | None) -> dict[str, Any]:
        """Row of the pair list (store details from ``store`` when known)."""
        code = store.platform_code if store else 10009
        return {
            "store_id": self.store_id,
            "store_name": store.store_name if store else "",
            "platform_code": str(code),
            "platform_name": platform_name(code),
            "msku": self.msku,
            "sku": self.sku,
            "local_name": self.local_name,
            "modify_time": self.modify_time,
        }


@dataclass
class InventoryRow:
    """Stock of one SKU in one warehouse at one granularity (seller_id × fnsku)."""

    wid: int
    sku: str
    product_valid_num: int = 0
    product_bad_num: int = 0
    product_qc_num: int = 0
    product_lock_num: int = 0
    seller_id: str = "0"
    fnsku: str = ""
    product_id: int = 0
    third_inventory: dict[str, int] = field(default_factory=dict)
    # Served over the row's own fields (tests: a vendor row gone wrong), as WmsOrder.extra.
    extra: dict[str, Any] = field(default_factory=dict)

    def to_row(self) -> dict[str, Any]:
        """Row of the inventory details."""
        total = (
            self.product_valid_num + self.product_bad_num + self.product_qc_num
        ) + self.product_lock_num
        return {
            "wid": self.wid,
            "product_id": self.product_id,
            "sku": self.sku,
            "seller_id": self.seller_id,
            "fnsku": self.fnsku,
            "product_total": total,
            "product_valid_num": self.product_valid_num,
            "product_bad_num": self.product_bad_num,
            "product_qc_num": self.product_qc_num,
            "product_lock_num": self.product_lock_num,
            "quantity_receive": "0",
            "product_onway": 0,
            "stock_cost_total": "0.00",
            "stock_cost": "0.00",
            "transit_head_cost": "0.00",
            "average_age": 0,
            "stock_age_list": [],
            # Observed upstream: an empty list, not an empty object, when there is nothing.
            "third_inventory": dict(self.third_inventory) or [],
            "purchase_price": "0.00",
            "price": "0.00",
            "head_stock_price": "0.00",
            "stock_price": "0.00",
            **self.extra,
        }


@dataclass
class LogisticsType:
    """A shipping method (``type_id`` is an 18-digit string)."""

    type_id: str
    name: str = ""
    provider_type: int = 1
    is_used: int = 1
    wid: int = 0

    def to_row(self) -> dict[str, Any]:
        """Row of listUsedLogisticsType."""
        return {
            "type_id": self.type_id,
            "name": self.name or f"method {self.type_id}",
            "is_used": self.is_used,
            "logistics_provider_id": "0",
            "logistics_provider_name": "",
            "type": self.provider_type,
            "wid": self.wid,
        }
