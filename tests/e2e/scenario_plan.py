"""The kinds of order story in the end-to-end scenario and what the design predicts for each.

Shares are fractions of the scenario size (at least one order per kind); ``plain`` orders (one
line, one unit) fill the rest. Predictions follow docs/design.md ("Every job") with the
warehouse actor of :mod:`tests.e2e.scenario_actor`: which tracking numbers it ships under, when
(Beijing time), and therefore which packages and invoice DSCO must end up with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

STORE = "111"
PLATFORM_CODE = 10008
RETAILER = "1000023456"
UNMAPPED_RETAILER = "1000099999"
WAREHOUSE = "ACME-NJ"
LX_WID = 26
SERVICE_MAPPED, UNMAPPED_SERVICE = "FEHD", "USFC"
LOGISTICS_TYPE = "900"
MAPPING: dict[str, dict[str, str]] = {
    "shop": {RETAILER: STORE},
    "warehouse": {WAREHOUSE: str(LX_WID)},
    "shipment": {f"{WAREHOUSE}-{SERVICE_MAPPED}": LOGISTICS_TYPE},
}

PLAIN, MULTI, SPLIT, PARTIAL = "plain", "multi", "split", "partial"
DELETED_OUTBOUND, ALREADY_ACKED, EXISTS_IN_LX = "deleted_outbound", "already_acked", "exists_in_lx"
NO_SHOP, NO_SHIPMENT_MAP, NO_PRICE = "no_shop", "no_shipment_map", "no_price"
CANCEL_BEFORE_PUSH, CANCEL_AFTER_PUSH = "cancel_before_push", "cancel_after_push"
SHIPPED_AT_PULL, CANCELLED_AT_PULL = "shipped_at_pull", "cancelled_at_pull"

KINDS: dict[str, float] = {
    PLAIN: 0.0,  # the rest
    MULTI: 0.15,
    SPLIT: 0.08,
    PARTIAL: 0.08,
    DELETED_OUTBOUND: 0.04,
    ALREADY_ACKED: 0.04,
    EXISTS_IN_LX: 0.03,
    NO_SHOP: 0.03,
    NO_SHIPMENT_MAP: 0.03,
    NO_PRICE: 0.03,
    CANCEL_BEFORE_PUSH: 0.03,
    CANCEL_AFTER_PUSH: 0.03,
    SHIPPED_AT_PULL: 0.02,
    CANCELLED_AT_PULL: 0.02,
}
# Orders that go all the way: status 5 with an invoice, shipped by the warehouse actor.
FULFILLED = frozenset({PLAIN, MULTI, SPLIT, PARTIAL, DELETED_OUTBOUND, ALREADY_ACKED, EXISTS_IN_LX})
BLOCKED = frozenset({NO_SHOP, NO_SHIPMENT_MAP, NO_PRICE})

SHIP_BASE = datetime(2026, 3, 1, 8, 0, 0)  # Beijing wall-clock time of the first shipment
_LX_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Prediction:
    """The end state the design (docs/design.md) predicts for one order."""

    status: int
    tracking: tuple[str, ...] = ()  # recorded locally and present in DSCO, once each
    invoiced: bool = False  # DSCO has invoice ``invoiceId = po``; local dsco_invoice_id = po
    acks: int = 0  # successful DSCO acknowledge elements for the PO
    lx_orders: int = 0  # Lingxing order lineages (a split order and its children count once)
    lx_creates: int = 0  # processed create calls naming the PO


@dataclass(frozen=True)
class OrderPlan:
    """One order of the scenario: its story (``kind``), lines, shipments and prediction."""

    po: str
    kind: str
    index: int
    lines: tuple[tuple[str, int], ...]  # (partnerSku = Lingxing MSKU, quantity) per DSCO line
    tracking: tuple[str, ...]  # tracking numbers the warehouse actor ships under, in order
    ship_times: tuple[str, ...]  # Beijing wall-clock text per tracking number
    deleted_tracking: str
    prediction: Prediction
    prices: tuple[Decimal | None, ...] = ()  # per DSCO line, by the push/invoice price rule

    def invoice_total(self) -> Decimal:
        """Σ quantity × unit price (cents), what the one invoice of the PO must say (D8)."""
        cents = Decimal("0.01")
        pairs = zip(self.lines, self.prices, strict=True)
        return sum(
            (q * (p or Decimal(0)).quantize(cents) for (_, q), p in pairs), Decimal(0)
        ).quantize(cents)

    def last_ship_date_utc(self) -> str:
        return max(self.ship_dates_utc().values(), default="")

    def ship_dates_utc(self) -> dict[str, str]:
        """DSCO ``shipDate`` per tracking number: the Beijing time read as UTC+8 (D9)."""
        return {
            t: (datetime.strptime(s, _LX_FORMAT) - timedelta(hours=8)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            for t, s in zip(self.tracking, self.ship_times, strict=True)
        }

    def lingxing_order(self) -> dict[str, Any]:
        """The order someone created by hand in Lingxing before the daemon ran (EXISTS_IN_LX)."""
        return {
            "platform_order_no": self.po,
            "receiver_country_code": "US",
            "receiver_name": "Walk In",
            "city": "Boise",
            "address_line1": "1 Main St",
            "wid": str(LX_WID),
            "logistics_type_id": LOGISTICS_TYPE,
            "items": [{"msku": m, "quantity": q, "unit_price": "9.99"} for m, q in self.lines],
        }


def _tracking_count(kind: str, lines: int) -> int:
    if kind in (SPLIT,):
        return lines  # the actor splits into one sub-order per line, each its own parcel
    if kind == PARTIAL:
        return 2
    return 1 if kind in FULFILLED else 0


def _prediction(kind: str, tracking: tuple[str, ...]) -> Prediction:
    if kind in FULFILLED:
        acks = 0 if kind == ALREADY_ACKED else 1
        creates = 0 if kind == EXISTS_IN_LX else 1
        return Prediction(5, tracking, True, acks, 1, creates)
    if kind == CANCEL_AFTER_PUSH:
        return Prediction(6, lx_orders=1, lx_creates=1)
    if kind in BLOCKED:
        return Prediction(1)
    if kind == SHIPPED_AT_PULL:
        return Prediction(5)
    return Prediction(6)  # cancelled before push or at the first pull


_PRICE_FIELDS = ("consumerPriceWithTax", "consumerPrice", "retailPrice", "expectedCost")


def line_price(line: dict[str, Any]) -> Decimal | None:
    """docs/design.md, "Every job": the first positive of the four DSCO price fields."""
    for name in _PRICE_FIELDS:
        value = line.get(name)
        if value is not None and Decimal(str(value)) > 0:
            return Decimal(str(value))
    return None


def predict(kind: str, order: dict[str, Any], *, index: int) -> OrderPlan:
    """The plan of one generated DSCO order."""
    po = str(order["poNumber"])
    lines = tuple(
        (str(li.get("partnerSku") or li["sku"]), int(li["quantity"])) for li in order["lineItems"]
    )
    count = _tracking_count(kind, len(lines))
    tracking = tuple(f"1Z{po}{n}" for n in range(count))
    start = SHIP_BASE + timedelta(minutes=3 * index)
    times = tuple((start + timedelta(minutes=n)).strftime(_LX_FORMAT) for n in range(count))
    return OrderPlan(
        po=po,
        kind=kind,
        index=index,
        lines=lines,
        tracking=tracking,
        ship_times=times,
        deleted_tracking=f"1ZDEL{po}" if kind == DELETED_OUTBOUND else "",
        prediction=_prediction(kind, tracking),
        prices=tuple(line_price(li) for li in order["lineItems"]),
    )
