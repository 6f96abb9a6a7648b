"""Pure mapping from Lingxing WMS outbound orders to DSCO shipments (D9).

:func:`allocate` groups the live outbound orders of one PO by tracking number (one DSCO package
per tracking number) and spreads each outbound line over the DSCO order lines it matches;
:func:`build_shipment` turns the packages not sent yet into one ``ShipmentForOrder``.  The
invoice builder reuses the same allocation, so both jobs agree on what was shipped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
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


Line = tuple[str, int]  # a DSCO line: (PO number, line index)


@dataclass
class _Spreader:
    """Units each DSCO line still needs, filled as outbound lines are spread over them."""

    required: dict[Line, int]
    taken: dict[Line, int] = field(default_factory=dict)

    def spread(self, candidates: list[Line], count: int) -> dict[Line, int]:
        """Fill candidate lines in order up to what each still needs; any excess goes to the
        last candidate so that DSCO sees (and rejects) the over-shipment rather than it
        vanishing here."""
        units: dict[Line, int] = {}
        for line in candidates:
            take = min(count, max(self.required[line] - self.taken.get(line, 0), 0))
            if take:
                units[line] = take
                self.taken[line] = self.taken.get(line, 0) + take
                count -= take
        if count > 0:
            last = candidates[-1]
            units[last] = units.get(last, 0) + count
            self.taken[last] = self.taken.get(last, 0) + count
        return units


def _groups(outbound: Iterable[WmsOrder], tz: tzinfo) -> list[tuple[str, datetime, list[WmsOrder]]]:
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


def allocate_all(
    orders: Mapping[str, DscoOrder],
    outbound: Mapping[str, Sequence[WmsOrder]],
    reverse_sku: Mapping[str, str],
    tz: tzinfo,
) -> dict[str, Allocation | Skip]:
    """Packages of every PO of ``orders`` (PO → order) from its outbound orders, or why there
    are none to use.

    An outbound order that carries several POs (orders merged in Lingxing) shares each of its
    lines between the POs whose DSCO lines match it, filling them in PO order up to what each
    still needs — each PO is credited its share, never the merged total. Every PO of such a
    merge must be in ``orders`` for the shares to be right (see :mod:`jobs.wms`)."""
    results: dict[str, Allocation | Skip] = {}
    for po in orders:
        bad = _implausible(outbound.get(po, []))
        if bad is not None:
            results[po] = bad
    usable = {po: order for po, order in orders.items() if po not in results}
    spreader = _Spreader(
        {(po, i): need for po, o in usable.items() for i, need in enumerate(required_quantities(o))}
    )
    distinct = {wo.wo_number: wo for po in usable for wo in outbound.get(po, [])}
    packages: dict[str, list[Package]] = {po: [] for po in usable}
    with_tracking: set[str] = set()
    for tracking, shipped, members in _groups(distinct.values(), tz):
        units: dict[str, dict[int, int]] = {}
        for member in members:
            carried = set(member.platform_order_no)
            with_tracking |= carried
            pos = sorted(carried & usable.keys())
            unmatched = _spread(member, pos, usable, reverse_sku, spreader, units)
            for po, sku in unmatched.items() if carried <= usable.keys() else ():
                results[po] = Skip("unmatched_sku", f"lingxing_sku={sku} tracking={tracking}")
        for po, lines in units.items():
            packages[po].append(Package(tracking, shipped, lines))
    for po, order in usable.items():
        if po in results:
            continue
        if po not in with_tracking:
            live = sum(1 for wo in outbound.get(po, []) if not wo.deleted)
            results[po] = Skip(
                "not_shipped_yet", f"live_outbound_orders={live} shipped_with_tracking=0"
            )
        else:
            results[po] = Allocation(packages[po], required_quantities(order))
    return results


def _spread(
    member: WmsOrder,
    pos: list[str],
    orders: Mapping[str, DscoOrder],
    reverse_sku: Mapping[str, str],
    spreader: _Spreader,
    units: dict[str, dict[int, int]],
) -> dict[str, str]:
    """Spread one outbound order's lines over the DSCO lines of ``pos`` into ``units``; the
    Lingxing SKU none of them ordered, per PO (an unmatched line)."""
    unmatched: dict[str, str] = {}
    for product in (p for p in member.product_info if p.count > 0):
        candidates = [(po, i) for po in pos for i in match_lines(orders[po], product, reverse_sku)]
        if not candidates:
            unmatched.update(dict.fromkeys(pos, product.sku))
            continue
        for (po, index), quantity in spreader.spread(candidates, product.count).items():
            lines = units.setdefault(po, {})
            lines[index] = lines.get(index, 0) + quantity
    return unmatched


def allocate(
    order: DscoOrder, outbound: Sequence[WmsOrder], reverse_sku: Mapping[str, str], tz: tzinfo
) -> Allocation | Skip:
    """:func:`allocate_all` for one order on its own."""
    po = order.po_number or ""
    return allocate_all({po: order}, {po: outbound}, reverse_sku, tz)[po]


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
