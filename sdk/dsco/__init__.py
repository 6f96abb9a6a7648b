"""Rithum DSCO v3 API: async client, request/response models, errors (and a sandbox).

Start with :class:`DscoClient`; build request bodies with the strict models in
:mod:`sdk.dsco.models`; read results with the lenient ones and :func:`parse_order`.
"""

from __future__ import annotations

from sdk.dsco.changelog import ChangeLogOutcome
from sdk.dsco.client import DscoClient
from sdk.dsco.errors import (
    DscoAPIError,
    DscoAuthenticationError,
    DscoConnectionError,
    DscoDecodeError,
    DscoError,
    DscoNotFoundError,
    DscoPayloadError,
    DscoRateLimitError,
    DscoServerError,
    DscoTimeoutError,
    DscoValidationError,
    ScrollExpiredError,
)
from sdk.dsco.models import (
    ApiMessage,
    BatchAccepted,
    ChangeLogEntry,
    ChangeLogPage,
    DscoOrder,
    InventoryWarehouse,
    Invoice,
    InvoiceCharge,
    InvoiceLineItem,
    InvoiceShip,
    ItemInventory,
    OrderAck,
    OrderLineItem,
    OrderPackage,
    OrderShipping,
    PackageItem,
    Shipment,
    ShipmentForOrder,
    ShipmentLineItem,
    parse_order,
    to_wire,
)

__all__ = [
    "ApiMessage",
    "BatchAccepted",
    "ChangeLogEntry",
    "ChangeLogOutcome",
    "ChangeLogPage",
    "DscoAPIError",
    "DscoAuthenticationError",
    "DscoClient",
    "DscoConnectionError",
    "DscoDecodeError",
    "DscoError",
    "DscoNotFoundError",
    "DscoOrder",
    "DscoPayloadError",
    "DscoRateLimitError",
    "DscoServerError",
    "DscoTimeoutError",
    "DscoValidationError",
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
    "ScrollExpiredError",
    "Shipment",
    "ShipmentForOrder",
    "ShipmentLineItem",
    "parse_order",
    "to_wire",
]
