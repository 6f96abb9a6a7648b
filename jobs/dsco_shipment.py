"""Pure mapping from Lingxing WMS outbound orders to DSCO shipments (D9).

:func:`allocate` groups the live outbound orders of one PO by tracking number (one DSCO package
per tracking number) and spreads each outbound line over the DSCO order lines it matches;
:func:`build_shipment` turns the packages not sent yet into one ``ShipmentForOrder``.  The
invoice builder reuses the same allocation, so both jobs agree on what was shipped.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from jobs.lingxing_order import MAX_LINE_QUANTITY
from jobs.order_fields import service_level, warehouse_code
from jobs.pipeline_common import Skip
from jobs.untrusted import identifier_problem
from sdk.dsco.models import Shipment, ShipmentForOrder, ShipmentLineItem
from sdk.dsco.responses import DscoOrder, OrderLineItem
from sdk.lingxing.models import WmsOrder, WmsProduct

_LX_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Package:
    """One tracking number: when it left the warehouse (UTC) and units per DSCO line index."""

    tracking_number: str
    shipped_at: datetime
    units: Mapping[int, int]


@dataclass(frozen=True)
class Allocation:
    """Every shipped package of an order and the quantity each DSCO line still needs."""

    packages: Sequence[Package]
    required: Sequence[int]  # per DSCO line index: ordered minus cancelled

    @property
    def tracking_numbers(self) -> list[str]:
        return [p.tracking_number for p in self.packages]

    def units_in(self, tracking: Collection[str]) -> list[int]:
        """Units per DSCO line carried by the packages whose tracking number is in ``tracking``."""
        units = [0] * len(self.required)
        for package in self.packages:
            if package.tracking_number in tracking:
                for index, quantity in package.units.items():
                    units[index] += quantity
        return units

    def covered(self, tracking: Collection[str]) -> bool:
        """Whether the packages in ``tracking`` cover every DSCO line's quantity."""
        units = self.units_in(tracking)
        return all(u >= r for u, r in zip(units, self.required, strict=True))

    def spans(self, index: int) -> bool:
        """Whether DSCO line ``index`` is split across several tracking numbers."""
        return sum(1 for p in self.packages if p.units.get(index)) > 1


def lingxing_time(text: str, tz: tzinfo) -> datetime | None:
    """A Lingxing naive ``YYYY-MM-DD HH:MM:SS`` read in ``tz``, as UTC; None when empty (D9)."""
    text = text.strip()
    if not text or text.startswith("0000-00-00"):
        return None
    try:
        naive = datetime.strptime(text, _LX_FORMAT)
    except ValueError:
        return None
    return naive.replace(tzinfo=tz).astimezone(UTC)


def ship_time(outbound: WmsOrder, tz: tzinfo) -> datetime | None:
    """``delivered_at``, else ``stock_delivered_at`` ."""
    return lingxing_time(outbound.delivered_at, tz) or lingxing_time(
        outbound.stock_delivered_at, tz
    )


def required_quantities(order: DscoOrder) -> list[int]:
    return [_required(line) for line in order.line_items]


def _required(line: OrderLineItem) -> int:
    cancelled = int(line.cancelled_quantity or 0)
    return max((line.quantity or 0) - cancelled, 0)


def match_lines(order: DscoOrder, product: WmsProduct, reverse_sku: Mapping[str, str]) -> list[int]:
    """DSCO line indices for one outbound line: the Lingxing SKU mapped back through
    ``mapping.sku`` (default: same name) against ``partnerSku`` then ``sku``; the outbound
    line's MSKU (what the push job sent) as a fallback."""
    names = [reverse_sku.get(product.sku, product.sku), product.seller_sku]
    for name in filter(None, names):
        for attr in ("partner_sku", "sku"):
            found = [i for i, line in enumerate(order.line_items) if getattr(line, attr) == name]
            if found:
                return found
    return []


@dataclass
class _Spreader:
    required: list[int]
    taken: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.taken = [0] * len(self.required)

    def spread(self, candidates: list[int], count: int) -> dict[int, int]:
        """Fill candidate lines up to their quantity; any excess goes to the last candidate so
        that DSCO sees (and rejects) the over-shipment rather than it vanishing here."""
        units: dict[int, int] = {}
        for index in candidates:
            take = min(count, max(self.required[index] - self.taken[index], 0))
            if take:
                units[index] = take
                self.taken[index] += take
                count -= take
        if count > 0:
            last = candidates[-1]
            units[last] = units.get(last, 0) + count
            self.taken[last] += count
        return units


def _groups(outbound: Sequence[WmsOrder], tz: tzinfo) -> list[tuple[str, datetime, list[WmsOrder]]]:
    """Live outbound orders with a tracking number and a ship time, per tracking number."""
    groups: dict[str, tuple[datetime, list[WmsOrder]]] = {}
    for wo in outbound:
        shipped = ship_time(wo, tz)
        if wo.deleted or not wo.tracking_no or shipped is None:
            continue
        when, members = groups.get(wo.tracking_no, (shipped, []))
        groups[wo.tracking_no] = (max(when, shipped), [*members, wo])
    # Oldest first, so every run spreads units over duplicate lines the same way.
    return sorted(((t, w, m) for t, (w, m) in groups.items()), key=lambda g: (g[1], g[0]))


def _implausible(outbound: Sequence[WmsOrder]) -> Skip | None:
    """Why the live outbound orders cannot be trusted as shipments (None: they can). A tracking
    number is a key at DSCO and a carrier; a unit count beyond any order is a data error."""
    for wo in outbound:
        if wo.deleted:
            continue
        problem = identifier_problem(wo.tracking_no) if wo.tracking_no else None
        if problem:
            return Skip("bad_tracking_number", f"wo_number={wo.wo_number} problem={problem}")
        if any(not 0 <= p.count <= MAX_LINE_QUANTITY for p in wo.product_info):
            return Skip("implausible_outbound_count", f"wo_number={wo.wo_number}")
    return None


def allocate(
    order: DscoOrder, outbound: Sequence[WmsOrder], reverse_sku: Mapping[str, str], tz: tzinfo
) -> Allocation | Skip:
    """Packages of the order from its outbound orders, or why there are none to use."""
    bad = _implausible(outbound)
    if bad is not None:
        return bad
    groups = _groups(outbound, tz)
    if not groups:
        live = sum(1 for wo in outbound if not wo.deleted)
        return Skip("not_shipped_yet", f"live_outbound_orders={live} shipped_with_tracking=0")
    spreader = _Spreader(required_quantities(order))
    packages: list[Package] = []
    for tracking, shipped, members in groups:
        units: dict[int, int] = {}
        for member, product in ((m, p) for m in members for p in m.product_info if p.count > 0):
            candidates = match_lines(order, product, reverse_sku)
            if not candidates and len(member.platform_order_no) > 1:
                continue  # a merged outbound order: this product belongs to another PO
            if not candidates:
                return Skip("unmatched_sku", f"lingxing_sku={product.sku} tracking={tracking}")
            for index, quantity in spreader.spread(candidates, product.count).items():
                units[index] = units.get(index, 0) + quantity
        if units:
            packages.append(Package(tracking, shipped, units))
    return Allocation(packages, spreader.required)


def ship_method(order: DscoOrder) -> str | None:
    """``shipMethod``, else ``requestedShipMethod``, else ``shippingServiceLevelCode``."""
    return order.ship_method or order.requested_ship_method or service_level(order) or None


def line_identifiers(line: OrderLineItem) -> dict[str, str | int]:
    """What names a DSCO line in our payloads: its own ids (``sku`` only without partnerSku)."""
    ids: dict[str, str | int] = {}
    if line.dsco_item_id:
        ids["dsco_item_id"] = line.dsco_item_id
    if line.partner_sku:
        ids["partner_sku"] = line.partner_sku
    elif line.sku:
        ids["sku"] = line.sku
    if line.line_number is not None:
        ids["line_number"] = line.line_number
    return ids


def _shipment(order: DscoOrder, allocation: Allocation, package: Package) -> Shipment:
    items = [
        ShipmentLineItem.model_validate(
            {
                **line_identifiers(order.line_items[index]),
                "quantity": quantity,
                "package_span_flag": True if allocation.spans(index) else None,
            }
        )
        for index, quantity in sorted(package.units.items())
    ]
    return Shipment(
        tracking_number=package.tracking_number,
        line_items=items,
        ship_date=package.shipped_at,
        ship_carrier=order.ship_carrier or order.requested_ship_carrier or None,
        ship_method=ship_method(order),
        shipping_service_level_code=service_level(order) or None,
        warehouse_code=warehouse_code(order) or None,
    )


def build_shipment(
    order: DscoOrder, allocation: Allocation, *, already_sent: Collection[str]
) -> ShipmentForOrder | None:
    """One element of the shipment batch with the packages not in ``already_sent`` (None when
    every package is already known)."""
    new = [p for p in allocation.packages if p.tracking_number not in already_sent]
    if not new or not order.po_number:
        return None
    return ShipmentForOrder(
        po_number=order.po_number,
        shipments=[_shipment(order, allocation, p) for p in new],
    )
