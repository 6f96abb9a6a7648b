"""Pure builder: one DSCO order + the runtime mappings → one Lingxing manual order.

Field rules (minimal fields):

* ``store_id`` = ``mapping.shop[dscoRetailerId]`` (missing → skip ``missing_mapping_shop``);
* ``platform_order_no`` = ``poNumber``;
* ``receiver_country_code`` = ``shipping.country`` upper-cased, ``US`` when empty;
* ``receiver_name`` = ``shipping.name``, else ``firstName lastName``; ``city``;
  ``address_line1`` = ``shipping.address1``, else ``shipping.address[0]``;
* ``wid`` = ``mapping.warehouse[<shipWarehouseCode or requestedWarehouseCode>]`` (may be absent);
  with a ``wid``, ``logistics_type_id`` = ``mapping.shipment["<warehouse code>-<service level>"]``
  is required (missing → skip ``missing_mapping_shipment``);
* one item per DSCO line: ``msku`` = ``partnerSku`` else ``sku`` (no SKU mapping on push),
  ``quantity``, ``unit_price`` by :func:`unit_price`. A line without a price skips the whole order.

Decision: state, postal code and phone are **not** sent. The
seed's minimal-field rule asks for nothing beyond the list above, these fields are not in
Lingxing's public create-order document (they only work once Lingxing grants an extra address
permission, so sending them could get orders rejected), and the phone is buyer data we would
rather not copy around. Lingxing completes the address from its own order import if needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import ValidationError

from jobs.order_fields import service_level, warehouse_code
from jobs.pipeline_common import Skip
from jobs.runtime_config import MappingConfig
from jobs.untrusted import identifier_problem, plain_text
from sdk.dsco.responses import DscoOrder, OrderLineItem, OrderShipping
from sdk.lingxing.models import CreateOrder
from sdk.lingxing.models.request import to_body

__all__ = [
    "DEFAULT_COUNTRY",
    "BuiltOrder",
    "Skip",
    "build_order",
    "receiver_name",
    "shipment_key",
    "unit_price",
]

DEFAULT_COUNTRY = "US"
# Plausibility bounds (Lingxing documents none): a drop-ship line of more than 10,000 units or a
# unit price above a million is a data error, not an order to fulfil.
MAX_LINE_QUANTITY = 10_000
MAX_UNIT_PRICE = Decimal(1_000_000)
MAX_TEXT = 255


@dataclass(frozen=True)
class BuiltOrder:
    """A ready create-order element and the store it goes to."""

    store_id: str
    order: CreateOrder


def unit_price(line: OrderLineItem) -> Decimal | None:
    """The price rule shared by push and invoice: the first positive of ``consumerPriceWithTax``,
    ``consumerPrice``, ``retailPrice``, ``expectedCost``; None when none is usable.

    Zero counts as "no price": DSCO fills unknown prices with 0, and sending a 0 price would
    create a free order in Lingxing instead of surfacing the data gap."""
    prices = (
        line.consumer_price_with_tax,
        line.consumer_price,
        line.retail_price,
        line.expected_cost,
    )
    return next((p for p in prices if p is not None and p > 0), None)


def shipment_key(order: DscoOrder) -> str:
    """The ``mapping.shipment`` key: ``<shipWarehouseCode or requestedWarehouseCode>-<level>``."""
    return f"{warehouse_code(order)}-{service_level(order)}"


def receiver_name(shipping: OrderShipping) -> str:
    """``shipping.name``, else ``firstName lastName`` (whichever parts exist)."""
    if shipping.name and shipping.name.strip():
        return shipping.name.strip()
    parts = (shipping.first_name, shipping.last_name)
    return " ".join(p.strip() for p in parts if p and p.strip())


def _address_line1(shipping: OrderShipping) -> str:
    if shipping.address1 and shipping.address1.strip():
        return shipping.address1.strip()
    first = (shipping.address or [""])[0]
    return first.strip() if isinstance(first, str) else ""


def _country(shipping: OrderShipping) -> str | Skip:
    country = (shipping.country or "").strip().upper()
    if not country:
        return DEFAULT_COUNTRY
    if len(country) != 2 or not country.isalpha():
        return Skip("bad_country_code", f"country has {len(country)} characters, want 2 letters")
    return country


def _item(line: OrderLineItem, index: int) -> dict[str, object] | Skip:
    where = f"line={line.line_number if line.line_number is not None else index + 1}"
    msku = (line.partner_sku or "").strip() or (line.sku or "").strip()
    if not msku:
        return Skip("missing_sku", where)
    problem = identifier_problem(msku)
    if problem:
        return Skip("bad_sku", f"{where} problem={problem}")
    if line.quantity is None or not 1 <= line.quantity <= MAX_LINE_QUANTITY:
        return Skip("bad_quantity", f"{where} sku={msku}")
    price = unit_price(line)
    if price is None:
        return Skip("missing_unit_price", f"{where} sku={msku}")
    if price > MAX_UNIT_PRICE:
        return Skip("bad_unit_price", f"{where} sku={msku} above={MAX_UNIT_PRICE}")
    return {"msku": msku, "quantity": line.quantity, "unit_price": price}


def _items(order: DscoOrder) -> list[dict[str, object]] | Skip:
    if not order.line_items:
        return Skip("no_lines")
    items: list[dict[str, object]] = []
    for index, line in enumerate(order.line_items):
        item = _item(line, index)
        if isinstance(item, Skip):
            return item  # never a partial order
        items.append(item)
    return items


def _logistics(order: DscoOrder, mapping: MappingConfig) -> dict[str, str] | Skip:
    """``wid`` and ``logistics_type_id`` (both or neither)."""
    wid = mapping.warehouse.get(warehouse_code(order), "")
    if not wid:
        return {}
    key = shipment_key(order)
    logistics_type_id = mapping.shipment.get(key, "")
    if not logistics_type_id:
        return Skip("missing_mapping_shipment", f"key={key}")
    return {"wid": wid, "logistics_type_id": logistics_type_id}


def _address(shipping: OrderShipping | None) -> dict[str, str] | Skip:
    shipping = shipping or OrderShipping()
    country = _country(shipping)
    if isinstance(country, Skip):
        return country
    fields = {
        "receiver_name": plain_text(receiver_name(shipping)),
        "city": plain_text(shipping.city or ""),
        "address_line1": plain_text(_address_line1(shipping)),
    }
    missing = [name for name, value in fields.items() if not value]
    if missing:
        return Skip("missing_address_fields", f"fields={','.join(missing)}")
    # Cut short, an address ships to the wrong door: an implausibly long one is refused.
    too_long = [name for name, value in fields.items() if len(value) > MAX_TEXT]
    if too_long:
        return Skip("field_too_long", f"fields={','.join(too_long)} max={MAX_TEXT}")
    return {"receiver_country_code": country, **fields}


def build_order(order: DscoOrder, mapping: MappingConfig) -> BuiltOrder | Skip:
    """The Lingxing order for ``order``, or why it must be skipped (checks in a fixed order).

    Everything is checked here, before any call: an order that cannot be built or serialised
    is skipped alone and never reaches the create call of the others."""
    store_id = mapping.shop.get(order.dsco_retailer_id or "", "")
    if not store_id:
        return Skip("missing_mapping_shop", f"dscoRetailerId={order.dsco_retailer_id or ''}")
    problem = identifier_problem(order.po_number)
    if problem:
        return Skip("invalid_po_number", f"problem={problem}")
    address = _address(order.shipping)
    if isinstance(address, Skip):
        return address
    logistics = _logistics(order, mapping)
    if isinstance(logistics, Skip):
        return logistics
    items = _items(order)
    if isinstance(items, Skip):
        return items
    fields = {"platform_order_no": order.po_number, **address, **logistics, "items": items}
    try:
        built = CreateOrder.model_validate(fields)
        to_body(built)  # serialisable too (money rounding), or it would fail the whole call
    except ValidationError as exc:
        # Field locations only: the values are buyer data.
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        return Skip("invalid_order", f"fields={','.join(where[:5])}")
    except ArithmeticError as exc:
        return Skip("invalid_order", f"error={type(exc).__name__}")
    return BuiltOrder(store_id=store_id, order=built)
