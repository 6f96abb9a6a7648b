"""The shared transport: error classes, retry rules, Retry-After, budgets, limits, redaction."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import CallbackResult

from sdk._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    DecodeError,
    ErrorSet,
    NotFoundError,
    RateLimitError,
    Redactor,
    SdkError,
    ServerError,
    ValidationError,
    redact,
)
from sdk._http import Endpoint, HttpTransport, Prepared, RawResponse
from sdk._limits import CallStats, ConcurrencyLimiter, Rate, RateLimiter, run_all
from sdk._retry import RetryPolicy, Safety, parse_retry_after
from tests.unit.sdk.mock_http import CompatResponse, MockHttp, sent_count

BASE = "https://tv.test"
URL = re.compile(r"^https://tv\.test/items(\?.*)?$")
SECRET_TOKEN = "tok-9f8e7d6c5b4a"


# A vendor tree built the way sdk/lingxing and sdk/dsco do it.
class TvError(SdkError): ...


class TvConnectionError(TvError, APIConnectionError): ...


class TvTimeoutError(TvConnectionError, APITimeoutError): ...


class TvStatusError(TvError, APIStatusError): ...


class TvRateLimitError(TvStatusError, RateLimitError): ...


class TvAuthenticationError(TvStatusError, AuthenticationError): ...


class TvNotFoundError(TvStatusError, NotFoundError): ...


class TvServerError(TvStatusError, ServerError): ...


class TvValidationError(TvStatusError, ValidationError): ...


class TvDecodeError(TvError, DecodeError): ...


ERRORS = ErrorSet(
    "tv",
    [
        TvError,
        TvConnectionError,
        TvTimeoutError,
        TvStatusError,
        TvRateLimitError,
        TvAuthenticationError,
        TvNotFoundError,
        TvServerError,
        TvValidationError,
        TvDecodeError,
    ],
)

READ = Endpoint("/items", method="GET", safety=Safety.READ)
WRITE = Endpoint("/items", method="POST", safety=Safety.WRITE)
IDEMPOTENT = Endpoint("/items", method="PUT", safety=Safety.IDEMPOTENT)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def policy(fake_time: FakeTime) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=4,
        max_total_seconds=60,
        base_backoff=1,
        max_backoff=8,
        jitter=0,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def mocked() -> Iterator[MockHttp]:
    with MockHttp() as m:
        yield m


def make(session: aiohttp.ClientSession, policy: RetryPolicy, **kw: Any) -> HttpTransport:
    return HttpTransport(session, vendor="tv", base_url=BASE, errors=ERRORS, retry=policy, **kw)


async def prepare() -> Prepared:
    return Prepared(params={"access_token": SECRET_TOKEN}, credential=SECRET_TOKEN)


def parse(raw: RawResponse) -> Any:
    return raw.json()


def sent(mocked: MockHttp) -> int:
    return sent_count(mocked)


def connector_error() -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(host="tv.test", port=443, ssl=True)
    return aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))  # type: ignore[arg-type]


# --- error classes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "shared", "vendor"),
    [
        (400, ValidationError, TvValidationError),
        (401, AuthenticationError, TvAuthenticationError),
        (403, AuthenticationError, TvAuthenticationError),
        (404, NotFoundError, TvNotFoundError),
        (409, ValidationError, TvValidationError),
        (422, ValidationError, TvValidationError),
        (429, RateLimitError, TvRateLimitError),
        (500, ServerError, TvServerError),
        (502, ServerError, TvServerError),
        (503, ServerError, TvServerError),
    ],
)
async def test_status_maps_to_vendor_subclass_of_shared_class(
    session: aiohttp.ClientSession,
    mocked: MockHttp,
    status: int,
    shared: type[SdkError],
    vendor: type[SdkError],
) -> None:
    body = {"messages": [{"code": "nope", "description": "bad thing"}], "requestId": "r-1"}
    mocked.get(URL, status=status, payload=body, repeat=True)
    transport = make(session, RetryPolicy.instant(max_attempts=1))
    with pytest.raises(shared) as info:
        await transport.request(READ, prepare, parse)
    err = info.value
    assert type(err) is vendor
    assert isinstance(err, TvError)
    assert (err.status, err.code, err.request_id, err.path) == (status, "nope", "r-1", "/items")
    assert "bad thing" in str(err)
    assert err.vendor == "tv"


async def test_html_error_body_and_undecodable_success(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy
) -> None:
    mocked.get(URL, status=405, body="<html>405 Not Allowed</html>", content_type="text/html")
    mocked.get(URL, status=200, body="not json", content_type="text/plain")
    transport = make(session, policy)
    with pytest.raises(TvValidationError, match="HTTP 405"):
        await transport.request(READ, prepare, parse)
    with pytest.raises(TvDecodeError, match="unreadable response") as info:
        await transport.request(READ, prepare, parse)
    assert info.value.ambiguous is False  # a read is never ambiguous
    assert sent(mocked) == 2  # neither is retried


async def test_408_and_5xx_are_retried_for_reads(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy, fake_time: FakeTime
) -> None:
    mocked.get(URL, status=408)
    mocked.get(URL, status=502)
    mocked.get(URL, status=200, payload={"ok": 1})
    assert await make(session, policy).request(READ, prepare, parse) == {"ok": 1}
    assert sent(mocked) == 3
    assert fake_time.sleeps == [1.0, 2.0]  # exponential, no jitter in this policy


# --- Retry-After and budgets --------------------------------------------------------------


async def test_retry_after_seconds_is_honoured(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy, fake_time: FakeTime
) -> None:
    mocked.get(URL, status=429, headers={"Retry-After": "7"})
    mocked.get(URL, status=503, headers={"Retry-After": "3"})
    mocked.get(URL, status=200, payload={"ok": 1})
    transport = make(session, policy)
    assert await transport.request(READ, prepare, parse) == {"ok": 1}
    assert fake_time.sleeps == [7.0, 3.0]
    assert transport.stats.rate_limit_waits[("tv", "/items")] == 1
    assert transport.stats.rate_limit_wait_seconds[("tv", "/items")] == 7.0
    # Every attempt is counted and timed; only the 429 counts as throttling.
    assert transport.stats.throttled == {("tv", "/items", "429"): 1}
    assert transport.stats.durations[("tv", "/items")].count == 3
    assert transport.stats.calls[("tv", "/items", "rate_limited")] == 1


def test_parse_retry_after_forms() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    http_date = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(http_date, now=now.timestamp()) == pytest.approx(42)
    assert parse_retry_after("5") == 5
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0
    assert parse_retry_after(format_datetime(now, usegmt=True), now=now.timestamp() + 9) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_retry_after_beyond_the_cap_is_not_waited(
    session: aiohttp.ClientSession, mocked: MockHttp, fake_time: FakeTime
) -> None:
    mocked.get(URL, status=429, headers={"Retry-After": "3600"}, repeat=True)
    policy = RetryPolicy(max_retry_after=60, sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(TvRateLimitError) as info:
        await make(session, policy).request(READ, prepare, parse)
    assert info.value.retry_after == 3600
    assert fake_time.sleeps == []
    assert sent(mocked) == 1


async def test_attempts_are_bounded(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy, fake_time: FakeTime
) -> None:
    mocked.get(URL, status=500, repeat=True)
    with pytest.raises(TvServerError):
        await make(session, policy).request(READ, prepare, parse)
    assert sent(mocked) == 4  # max_attempts
    assert fake_time.sleeps == [1.0, 2.0, 4.0]


async def test_total_time_is_bounded(
    session: aiohttp.ClientSession, mocked: MockHttp, fake_time: FakeTime
) -> None:
    mocked.get(URL, status=503, repeat=True)
    policy = RetryPolicy(
        max_attempts=100,
        max_total_seconds=20,
        base_backoff=1,
        max_backoff=8,
        jitter=0,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    with pytest.raises(TvServerError):
        await make(session, policy).request(READ, prepare, parse)
    # 1 + 2 + 4 + 8 = 15 s waited; another 8 s would pass the 20 s budget.
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert sent(mocked) == 5


def test_backoff_with_jitter_stays_within_bounds() -> None:
    policy = RetryPolicy(base_backoff=0.5, max_backoff=4, jitter=0.5)
    for retry in range(1, 10):
        raw = min(4.0, 0.5 * 2 ** (retry - 1))
        for _ in range(50):
            assert raw * 0.5 <= policy.backoff(retry) <= raw


async def test_instant_policy_does_not_wait(
    session: aiohttp.ClientSession, mocked: MockHttp
) -> None:
    mocked.get(URL, status=429, headers={"Retry-After": "30"})
    mocked.get(URL, status=200, payload={"ok": 1})
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await make(session, RetryPolicy.instant()).request(READ, prepare, parse) == {"ok": 1}
    assert loop.time() - began < 5


# --- the write-safety rule ----------------------------------------------------------------


async def test_write_timeout_is_ambiguous_and_not_retried(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy
) -> None:
    mocked.post(URL, timeout=True, repeat=True)
    with pytest.raises(TvTimeoutError) as info:
        await make(session, policy).request(WRITE, prepare, parse)
    assert info.value.ambiguous is True
    assert "ambiguous" in str(info.value)
    assert sent(mocked) == 1


async def test_write_5xx_is_ambiguous_and_not_retried(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy
) -> None:
    mocked.post(URL, status=502, repeat=True)
    with pytest.raises(TvServerError) as info:
        await make(session, policy).request(WRITE, prepare, parse)
    assert info.value.ambiguous is True
    assert sent(mocked) == 1


async def test_write_connection_reset_is_ambiguous(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy
) -> None:
    mocked.post(URL, exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(TvConnectionError) as info:
        await make(session, policy).request(WRITE, prepare, parse)
    assert info.value.ambiguous is True
    assert sent(mocked) == 1


@pytest.mark.parametrize(
    "failure",
    [
        {"exception": connector_error()},
        {"exception": aiohttp.ConnectionTimeoutError()},
        {"status": 429},
    ],
    ids=["connect-refused", "connect-timeout", "429"],
)
async def test_write_is_retried_when_provably_not_processed(
    session: aiohttp.ClientSession,
    mocked: MockHttp,
    policy: RetryPolicy,
    failure: dict[str, Any],
) -> None:
    mocked.post(URL, **failure)
    mocked.post(URL, status=200, payload={"id": 7})
    assert await make(session, policy).request(WRITE, prepare, parse) == {"id": 7}
    assert sent(mocked) == 2


async def test_write_validation_error_is_not_ambiguous(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy
) -> None:
    mocked.post(URL, status=400, payload={"message": "missing field"})
    with pytest.raises(TvValidationError) as info:
        await make(session, policy).request(WRITE, prepare, parse)
    assert info.value.ambiguous is False


@pytest.mark.parametrize("endpoint", [READ, IDEMPOTENT], ids=["read", "idempotent-write"])
async def test_reads_and_idempotent_writes_retry_timeouts(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy, endpoint: Endpoint
) -> None:
    add = mocked.get if endpoint.method == "GET" else mocked.put
    add(URL, timeout=True)
    add(URL, exception=aiohttp.ServerDisconnectedError())
    add(URL, status=200, payload={"ok": 1})
    assert await make(session, policy).request(endpoint, prepare, parse) == {"ok": 1}
    assert sent(mocked) == 3


async def test_idempotent_write_that_finally_fails_is_ambiguous(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy
) -> None:
    mocked.put(URL, status=504, repeat=True)
    with pytest.raises(TvServerError) as info:
        await make(session, policy).request(IDEMPOTENT, prepare, parse)
    assert info.value.ambiguous is True
    assert sent(mocked) == 4


async def test_real_refused_connection_is_a_typed_error(policy: RetryPolicy) -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with aiohttp.ClientSession() as session:
        transport = HttpTransport(
            session,
            vendor="tv",
            base_url=f"http://127.0.0.1:{port}",
            errors=ERRORS,
            retry=RetryPolicy.instant(max_attempts=2),
        )
        with pytest.raises(TvConnectionError) as info:
            await transport.request(WRITE, prepare, parse)
    err = info.value
    assert err.refused is True
    assert err.ambiguous is False  # it never reached the server
    assert transport.stats.calls[("tv", "/items", "connection")] == 2
    assert err.__cause__ is None  # aiohttp's exception is not chained


# --- token rejection hook -----------------------------------------------------------------


async def test_token_rejected_triggers_one_renewal_then_raises(
    session: aiohttp.ClientSession, mocked: MockHttp, policy: RetryPolicy
) -> None:
    mocked.get(URL, status=401, repeat=True)
    renewed: list[str] = []

    async def on_rejected(credential: str) -> None:
        renewed.append(credential)

    transport = make(session, policy, on_token_rejected=on_rejected)
    with pytest.raises(TvAuthenticationError) as info:
        await transport.request(READ, prepare, parse)
    assert renewed == [SECRET_TOKEN]
    assert info.value.token_rejected
    assert sent(mocked) == 2


# --- limits -------------------------------------------------------------------------------


async def test_concurrency_cap_holds_against_a_real_server(aiohttp_server: Any) -> None:
    in_flight = 0
    peak = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/items", handler)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        limiter = ConcurrencyLimiter({"/items": 3})
        transport = HttpTransport(
            session,
            vendor="tv",
            base_url=str(server.make_url("")),
            errors=ERRORS,
            concurrency=limiter,
        )
        results = await asyncio.gather(
            *(transport.request(READ, prepare, parse) for _ in range(20))
        )
    assert results == [{"ok": True}] * 20
    assert peak == 3
    assert limiter.peak["/items"] == 3
    assert limiter.in_flight("/items") == 0
    assert transport.stats.calls[("tv", "/items", "ok")] == 20


async def test_rate_limiter_spaces_requests(fake_time: FakeTime) -> None:
    limiter = RateLimiter(
        {"k": Rate(per_second=2, per_minute=3)}, clock=fake_time.clock, sleep=fake_time.sleep
    )
    waits = [await limiter.acquire("k") for _ in range(5)]
    # Two in any second and three in any minute: the 3rd waits for the second to pass, the
    # 4th until the 1st call is a minute old, and the 5th may follow it (the 2nd is as old).
    assert waits == pytest.approx([0.0, 0.0, 1.0, 59.0, 0.0])
    assert await RateLimiter({}).acquire("unlimited") == 0.0


async def test_rate_limiter_counts_a_call_until_it_ends(fake_time: FakeTime) -> None:
    limiter = RateLimiter({"k": Rate(per_second=1)}, clock=fake_time.clock, sleep=fake_time.sleep)
    admitted: list[float] = []

    async def call(seconds: float) -> None:
        async with limiter.slot("k"):
            admitted.append(fake_time.now)
            await fake_time.sleep(seconds)  # the answer takes this long

    await asyncio.gather(call(2.5), call(0.0), call(0.0))
    # The 2nd may only leave a second after the 1st has ended: the vendor may have counted
    # the 1st as late as its answer. The 3rd a second after the 2nd.
    assert admitted == [1000.0, 1003.5, 1004.5]


async def test_rate_limiter_releases_a_call_that_failed(fake_time: FakeTime) -> None:
    limiter = RateLimiter({"k": Rate(per_second=1)}, clock=fake_time.clock, sleep=fake_time.sleep)
    with pytest.raises(RuntimeError):
        async with limiter.slot("k"):
            raise RuntimeError("no answer")
    assert await limiter.acquire("k") == pytest.approx(1.0)


def test_rates_allow_at_least_one_call() -> None:
    with pytest.raises(ValueError, match="at least one call"):
        Rate(per_minute=0)
    assert Rate(per_second=10, per_minute=500).windows() == [(10, 1.0), (500, 60.0)]
    assert Rate().windows() == []


async def test_rate_limiter_survives_float_rounding() -> None:
    # A clock with nanosecond ticks cannot advance by the 1e-17 s a float sum may come up
    # short; the limiter must treat "due within a nanosecond" as due instead of spinning.
    now = [0.0]
    sleeps = [0]

    async def tick_sleep(seconds: float) -> None:
        sleeps[0] += 1
        assert sleeps[0] < 10_000, "the limiter is spinning"
        now[0] = math.ceil((now[0] + seconds) * 1e9) / 1e9
        await asyncio.sleep(0)

    limiter = RateLimiter(
        {"k": Rate(per_second=15, per_minute=300)}, clock=lambda: now[0], sleep=tick_sleep
    )
    for _ in range(400):
        await limiter.acquire("k")
    # 300 calls in the first minute (15 a second: the 300th at 19 s), the 301st when the 1st
    # is a minute old, and the 400th at 60 + 99 // 15 s.
    assert now[0] == pytest.approx(66.0, abs=1e-6)


async def test_a_call_queued_for_a_slot_takes_its_rate_when_it_leaves(
    session: aiohttp.ClientSession, mocked: MockHttp, fake_time: FakeTime, policy: RetryPolicy
) -> None:
    # One slot, two calls a second. The first call's answer is slow; the four queued behind it
    # must not count as sent while they wait, or they would all go out together at its end.
    sent: list[float] = []
    slow_answer = asyncio.Event()

    async def answer(_url: Any, **_kwargs: Any) -> CallbackResult:
        sent.append(fake_time.now)
        if len(sent) == 1:
            await slow_answer.wait()
        return CallbackResult(payload={}, response_class=CompatResponse)

    mocked.get(URL, callback=answer, repeat=True)
    rates = RateLimiter(
        {"/items": Rate(per_second=2)}, clock=fake_time.clock, sleep=fake_time.sleep
    )
    transport = make(session, policy, rates=rates, concurrency=ConcurrencyLimiter({"/items": 1}))
    calls = asyncio.gather(*(transport.request(READ, prepare, parse) for _ in range(5)))
    for _ in range(20):
        await asyncio.sleep(0)  # the other four queue for the slot
    fake_time.now += 1.9
    slow_answer.set()
    await calls
    assert sent == pytest.approx([1000.0, 1001.9, 1002.9, 1002.9, 1003.9])


async def test_rate_limiter_waits_are_counted(
    session: aiohttp.ClientSession, mocked: MockHttp, fake_time: FakeTime, policy: RetryPolicy
) -> None:
    mocked.get(URL, status=200, payload={}, repeat=True)
    rates = RateLimiter(
        {"/items": Rate(per_second=1)}, clock=fake_time.clock, sleep=fake_time.sleep
    )
    transport = make(session, policy, rates=rates)
    for _ in range(3):
        await transport.request(READ, prepare, parse)
    assert transport.stats.rate_limit_waits[("tv", "/items")] == 2
    assert transport.stats.rate_limit_wait_seconds[("tv", "/items")] == pytest.approx(2.0)


def test_concurrency_caps_must_be_positive() -> None:
    with pytest.raises(ValueError, match=">= 1"):
        ConcurrencyLimiter({"x": 0})


async def test_run_all_raises_the_first_error_and_cancels_the_rest() -> None:
    cancelled = asyncio.Event()

    async def slow() -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 1

    async def failing() -> int:
        await asyncio.sleep(0)
        raise TvServerError("boom")

    with pytest.raises(TvServerError, match="boom"):
        await run_all([slow(), failing()])
    assert cancelled.is_set()
    assert await run_all([asyncio.sleep(0, result=n) for n in range(3)]) == [0, 1, 2]


def test_stats_snapshot_is_plain_data() -> None:
    stats = CallStats()
    stats.record_call("tv", "/items", "ok")
    stats.record_retry("tv", "/items", "timeout")
    stats.record_wait("tv", "/items", 1.5)
    assert stats.snapshot() == {
        "calls": [{"vendor": "tv", "endpoint": "/items", "outcome": "ok", "count": 1}],
        "retries": [{"vendor": "tv", "endpoint": "/items", "reason": "timeout", "count": 1}],
        "rate_limit_waits": [{"vendor": "tv", "endpoint": "/items", "count": 1, "seconds": 1.5}],
    }


# --- redaction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("GET https://h.test/p?access_token=abc123&sign=x%2By failed", ["abc123", "x%2By"]),
        ('{"access_token": "abc123", "refresh_token":"def456"}', ["abc123", "def456"]),
        ("appSecret=BYKn4e/XVg+shbQPVbMjiQ== rejected", ["BYKn4e/XVg+shbQPVbMjiQ=="]),
        ("Authorization: Bearer eyJhbGciOi.J9.abc", ["eyJhbGciOi.J9.abc"]),
        ("sign: cKJtYJYulup93j8L+JLnJQ", ["cKJtYJYulup93j8L+JLnJQ"]),
        ("see /pb/mp/order/v2/list?app_key=ak_1&timestamp=1", ["ak_1", "timestamp=1"]),
    ],
)
def test_redact_removes_secrets(text: str, leaked: list[str]) -> None:
    cleaned = redact(text)
    for secret in leaked:
        assert secret not in cleaned
    assert "***" in cleaned


def test_redactor_remembers_known_values_and_keeps_plain_text() -> None:
    redactor = Redactor(["s3cr3t-value"])
    redactor.add("tok-1")
    assert redactor("got s3cr3t-value and tok-1 here") == "got *** and *** here"
    assert redactor("access token not match") == "access token not match"


async def test_errors_and_logs_never_carry_the_query_or_token(
    session: aiohttp.ClientSession,
    mocked: MockHttp,
    policy: RetryPolicy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo = {"message": f"token {SECRET_TOKEN} is invalid", "requestId": "r"}
    mocked.get(URL, status=403, payload=echo)
    mocked.get(URL, timeout=True, repeat=True)
    redactor = Redactor()
    redactor.add(SECRET_TOKEN)
    transport = make(session, policy, redactor=redactor)
    texts = []
    with caplog.at_level(logging.DEBUG, logger="sdk.tv"):
        for _ in range(2):
            with pytest.raises(TvError) as info:
                await transport.request(READ, prepare, parse)
            texts += [str(info.value), repr(info.value), info.value.path]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records, "the transport logs at debug level"
    joined = "\n".join(texts)
    assert SECRET_TOKEN not in joined
    assert "access_token" not in joined
    assert "?" not in joined
