"""What one vendor call is made of: the endpoint, the prepared attempt, the raw answer.

Plain data shared by :mod:`sdk._http` (the transport) and the vendor clients.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sdk._retry import Safety


@dataclass(frozen=True)
class Endpoint:
    """A static description of one vendor operation.

    ``path`` is the URL path (also used in errors and logs); ``key`` names the endpoint for
    limiters and metrics (defaults to ``path``).
    """

    path: str
    method: str = "POST"
    safety: Safety = Safety.READ
    key: str = ""

    @property
    def limit_key(self) -> str:
        return self.key or self.path


@dataclass(frozen=True)
class Prepared:
    """What one attempt sends. Built fresh per attempt by the vendor's ``prepare()``.

    ``credential`` is the token used (handed back to ``on_token_rejected``); ``path`` overrides
    the endpoint path in the URL (e.g. to fill in an id) while errors keep the endpoint path.
    """

    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    data: Any = None
    json: Any = None
    credential: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class RawResponse:
    """A received HTTP answer, fully read."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    path: str

    def json(self) -> Any:
        """The body as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.body)


@dataclass(frozen=True)
class ErrorInfo:
    """Vendor facts extracted from an error body."""

    code: str | None = None
    message: str = ""
    request_id: str | None = None


def describe_json_error(raw: RawResponse) -> ErrorInfo:
    """Best-effort facts from a JSON error body (``code``/``message``/``msg``/``error``/
    ``messages[0]``/``requestId``); a non-JSON body yields just the status."""
    try:
        body = raw.json()
    except ValueError:
        return ErrorInfo(message=f"HTTP {raw.status}")
    if not isinstance(body, dict):
        return ErrorInfo(message=f"HTTP {raw.status}")
    first = (body.get("messages") or [None])[0]
    first = first if isinstance(first, dict) else {}
    code = body.get("code", body.get("error", first.get("code")))
    message = (
        body.get("message")
        or body.get("msg")
        or body.get("error_description")
        or first.get("description")
        or f"HTTP {raw.status}"
    )
    request_id = body.get("requestId", body.get("request_id"))
    return ErrorInfo(
        code=None if code is None else str(code),
        message=str(message),
        request_id=None if request_id is None else str(request_id),
    )
