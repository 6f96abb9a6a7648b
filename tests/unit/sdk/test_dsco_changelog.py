"""Change-log outcomes: key matching, failure-wins, all pages, completion, time budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sdk._retry import RetryPolicy
from sdk.dsco import ChangeLogEntry, DscoAuthenticationError, DscoClient
from sdk.dsco.changelog import entry_key, summarize


def entry(status: str, payload: dict[str, Any], *results: dict[str, Any]) -> dict[str, Any]:
    return {
        "payload": payload,
        "status": status,
        "dateProcessed": "2026-02-11T18:40:36+00:00",
        "requestMethod": "api",
        "requestId": "req-1",
        "results": list(results),
    }


def entries(*raw: dict[str, Any]) -> list[ChangeLogEntry]:
    return [ChangeLogEntry.model_validate(r) for r in raw]


# --- pure folding ------------------------------------------------------------------------------


def test_failure_wins_over_success_and_keeps_dsco_messages() -> None:
    outcome = summarize(
        "order",
        entries(
            entry("success", {"poNumber": "A"}),
            entry("failure", {"poNumber": "A"}, {"code": "DUP", "description": "dup tracking"}),
            entry("success", {"poNumber": "B"}),
            entry("pending", {"poNumber": "C"}),
            entry("success", {"poNumber": "not-wanted"}),
            entry("failure", {"poNumber": "D"}),
        ),
        {"A", "B", "C", "D", "E"},
    )
    assert outcome.succeeded == {"B"}
    assert outcome.failed == {"A": ["DUP: dup tracking"], "D": ["failure without a message"]}
    assert outcome.pending == {"C", "E"}


@pytest.mark.parametrize(
    ("kind", "payload", "key"),
    [
        ("order", {"poNumber": "PO1", "shipments": []}, "PO1"),
        ("order", {"id": "PO1", "type": "PO_NUMBER"}, "PO1"),  # an acknowledgement
        ("order", {"id": 1075, "type": "DSCO_ORDER_ID"}, "1075"),
        ("order", {"dscoOrderId": "1075", "shipments": []}, "1075"),
        ("invoice", {"invoiceId": "PO1", "poNumber": "other"}, "PO1"),
        ("inventory", {"sku": "SKU1"}, "SKU1"),
        ("inventory", {"sku": "x", "partnerSku": "SKU1"}, "SKU1"),
        ("invoice", {"poNumber": "PO1"}, None),
    ],
)
def test_entry_key(kind: Any, payload: dict[str, Any], key: str | None) -> None:
    assert entry_key(kind, payload, {"PO1", "1075", "SKU1"}) == key


# --- polling a real log server -----------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class LogServer:
    """``/order/log``: poll n answers with ``script[n]`` (the last one repeats), paged."""

    def __init__(self) -> None:
        self.script: list[Any] = [("PROCESSING", [])]
        self.page_size = 2
        self.queries: list[list[tuple[str, str]]] = []
        self.polls = 0
        self._pending: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.queries.append(list(request.query.items()))
        if "scrollId" not in request.query:
            step = self.script[min(self.polls, len(self.script) - 1)]
            self.polls += 1
            if isinstance(step, int):
                return web.json_response({"messages": [{"code": "X"}]}, status=step)
            self.status, self._pending = step[0], list(step[1])
        page, self._pending = self._pending[: self.page_size], self._pending[self.page_size :]
        return web.json_response({"status": self.status, "logs": page, "scrollId": "log-scroll"})


@pytest.fixture
async def logs() -> AsyncIterator[tuple[LogServer, DscoClient, FakeClock]]:
    fake, clock = LogServer(), FakeClock()
    app = web.Application()
    app.router.add_get("/order/log", fake.handle)
    server = TestServer(app)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        client = DscoClient(
            session,
            base_url=str(server.make_url("")).rstrip("/"),
            token="t",
            retry=RetryPolicy.never(),
            clock=clock,
            sleep=clock.sleep,
            rate_limits={},
        )
        yield fake, client, clock
    await server.close()


async def test_follows_every_page_and_stops_when_every_key_has_a_result(
    logs: tuple[LogServer, DscoClient, FakeClock],
) -> None:
    fake, client, clock = logs
    many = [entry("success", {"poNumber": f"PO{i}"}) for i in range(7)]
    fake.script = [("PROCESSING", many[:3]), ("PROCESSING", many)]
    keys = {f"PO{i}" for i in range(7)}

    outcome = await client.wait_for_request("order", "req-1", keys, timeout=60, poll_interval=3)

    assert outcome.succeeded == keys
    assert (outcome.pending, outcome.failed, outcome.completed) == (set(), {}, False)
    assert outcome.polls == 2
    assert clock.sleeps == [3]
    assert fake.queries[0] == [("requestId", "req-1"), ("status", "success_or_failure")]
    # Poll 2 read 7 entries in pages of 2: 4 pages with entries + the empty last page.
    assert (
        fake.queries[-5:]
        == [[("requestId", "req-1"), ("status", "success_or_failure")]]
        + [[("scrollId", "log-scroll")]] * 4
    )


async def test_completed_log_stops_polling_and_leaves_missing_keys_pending(
    logs: tuple[LogServer, DscoClient, FakeClock],
) -> None:
    fake, client, clock = logs
    fake.script = [("COMPLETED", [entry("failure", {"poNumber": "A"}, {"code": "E"})])]
    outcome = await client.wait_for_request("order", "req-1", ["A", "B"], timeout=60)
    assert (outcome.failed, outcome.pending, outcome.completed) == ({"A": ["E"]}, {"B"}, True)
    assert outcome.polls == 1
    assert clock.sleeps == []


async def test_gives_up_after_the_time_budget(
    logs: tuple[LogServer, DscoClient, FakeClock],
) -> None:
    _, client, clock = logs
    outcome = await client.wait_for_request("order", "req-1", ["A"], timeout=10, poll_interval=3)
    assert outcome.pending == {"A"}
    assert outcome.polls == 4  # at 0, 3, 6 and 9 s; a 5th poll would start after 10 s
    assert clock.now == 9


async def test_a_failed_read_is_retried_on_the_next_poll(
    logs: tuple[LogServer, DscoClient, FakeClock],
) -> None:
    fake, client, _ = logs
    fake.script = [503, ("COMPLETED", [entry("success", {"poNumber": "A"})])]
    outcome = await client.wait_for_request("order", "req-1", ["A"], timeout=60, poll_interval=1)
    assert outcome.succeeded == {"A"}
    assert outcome.polls == 2
    assert outcome.last_error is not None
    assert "503" in outcome.last_error


async def test_an_auth_failure_is_raised(logs: tuple[LogServer, DscoClient, FakeClock]) -> None:
    fake, client, _ = logs
    fake.script = [401]
    with pytest.raises(DscoAuthenticationError):
        await client.wait_for_request("order", "req-1", ["A"], timeout=60)


async def test_iter_change_log_needs_a_request_or_a_window(
    logs: tuple[LogServer, DscoClient, FakeClock],
) -> None:
    _, client, _ = logs
    with pytest.raises(ValueError, match="request_id"):
        async for _ in client.iter_change_log("order"):
            pass
