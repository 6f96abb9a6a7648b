"""Multi-platform orders and WMS outbound orders held by the sandbox (fact sheet §6.2, §6.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .catalog import platform_name
from .timefmt import beijing_text

STATUS_NAMES = {1: "待配货", 2: "配货中", 3: "已发货", 4: "已删除"}


@dataclass
class OrderLine:
    """One line of a multi-platform order."""

    id: str
    platform_order_no: str
    msku: str
    local_sku: str
    quantity: int
    unit_price: Decimal

    def to_row(self) -> dict[str, Any]:
        """``item_info`` entry (amounts as plain decimal strings)."""
        price = self.unit_price.quantize(Decimal("0.01"))
        return {
            "id": self.id,
            "platform_order_no": self.platform_order_no,
            "msku": self.msku,
            "local_sku": self.local_sku,
            "quantity": self.quantity,
            "unit_price_amount": str(price),
            "item_price_amount": str(price * self.quantity),
            "customer_shipping_amount": "0.00",
            "tax_amount": "0.00",
            "discount_amount": "0.00",
            "is_bundled": 0,
            "sub_products": [],
            "order_item_no": self.id,
            "product_no": "",
            "title": "",
            "platform_status": "",
        }


@dataclass
class MpOrder:
    """A system (multi-platform) order; split children share the platform order number."""

    global_order_no: str
    store_id: str
    platform_code: int
    platform_order_nos: list[str]
    lines: list[OrderLine]
    status: int
    created_at: float
    split_type: str = "1"
    wid: str = "0"
    logistics_type_id: str = ""
    amount_currency: str = "USD"
    remark: str = ""
    country_code: str = "US"
    purchase_time: int = 0
    payment_time: int = 0
    review_time: int | None = None
    delivery_time: int | None = None
    cancel_time: int | None = None
    logistics_status: int = 0
    tracking_no: str = ""
    waybill_no: str = ""
    is_delete: int = 0
    update_time: float = 0.0

    def _platform_info(self, po: str) -> dict[str, Any]:
        return {
            "platform_order_no": po,
            "platform_order_name": po,
            "platform_code": str(self.platform_code),
            "status": "",
            "payment_status": "",
            "shipping_status": "",
            "purchase_time": self.purchase_time,
            "payment_time": self.payment_time,
            "latest_ship_time": 0,
            "cancel_time": self.cancel_time or 0,
            "delivery_time": self.delivery_time or 0,
            "store_Country_code": self.country_code,
        }

    def _logistics_info(self) -> dict[str, Any]:
        return {
            "status": self.logistics_status,
            "tracking_no": self.tracking_no,
            "waybill_no": self.waybill_no,
            "logistics_type_id": self.logistics_type_id,
            "logistics_type_name": None,
            "logistics_provider_id": "0",
            "logistics_provider_name": "",
            "actual_carrier": "",
        }

    def _transactions(self) -> list[dict[str, Any]]:
        total = sum((ln.unit_price * ln.quantity for ln in self.lines), Decimal(0))
        # Display strings carry a currency symbol upstream; clients must not do math on them.
        return [{"name": "订单金额", "amount": f"${total.quantize(Decimal('0.01'))}"}]

    def to_row(self) -> dict[str, Any]:
        """Row of the order list."""
        return {
            "global_order_no": self.global_order_no,
            "store_id": self.store_id,
            "platform_name": platform_name(self.platform_code),
            "status": self.status,
            "split_type": self.split_type,
            "delivery_type": 2,
            "order_from_name": "手工订单",
            "wid": self.wid,
            "amount_currency": self.amount_currency,
            "reference_no": "",
            "remark": self.remark,
            "update_time": str(int(self.update_time)),
            "global_purchase_time": self.purchase_time,
            "global_payment_time": self.payment_time,
            "global_review_time": self.review_time,
            "global_distribution_time": None,
            "global_print_time": None,
            "global_mark_time": None,
            "global_delivery_time": self.delivery_time,
            "global_cancel_time": self.cancel_time,
            "global_latest_ship_time": "0",
            "platform_info": [self._platform_info(po) for po in self.platform_order_nos],
            "item_info": [ln.to_row() for ln in self.lines],
            "logistics_info": self._logistics_info(),
            "transaction_info": self._transactions(),
            "original_global_order_no": None,
            "order_tag": [],
            "is_delete": self.is_delete,
        }


@dataclass
class WmsLine:
    """One product line of an outbound order."""

    wod_id: int
    product_id: int
    sku: str
    seller_sku: str
    count: int

    def to_row(self) -> dict[str, Any]:
        """``product_info`` entry."""
        return {
            "wod_id": self.wod_id,
            "product_id": self.product_id,
            "sku": self.sku,
            "seller_sku": self.seller_sku,
            "count": self.count,
            "bundle_type": 0,
            "bundle_wod_id": 0,
            "product_name": self.sku,
        }


@dataclass
class WmsOrder:
    """A sales outbound order (status 1 awaiting, 2 shipping, 3 shipped, 4 deleted)."""

    wo_id: int
    wo_number: str
    order_number: str
    platform_order_nos: list[str]
    sid: int
    wid: int
    lines: list[WmsLine]
    create_at: str
    status: int = 1
    logistics_status: int = 2
    tracking_no: str = ""
    waybill_no: str = ""
    delivered_at: str = ""
    stock_delivered_at: str = ""
    update_at: str = ""
    logistics_type_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def touch(self, now: float) -> None:
        """Record a change (``update_at``)."""
        self.update_at = beijing_text(now)

    def to_row(self) -> dict[str, Any]:
        """Row of wmsOrderList."""
        return {
            "wo_id": self.wo_id,
            "wo_number": self.wo_number,
            "order_number": self.order_number,
            "platform_order_no": list(self.platform_order_nos),
            "sid": self.sid,
            "wid": self.wid,
            "warehouse_type": 1,
            "status": self.status,
            "status_name": STATUS_NAMES.get(self.status, ""),
            "logistics_status": self.logistics_status,
            "tracking_no": self.tracking_no,
            "waybill_no": self.waybill_no,
            "logistics_type_id": self.logistics_type_id,
            "delivered_at": self.delivered_at,
            "stock_delivered_at": self.stock_delivered_at,
            "create_at": self.create_at,
            "update_at": self.update_at or self.create_at,
            "surface_print_time": "0000-00-00 00:00:00",
            "order_print_time": "0000-00-00 00:00:00",
            "product_info": [ln.to_row() for ln in self.lines],
            **self.extra,
        }
