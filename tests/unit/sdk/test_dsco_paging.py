"""Scrolling ``GET /order/page`` against a real HTTP server: complete, ordered, page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sdk._retry import RetryPolicy
from sdk.dsco import DscoClient, DscoNotFoundError, ScrollExpiredError

SINCE = datetime(2026, 2, 1, tzinfo=UTC)
UNTIL = datetime(2026, 2, 11, 18, 0, tzinfo=UTC)


class ScrollServer:
    """Serves ``total`` orders in pages of ``ordersPerPage``, DSCO style (same scrollId)."""

    def __init__(self, total: int) -> None:
        self.orders = [{"poNumber": f"PO{i:05d}", "lineItems": []} for i in range(total)]
        self.queries: list[list[tuple[str, str]]] = []
        self.offset = 0
        self.per_page = 1000
        self.expire_after: int | None = None  # 404 the scrollId after this many pages
        self.omit_scroll_id = False
        self.repeat_forever = False

    async def handle(self, request: web.Request) -> web.Response:
        self.queries.append(list(request.query.items()))
        if "scrollId" not in request.query:
            self.per_page, self.offset = int(request.query["ordersPerPage"]), 0
        elif request.query["scrollId"] != "scroll-1" or self._expired():
            return web.json_response({"messages": [{"code": "notFound"}]}, status=404)
        page = self.orders[self.offset : self.offset + self.per_page]
        if not self.repeat_forever:
            self.offset += len(page)
        body: dict[str, Any] = {"orders": page}
        if not self.omit_scroll_id:
            body["scrollId"] = "scroll-1"
        return web.json_response(body)

    def _expired(self) -> bool:
        return self.expire_after is not None and len(self.queries) > self.expire_after


async def collect(pages: AsyncIterator[list[dict[str, Any]]], sink: list[Any]) -> None:
    async for page in pages:
        sink.append(page)


@pytest.fixture
async def scroll() -> AsyncIterator[tuple[ScrollServer, DscoClient]]:
    fake = ScrollServer(total=10_000)
    app = web.Application()
    app.router.add_get("/api/v3/order/page", fake.handle)
    server = TestServer(app)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        client = DscoClient(
            session,
            base_url=str(server.make_url("/api/v3")),
            token="t",
            retry=RetryPolicy.never(),
            rate_limits={},
        )
        yield fake, client
    await server.close()


async def test_a_long_scroll_is_read_completely_in_order_one_page_at_a_time(
    scroll: tuple[ScrollServer, DscoClient],
) -> None:
    fake, client = scroll
    seen: list[str] = []
    fetched_when_yielded: list[int] = []
    async for page in client.iter_order_pages(created_since=SINCE, until=UNTIL, per_page=250):
        # Streaming: page n is handed out before page n+1 is even requested.
        fetched_when_yielded.append(len(fake.queries))
        assert len(page) == 250
        seen.extend(order["poNumber"] for order in page)
    assert seen == [o["poNumber"] for o in fake.orders]
    assert fetched_when_yielded == list(range(1, 41))
    assert len(fake.queries) == 41  # the last, empty page ends the scroll


async def test_first_query_then_scroll_id_only(scroll: tuple[ScrollServer, DscoClient]) -> None:
    fake, client = scroll
    fake.orders = fake.orders[:15]
    cst = timezone(timedelta(hours=8))
    pages = client.iter_order_pages(
        updated_since=datetime(2026, 2, 1, 8, tzinfo=cst),
        until=UNTIL,
        per_page=5,
        statuses=["created", "shipped"],
        include_test_orders=True,
    )
    assert [len(p) async for p in pages] == [10, 5]
    assert fake.queries[0] == [
        ("until", "2026-02-11T18:00:00Z"),
        ("ordersUpdatedSince", "2026-02-01T00:00:00Z"),
        ("ordersPerPage", "10"),  # clamped up to DSCO's minimum
        ("status", "created"),
        ("status", "shipped"),
        ("includeTestOrders", "true"),
    ]
    assert fake.queries[1:] == [[("scrollId", "scroll-1")]] * 2


async def test_per_page_is_clamped_to_1000(scroll: tuple[ScrollServer, DscoClient]) -> None:
    fake, client = scroll
    pages = client.iter_order_pages(created_since=SINCE, until=UNTIL, per_page=50_000)
    assert [len(p) async for p in pages] == [1000] * 10
    assert ("ordersPerPage", "1000") in fake.queries[0]


async def test_expired_scroll_raises_a_clear_error(
    scroll: tuple[ScrollServer, DscoClient],
) -> None:
    fake, client = scroll
    fake.expire_after = 2
    got: list[list[dict[str, Any]]] = []
    pages = client.iter_order_pages(created_since=SINCE, until=UNTIL, per_page=100)
    with pytest.raises(ScrollExpiredError, match="restart the query") as info:
        await collect(pages, got)
    assert len(got) == 2
    assert isinstance(info.value, DscoNotFoundError)
    assert info.value.status == 404


async def test_missing_scroll_id_ends_the_scroll(scroll: tuple[ScrollServer, DscoClient]) -> None:
    fake, client = scroll
    fake.omit_scroll_id = True
    pages = client.iter_order_pages(created_since=SINCE, until=UNTIL, per_page=100)
    assert [len(p) async for p in pages] == [100]
    assert len(fake.queries) == 1


async def test_empty_first_page_yields_nothing(scroll: tuple[ScrollServer, DscoClient]) -> None:
    fake, client = scroll
    fake.orders = []
    assert [p async for p in client.iter_order_pages(created_since=SINCE, until=UNTIL)] == []


async def test_max_pages_guards_against_an_endless_scroll(
    scroll: tuple[ScrollServer, DscoClient],
) -> None:
    fake, client = scroll
    fake.repeat_forever = True
    pages = client.iter_order_pages(created_since=SINCE, until=UNTIL, per_page=10, max_pages=3)
    assert [len(p) async for p in pages] == [10, 10, 10]


@pytest.mark.parametrize(
    "window",
    [{}, {"created_since": SINCE, "updated_since": SINCE}, {"created_since": datetime(2026, 1, 1)}],
)
async def test_window_must_be_one_aware_since(
    scroll: tuple[ScrollServer, DscoClient], window: dict[str, Any]
) -> None:
    _, client = scroll
    with pytest.raises(ValueError, match=r"exactly one|timezone-aware"):
        await collect(client.iter_order_pages(until=UNTIL, **window), [])
