"""Lingxing (领星 ERP) OpenAPI client: signing, shared token, typed models and errors.

Public entry points: :class:`LingxingClient`, the models in :mod:`sdk.lingxing.models`, the
errors in :mod:`sdk.lingxing.errors`, and the pure signing functions in
:mod:`sdk.lingxing.signing`.
"""

from __future__ import annotations

from sdk.lingxing.client import BEIJING, ENDPOINT_CAPS, LingxingClient
from sdk.lingxing.errors import (
    LingxingAuthenticationError,
    LingxingConnectionError,
    LingxingDecodeError,
    LingxingError,
    LingxingNotFoundError,
    LingxingRateLimitError,
    LingxingServerError,
    LingxingStatusError,
    LingxingTimeoutError,
    LingxingValidationError,
)

__all__ = [
    "BEIJING",
    "ENDPOINT_CAPS",
    "LingxingAuthenticationError",
    "LingxingClient",
    "LingxingConnectionError",
    "LingxingDecodeError",
    "LingxingError",
    "LingxingNotFoundError",
    "LingxingRateLimitError",
    "LingxingServerError",
    "LingxingStatusError",
    "LingxingTimeoutError",
    "LingxingValidationError",
]
