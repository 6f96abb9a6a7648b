"""The shared HTTP transport: one retry loop, limits, typed errors, metrics, redaction.

How a vendor client uses it::

    transport = HttpTransport(
        session,                          # one aiohttp.ClientSession per vendor (daemon-owned)
        vendor="dsco", base_url="https://api.example.com/api/v3",
        errors=ErrorSet("dsco", [DscoError, DscoRateLimitError, ...]),
        retry=RetryPolicy(), timeout=aiohttp.ClientTimeout(total=30),
        concurrency=ConcurrencyLimiter({"GET /order/": 5}),
        rates=RateLimiter({"GET /order/": Rate(per_second=10)}),
        stats=CallStats(), redactor=Redactor([client_secret]),
        on_token_rejected=tokens.invalidate,   # optional: drop a token the vendor rejected
    )
    ORDER = Endpoint("/order/", method="GET", safety=Safety.READ)

    async def prepare() -> Prepared:            # called before EVERY attempt
        return Prepared(params={...}, headers={"Authorization": f"bearer {await tokens.get()}"},
                        credential=token)
    order = await transport.request(ORDER, prepare, lambda raw: Order.model_validate_json(raw.body))

Per attempt the transport takes a concurrency slot (in this process and, through the
limiter's gate, in the deployment; an unreachable gate is a connection error that proves
nothing was sent), waits inside it for the endpoint's rate limiter (the call then counts
against the rate until its answer is back), calls ``prepare()`` (so signatures, timestamps
and tokens are fresh), sends, and classifies the answer: HTTP >= 400 becomes the vendor subclass
of the matching shared error (details from ``describe_error``); otherwise ``parse(raw)`` turns
the body into a result and may itself raise vendor errors (e.g. for an error code inside an
HTTP 200 body). Anything else ``parse`` raises becomes a :class:`~sdk._errors.DecodeError`.
aiohttp exceptions never leave this module.

Retries follow :mod:`sdk._retry` (write-safety rule). An error with ``token_rejected`` is
handed once per call to ``on_token_rejected(credential)``, then the call is re-prepared and
re-sent without backoff; a ``stale`` refusal (the request was too old when it arrived) is
re-prepared (a fresh timestamp and sign) and re-sent once, also without backoff. The final
error gets ``ambiguous`` set for writes that may have been processed. Logs go to
``logging.getLogger("sdk.<vendor>")`` at debug level, path only.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

from sdk._capacity import GateUnavailable
from sdk._errors import (
    APIConnectionError,
    APITimeoutError,
    DecodeError,
    ErrorSet,
    RateLimitError,
    Redactor,
    SdkError,
    status_error_class,
)
from sdk._limits import (
    CallStats,
    ConcurrencyLimiter,
    RateLimiter,
    outcome_label,
    throttle_code,
)
from sdk._retry import (
    RetryPolicy,
    fits_budget,
    is_ambiguous,
    parse_retry_after,
    should_retry,
)
from sdk._wire import Endpoint, ErrorInfo, Prepared, RawResponse, describe_json_error

__all__ = [
    "DEFAULT_TIMEOUT",
    "Endpoint",
    "ErrorInfo",
    "HttpTransport",
    "Prepared",
    "RawResponse",
    "describe_json_error",
]

T = TypeVar("T")
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class _Call:
    """Book-keeping of one ``request()``."""

    endpoint: Endpoint
    start: float
    sends: int = 0
    retries: int = 0
    reauthed: bool = False
    restamped: bool = False
    credential: str | None = None


class _NotSent(Exception):
    """Internal: ``prepare()`` failed, so the request was never sent."""

    def __init__(self, error: SdkError) -> None:
        super().__init__(error.message)
        self.error = error


class HttpTransport:
    """Sends requests for one vendor over a caller-owned ``aiohttp.ClientSession``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        vendor: str,
        base_url: str,
        errors: ErrorSet,
        retry: RetryPolicy | None = None,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        concurrency: ConcurrencyLimiter | None = None,
        rates: RateLimiter | None = None,
        stats: CallStats | None = None,
        redactor: Redactor | None = None,
        describe_error: Callable[[RawResponse], ErrorInfo] = describe_json_error,
        on_token_rejected: Callable[[str], Awaitable[None]] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self._session = session
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.errors = errors
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.concurrency = concurrency or ConcurrencyLimiter({})
        self.rates = rates
        self.stats = stats or CallStats()
        self.redactor = redactor or Redactor()
        self._describe_error = describe_error
        self.on_token_rejected = on_token_rejected
        self.log = logger or logging.getLogger(f"sdk.{vendor}")

    async def request(
        self,
        endpoint: Endpoint,
        prepare: Callable[[], Awaitable[Prepared]],
        parse: Callable[[RawResponse], T],
        *,
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> T:
        """Run one operation with retries; returns ``parse(raw)`` or raises a vendor error."""
        call = _Call(endpoint, self.retry.clock())
        while True:
            call.sends += 1
            try:
                return await self._attempt(call, prepare, parse, client_timeout)
            except _NotSent as failure:
                # prepare() failed (e.g. no token): this request never left, and the failure
                # already went through its own retries — raise it as it is.
                failure.error.ambiguous = False
                raise failure.error from None
            except SdkError as err:
                if not await self._recover(call, err):
                    raise

    # --- one attempt ---------------------------------------------------------------------

    async def _attempt(
        self,
        call: _Call,
        prepare: Callable[[], Awaitable[Prepared]],
        parse: Callable[[RawResponse], T],
        client_timeout: aiohttp.ClientTimeout | None,
    ) -> T:
        endpoint, key = call.endpoint, call.endpoint.limit_key
        try:
            # The rate is taken inside the slot, so a call counts from when it really leaves,
            # not from before it queued for a slot (a queue would release calls in a burst).
            async with self.concurrency.slot(key), self._paced(key):
                # Prepared inside the slot: a sign must be fresh when it is sent, not queued.
                try:
                    prepared = await prepare()
                except SdkError as err:
                    raise _NotSent(err) from None
                call.credential = prepared.credential
                began = time.monotonic()
                try:
                    raw = await self._send(endpoint, prepared, client_timeout or self.timeout)
                    result = self._interpret(endpoint, raw, parse)
                except SdkError as err:
                    self._record(endpoint, err, began)
                    raise
        except GateUnavailable as exc:
            # Only the gate raises this, before anything was sent: safe to retry any call.
            raise self.errors.make(
                APIConnectionError,
                f"shared capacity gate unreachable ({exc})",
                path=endpoint.path,
                refused=True,
            ) from None
        self._record(endpoint, None, began)
        return result

    @contextlib.asynccontextmanager
    async def _paced(self, key: str) -> AsyncIterator[None]:
        """Hold the call within the key's request rate (if any) until its answer is back."""
        if self.rates is None:
            yield
            return
        async with self.rates.slot(key) as waited:
            if waited > 0:
                self.stats.record_wait(self.vendor, key, waited)
            yield

    async def _send(
        self, endpoint: Endpoint, prepared: Prepared, client_timeout: aiohttp.ClientTimeout
    ) -> RawResponse:
        url = self.base_url + (prepared.path or endpoint.path)
        try:
            async with self._session.request(
                endpoint.method,
                url,
                params=prepared.params,
                headers=prepared.headers,
                data=prepared.data,
                json=prepared.json,
                timeout=client_timeout,
            ) as resp:
                body = await resp.read()
                return RawResponse(resp.status, resp.headers, body, endpoint.path)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # "from None": aiohttp's text may contain the full URL with its query string.
            raise self._connection_error(endpoint, exc) from None

    def _connection_error(self, endpoint: Endpoint, exc: BaseException) -> SdkError:
        name = type(exc).__name__
        path = endpoint.path
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return self.errors.make(
                APITimeoutError, f"connect timed out ({name})", path=path, refused=True
            )
        if isinstance(exc, TimeoutError):
            return self.errors.make(APITimeoutError, f"request timed out ({name})", path=path)
        if isinstance(exc, aiohttp.ClientSSLError | aiohttp.InvalidURL | ValueError):
            return self.errors.make(
                APIConnectionError,
                f"cannot send ({name})",
                path=path,
                transient=False,
                refused=True,
            )
        if isinstance(exc, aiohttp.ClientConnectorError):
            return self.errors.make(
                APIConnectionError, f"cannot connect ({name})", path=path, refused=True
            )
        return self.errors.make(APIConnectionError, f"connection failed ({name})", path=path)

    def _interpret(
        self, endpoint: Endpoint, raw: RawResponse, parse: Callable[[RawResponse], T]
    ) -> T:
        if raw.status >= 400:
            raise self._status_error(endpoint, raw)
        try:
            return parse(raw)
        except SdkError:
            raise
        except Exception as exc:  # any parsing failure of a success answer
            raise self.errors.make(
                DecodeError,
                f"unreadable response ({type(exc).__name__})",
                path=endpoint.path,
                status=raw.status,
            ) from None

    def _status_error(self, endpoint: Endpoint, raw: RawResponse) -> SdkError:
        info = self._describe_error(raw)
        retry_after = None
        if raw.status in (429, 503):
            retry_after = parse_retry_after(raw.headers.get("Retry-After"))
        return self.errors.make(
            status_error_class(raw.status),
            info.message or f"HTTP {raw.status}",
            path=endpoint.path,
            status=raw.status,
            code=info.code,
            request_id=info.request_id,
            retry_after=retry_after,
            token_rejected=raw.status == 401,
        )

    # --- retry bookkeeping ---------------------------------------------------------------

    async def _recover(self, call: _Call, err: SdkError) -> bool:
        """Decide after a failed attempt: True to try again (after any wait), False to raise."""
        self._sanitize(err, call.endpoint)
        if err.token_rejected and not call.reauthed and self._can_reauth(call.credential):
            call.reauthed = True
            call.sends -= 1  # a fresh token is not a retry: no backoff, no attempt used up
            await self._reauth(call.endpoint, call.credential)
            return True
        if err.stale and err.refused and not call.restamped:
            # Refused unprocessed for its age alone: the next prepare() stamps it afresh. Once
            # only: a second refusal means a skewed clock, which no retry can mend.
            call.restamped = True
            call.sends -= 1
            self.stats.record_retry(self.vendor, call.endpoint.limit_key, "stale")
            self.log.debug("%s %s: refused as too old, re-sending once", self.vendor, err.path)
            return True
        delay = self._retry_delay(call, err)
        if delay is None:
            err.ambiguous = is_ambiguous(err, call.endpoint.safety)
            self._log_failure(call.endpoint, err, call.sends)
            return False
        call.retries += 1
        self._note_retry(call.endpoint, err, delay, call.retries)
        await self.retry.sleep(delay)
        return True

    def _retry_delay(self, call: _Call, err: SdkError) -> float | None:
        """Seconds to wait before the next attempt, or None when the error must be raised."""
        policy = self.retry
        if call.sends >= policy.max_attempts or not should_retry(err, call.endpoint.safety):
            return None
        if err.retry_after is not None and err.retry_after > policy.max_retry_after:
            return None
        delay = policy.delay_for(call.retries + 1, err)
        return delay if fits_budget(policy, call.start, delay) else None

    def _can_reauth(self, credential: str | None) -> bool:
        return self.on_token_rejected is not None and credential is not None

    async def _reauth(self, endpoint: Endpoint, credential: str | None) -> None:
        assert self.on_token_rejected is not None
        assert credential is not None
        self.stats.record_retry(self.vendor, endpoint.limit_key, "token_rejected")
        self.log.debug("%s %s: token rejected, renewing once", self.vendor, endpoint.path)
        await self.on_token_rejected(credential)

    def _note_retry(self, endpoint: Endpoint, err: SdkError, delay: float, retries: int) -> None:
        reason = outcome_label(err)
        self.stats.record_retry(self.vendor, endpoint.limit_key, reason)
        if isinstance(err, RateLimitError):
            self.stats.record_wait(self.vendor, endpoint.limit_key, delay)
        self.log.debug(
            "%s %s: retry %d in %.2fs after %s", self.vendor, endpoint.path, retries, delay, reason
        )

    def _record(self, endpoint: Endpoint, err: SdkError | None, began: float) -> None:
        outcome, key = outcome_label(err), endpoint.limit_key
        elapsed = time.monotonic() - began
        self.stats.record_call(self.vendor, key, outcome)
        self.stats.record_duration(self.vendor, key, elapsed)
        if (code := throttle_code(err)) is not None:
            self.stats.record_throttle(self.vendor, key, code)
        self.log.debug(
            "%s %s %s -> %s in %.0fms",
            self.vendor,
            endpoint.method,
            endpoint.path,
            outcome,
            elapsed * 1000,
        )

    def _log_failure(self, endpoint: Endpoint, err: SdkError, sends: int) -> None:
        self.log.debug(
            "%s %s: giving up after %d attempt(s): %s", self.vendor, endpoint.path, sends, err
        )

    def _sanitize(self, err: SdkError, endpoint: Endpoint) -> None:
        """Apply the client's known-secret redaction to a vendor-supplied message."""
        err.message = self.redactor(err.message)
        err.args = (err.message,)
        err.path = err.path or endpoint.path
        err.vendor = err.vendor or self.vendor
