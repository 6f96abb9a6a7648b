"""Lingxing error tree and the one table that maps Lingxing ``code`` values to it.

Every class subclasses both :class:`LingxingError` and the shared class of :mod:`sdk._errors`,
so callers can catch ``LingxingError`` (anything from Lingxing) or e.g. ``RateLimitError``
(any vendor)::

    LingxingError
    ├── LingxingConnectionError (APIConnectionError)
    │   └── LingxingTimeoutError (APITimeoutError)
    ├── LingxingStatusError (APIStatusError)
    │   ├── LingxingRateLimitError (RateLimitError)          3001008, 103, HTTP 429
    │   ├── LingxingAuthenticationError (AuthenticationError) 2001xxx, 3001002, 0001001, 401, 403
    │   ├── LingxingNotFoundError (NotFoundError)            400 "service not found", HTTP 404
    │   ├── LingxingServerError (ServerError)                500, HTTP 5xx
    │   └── LingxingValidationError (ValidationError)        1, 102, 3001001, other HTTP 4xx
    └── LingxingDecodeError (DecodeError)                    unreadable success answer
"""

from __future__ import annotations

from dataclasses import dataclass

from sdk._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    DecodeError,
    ErrorSet,
    NotFoundError,
    RateLimitError,
    SdkError,
    ServerError,
    ValidationError,
)

__all__ = [
    "ERRORS",
    "TOKEN_REJECTED_CODES",
    "CodeRule",
    "LingxingAuthenticationError",
    "LingxingConnectionError",
    "LingxingDecodeError",
    "LingxingError",
    "LingxingNotFoundError",
    "LingxingRateLimitError",
    "LingxingServerError",
    "LingxingStatusError",
    "LingxingTimeoutError",
    "LingxingValidationError",
    "code_rule",
]


class LingxingError(SdkError):
    """Base of every error raised by the Lingxing client."""


class LingxingConnectionError(LingxingError, APIConnectionError):
    """No usable answer from Lingxing."""


class LingxingTimeoutError(LingxingConnectionError, APITimeoutError):
    """A Lingxing call timed out."""


class LingxingStatusError(LingxingError, APIStatusError):
    """Lingxing answered with an error code or HTTP error status."""


class LingxingRateLimitError(LingxingStatusError, RateLimitError):
    """Over the endpoint's in-flight cap (3001008) or the business-layer rate (103)."""


class LingxingAuthenticationError(LingxingStatusError, AuthenticationError):
    """Bad app credentials, token, sign, IP whitelist or API permission."""


class LingxingNotFoundError(LingxingStatusError, NotFoundError):
    """Unknown endpoint path."""


class LingxingServerError(LingxingStatusError, ServerError):
    """Lingxing failed internally."""


class LingxingValidationError(LingxingStatusError, ValidationError):
    """Lingxing rejected the parameters."""


class LingxingDecodeError(LingxingError, DecodeError):
    """A success answer that does not have the documented shape."""


ERRORS = ErrorSet(
    "lingxing",
    [
        LingxingError,
        LingxingConnectionError,
        LingxingTimeoutError,
        LingxingStatusError,
        LingxingRateLimitError,
        LingxingAuthenticationError,
        LingxingNotFoundError,
        LingxingServerError,
        LingxingValidationError,
        LingxingDecodeError,
    ],
)


@dataclass(frozen=True)
class CodeRule:
    """How one Lingxing ``code`` is raised."""

    error: type[APIStatusError]
    token_rejected: bool = False
    stale: bool = False  # refused for its timestamp alone: sign afresh and send once more
    refused: bool | None = None  # None: the class default


TOKEN_REJECTED_CODES = frozenset({"2001003", "2001005"})

_RULES: dict[str, CodeRule] = {
    # token missing/expired, or rotated by another token request: renew once and retry
    "2001003": CodeRule(AuthenticationError, token_rejected=True),
    "2001005": CodeRule(AuthenticationError, token_rejected=True),
    # sign expired: the request reached the gateway too late (a stall, or a skewed clock). It
    # was refused unprocessed, so even a create may go once more, freshly signed.
    "2001007": CodeRule(AuthenticationError, stale=True),
    # configuration or client bugs: never retried
    "2001001": CodeRule(AuthenticationError),  # app does not exist
    "2001002": CodeRule(AuthenticationError),  # wrong app secret
    "2001004": CodeRule(AuthenticationError),  # API not granted to this app
    "2001006": CodeRule(AuthenticationError),  # sign not correct
    "2001008": CodeRule(AuthenticationError),  # refresh token expired
    "2001009": CodeRule(AuthenticationError),  # refresh token invalid
    "3001002": CodeRule(AuthenticationError),  # IP not whitelisted
    "0001001": CodeRule(AuthenticationError),  # app secret mangled in transit
    "401": CodeRule(AuthenticationError),
    "403": CodeRule(AuthenticationError),
    # the gateway's bucket was empty: the request was refused, so even a create may retry
    "3001008": CodeRule(RateLimitError),
    # business-layer "too frequent" (read endpoints); not proof enough for a write
    "103": CodeRule(RateLimitError, refused=False),
    "3001001": CodeRule(ValidationError),  # a signed query param is missing
    "1": CodeRule(ValidationError),
    "102": CodeRule(ValidationError),
    "400": CodeRule(NotFoundError),
    "404": CodeRule(NotFoundError),
    "500": CodeRule(ServerError),
}


def code_rule(code: str) -> CodeRule:
    """The rule for a non-success code; unknown codes are plain status errors (not retried,
    and ambiguous for writes, since we cannot tell whether anything happened)."""
    return _RULES.get(code, CodeRule(APIStatusError, refused=False))
