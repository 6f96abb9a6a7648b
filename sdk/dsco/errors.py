"""The DSCO error tree, built on the shared SDK classes.

Every class is both a :class:`DscoError` and the matching shared class, so callers may catch
``sdk._errors.RateLimitError`` (any vendor) or ``DscoError`` (anything from DSCO)::

    DscoError
    ├── DscoConnectionError      (APIConnectionError)
    │   └── DscoTimeoutError     (APITimeoutError)
    ├── DscoAPIError             (APIStatusError)  e.g. 408, or a batch answered "failure"
    │   ├── DscoRateLimitError   (RateLimitError)  429
    │   ├── DscoAuthenticationError (AuthenticationError)  401/403
    │   ├── DscoNotFoundError    (NotFoundError)   404
    │   │   └── ScrollExpiredError                 a scroll page older than 5 minutes
    │   ├── DscoServerError      (ServerError)     5xx
    │   └── DscoValidationError  (ValidationError) other 4xx; DSCO's messages are in the text
    └── DscoDecodeError          (DecodeError)     a 2xx answer we could not read
        └── DscoPayloadError                       an order dict whose shape is unusable

Messages never contain the token or a query string (the shared transport redacts them).
"""

from __future__ import annotations

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
    "DSCO_ERRORS",
    "DscoAPIError",
    "DscoAuthenticationError",
    "DscoConnectionError",
    "DscoDecodeError",
    "DscoError",
    "DscoNotFoundError",
    "DscoPayloadError",
    "DscoRateLimitError",
    "DscoServerError",
    "DscoTimeoutError",
    "DscoValidationError",
    "ScrollExpiredError",
]


class DscoError(SdkError):
    """Any failure talking to DSCO."""


class DscoConnectionError(DscoError, APIConnectionError):
    """No usable answer from DSCO (connection refused, reset, DNS...)."""


class DscoTimeoutError(DscoConnectionError, APITimeoutError):
    """A DSCO call ran out of time; a write may still have been processed (``ambiguous``)."""


class DscoAPIError(DscoError, APIStatusError):
    """DSCO answered with an error status (or accepted nothing)."""


class DscoRateLimitError(DscoAPIError, RateLimitError):
    """429: DSCO throttled the call."""


class DscoAuthenticationError(DscoAPIError, AuthenticationError):
    """401/403: the token is missing, wrong, or lacks the role for this API."""


class DscoNotFoundError(DscoAPIError, NotFoundError):
    """404 that is not an ordinary "no such order/item" answer (those return ``None``)."""


class ScrollExpiredError(DscoNotFoundError):
    """The scroll cursor is gone: DSCO keeps a page only 5 minutes after the previous call.

    Restart the query from the beginning; the pages already read stay valid.
    """


class DscoServerError(DscoAPIError, ServerError):
    """5xx: DSCO failed; a write may or may not have been processed."""


class DscoValidationError(DscoAPIError, ValidationError):
    """DSCO rejected the request as invalid (400/413/...), with its messages in the text."""


class DscoDecodeError(DscoError, DecodeError):
    """A success answer from DSCO we could not read."""


class DscoPayloadError(DscoDecodeError):
    """A DSCO order (or other object) whose shape is unusable."""


DSCO_ERRORS = ErrorSet(
    "dsco",
    [
        DscoError,
        DscoConnectionError,
        DscoTimeoutError,
        DscoAPIError,
        DscoRateLimitError,
        DscoAuthenticationError,
        DscoNotFoundError,
        DscoServerError,
        DscoValidationError,
        DscoDecodeError,
    ],
)
"""Maps each shared error class to its DSCO subclass (handed to the transport)."""
