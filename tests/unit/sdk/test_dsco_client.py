"""DscoClient error paths over a mocked wire: error classes, retries, write safety, secrets."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from sdk._errors import (
    APIStatusError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    SdkError,
    ServerError,
    ValidationError,
)
from sdk._retry import RetryPolicy
from sdk.dsco import (
    DscoAPIError,
    DscoAuthenticationError,
    DscoClient,
    DscoConnectionError,
    DscoDecodeError,
    DscoError,
    DscoNotFoundError,
    DscoRateLimitError,
    DscoServerError,
    DscoTimeoutError,
    DscoValidationError,
    InventoryWarehouse,
    Invoice,
    ItemInventory,
    Shipment,
    ShipmentForOrder,
    ShipmentLineItem,
)
from tests.unit.sdk.mock_http import MockHttp, sent_count

BASE = "https://dsco.test/api/v3"
TOKEN = "7f3c2b1a-9e8d-4c6b-a5f4-e3d2c1b0a987"
SINCE = datetime(2026, 2, 1, tzinfo=UTC)
UNTIL = datetime(2026, 2, 11, 18, 0, tzinfo=UTC)
ACCEPTED = {"status": "pending", "requestId": "req-1", "eventDate": "2026-02-11T15:01:12+00:00"}


def url(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(BASE + path) + r"(\?.*)?$")


class Sleeps:
    """Records retry delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def mocked() -> Any:
    with MockHttp() as m:
        yield m


def make_client(
    session: aiohttp.ClientSession, sleeps: Sleeps | None = None, attempts: int = 4
) -> DscoClient:
    retry = RetryPolicy(max_attempts=attempts, sleep=sleeps or Sleeps(), jitter=0.0)
    return DscoClient(session, base_url=BASE, token=TOKEN, retry=retry, rate_limits={})


def shipment() -> ShipmentForOrder:
    line = ShipmentLineItem(quantity=1, sku="A")
    return ShipmentForOrder(
        po_number="PO1", shipments=[Shipment(tracking_number="T1", line_items=[line])]
    )


def invoice() -> Invoice:
    return Invoice(invoice_id="PO1", po_number="PO1", total_amount=Decimal("1.00"))


def inventory() -> ItemInventory:
    wh = [InventoryWarehouse(code="W", quantity=1)]
    return ItemInventory(sku="A", status="in-stock", warehouses=wh)


async def first_page(client: DscoClient) -> list[dict[str, Any]]:
    async for page in client.iter_order_pages(created_since=SINCE, until=UNTIL):
        return page
    return []


# --- headers and bodies --------------------------------------------------------------------------


async def test_every_request_carries_bearer_and_json_headers(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    mocked.get(url("/order/"), payload={"poNumber": "PO1"})
    mocked.post(url("/order/acknowledge"), payload=ACCEPTED, status=202)
    client = make_client(session)

    assert await client.get_order("PO1") == {"poNumber": "PO1"}
    accepted = await client.acknowledge(["PO1", "PO2"])

    assert accepted.request_id == "req-1"
    calls = [c for calls in mocked.requests.values() for c in calls]
    for call in calls:
        headers = call.kwargs["headers"]
        assert headers["Authorization"] == f"bearer {TOKEN}"
        assert headers["Accept"] == "application/json"
        assert headers["Content-Type"] == "application/json"
    assert json.loads(calls[1].kwargs["data"]) == [
        {"id": "PO1", "type": "PO_NUMBER"},
        {"id": "PO2", "type": "PO_NUMBER"},
    ]


async def test_get_order_query_and_trailing_slash(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    mocked.get(url("/order/"), payload=[{"poNumber": "PO1", "n": 1}, {"poNumber": "PO1", "n": 2}])
    order = await make_client(session).get_order("1075", key="dscoOrderId")
    assert order == {"poNumber": "PO1", "n": 1}  # a split PO: the first sub-order
    (key,) = mocked.requests
    assert str(key[1]) == f"{BASE}/order/?orderKey=dscoOrderId&value=1075"


# --- status -> error class ---------------------------------------------------------------------

STATUS_TABLE = [
    (400, DscoValidationError, ValidationError),
    (401, DscoAuthenticationError, AuthenticationError),
    (403, DscoAuthenticationError, AuthenticationError),
    (404, DscoNotFoundError, NotFoundError),
    (408, DscoAPIError, APIStatusError),
    (413, DscoValidationError, ValidationError),
    (429, DscoRateLimitError, RateLimitError),
    (500, DscoServerError, ServerError),
    (502, DscoServerError, ServerError),
    (503, DscoServerError, ServerError),
    (504, DscoServerError, ServerError),
]


@pytest.mark.parametrize(("status", "dsco_cls", "shared_cls"), STATUS_TABLE)
async def test_status_maps_to_error_class(
    session: aiohttp.ClientSession,
    mocked: Any,
    status: int,
    dsco_cls: type[DscoError],
    shared_cls: type[SdkError],
) -> None:
    mocked.get(url("/order/page"), status=status, body="oops")
    with pytest.raises(dsco_cls) as info:
        await first_page(make_client(session, attempts=1))
    assert isinstance(info.value, shared_cls)
    assert info.value.status == status
    assert info.value.vendor == "dsco"
    assert info.value.path == "/order/page"


async def test_400_surfaces_dsco_messages(session: aiohttp.ClientSession, mocked: Any) -> None:
    body = {
        "status": "failure",
        "requestId": "rq-400",
        "messages": [
            {"code": "VALIDATION_FAILED", "severity": "error", "description": "until too recent"},
            {"code": "RANGE", "description": ["ordersPerPage", "must be 10..1000"]},
        ],
    }
    mocked.get(url("/order/page"), status=400, payload=body)
    with pytest.raises(DscoValidationError) as info:
        await first_page(make_client(session))
    err = info.value
    assert err.code == "VALIDATION_FAILED"
    assert err.request_id == "rq-400"
    assert "until too recent" in str(err)
    assert "must be 10..1000" in str(err)
    assert sent_count(mocked) == 1  # a 400 is never retried


# --- retries -----------------------------------------------------------------------------------


async def test_retry_after_is_honoured(
    session: aiohttp.ClientSession, mocked: Any, sleeps: Sleeps
) -> None:
    mocked.get(url("/order/"), status=429, headers={"Retry-After": "7"})
    mocked.get(url("/order/"), payload={"poNumber": "PO1"})
    assert await make_client(session, sleeps).get_order("PO1") == {"poNumber": "PO1"}
    assert sleeps.delays == [7.0]


async def test_retries_are_bounded(
    session: aiohttp.ClientSession, mocked: Any, sleeps: Sleeps
) -> None:
    mocked.get(url("/order/page"), status=503, repeat=True)
    with pytest.raises(DscoServerError) as info:
        await first_page(make_client(session, sleeps, attempts=3))
    assert sent_count(mocked) == 3
    assert len(sleeps.delays) == 2
    assert info.value.ambiguous is False  # a read is never "ambiguous"


async def test_connection_errors_on_reads_are_retried(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    mocked.get(url("/inventory"), exception=aiohttp.ServerDisconnectedError())
    mocked.get(url("/inventory"), payload={"sku": "A", "warehouses": []})
    assert await make_client(session).get_inventory("A") == {"sku": "A", "warehouses": []}
    assert sent_count(mocked) == 2


WRITES = [
    ("/order/shipment/batch/small", lambda c: c.create_shipments([shipment()])),
    ("/invoice/batch/small", lambda c: c.create_invoices([invoice()])),
    ("/inventory/batch/small", lambda c: c.update_inventory([inventory()])),
]


@pytest.mark.parametrize(("path", "call"), WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize(
    "failure",
    [{"status": 500}, {"status": 502}, {"status": 504}, {"exception": TimeoutError()}],
    ids=["500", "502", "504", "timeout"],
)
async def test_ambiguous_batch_write_is_not_retried(
    session: aiohttp.ClientSession, mocked: Any, path: str, call: Any, failure: dict[str, Any]
) -> None:
    mocked.post(url(path), **failure)
    mocked.post(url(path), payload=ACCEPTED, status=202)
    with pytest.raises((DscoServerError, DscoTimeoutError)) as info:
        await call(make_client(session))
    assert sent_count(mocked) == 1
    assert info.value.ambiguous is True


@pytest.mark.parametrize(("path", "call"), WRITES, ids=[w[0] for w in WRITES])
async def test_refused_batch_write_is_retried(
    session: aiohttp.ClientSession, mocked: Any, path: str, call: Any
) -> None:
    # 429 and "could not connect" prove DSCO did not process the batch.
    mocked.post(url(path), status=429)
    mocked.post(url(path), exception=aiohttp.ClientConnectorError(None, OSError("refused")))  # type: ignore[arg-type]
    mocked.post(url(path), payload=ACCEPTED, status=202)
    accepted = await call(make_client(session))
    assert accepted.request_id == "req-1"
    assert sent_count(mocked) == 3


@pytest.mark.parametrize(
    "failure",
    [{"status": 500}, {"status": 504}, {"exception": TimeoutError()}],
    ids=["500", "504", "timeout"],
)
async def test_acknowledge_is_retried_because_it_is_idempotent(
    session: aiohttp.ClientSession, mocked: Any, failure: dict[str, Any]
) -> None:
    mocked.post(url("/order/acknowledge"), **failure)
    mocked.post(url("/order/acknowledge"), payload=ACCEPTED, status=202)
    accepted = await make_client(session).acknowledge(["PO1"])
    assert accepted.request_id == "req-1"
    assert sent_count(mocked) == 2


async def test_batch_answered_failure_raises_with_messages(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    body = ACCEPTED | {"status": "failure", "messages": [{"code": "BAD", "description": "no"}]}
    mocked.post(url("/order/shipment/batch/small"), payload=body, status=202)
    with pytest.raises(DscoValidationError, match="BAD: no") as info:
        await make_client(session).create_shipments([shipment()])
    assert info.value.ambiguous is False


async def test_unreadable_accept_is_a_decode_error(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    mocked.post(url("/invoice/batch/small"), payload={"status": "pending"}, status=202)
    with pytest.raises(DscoDecodeError):
        await make_client(session).create_invoices([invoice()])
    assert sent_count(mocked) == 1


async def test_empty_or_oversized_batches_are_refused_locally(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    client = make_client(session)
    with pytest.raises(ValueError, match="at least one"):
        await client.create_shipments([])
    items = [inventory().model_copy(update={"sku": f"{i:0>80}"}) for i in range(60_000)]
    with pytest.raises(ValueError, match="5 MB"):
        await client.update_inventory(items)
    assert sent_count(mocked) == 0


# --- not found -----------------------------------------------------------------------------------


async def test_dsco_not_found_envelope_means_none(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    envelope = {"status": "failure", "messages": [{"code": "notFound", "description": "none"}]}
    mocked.get(url("/order/"), status=404, payload=envelope)
    mocked.get(url("/inventory"), status=404, payload=envelope)
    mocked.get(url("/invoice"), payload={"invoices": []})
    client = make_client(session)
    assert await client.get_order("PO1") is None
    assert await client.get_inventory("A") is None
    assert await client.get_invoice("PO1") is None
    assert sent_count(mocked) == 3  # a 404 is an answer, not retried


async def test_bare_404_is_an_error_not_a_missing_object(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    # A wrong base URL or a proxy answers 404 without DSCO's envelope: do not read it as "none".
    mocked.get(url("/order/"), status=404, body="<html>Not Found</html>")
    with pytest.raises(DscoNotFoundError):
        await make_client(session).get_order("PO1")


async def test_get_invoice_returns_the_first_invoice(
    session: aiohttp.ClientSession, mocked: Any
) -> None:
    mocked.get(url("/invoice"), payload={"invoices": [{"invoiceId": "PO1", "dscoInvoiceId": "9"}]})
    assert await make_client(session).get_invoice("PO1") == {
        "invoiceId": "PO1",
        "dscoInvoiceId": "9",
    }
    (key,) = mocked.requests
    assert str(key[1]) == f"{BASE}/invoice?key=invoiceId&value=PO1"


# --- secrets -----------------------------------------------------------------------------------

LEAKY_FAILURES = [
    {
        "status": 401,
        "payload": {
            "messages": [{"code": "UNAUTHORIZED", "description": f"token {TOKEN} unknown"}]
        },
    },
    {
        "status": 400,
        "body": f"Authorization: bearer {TOKEN} rejected for {BASE}/order/?orderKey=poNumber",
    },
    {"status": 500, "payload": {"message": f"echo {TOKEN}"}},
    {"exception": aiohttp.ClientConnectorError(None, OSError(f"cannot reach with {TOKEN}"))},  # type: ignore[arg-type]
    {"exception": TimeoutError()},
]


@pytest.mark.parametrize("failure", LEAKY_FAILURES, ids=["401", "400", "500", "connect", "timeout"])
async def test_token_never_appears_in_errors_or_logs(
    session: aiohttp.ClientSession,
    mocked: Any,
    caplog: pytest.LogCaptureFixture,
    failure: dict[str, Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    mocked.get(url("/order/"), repeat=True, **failure)
    with pytest.raises(DscoError) as info:
        await make_client(session, attempts=2).get_order("PO1")
    err = info.value
    assert [r for r in caplog.records if r.name == "sdk.dsco"]  # the transport did log
    texts = [str(err), repr(err), *map(str, err.args), err.message, caplog.text]
    assert not [t for t in texts if TOKEN in t]
    assert not [t for t in texts if "orderKey=" in t]  # no query strings either
    assert err.__cause__ is None or TOKEN not in str(err.__cause__)
    assert TOKEN not in repr(make_client(session))


async def test_construction_needs_a_token(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="token"):
        DscoClient(session, base_url=BASE, token="")


async def test_connection_error_class(session: aiohttp.ClientSession, mocked: Any) -> None:
    mocked.get(url("/order/"), exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(DscoConnectionError):
        await make_client(session, attempts=2).get_order("PO1")
