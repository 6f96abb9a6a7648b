"""Request models for the DSCO v3 API: what this project *sends*.

The models are strict (``extra="forbid"``, frozen) so a typo in a job is a bug caught at build
time, and they also encode the business rules the OpenAPI schema cannot express (an item
identifier on every line, one order reference, warehouse quantities adding up).  Python field
names are snake_case; on the wire they are DSCO's camelCase.  Always serialise with
:func:`to_wire` so what the client sends is exactly what the contract tests validate.

The lenient response models live in :mod:`sdk.dsco.responses` and are re-exported here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from sdk.dsco.responses import (
    ApiMessage,
    BatchAccepted,
    ChangeLogEntry,
    ChangeLogPage,
    DscoOrder,
    OrderLineItem,
    OrderPackage,
    OrderShipping,
    PackageItem,
    parse_order,
)

__all__ = [
    "ApiMessage",
    "BatchAccepted",
    "ChangeLogEntry",
    "ChangeLogPage",
    "DscoOrder",
    "InventoryWarehouse",
    "Invoice",
    "InvoiceCharge",
    "InvoiceLineItem",
    "InvoiceShip",
    "ItemInventory",
    "OrderAck",
    "OrderLineItem",
    "OrderPackage",
    "OrderShipping",
    "PackageItem",
    "Shipment",
    "ShipmentForOrder",
    "ShipmentLineItem",
    "parse_order",
    "to_wire",
]


def _require_utc(value: datetime) -> datetime:
    # DSCO accepts any offset, but D9 says everything we send is UTC; a naive value is a bug
    # (a Lingxing local time that was never converted), so refuse it instead of guessing.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decimal_number(value: Decimal) -> float:
    # DSCO money is a JSON number.  float(Decimal) of a 2-place amount round-trips exactly
    # through json.dumps (shortest repr), e.g. Decimal("162.91") -> 162.91.
    return float(value)


UtcDateTime = Annotated[
    datetime,
    AfterValidator(_require_utc),
    PlainSerializer(_utc_text, return_type=str, when_used="json"),
]
"""A timezone-aware instant, sent as ``YYYY-MM-DDTHH:MM:SSZ``."""

Money = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    PlainSerializer(_decimal_number, return_type=float, when_used="json"),
]
"""A Decimal amount that goes on the wire as a JSON number (never a string)."""

NonEmptyStr = Annotated[str, Field(min_length=1)]
Sku = Annotated[str, Field(min_length=1, max_length=90)]
Upc = Annotated[str, Field(pattern=r"^(\d{6}|\d{12})$")]
Ean = Annotated[str, Field(pattern=r"^(\d{8}|\d{13})$")]
LineNumber = Annotated[int, Field(ge=1, le=1_000_000)]
InventoryStatus = Literal["in-stock", "out-of-stock", "discontinued", "hidden"]


class WireModel(BaseModel):
    """Base of every request model: strict, frozen, camelCase on the wire."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def to_wire(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready dict DSCO receives: camelCase keys, ``None`` fields left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class _ItemIdentified(WireModel):
    """A line that must name its item: DSCO resolves the first of these it finds."""

    dsco_item_id: NonEmptyStr | None = None
    sku: Sku | None = None
    partner_sku: Sku | None = None
    upc: Upc | None = None
    ean: Ean | None = None

    @model_validator(mode="after")
    def _has_identifier(self) -> _ItemIdentified:
        if not any((self.dsco_item_id, self.sku, self.partner_sku, self.upc, self.ean)):
            raise ValueError("one of dscoItemId, sku, partnerSku, upc, ean is required")
        return self


class _OrderReferenced(WireModel):
    """A payload that points at one order by exactly one of DSCO's three order keys."""

    po_number: NonEmptyStr | None = None
    dsco_order_id: NonEmptyStr | None = None
    supplier_order_number: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _has_one_order_reference(self) -> _OrderReferenced:
        refs = [self.po_number, self.dsco_order_id, self.supplier_order_number]
        if sum(ref is not None for ref in refs) != 1:
            raise ValueError(
                "exactly one of poNumber, dscoOrderId, supplierOrderNumber is required"
            )
        return self


# --- acknowledge -------------------------------------------------------------------------------


class OrderAck(WireModel):
    """One element of ``POST /order/acknowledge`` (``OrderId``)."""

    id: NonEmptyStr | int
    type: Literal["DSCO_ORDER_ID", "PO_NUMBER", "SUPPLIER_ORDER_NUMBER"] = "PO_NUMBER"
    supplier_order_number: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _numeric_dsco_id(self) -> OrderAck:
        if self.type == "DSCO_ORDER_ID" and not str(self.id).isdigit():
            raise ValueError("a DSCO_ORDER_ID acknowledgement needs a numeric id")
        return self


# --- shipments ---------------------------------------------------------------------------------


class ShipmentLineItem(_ItemIdentified):
    """Units of one order line inside one package (``ShipmentLineItemForUpdate``)."""

    quantity: Annotated[int, Field(ge=1)]
    line_number: LineNumber | None = None
    # True when this line's quantity is split across several tracking numbers.
    package_span_flag: bool | None = None


class Shipment(WireModel):
    """One package / tracking number (``ShipmentForUpdate``)."""

    tracking_number: NonEmptyStr
    line_items: Annotated[list[ShipmentLineItem], Field(min_length=1)]
    ship_date: UtcDateTime | None = None
    ship_carrier: NonEmptyStr | None = None
    ship_method: NonEmptyStr | None = None
    shipping_service_level_code: NonEmptyStr | None = None
    warehouse_code: NonEmptyStr | None = None
    tracking_url: NonEmptyStr | None = None


class ShipmentForOrder(_OrderReferenced):
    """All new packages of one order (``ShipmentsForUpdate``), an element of the small batch."""

    shipments: Annotated[list[Shipment], Field(min_length=1)]


# --- invoices ----------------------------------------------------------------------------------


class InvoiceLineItem(_ItemIdentified):
    """One invoiced order line (``InvoiceLineItem``); ``unitPrice`` is required by DSCO."""

    quantity: Annotated[int, Field(ge=1)]
    unit_price: Money
    line_number: LineNumber | None = None
    tracking_number: NonEmptyStr | None = None
    ship_date: UtcDateTime | None = None
    ship_carrier: NonEmptyStr | None = None
    ship_method: NonEmptyStr | None = None
    shipping_service_level_code: NonEmptyStr | None = None
    warehouse_code: NonEmptyStr | None = None


class InvoiceShip(WireModel):
    """Invoice-level shipping info; DSCO has no top-level invoice tracking field."""

    tracking_number: NonEmptyStr | None = None
    date: UtcDateTime | None = None
    carrier: NonEmptyStr | None = None
    method: NonEmptyStr | None = None
    service_level_code: NonEmptyStr | None = None
    warehouse_code: NonEmptyStr | None = None
    number_of_units_shipped: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> InvoiceShip:
        if not self.model_dump(exclude_none=True):
            raise ValueError("ship needs at least one field")
        return self


class InvoiceCharge(WireModel):
    """An extra charge on an invoice (both fields required by DSCO)."""

    title: NonEmptyStr
    amount: Money


class Invoice(_OrderReferenced):
    """One supplier invoice, an element of ``POST /invoice/batch/small``.

    ``total_amount`` is always sent, even when zero (DSCO requires it).
    """

    invoice_id: NonEmptyStr
    total_amount: Money
    invoice_date: UtcDateTime | None = None
    currency_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    consumer_order_number: NonEmptyStr | None = None
    line_items: list[InvoiceLineItem] | None = None
    ship: InvoiceShip | None = None
    charges: list[InvoiceCharge] | None = None
    line_items_subtotal: Money | None = None
    freight_amount: Money | None = None
    handling_amount: Money | None = None
    sales_tax_amount: Money | None = None


# --- inventory ---------------------------------------------------------------------------------


class InventoryWarehouse(WireModel):
    """Stock of one item in one of the supplier's warehouses (``ItemWarehouse``)."""

    code: NonEmptyStr
    quantity: Annotated[int, Field(ge=0)] | None = None
    status: InventoryStatus | None = None


class ItemInventory(WireModel):
    """Stock of one item, an element of ``POST /inventory/batch/small``.

    DSCO requires ``status`` and a quantity, and ``quantityAvailable`` (when sent together with
    warehouse quantities) must equal their sum.
    """

    sku: Sku
    status: InventoryStatus
    warehouses: Annotated[list[InventoryWarehouse], Field(min_length=1)]
    partner_sku: Sku | None = None
    dsco_item_id: NonEmptyStr | None = None
    upc: Upc | None = None
    ean: Ean | None = None
    quantity_available: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _quantities_consistent(self) -> ItemInventory:
        per_warehouse = [w.quantity for w in self.warehouses if w.quantity is not None]
        if self.quantity_available is None and not per_warehouse:
            raise ValueError("quantityAvailable or a warehouse quantity is required")
        if per_warehouse and self.quantity_available not in (None, sum(per_warehouse)):
            raise ValueError("quantityAvailable must equal the sum of warehouse quantities")
        return self
