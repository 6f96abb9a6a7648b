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
from typing import Annotated, Any, TypeVar

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
    # Address lines: keep the text ones, drop nulls, blanks and junk instead of rejecting the
    # whole order (push then refuses an order whose address ends up missing).
    if not isinstance(value, list):
        return None
    return [line for line in map(_lenient_str, value) if line]


def _lenient_str(value: Any) -> Any:
    # Text fields: a number becomes its text (ids arrive both ways); an object, a list or a
    # boolean where text belongs is unusable and becomes None instead of failing the order.
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value) if _lenient_number(value) is not None else None
    return None


def _lenient_bool(value: Any) -> Any:
    return value if isinstance(value, bool) else None


def _object_or_none(value: Any) -> Any:
    return value if isinstance(value, dict) else None


def _objects(value: Any) -> Any:
    # A list of objects: anything but a list is "none"; an element that is not an object is
    # kept as an empty one, so a broken line still counts as a line (and makes the order
    # unusable for push) instead of silently disappearing.
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, dict) else {} for item in value]


def _lenient_int(value: Any) -> Any:
    number = _lenient_number(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


LenientStr = Annotated[str | None, BeforeValidator(_lenient_str)]
LenientBool = Annotated[bool | None, BeforeValidator(_lenient_bool)]
LenientDateTime = Annotated[datetime | None, BeforeValidator(_lenient_datetime)]
LenientDecimal = Annotated[Decimal | None, BeforeValidator(_lenient_number)]
LenientInt = Annotated[int | None, BeforeValidator(_lenient_int)]


class LenientModel(BaseModel):
    """Base of every response model: tolerant of unknown fields and loose types."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        # DSCO's own (camelCase) names only: accepting our snake_case names too would let an
        # unknown DSCO key such as ``dsco_status`` stand in for a missing ``dscoStatus``.
        validate_by_name=False,
        validate_by_alias=True,
        coerce_numbers_to_str=True,
        # Payloads carry buyer names and addresses: keep input values out of error texts.
        hide_input_in_errors=True,
    )


class ApiMessage(LenientModel):
    """One ``ApiResponseMessage`` (``description`` may be a string, object or list)."""

    code: LenientStr = None
    severity: LenientStr = None
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
    status: LenientStr = None
    event_date: LenientDateTime = None
    messages: Messages = Field(default_factory=list)


class PackageItem(LenientModel):
    """One line inside a recorded package."""

    quantity: LenientDecimal = None
    line_number: LenientInt = None
    dsco_item_id: LenientStr = None
    sku: LenientStr = None
    partner_sku: LenientStr = None


class OrderPackage(LenientModel):
    """A shipment DSCO has recorded on the order (one per tracking number)."""

    tracking_number: LenientStr = None
    ship_date: LenientDateTime = None
    ship_carrier: LenientStr = None
    ship_method: LenientStr = None
    shipping_service_level_code: LenientStr = None
    warehouse_code: LenientStr = None
    items: Annotated[list[PackageItem], BeforeValidator(_objects)] = Field(default_factory=list)


class OrderShipping(LenientModel):
    """The ship-to address.  Buyer data: never log it (fields are hidden from ``repr``)."""

    name: LenientStr = Field(default=None, repr=False)
    first_name: LenientStr = Field(default=None, repr=False)
    last_name: LenientStr = Field(default=None, repr=False)
    company: LenientStr = Field(default=None, repr=False)
    address: Annotated[list[str], BeforeValidator(_text_lines)] | None = Field(
        default=None, repr=False
    )
    address1: LenientStr = Field(default=None, repr=False)
    address2: LenientStr = Field(default=None, repr=False)
    city: LenientStr = Field(default=None, repr=False)
    region: LenientStr = None
    state: LenientStr = None
    postal: LenientStr = Field(default=None, repr=False)
    country: LenientStr = None
    phone: LenientStr = Field(default=None, repr=False)
    email: LenientStr = Field(default=None, repr=False)


class OrderLineItem(LenientModel):
    """One order line with the fields the jobs read."""

    dsco_item_id: LenientStr = None
    line_number: LenientInt = None
    sku: LenientStr = None
    partner_sku: LenientStr = None
    upc: LenientStr = None
    ean: LenientStr = None
    quantity: LenientInt = None
    status: LenientStr = None
    warehouse_code: LenientStr = None
    consumer_price_with_tax: LenientDecimal = None
    consumer_price: LenientDecimal = None
    retail_price: LenientDecimal = None
    expected_cost: LenientDecimal = None
    accepted_quantity: LenientDecimal = None
    cancelled_quantity: LenientDecimal = None
    rejected_quantity: LenientDecimal = None
    shipped_quantity: LenientDecimal = None
    remaining_quantity: LenientDecimal = None


class DscoOrder(LenientModel):
    """A DSCO order (``GET /order/`` and ``GET /order/page``) with the fields the jobs use."""

    po_number: LenientStr = None
    dsco_order_id: LenientStr = None
    dsco_status: LenientStr = None
    dsco_lifecycle: LenientStr = None
    dsco_create_date: LenientDateTime = None
    dsco_last_update: LenientDateTime = None
    dsco_retailer_id: LenientStr = None
    dsco_supplier_id: LenientStr = None
    supplier_order_number: LenientStr = None
    consumer_order_number: LenientStr = None
    currency_code: LenientStr = None
    test_flag: LenientBool = None
    ship_warehouse_code: LenientStr = None
    requested_warehouse_code: LenientStr = None
    shipping_service_level_code: LenientStr = None
    requested_shipping_service_level_code: LenientStr = None
    requested_shipping_service_level_code_unmapped: LenientStr = None
    ship_carrier: LenientStr = None
    ship_method: LenientStr = None
    requested_ship_carrier: LenientStr = None
    requested_ship_method: LenientStr = None
    shipping: Annotated[OrderShipping | None, BeforeValidator(_object_or_none)] = Field(
        default=None, repr=False
    )
    line_items: Annotated[list[OrderLineItem], BeforeValidator(_objects)] = Field(
        default_factory=list
    )
    packages: Annotated[list[OrderPackage], BeforeValidator(_objects)] = Field(default_factory=list)

    @property
    def tracking_numbers(self) -> set[str]:
        """Tracking numbers DSCO already has for this order."""
        return {p.tracking_number for p in self.packages if p.tracking_number}


class OrderKeyLine(LenientModel):
    """The fields of an order line that an order is stored and searched by."""

    model_config = ConfigDict(extra="ignore")

    sku: LenientStr = None
    partner_sku: LenientStr = None
    quantity: LenientInt = None


class OrderKeys(LenientModel):
    """What an order is stored and searched by, parsed exactly as :class:`DscoOrder` parses
    it and nothing more: a pull reads a thousand orders a page, and their addresses, prices
    and packages are read later, by the jobs that use them, from the stored payload."""

    model_config = ConfigDict(extra="ignore")

    po_number: LenientStr = None
    dsco_status: LenientStr = None
    dsco_create_date: LenientDateTime = None
    dsco_last_update: LenientDateTime = None
    dsco_retailer_id: LenientStr = None
    ship_warehouse_code: LenientStr = None
    requested_warehouse_code: LenientStr = None
    shipping_service_level_code: LenientStr = None
    requested_shipping_service_level_code: LenientStr = None
    line_items: Annotated[list[OrderKeyLine], BeforeValidator(_objects)] = Field(
        default_factory=list
    )


def parse_order(raw: dict[str, Any]) -> DscoOrder:
    """Typed view of one raw order dict; :class:`DscoPayloadError` if its shape is unusable."""
    return _parse(DscoOrder, raw)


def parse_order_keys(raw: dict[str, Any]) -> OrderKeys:
    """The fields of :class:`OrderKeys` of one raw order dict (errors as :func:`parse_order`)."""
    return _parse(OrderKeys, raw)


_Model = TypeVar("_Model", bound=BaseModel)


def _parse(model: type[_Model], raw: dict[str, Any]) -> _Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        # Only field locations go into the message: the values may hold buyer data.
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise DscoPayloadError(f"unusable DSCO order: bad fields {where[:5]}") from None


class ChangeLogEntry(LenientModel):
    """One entry of ``/order/log``, ``/invoice/log`` or ``/inventory/log``."""

    payload: Annotated[
        dict[str, Any], BeforeValidator(lambda v: v if isinstance(v, dict) else {})
    ] = Field(default_factory=dict)
    status: LenientStr = None
    date_processed: LenientDateTime = None
    request_id: LenientStr = None
    request_method: LenientStr = None
    results: Annotated[list[ApiMessage], BeforeValidator(_objects)] = Field(default_factory=list)


class ChangeLogPage(LenientModel):
    """One page of a change log; ``status`` is PROCESSING/COMPLETED for a requestId query."""

    logs: Annotated[list[ChangeLogEntry], BeforeValidator(_objects)] = Field(default_factory=list)
    scroll_id: LenientStr = None
    status: LenientStr = None
