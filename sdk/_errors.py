"""The shared SDK error tree and redaction helpers.

Shared classes (what callers may catch for any vendor)::

    SdkError
    ├── APIConnectionError          no usable HTTP response (refused, reset, DNS...)
    │   └── APITimeoutError         the call ran out of time
    ├── APIStatusError              the vendor answered with an error (HTTP status or body code)
    │   ├── RateLimitError          429 / vendor "too frequent" codes
    │   ├── AuthenticationError     401/403 / bad credentials / token rejected / bad sign
    │   ├── NotFoundError           404 / unknown path
    │   ├── ServerError             5xx / vendor internal errors
    │   └── ValidationError         other 4xx / vendor "invalid parameter" codes
    └── DecodeError                 a 2xx answer we could not read (not JSON, wrong shape)

Each vendor declares its own tree by multiple inheritance, e.g.
``class LingxingRateLimitError(LingxingError, RateLimitError)``, and hands the transport an
:class:`ErrorSet` so that every error the transport raises is the vendor's subclass: callers catch
``RateLimitError`` (any vendor) or ``LingxingError`` (anything from Lingxing).

Every error carries ``vendor``, ``path`` (the endpoint path, never the query), ``status``,
vendor ``code``, ``request_id``, ``transient`` (worth retrying when safe), ``refused`` (the
failure proves the request was not processed), ``stale`` (refused as too old — an expired
timestamp or sign — so preparing it afresh is the remedy) and ``ambiguous`` (set by the
transport: a write may have been processed). Messages are short and pass through :func:`redact`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from typing import ClassVar, TypeVar

__all__ = [
    "SHARED_ERROR_CLASSES",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "DecodeError",
    "ErrorSet",
    "NotFoundError",
    "RateLimitError",
    "Redactor",
    "SdkError",
    "ServerError",
    "ValidationError",
    "error_fields",
    "redact",
    "status_error_class",
    "strip_query",
]

MAX_MESSAGE_CHARS = 300


class SdkError(Exception):
    """Base of every error raised by ``sdk``; the text never holds secrets or query strings."""

    default_transient: ClassVar[bool] = False
    default_refused: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        vendor: str = "",
        path: str = "",
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        transient: bool | None = None,
        refused: bool | None = None,
        ambiguous: bool = False,
        token_rejected: bool = False,
        stale: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.message = _shorten(redact(message))
        self.vendor = vendor
        self.path = strip_query(path)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.transient = self.default_transient if transient is None else transient
        self.refused = self.default_refused if refused is None else refused
        self.ambiguous = ambiguous
        self.token_rejected = token_rejected
        self.stale = stale
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        head = " ".join(p for p in (self.vendor, self.path) if p)
        facts = [f"status={self.status}"] if self.status is not None else []
        facts += [f"code={self.code}"] if self.code is not None else []
        facts += ["ambiguous"] if self.ambiguous else []
        tail = f" ({', '.join(facts)})" if facts else ""
        return f"{head}: {self.message}{tail}" if head else f"{self.message}{tail}"


class APIConnectionError(SdkError):
    """No usable response. ``refused`` is True only when no connection was ever established."""

    default_transient = True


class APITimeoutError(APIConnectionError):
    """The call timed out; for a write the vendor may still have processed it."""


class APIStatusError(SdkError):
    """The vendor answered and said no (HTTP status >= 400 or an error code in the body)."""


class RateLimitError(APIStatusError):
    """The vendor refused the request because of a rate or concurrency limit."""

    default_transient = True
    default_refused = True


class AuthenticationError(APIStatusError):
    """Credentials, token, sign or permission problem. ``token_rejected`` marks a stale token."""

    default_refused = True


class NotFoundError(APIStatusError):
    """The resource or endpoint does not exist."""

    default_refused = True


class ServerError(APIStatusError):
    """The vendor failed internally; the request may or may not have been processed."""

    default_transient = True


class ValidationError(APIStatusError):
    """The vendor rejected the request as invalid (4xx or a parameter-check code)."""

    default_refused = True


class DecodeError(SdkError):
    """A success answer whose body we could not read; a write probably took effect."""


SHARED_ERROR_CLASSES: tuple[type[SdkError], ...] = (
    SdkError,
    APIConnectionError,
    APITimeoutError,
    APIStatusError,
    RateLimitError,
    AuthenticationError,
    NotFoundError,
    ServerError,
    ValidationError,
    DecodeError,
)

E = TypeVar("E", bound=SdkError)


class ErrorSet:
    """Maps each shared error class to a vendor's subclass, and builds vendor errors.

    ``ErrorSet("lingxing", [LingxingError, LingxingRateLimitError, ...])`` picks, for every
    shared class, the vendor class that lists it as a direct base. Shared classes without a
    vendor counterpart fall back to the nearest mapped ancestor.
    """

    def __init__(self, vendor: str, classes: Iterable[type[SdkError]]) -> None:
        self.vendor = vendor
        found: dict[type[SdkError], type[SdkError]] = {}
        for cls in classes:
            for base in cls.__bases__:
                if base in SHARED_ERROR_CLASSES:
                    found[base] = cls
        self._map = found

    def cls(self, base: type[E]) -> type[E]:
        """The vendor class to raise for the shared ``base`` class."""
        for candidate in base.__mro__:
            mapped = self._map.get(candidate)
            if mapped is not None and issubclass(mapped, base):
                return mapped
        return base

    def make(self, base: type[E], message: str, **fields: object) -> E:
        """Build the vendor's subclass of ``base`` with ``vendor`` filled in."""
        return self.cls(base)(message, vendor=self.vendor, **fields)  # type: ignore[arg-type]


def status_error_class(status: int) -> type[APIStatusError]:
    """The shared class for an HTTP error status."""
    if status == 429:
        return RateLimitError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status >= 500:
        return ServerError
    if status == 408:
        return APIStatusError  # generic; the transport treats 408 as transient
    return ValidationError


# --- redaction -----------------------------------------------------------------------------

_MASKED_KEYS = (
    r"access_?token|refresh_?token|accessToken|refreshToken|app_?secret|appSecret|sign"
    r"|client_secret|password|api_?key|token"
)
_KEY_VALUE = re.compile(rf"(?i)(\b(?:{_MASKED_KEYS})\b[\"']?\s*[=:]\s*[\"']?)([^\s&\"',;}}]+)")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
# The query of an absolute URL or of a bare path ("/a/b?x=1").
_URL_QUERY = re.compile(r"((?:https?://|(?<![\w/])/)[^\s?#\"']*)\?[^\s#\"']*")
MASK = "***"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets from ``text``: known values, ``key=value`` / ``"key": "value"`` pairs for
    token/sign/secret keys, bearer tokens, and the query string of any URL or path."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_QUERY.sub(rf"\1?{MASK}", text)
    text = _BEARER.sub(rf"\1 {MASK}", text)
    return _KEY_VALUE.sub(rf"\1{MASK}", text)


class Redactor:
    """Redacts the secrets a client knows about (app secret, recent tokens) plus the generic
    patterns of :func:`redact`. Tokens rotate, so only the most recent ones are remembered."""

    def __init__(self, secrets: Iterable[str] = (), *, keep_recent: int = 8) -> None:
        self._permanent = {s for s in secrets if s}
        self._recent: deque[str] = deque(maxlen=keep_recent)

    def add(self, secret: str | None, *, permanent: bool = False) -> None:
        """Remember another secret value (e.g. a freshly issued token)."""
        if not secret:
            return
        if permanent:
            self._permanent.add(secret)
        elif secret not in self._recent:
            self._recent.append(secret)

    def __call__(self, text: str) -> str:
        return redact(text, (*self._permanent, *self._recent))


def strip_query(path_or_url: str) -> str:
    """Drop any query string or fragment: errors and logs carry the endpoint path only."""
    return path_or_url.split("?", 1)[0].split("#", 1)[0]


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def error_fields(err: SdkError) -> Mapping[str, object]:
    """The structured, secret-free facts of an error (for logs and metrics)."""
    return {
        "vendor": err.vendor,
        "path": err.path,
        "status": err.status,
        "code": err.code,
        "request_id": err.request_id,
        "ambiguous": err.ambiguous,
        "error": type(err).__name__,
    }
