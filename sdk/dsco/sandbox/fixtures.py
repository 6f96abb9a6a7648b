"""A deterministic generator of DSCO orders, shaped like the fact sheet's fixture (§4.1).

Tests, benchmarks and the demo seed the sandbox with it; the same ``seed`` always gives the same
orders. Buyer data is invented (fictional names, ``example.com`` e-mails).
"""

from __future__ import annotations

import random
import string
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .clock import format_ts
from .orders import LIFECYCLE_OF

_FIRST = ("Maria", "James", "Aiko", "Noah", "Priya", "Lucas", "Emma", "Omar", "Chloe", "Ivan")
_LAST = ("Lopez", "Carter", "Tanaka", "Miller", "Shah", "Moreau", "Berg", "Haddad", "Nguyen")
_STREETS = ("Willow Creek Dr", "Maple Ave", "Harbor Rd", "Cedar Ln", "Summit Blvd", "Elm St")
_CITIES = (("Boise", "ID", "83704"), ("Newark", "NJ", "07102"), ("Austin", "TX", "73301"))
_LEVELS = {
    "FEHD": ("FedEx", "Home Delivery"),
    "FE2D": ("FedEx", "2 Day"),
    "USFC": ("USPS", "First-Class Mail"),
}
_PO_CHARS = string.ascii_uppercase + string.digits


class OrderGenSpec(BaseModel):
    """What to generate (also the ``generate`` body of ``POST /__sandbox/orders``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(1, ge=0, le=1_000_000)
    min_lines: int = Field(1, ge=1, le=100)
    max_lines: int = Field(1, ge=1, le=100)
    max_quantity: int = Field(1, ge=1, le=1000)
    retailer_ids: tuple[str, ...] = Field(("1000023456",), min_length=1)
    warehouse_codes: tuple[str, ...] = Field(("ACME-NJ",), min_length=1)
    service_levels: tuple[str, ...] = Field(("FEHD",), min_length=1)
    skus: tuple[str, ...] = ()  # the SKU pool; empty = SKU-0001 … SKU-<sku_pool>
    sku_pool: int = Field(20, ge=1)
    # Share of orders whose last line carries no price at all (push must skip those orders).
    missing_price_ratio: float = Field(0.0, ge=0, le=1)
    created_start: datetime = datetime(2026, 2, 10, tzinfo=UTC)
    created_step_seconds: float = Field(60.0, ge=0)
    status: Literal["created", "shipment_pending", "shipped", "cancelled"] = "created"
    test_flag: bool = False
    po_prefix: str = Field("", max_length=10)
    # The production quirks of §4.3 (lower-case orderType, billTo {}, no partnerSku, …).
    realistic: bool = False
    seed: int = 1

    @model_validator(mode="after")
    def _ranges(self) -> OrderGenSpec:
        if self.min_lines > self.max_lines:
            raise ValueError("min_lines must not exceed max_lines")
        if self.created_start.tzinfo is None:
            raise ValueError("created_start must be timezone-aware")
        return self

    def sku_list(self) -> list[str]:
        return list(self.skus) or [f"SKU-{i:04d}" for i in range(1, self.sku_pool + 1)]


def generate_orders(spec: OrderGenSpec, taken: Collection[str] = ()) -> list[dict[str, Any]]:
    """``spec.count`` orders in ascending ``dscoCreateDate``; PO numbers avoid ``taken``."""
    rng = random.Random(spec.seed)
    used = set(taken)
    orders = []
    for index in range(spec.count):
        po = _po_number(rng, spec.po_prefix, used)
        created = spec.created_start + timedelta(seconds=index * spec.created_step_seconds)
        orders.append(_order(rng, spec, po, created))
    return orders


def _po_number(rng: random.Random, prefix: str, used: set[str]) -> str:
    while True:
        po = prefix + "".join(rng.choices(_PO_CHARS, k=20 - len(prefix)))
        if po not in used:
            used.add(po)
            return po


def _order(rng: random.Random, spec: OrderGenSpec, po: str, created: datetime) -> dict[str, Any]:
    warehouse = rng.choice(spec.warehouse_codes)
    level = rng.choice(spec.service_levels)
    carrier, method = _LEVELS.get(level, ("FedEx", "Ground"))
    lines = _lines(rng, spec)
    order: dict[str, Any] = {
        "poNumber": po,
        "consumerOrderNumber": str(rng.randrange(10**9, 10**10)),
        "orderType": "dropship" if spec.realistic else "Dropship",
        "testFlag": spec.test_flag,
        "dscoStatus": spec.status,
        "dscoLifecycle": LIFECYCLE_OF[spec.status],
        "dscoCreateDate": format_ts(created),
        "dscoLastUpdate": format_ts(created),
        "retailerCreateDate": format_ts(created - timedelta(hours=1)),
        "dscoRetailerId": rng.choice(spec.retailer_ids),
        "currencyCode": "USD",
        "requestedWarehouseCode": warehouse,
        "shipWarehouseCode": warehouse,
        "shipCarrier": carrier,
        "shipMethod": method,
        "shippingServiceLevelCode": level,
        "requestedShipCarrier": carrier,
        "requestedShipMethod": method,
        "requestedShippingServiceLevelCode": level,
        "numberOfLineItems": len(lines),
        "shipping": _shipping(rng, spec.realistic),
        "billTo": {} if spec.realistic else None,
        "lineItems": lines,
    }
    if spec.status == "shipped":
        for line in lines:
            line["shippedQuantity"], line["remainingQuantity"] = line["quantity"], 0
    return order


def _shipping(rng: random.Random, realistic: bool) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    city, region, postal = rng.choice(_CITIES)
    street = f"{rng.randrange(10, 9999)} {rng.choice(_STREETS)}"
    return {
        "name": None if realistic else f"{first} {last}",
        "firstName": f"{first} {last}" if realistic else first,
        "lastName": ";" if realistic else last,
        "address1": street,
        "address": [street],
        "city": city,
        "region": region,
        "state": region,
        "postal": postal,
        "country": "US",
        "phone": f"555{rng.randrange(10**6, 10**7)}",
        "email": f"relay-{rng.randrange(16**6):06x}@example.com",
        "addressType": "Residential",
    }


def _lines(rng: random.Random, spec: OrderGenSpec) -> list[dict[str, Any]]:
    pool = spec.sku_list()
    count = min(rng.randint(spec.min_lines, spec.max_lines), len(pool))
    skus = rng.sample(pool, count)
    lines = [
        _line(number, sku, pool.index(sku) + 1, rng, spec) for number, sku in enumerate(skus, 1)
    ]
    if rng.random() < spec.missing_price_ratio:
        for key in ("expectedCost", "consumerPrice", "consumerPriceWithTax", "retailPrice"):
            lines[-1].pop(key)
    return lines


def _line(
    number: int, sku: str, item: int, rng: random.Random, spec: OrderGenSpec
) -> dict[str, Any]:
    cost = round(5 + item * 1.25, 2)
    line: dict[str, Any] = {
        "lineNumber": number,
        "quantity": rng.randint(1, spec.max_quantity),
        "sku": sku,
        "partnerSku": str(4400000 + item),
        "dscoItemId": str(1310500000 + item),
        "upc": f"8600{item:08d}",
        "retailerItemIds": [str(4400000 + item)],
        "title": f"Sandbox item {sku}",
        "expectedCost": int(cost) if spec.realistic else cost,
        "consumerPrice": round(cost * 1.8, 2),
        "consumerPriceWithTax": round(cost * 1.92, 2),
        "retailPrice": round(cost * 2.05, 2),
        "acceptedQuantity": 0,
        "cancelledQuantity": 0,
        "rejectedQuantity": 0,
        "status": None,
    }
    if spec.realistic:
        line.pop("partnerSku")
    return line
