"""Async client for the DSCO (Rithum) v3 API, on the shared SDK transport.

One instance per process, over a daemon-owned ``aiohttp.ClientSession``.  Every request carries
``Authorization: bearer <token>`` and JSON headers; DSCO's documented per-endpoint rates are
enforced client-side; reads and acknowledgements are retried on transient failures, batch
writes only when the failure proves nothing was processed (see :mod:`sdk._retry`).

Async batches (acknowledge, shipments, invoices, inventory) return :class:`BatchAccepted`; their
per-element results come from the change log, read with :meth:`DscoClient.wait_for_request`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

import aiohttp

from sdk._errors import Redactor
from sdk._http import DEFAULT_TIMEOUT, Endpoint, HttpTransport, Prepared
from sdk._limits import CallStats, ConcurrencyLimiter, Rate, RateLimiter
from sdk._retry import RetryPolicy
from sdk.dsco import endpoints as ep
from sdk.dsco.changelog import ChangeLogOutcome, poll_request
from sdk.dsco.endpoints import ChangeLogKind
from sdk.dsco.errors import DSCO_ERRORS, DscoNotFoundError
from sdk.dsco.models import Invoice, ItemInventory, OrderAck, ShipmentForOrder
from sdk.dsco.paging import scroll_pages
from sdk.dsco.responses import BatchAccepted, ChangeLogPage
from sdk.dsco.streams import DscoStreams
from sdk.dsco.wire import (
    Query,
    accepted,
    batch_body,
    describe_dsco_error,
    first_object,
    json_body,
    log_query,
    multi_params,
    order_window,
    page_body,
)

__all__ = ["DscoClient"]

OrderStatus = Literal["created", "shipment_pending", "shipped", "cancelled"]
LogStatus = Literal["pending", "success", "failure", "success_or_failure"]
OrderKey = Literal["poNumber", "dscoOrderId", "supplierOrderNumber"]
InvoiceKey = Literal[
    "invoiceId",
    "dscoInvoiceId",
    "poNumber",
    "supplierOrderNumber",
    "consumerOrderNumber",
    "trackingNumber",
]
ItemKey = Literal["sku", "partnerSku", "dscoItemId", "upc", "ean", "mpn", "isbn", "gtin"]

MIN_PER_PAGE, MAX_PER_PAGE = 10, 1000


class DscoClient:
    """Typed access to the DSCO calls the sync jobs need (see ``dsco_api.md`` §0)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        token: str,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rate_limits: Mapping[str, Rate] | None = None,
        stats: CallStats | None = None,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        user_agent: str = "dsco-lingxing",
    ) -> None:
        """``clock``/``sleep`` drive the rate limiter and change-log polling (fake them in
        tests); ``rate_limits`` replaces DSCO's documented rates (``{}`` disables them)."""
        if not token:
            raise ValueError("a DSCO token is required")
        self._headers = {
            "Authorization": f"bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": user_agent,
        }
        self._clock, self._sleep = clock, sleep
        limits = ep.RATE_LIMITS if rate_limits is None else rate_limits
        self.transport = HttpTransport(
            session,
            vendor="dsco",
            base_url=base_url,
            errors=DSCO_ERRORS,
            retry=retry,
            timeout=timeout,
            concurrency=ConcurrencyLimiter(ep.CONCURRENCY_CAPS),
            rates=RateLimiter(limits, clock=clock, sleep=sleep),
            stats=stats,
            redactor=Redactor([token]),
            describe_error=describe_dsco_error,
        )

    def __repr__(self) -> str:
        return f"DscoClient(base_url={self.transport.base_url!r})"

    @property
    def streams(self) -> DscoStreams:
        """The ``/stream`` calls (bulk inventory reads, D10) on this client's transport."""
        return DscoStreams(self.transport, self._headers, clock=self._clock, sleep=self._sleep)

    # --- orders --------------------------------------------------------------------------

    async def iter_order_pages(
        self,
        *,
        created_since: datetime | None = None,
        updated_since: datetime | None = None,
        until: datetime,
        per_page: int = MAX_PER_PAGE,
        statuses: Collection[OrderStatus] = (),
        include_test_orders: bool = False,
        max_pages: int | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield the raw orders of every scroll page of ``GET /order/page``, page by page.

        Exactly one of ``created_since`` (inclusive) and ``updated_since`` (exclusive) is
        required; ``until`` must be at least 5 s in the past (DSCO answers 400 otherwise).
        ``per_page`` is clamped to DSCO's 10..1000.  Raises ``ScrollExpiredError`` when more
        than 5 minutes pass between two pages.
        """
        query = order_window(created_since, updated_since, until)
        query["ordersPerPage"] = str(min(max(per_page, MIN_PER_PAGE), MAX_PER_PAGE))
        if statuses:
            query["status"] = list(statuses)
        if include_test_orders:
            query["includeTestOrders"] = "true"
        fetch = self._page_fetcher(ep.ORDER_PAGE, "orders")
        async for page in scroll_pages(fetch, query, "orders", max_pages=max_pages):
            if page["orders"]:
                yield page["orders"]

    async def get_order(self, value: str, *, key: OrderKey = "poNumber") -> dict[str, Any] | None:
        """The raw order with ``key == value`` (the first, if DSCO split it), or None."""
        body = await self._get_or_none(ep.GET_ORDER, {"orderKey": key, "value": value})
        return first_object(body)

    async def get_orders(self, value: str, *, key: OrderKey = "poNumber") -> list[dict[str, Any]]:
        """Every raw order with ``key == value`` (``returnMultiple``: a PO DSCO split into
        several orders gives all of them); empty when there is none."""
        params = {"orderKey": key, "value": value, "returnMultiple": "true"}
        body = await self._get_or_none(ep.GET_ORDER, params)
        found = body if isinstance(body, list) else [body]
        return [order for order in found if isinstance(order, dict)]

    # --- async batches -------------------------------------------------------------------

    async def acknowledge(self, orders: Iterable[str | OrderAck]) -> BatchAccepted:
        """``POST /order/acknowledge``; plain strings are PO numbers.  Safe to retry."""
        acks = [OrderAck(id=o) if isinstance(o, str) else o for o in orders]
        return await self._post_batch(ep.ACKNOWLEDGE, acks)

    async def create_shipments(self, shipments: Iterable[ShipmentForOrder]) -> BatchAccepted:
        """``POST /order/shipment/batch/small``: one element per order, never blindly retried."""
        return await self._post_batch(ep.SHIPMENT_BATCH, list(shipments))

    async def create_invoices(self, invoices: Iterable[Invoice]) -> BatchAccepted:
        """``POST /invoice/batch/small``; never blindly retried (check ``get_invoice`` first)."""
        return await self._post_batch(ep.INVOICE_BATCH, list(invoices))

    async def update_inventory(
        self, items: Iterable[ItemInventory], *, skip_items_that_dont_exist: bool | None = None
    ) -> BatchAccepted:
        """``POST /inventory/batch/small`` (absolute quantities per warehouse)."""
        params = None
        if skip_items_that_dont_exist is not None:
            params = {"skipItemsThatDontExist": str(skip_items_that_dont_exist).lower()}
        return await self._post_batch(ep.INVENTORY_BATCH, list(items), params)

    # --- invoices and inventory ----------------------------------------------------------

    async def get_invoices(
        self,
        value: str,
        *,
        key: InvoiceKey = "invoiceId",
    ) -> list[dict[str, Any]]:
        """Raw invoices with ``key == value`` (``GET /invoice``); empty when there are none."""
        body = await self._get_or_none(ep.GET_INVOICE, {"key": key, "value": value})
        invoices = body.get("invoices") if isinstance(body, dict) else None
        return [i for i in invoices or [] if isinstance(i, dict)]

    async def get_invoice(self, invoice_id: str) -> dict[str, Any] | None:
        """The raw invoice with this ``invoiceId``, or None."""
        invoices = await self.get_invoices(invoice_id, key="invoiceId")
        return invoices[0] if invoices else None

    async def get_inventory(
        self,
        value: str,
        *,
        item_key: ItemKey = "sku",
        dsco_retailer_id: str | None = None,
    ) -> dict[str, Any] | None:
        """The raw inventory object of one item (``GET /inventory``), or None when unknown.

        DSCO wants ``dsco_retailer_id`` when a supplier looks up by ``partnerSku``.
        """
        params = {"itemKey": item_key, "value": value}
        if dsco_retailer_id:
            params["dscoRetailerId"] = dsco_retailer_id
        return first_object(await self._get_or_none(ep.GET_INVENTORY, params))

    # --- change logs ---------------------------------------------------------------------

    async def iter_change_log(
        self,
        kind: ChangeLogKind,
        *,
        request_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        status: LogStatus | None = None,
    ) -> AsyncIterator[ChangeLogPage]:
        """Yield every page of ``/order|invoice|inventory/log`` for a request or a window.

        Give ``request_id``, or both ``start`` (inclusive) and ``end`` (exclusive).  The first
        page is always yielded, even empty: it carries the request's PROCESSING/COMPLETED.
        """
        query = log_query(request_id, start, end, status)
        fetch = self._page_fetcher(ep.CHANGE_LOGS[kind], "logs")
        async for page in scroll_pages(fetch, query, "logs"):
            yield ChangeLogPage.model_validate(page)

    async def wait_for_request(
        self,
        kind: ChangeLogKind,
        request_id: str,
        keys: Collection[str],
        *,
        timeout: float = 60.0,  # noqa: ASYNC109 - a polling budget, not an I/O timeout
        poll_interval: float = 3.0,
    ) -> ChangeLogOutcome:
        """Poll the change log of ``request_id`` until it is complete, every key (PO number,
        invoiceId or sku, by ``kind``) has a result, or ``timeout`` seconds have passed."""

        def read() -> AsyncIterator[ChangeLogPage]:
            return self.iter_change_log(kind, request_id=request_id, status="success_or_failure")

        return await poll_request(
            read,
            kind,
            keys,
            max_wait=timeout,
            poll_interval=poll_interval,
            clock=self._clock,
            sleep=self._sleep,
        )

    # --- plumbing ------------------------------------------------------------------------

    def _prepare(
        self, params: Query | None = None, body: bytes | None = None
    ) -> Callable[[], Awaitable[Prepared]]:
        multi = multi_params(params) if params else None

        async def prepare() -> Prepared:
            return Prepared(params=multi, headers=self._headers, data=body)

        return prepare

    def _page_fetcher(
        self, endpoint: Endpoint, items_key: str
    ) -> Callable[[Query], Awaitable[dict[str, Any]]]:
        async def fetch(query: Query) -> dict[str, Any]:
            return await self.transport.request(
                endpoint, self._prepare(query), lambda raw: page_body(raw, items_key)
            )

        return fetch

    async def _get_or_none(self, endpoint: Endpoint, params: Query) -> Any:
        try:
            return await self.transport.request(endpoint, self._prepare(params), json_body)
        except DscoNotFoundError as exc:
            # DSCO's "no such object" is a JSON envelope; a bare 404 means a wrong URL.
            if exc.code is None and exc.request_id is None:
                raise
            return None

    async def _post_batch(
        self, endpoint: Endpoint, items: list[Any], params: Query | None = None
    ) -> BatchAccepted:
        body = batch_body(items)
        return await self.transport.request(
            endpoint, self._prepare(params, body), accepted(endpoint)
        )
