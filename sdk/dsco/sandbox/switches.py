"""Behaviour switches: where the fact sheet is unsure how DSCO behaves, the sandbox follows the
fact sheet's suggestion by default and lets a test or the demo flip it here
(``DscoSandbox.update_switches(...)`` or ``PATCH /__sandbox/switches``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SandboxSwitches(BaseModel):
    """Every documented switch of the DSCO sandbox, with the fact sheet's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- paging, windows, change logs -------------------------------------------------------
    # A scroll page is kept this long after the previous fetch; later reads get 404 notFound.
    scroll_ttl_seconds: float = Field(300.0, gt=0)
    # ``until`` of GET /order/page must be at least this far in the past (else 400).
    until_min_age_seconds: float = Field(5.0, ge=0)
    # Entries per change-log page (a scrollId is returned when there are more).
    log_page_size: int = Field(500, ge=1)
    # Change-log entries older than this are gone.
    log_retention_days: float = Field(14.0, gt=0)
    # Show elements not processed yet as ``pending`` entries (off: they appear once processed).
    log_pending_entries: bool = True

    # --- request validation -----------------------------------------------------------------
    # Any element that is malformed fails the whole POST with 400 (default: that element
    # alone fails in the change log with VALIDATION_FAILED).
    strict_sync_validation: bool = False
    # After the hand rules, elements must also satisfy the DSCO client's strict request models
    # (so unknown fields fail, although DSCO itself ignores them).
    validate_with_models: bool = True

    # --- acknowledgements -------------------------------------------------------------------
    # ACK of an order already ``shipment_pending``: success (default) or ALREADY_ACKNOWLEDGED.
    ack_repeat_fails: bool = False
    # Orders still ``created`` this many seconds after creation acknowledge themselves (the
    # account behaviour the sync code works around). None = never.
    auto_ack_after_seconds: float | None = Field(None, ge=0)

    # --- shipments --------------------------------------------------------------------------
    # Shipments are accepted for ``created`` (not yet acknowledged) orders.
    allow_ship_unacknowledged: bool = True
    # When the order becomes ``shipped``: once every unit shipped, or at the first shipment.
    ship_complete_when: Literal["all_shipped", "first_shipment"] = "all_shipped"
    # A tracking number already on the order is skipped (default: DUPLICATE_TRACKING_NUMBER).
    duplicate_tracking_idempotent: bool = False
    # A line spread over several tracking numbers in one request needs packageSpanFlag=true.
    enforce_package_span: bool = True
    # Each shipment needs shippingServiceLevelCode, or shipCarrier + shipMethod.
    require_service_level_or_carrier_method: bool = True
    # Account policy: shipCarrier + shipMethod are both required.
    require_carrier_and_method: bool = False
    # Account policies: warehouseCode on every shipment, lineNumber on every shipment line.
    require_warehouse_code: bool = False
    require_line_number: bool = False
    # Warehouse codes on shipments and inventory must be known supplier warehouses.
    check_warehouses: bool = True

    # --- invoices ---------------------------------------------------------------------------
    # GET /invoice with no match: 404 notFound instead of 200 {"invoices": []}.
    invoice_not_found_404: bool = False
    # Retailer policy: an invoice must include every line that is not cancelled.
    invoice_must_cover_whole_order: bool = False
    # Retailer policy ("custom required"): invoiceDate is mandatory.
    require_invoice_date: bool = False
    # totalAmount must equal sum(quantity x unitPrice) + charges within 0.01.
    strict_total: bool = False
    # A top-level ``trackingNumber`` (not an invoice field) fails instead of being ignored.
    reject_invoice_tracking_number: bool = False
    # An accepted invoice shows in GET /invoice only this many seconds after processing.
    invoice_propagation_seconds: float = Field(0.0, ge=0)

    # --- inventory --------------------------------------------------------------------------
    # An unknown SKU is created instead of failing with ITEM_NOT_FOUND.
    auto_create_items: bool = False
    # GET /inventory?itemKey=partnerSku without dscoRetailerId is a 400 (supplier caller).
    partner_sku_lookup_needs_retailer: bool = True

    # --- rate limits ------------------------------------------------------------------------
    # 429 answers carry ``Retry-After: 1`` (real DSCO is not documented to send it).
    retry_after_header: bool = True
