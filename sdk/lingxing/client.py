"""The Lingxing OpenAPI client: signed calls, one shared token, per-endpoint caps, typed results.

Build one per appId for the whole process (the daemon owns the ``aiohttp.ClientSession``)::

    client = LingxingClient(session, base_url="https://openapi.lingxing.com",
                            app_id=app_id, app_secret=app_secret)
    orders = await client.list_orders(["PO1", "PO2"], include_deleted=True)

Every business call is a POST whose compact JSON body is serialised once and signed together
with a fresh timestamp and the shared token (:mod:`sdk.lingxing.signing`). Errors are the
classes of :mod:`sdk.lingxing.errors`; retries follow the shared transport's write-safety rule
(only ``create_orders`` is a non-idempotent write).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from sdk._capacity import CapacityGate
from sdk._errors import Redactor
from sdk._http import DEFAULT_TIMEOUT, Endpoint, HttpTransport, Prepared, RawResponse
from sdk._limits import CallStats, ConcurrencyLimiter, run_all
from sdk._retry import RetryPolicy, Safety
from sdk.lingxing.auth import ACCESS_TOKEN, REFRESH, TokenManager
from sdk.lingxing.envelope import Envelope, describe_http_error, parse_checked
from sdk.lingxing.errors import ERRORS, LingxingDecodeError
from sdk.lingxing.models import (
    MAX_ORDER_NOS,
    CreateOrder,
    CreateOrdersRequest,
    CreateOrdersResult,
    InventoryDetailsRequest,
    InventoryRow,
    LxOrder,
    OrderListRequest,
    Pair,
    PairListRequest,
    SellerListRequest,
    Store,
    Warehouse,
    WarehouseListRequest,
    WmsOrder,
    WmsOrderListRequest,
    row_keys,
    to_body,
)
from sdk.lingxing.paging import MAX_PAGES, Page, Rejected, Rows, all_pages, chunked, unique
from sdk.lingxing.signing import check_app_id, encode_body, signed_query
from sdk.lingxing.token_store import TokenStore

__all__ = ["BEIJING", "ENDPOINT_CAPS", "LingxingClient", "wms_date_window"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_log = logging.getLogger("sdk.lingxing")

ORDER_CREATE = Endpoint("/pb/mp/order/v2/create", safety=Safety.WRITE)
ORDER_LIST = Endpoint("/pb/mp/order/v2/list")
PAIR_LIST = Endpoint("/pb/mp/listing/v2/getPairList")
STORE_LIST = Endpoint("/pb/mp/shop/v2/getSellerList")
WMS_ORDER_LIST = Endpoint("/erp/sc/routing/wms/order/wmsOrderList")
INVENTORY_DETAILS = Endpoint("/erp/sc/routing/data/local_inventory/inventoryDetails")
WAREHOUSE_LIST = Endpoint("/erp/sc/data/local_inventory/warehouse")

# In-flight caps = the documented bucket capacities (tokens return when a request completes).
ENDPOINT_CAPS: Mapping[str, int] = {
    ACCESS_TOKEN.path: 100,
    REFRESH.path: 100,
    ORDER_CREATE.path: 10,
    ORDER_LIST.path: 10,
    PAIR_LIST.path: 10,
    STORE_LIST.path: 10,
    WMS_ORDER_LIST.path: 1,
    INVENTORY_DETAILS.path: 1,
    WAREHOUSE_LIST.path: 1,
}
BEIJING = dt_timezone(timedelta(hours=8), "UTC+8")
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
WMS_NOT_DELETED = (1, 2, 3)


def wms_date_window(start: datetime, end: datetime, timezone: tzinfo) -> tuple[str, str]:
    """``start_date``/``end_date`` of the WMS outbound list: calendar days in ``timezone`` (a
    naive datetime is taken as already there). Lingxing does not say whether ``end_date`` is
    inclusive, so it is the day *after* ``end``'s: an outbound order from the last hours of
    that day is inside either way. ``start_date`` is ``start``'s own day."""
    first, last = _local_day(start, timezone), _local_day(end, timezone) + timedelta(days=1)
    return first.isoformat(), last.isoformat()


def _local_day(moment: datetime, timezone: tzinfo) -> date:
    return (moment.astimezone(timezone) if moment.tzinfo is not None else moment).date()


class LingxingClient:
    """Async client for the Lingxing endpoints the sync needs (one instance per appId).

    ``timezone`` is the zone of Lingxing's calendar dates (WMS ``start_date``/``end_date``);
    ``caps`` overrides the per-endpoint in-flight caps. A deployment of several processes
    shares the appId's token and caps: ``token_store`` holds the one token of the deployment
    and ``capacity`` hands out its in-flight slots (defaults: this process alone; see
    :mod:`sdk.lingxing.token_store` and :mod:`sdk._capacity`).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        app_id: str,
        app_secret: str,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        stats: CallStats | None = None,
        timezone: tzinfo = BEIJING,
        caps: Mapping[str, int] | None = None,
        refresh_margin: float = 300.0,
        token_store: TokenStore | None = None,
        capacity: CapacityGate | None = None,
    ) -> None:
        check_app_id(app_id)  # fail at start-up, not at the first call
        self.app_id = app_id
        self._clock = clock
        self.timezone = timezone
        self.transport = HttpTransport(
            session,
            vendor="lingxing",
            base_url=base_url,
            errors=ERRORS,
            retry=retry,
            timeout=timeout,
            concurrency=ConcurrencyLimiter({**ENDPOINT_CAPS, **(caps or {})}, gate=capacity),
            stats=stats,
            redactor=Redactor([app_secret]),
            describe_error=describe_http_error,
            logger=logging.getLogger("sdk.lingxing"),
        )
        self.tokens = TokenManager(
            self.transport,
            app_id=app_id,
            app_secret=app_secret,
            store=token_store,
            clock=clock,
            refresh_margin=refresh_margin,
        )
        self.transport.on_token_rejected = self.tokens.invalidate

    @property
    def stats(self) -> CallStats:
        return self.transport.stats

    # --- endpoints -----------------------------------------------------------------------

    async def create_orders(
        self, platform_code: int, store_id: str, orders: Sequence[CreateOrder]
    ) -> CreateOrdersResult:
        """Create manual orders. Not idempotent: an ambiguous failure is raised with
        ``ambiguous=True`` and must be re-checked with :meth:`list_orders`, never re-sent."""
        body = CreateOrdersRequest(platform_code=platform_code, store_id=store_id, orders=orders)
        return await self._post(ORDER_CREATE, body, _decode_create)

    async def list_orders(
        self, platform_order_nos: Sequence[str], *, include_deleted: bool, page_size: int = 200
    ) -> Rows[LxOrder]:
        """Every MP order carrying any of the POs (split orders give several per PO)."""
        numbers = unique(platform_order_nos, str)
        per_chunk = await run_all(
            self._orders_of(chunk, include_deleted, page_size)
            for chunk in chunked(numbers, MAX_ORDER_NOS)
        )
        # A merged order can hold POs of two chunks: keep it once.
        return unique(Rows.merge(per_chunk), lambda o: o.global_order_no)

    async def list_wms_orders(
        self,
        *,
        platform_order_nos: Sequence[str],
        sids: Sequence[int],
        status: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        exclude_deleted: bool = False,
        time_type: str = "create_at",
        page_size: int = 200,
    ) -> Rows[WmsOrder]:
        """WMS outbound orders of the POs (all pages). Without ``start`` Lingxing only returns
        about the last month. ``exclude_deleted`` drops status 4 (deleted) outbound orders."""
        numbers = unique(platform_order_nos, str)
        window = self._date_window(start, end)
        statuses = [status] if status is not None else None
        if exclude_deleted and statuses is None:
            statuses = list(WMS_NOT_DELETED)
        parts = [
            await self._wms_orders_of(chunk, sids, statuses, window, time_type, page_size)
            for chunk in chunked(numbers, MAX_ORDER_NOS)
        ]
        rows = unique(Rows.merge(parts), lambda w: w.wo_number)
        return Rows((w for w in rows if not (exclude_deleted and w.deleted)), rows.rejected)

    async def iter_inventory_details(
        self, wid: str, *, page_size: int = 800
    ) -> AsyncIterator[Rows[InventoryRow]]:
        """Stock rows of warehouse(s) ``wid`` (a comma list), one page at a time."""
        offset = 0
        for _ in range(MAX_PAGES):
            body = InventoryDetailsRequest(wid=wid, offset=offset, length=page_size)
            page = await self._post(INVENTORY_DETAILS, body, _page_decoder(InventoryRow))
            if page.size:
                yield Rows(page.rows, page.rejected)
            offset += page.size
            if page.size < page_size or (page.total is not None and offset >= page.total):
                return
        raise ERRORS.make(
            LingxingDecodeError, f"more than {MAX_PAGES} pages", path=INVENTORY_DETAILS.path
        )

    async def list_pairs(
        self,
        store_ids: Sequence[str],
        *,
        platform_codes: Sequence[int | str] | None = None,
        page_size: int = 200,
    ) -> Rows[Pair]:
        """MSKU <-> SKU pairs of the stores (all pages)."""
        stores = unique((str(s) for s in store_ids), str)
        if not stores:
            return Rows()
        codes = [str(c) for c in platform_codes] if platform_codes else None

        async def fetch(index: int) -> Page[Pair]:
            body = PairListRequest(
                offset=index * page_size, length=page_size, store_ids=stores, platform_codes=codes
            )
            return await self._post(PAIR_LIST, body, _page_decoder(Pair))

        return await all_pages(fetch, page_size=page_size, path=PAIR_LIST.path)

    async def list_stores(self, *, page_size: int = 200) -> list[Store]:
        """Every multi-platform store of the account."""

        async def fetch(index: int) -> Page[Store]:
            body = SellerListRequest(offset=index * page_size, length=page_size)
            return await self._post(STORE_LIST, body, _page_decoder(Store))

        stores = await all_pages(fetch, page_size=page_size, path=STORE_LIST.path)
        return unique(stores, lambda s: s.store_id)

    async def list_warehouses(
        self, *, warehouse_type: int = 1, include_deleted: bool = False, page_size: int = 1000
    ) -> list[Warehouse]:
        """Warehouses of one type (1 local, 3 overseas, 4 platform, 6 AWD)."""
        is_delete = "0,1" if include_deleted else "0"

        async def fetch(index: int) -> Page[Warehouse]:
            body = WarehouseListRequest(
                type=warehouse_type,
                is_delete=is_delete,
                offset=index * page_size,
                length=page_size,
            )
            return await self._post(WAREHOUSE_LIST, body, _page_decoder(Warehouse))

        return await all_pages(fetch, page_size=page_size, path=WAREHOUSE_LIST.path)

    # --- helpers -------------------------------------------------------------------------

    async def _orders_of(
        self, numbers: list[str], include_deleted: bool, page_size: int
    ) -> Rows[LxOrder]:
        async def fetch(index: int) -> Page[LxOrder]:
            body = OrderListRequest(
                offset=index * page_size,
                length=page_size,
                platform_order_nos=numbers,
                include_delete=include_deleted,
            )
            return await self._post(ORDER_LIST, body, _page_decoder(LxOrder))

        return await all_pages(fetch, page_size=page_size, path=ORDER_LIST.path)

    async def _wms_orders_of(
        self,
        numbers: list[str],
        sids: Sequence[int],
        statuses: list[int] | None,
        window: tuple[str, str] | None,
        time_type: str,
        page_size: int,
    ) -> Rows[WmsOrder]:
        filters: dict[str, Any] = {"platform_order_no_arr": numbers}
        filters["sid_arr"] = [int(s) for s in sids] or None
        filters["status_arr"] = statuses
        if window is not None:
            filters.update(time_type=time_type, start_date=window[0], end_date=window[1])

        async def fetch(index: int) -> Page[WmsOrder]:
            body = WmsOrderListRequest(page=index + 1, page_size=page_size, **filters)
            return await self._post(WMS_ORDER_LIST, body, _page_decoder(WmsOrder))

        return await all_pages(fetch, page_size=page_size, path=WMS_ORDER_LIST.path)

    def _date_window(self, start: datetime | None, end: datetime | None) -> tuple[str, str] | None:
        """The WMS dates covering ``[start, end]`` (``end``: now), or None without a start."""
        if start is None:
            if end is not None:
                raise ValueError("end without start")
            return None
        end = end or datetime.fromtimestamp(self._clock(), self.timezone)
        return wms_date_window(start, end, self.timezone)

    async def _post(
        self, endpoint: Endpoint, body_model: BaseModel, decode: Callable[[Envelope], T]
    ) -> T:
        """One signed POST: the body is serialised once; each attempt re-signs with a fresh
        timestamp and the current token."""
        body = to_body(body_model)
        payload = encode_body(body)

        async def prepare() -> Prepared:
            token = await self.tokens.get()
            query = signed_query(
                body, access_token=token, app_id=self.app_id, timestamp=str(int(self._clock()))
            )
            return Prepared(params=query, headers=JSON_HEADERS, data=payload, credential=token)

        def parse(raw: RawResponse) -> T:
            return decode(parse_checked(raw))

        return await self.transport.request(endpoint, prepare, parse)


def _page_decoder(model: type[M]) -> Callable[[Envelope], Page[M]]:
    def decode(envelope: Envelope) -> Page[M]:
        rows = envelope.rows
        if rows is None:
            raise ERRORS.make(LingxingDecodeError, "list answer whose rows are not a list")
        good: list[M] = []
        rejected: list[Rejected] = []
        for index, row in enumerate(rows):
            try:
                good.append(model.model_validate(row))
            except ValidationError as exc:
                rejected.append(_rejected(model, index, row, exc))
        return Page(good, envelope.total, rejected)

    return decode


def _rejected(model: type[BaseModel], index: int, row: object, exc: ValidationError) -> Rejected:
    """One refused row, reported by field names only (values may be buyer data)."""
    fields = tuple(sorted({".".join(str(p) for p in e["loc"]) or "<row>" for e in exc.errors()}))
    keys = row_keys(model, row)
    _log.warning(
        "lingxing %s row %d refused: bad fields %s (keys: %d)",
        model.__name__,
        index,
        ",".join(fields[:5]),
        len(keys),
    )
    return Rejected(index, fields[:10], keys)


def _decode_create(envelope: Envelope) -> CreateOrdersResult:
    if not isinstance(envelope.data, dict):
        raise ERRORS.make(LingxingDecodeError, "create answer without per-order details")
    return CreateOrdersResult.model_validate(envelope.data)
