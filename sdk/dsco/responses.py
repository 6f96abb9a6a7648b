"""Lenient models for what DSCO *returns*.

DSCO adds fields at any time, sends ``null`` where the spec says an object, integers where it
says floats and ids that are sometimes numbers.  These models therefore keep unknown fields
(``extra="allow"``), default every field to ``None`` / empty, coerce numbers to strings for ids,
and turn an unparsable date into ``None`` instead of failing the whole object.  The client hands
out raw dicts (the pull job stores the raw JSON); parse them with these models where typed
access helps.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from sdk.dsco.errors import DscoPayloadError


def _lenient_datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return value if isinstance(value, datetime) else None


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


def _lenient_number(value: Any) -> Any:
    # "", "n/a", NaN and other junk become None rather than failing the whole order.
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _text_lines(value: Any) -> Any:
    # Address lines: drop nulls and blanks instead of rejecting the whole order.
    if not isinstance(value, list):
        return value
    return [str(line) for line in value if line not in (None, "")]


def _lenient_int(value: Any) -> Any:
    number = _lenient_number(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


LenientDateTime = Annotated[datetime | None, BeforeValidator(_lenient_datetime)]
LenientDecimal = Annotated[Decimal | None, BeforeValidator(_lenient_number)]
LenientInt = Annotated[int | None, BeforeValidator(_lenient_int)]


class LenientModel(BaseModel):
    """Base of every response model: tolerant of unknown fields and loose types."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        coerce_numbers_to_str=True,
        # Payloads carry buyer names and addresses: keep input values out of error texts.
        hide_input_in_errors=True,
    )


class ApiMessage(LenientModel):
    """One ``ApiResponseMessage`` (``description`` may be a string, object or list)."""

    code: str | None = None
    severity: str | None = None
    description: Any = None

    def text(self) -> str:
        """A short one-line rendering, for logs and the ``failed`` map."""
        desc = self.description
        if isinstance(desc, list):
            desc = "; ".join(str(d) for d in desc)
        parts = [p for p in (self.code, str(desc) if desc not in (None, "") else None) if p]
        return ": ".join(parts) or "(no message)"


Messages = Annotated[list[ApiMessage], BeforeValidator(_none_to_list)]


class BatchAccepted(LenientModel):
    """The 202 answer to an async batch POST (``AsyncUpdateResponse``/``SyncUpdateResponse``)."""

    request_id: str
    status: str | None = None
    event_date: LenientDateTime = None
    messages: Messages = Field(default_factory=list)


class PackageItem(LenientModel):
    """One line inside a recorded package."""

    quantity: LenientDecimal = None
    line_number: LenientInt = None
    dsco_item_id: str | None = None
    sku: str | None = None
    partner_sku: str | None = None


class OrderPackage(LenientModel):
    """A shipment DSCO has recorded on the order (one per tracking number)."""

    tracking_number: str | None = None
    ship_date: LenientDateTime = None
    ship_carrier: str | None = None
    ship_method: str | None = None
    shipping_service_level_code: str | None = None
    warehouse_code: str | None = None
    items: Annotated[list[PackageItem], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )


class OrderShipping(LenientModel):
    """The ship-to address.  Buyer data: never log it (fields are hidden from ``repr``)."""

    name: str | None = Field(default=None, repr=False)
    first_name: str | None = Field(default=None, repr=False)
    last_name: str | None = Field(default=None, repr=False)
    company: str | None = Field(default=None, repr=False)
    address: Annotated[list[str], BeforeValidator(_text_lines)] | None = Field(
        default=None, repr=False
    )
    address1: str | None = Field(default=None, repr=False)
    address2: str | None = Field(default=None, repr=False)
    city: str | None = Field(default=None, repr=False)
    region: str | None = None
    state: str | None = None
    postal: str | None = Field(default=None, repr=False)
    country: str | None = None
    phone: str | None = Field(default=None, repr=False)
    email: str | None = Field(default=None, repr=False)


class OrderLineItem(LenientModel):
    """One order line with the fields the jobs read."""

    dsco_item_id: str | None = None
    line_number: LenientInt = None
    sku: str | None = None
    partner_sku: str | None = None
    upc: str | None = None
    ean: str | None = None
    quantity: LenientInt = None
    status: str | None = None
    warehouse_code: str | None = None
    consumer_price_with_tax: LenientDecimal = None
    consumer_price: LenientDecimal = None
    retail_price: LenientDecimal = None
    expected_cost: LenientDecimal = None
    accepted_quantity: LenientDecimal = None
    cancelled_quantity: LenientDecimal = None
    rejected_quantity: LenientDecimal = None
    shipped_quantity: LenientDecimal = None
    remaining_quantity: LenientDecimal = None

    @property
    def unit_price(self) -> Decimal | None:
        """First price > 0 of consumerPriceWithTax, consumerPrice, retailPrice, expectedCost."""
        prices = (
            self.consumer_price_with_tax,
            self.consumer_price,
            self.retail_price,
            self.expected_cost,
        )
        return next((p for p in prices if p is not None and p > 0), None)


class DscoOrder(LenientModel):
    """A DSCO order (``GET /order/`` and ``GET /order/page``) with the fields the jobs use."""

    po_number: str | None = None
    dsco_order_id: str | None = None
    dsco_status: str | None = None
    dsco_lifecycle: str | None = None
    dsco_create_date: LenientDateTime = None
    dsco_last_update: LenientDateTime = None
    dsco_retailer_id: str | None = None
    dsco_supplier_id: str | None = None
    supplier_order_number: str | None = None
    consumer_order_number: str | None = None
    currency_code: str | None = None
    test_flag: bool | None = None
    ship_warehouse_code: str | None = None
    requested_warehouse_code: str | None = None
    shipping_service_level_code: str | None = None
    requested_shipping_service_level_code: str | None = None
    requested_shipping_service_level_code_unmapped: str | None = None
    ship_carrier: str | None = None
    ship_method: str | None = None
    requested_ship_carrier: str | None = None
    requested_ship_method: str | None = None
    shipping: OrderShipping | None = Field(default=None, repr=False)
    line_items: Annotated[list[OrderLineItem], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )
    packages: Annotated[list[OrderPackage], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )

    @property
    def tracking_numbers(self) -> set[str]:
        """Tracking numbers DSCO already has for this order."""
        return {p.tracking_number for p in self.packages if p.tracking_number}


def parse_order(raw: dict[str, Any]) -> DscoOrder:
    """Typed view of one raw order dict; :class:`DscoPayloadError` if its shape is unusable."""
    try:
        return DscoOrder.model_validate(raw)
    except ValidationError as exc:
        # Only field locations go into the message: the values may hold buyer data.
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise DscoPayloadError(f"unusable DSCO order: bad fields {where[:5]}") from None


class ChangeLogEntry(LenientModel):
    """One entry of ``/order/log``, ``/invoice/log`` or ``/inventory/log``."""

    payload: dict[str, Any] = Field(default_factory=dict)
    status: str | None = None
    date_processed: LenientDateTime = None
    request_id: str | None = None
    request_method: str | None = None
    results: Messages = Field(default_factory=list)


class ChangeLogPage(LenientModel):
    """One page of a change log; ``status`` is PROCESSING/COMPLETED for a requestId query."""

    logs: Annotated[list[ChangeLogEntry], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )
    scroll_id: str | None = None
    status: str | None = None
