"""Reading Lingxing's three response envelopes (fact sheet §3) into one shape.

* G (auth server / gateway): ``code`` a string (``"200"`` = success), message in ``msg``.
* E (ERP, ``/erp/...``): ``code`` int ``0``, ``data`` = the rows, top-level ``total``.
* M (multi-platform, ``/pb/mp/...``): ``code`` int ``0``, ``data = {"total": "12", "list": [...]}``.

:func:`parse_envelope` accepts all three (and the ``message``/``msg``, ``request_id``/
``requestId``, ``error_details``/``errorDetails`` spellings); :func:`check_envelope` raises the
mapped error for any code other than ``0``/``200``; :func:`describe_http_error` gives the
transport the facts of an HTTP >= 400 answer (which may be an nginx HTML page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sdk._http import ErrorInfo, RawResponse
from sdk.lingxing.errors import ERRORS, LingxingDecodeError, code_rule

__all__ = [
    "SUCCESS_CODES",
    "Envelope",
    "check_envelope",
    "describe_http_error",
    "normalize_code",
    "parse_checked",
    "parse_envelope",
]

SUCCESS_CODES = frozenset({"0", "200"})
_INTEGRAL_TEXT = re.compile(r"^(-?\d+)\.0*$")
_MAX_DETAILS = 3


@dataclass(frozen=True)
class Envelope:
    """The common facts of any Lingxing answer; ``rows``/``total`` cover both E and M lists."""

    code: str
    message: str
    request_id: str | None
    data: Any
    total: int | None = None
    error_details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code in SUCCESS_CODES

    @property
    def rows(self) -> list[Any] | None:
        """List rows (E style ``data`` itself, M style ``data.list``); ``[]`` when there is
        no data; ``None`` when the rows are not a list (the caller raises a decode error)."""
        data = self.data
        if isinstance(data, dict):
            data = data.get("list")
        if data is None:
            return []
        return list(data) if isinstance(data, list) else None


def normalize_code(value: object) -> str:
    """``0``, ``0.0``, ``"0"`` → ``"0"``; ``"0001001"`` keeps its leading zeros."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip() if value is not None else ""
    match = _INTEGRAL_TEXT.match(text)
    return match.group(1) if match else text


def _lenient_total(value: object) -> int | None:
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


def _details(body: dict[str, Any]) -> list[str]:
    raw = body.get("error_details", body.get("errorDetails")) or []
    items = raw if isinstance(raw, list) else [raw]
    return [str(item) for item in items if item not in (None, "")]


def parse_envelope(raw: RawResponse) -> Envelope:
    """Read any of the three envelopes; a body that is not a JSON object is a decode error."""
    try:
        body = raw.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "code" not in body:
        raise ERRORS.make(
            LingxingDecodeError,
            "answer is not a Lingxing envelope",
            path=raw.path,
            status=raw.status,
        )
    data = body.get("data")
    total = body.get("total")
    if total is None and isinstance(data, dict):
        total = data.get("total")
    request_id = body.get("request_id", body.get("requestId"))
    return Envelope(
        code=normalize_code(body.get("code")),
        message=str(body.get("msg") or body.get("message") or "").strip(),
        request_id=None if request_id is None else str(request_id),
        data=data,
        total=_lenient_total(total),
        error_details=_details(body),
    )


def check_envelope(envelope: Envelope, *, path: str, status: int = 200) -> Envelope:
    """Return a success envelope; raise the mapped Lingxing error otherwise."""
    if envelope.ok:
        return envelope
    rule = code_rule(envelope.code)
    message = envelope.message or "error"
    if envelope.error_details:
        message += ": " + "; ".join(envelope.error_details[:_MAX_DETAILS])
    raise ERRORS.make(
        rule.error,
        message,
        path=path,
        status=status,
        code=envelope.code,
        request_id=envelope.request_id,
        token_rejected=rule.token_rejected,
        stale=rule.stale,
        refused=rule.refused,
    )


def parse_checked(raw: RawResponse) -> Envelope:
    """``parse_envelope`` + ``check_envelope`` (the usual ``parse`` step of a call)."""
    return check_envelope(parse_envelope(raw), path=raw.path, status=raw.status)


def describe_http_error(raw: RawResponse) -> ErrorInfo:
    """Facts of an HTTP error answer: the envelope's code/message when it has one."""
    try:
        envelope = parse_envelope(raw)
    except LingxingDecodeError:
        return ErrorInfo(message=f"HTTP {raw.status}")
    return ErrorInfo(
        code=envelope.code,
        message=envelope.message or f"HTTP {raw.status}",
        request_id=envelope.request_id,
    )
