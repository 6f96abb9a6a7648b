"""The record of every call the sandbox answered (tests and the demo read it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

_MAX_LIST_ITEMS = 5
_MAX_TEXT = 40


@dataclass
class CallRecord:
    """One answered call: path, timing, a body summary (no addresses) and the outcome code."""

    path: str
    method: str
    started_at: float
    finished_at: float
    summary: dict[str, Any]
    outcome: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _summarize_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        return value[:_MAX_TEXT]
    if isinstance(value, list):
        if key == "orders":
            # Only the PO numbers: the orders carry buyer names and addresses.
            return [o.get("platform_order_no") for o in value if isinstance(o, dict)]
        if all(isinstance(v, str | int | float) for v in value):
            return {"count": len(value), "first": value[:_MAX_LIST_ITEMS]}
        return {"count": len(value)}
    if isinstance(value, dict):
        return {"keys": sorted(value)[:_MAX_LIST_ITEMS]}
    return value


def summarize_body(body: dict[str, Any]) -> dict[str, Any]:
    """A small, address-free picture of a request body (secrets are never in bodies we keep)."""
    return {k: _summarize_value(k, v) for k, v in body.items() if k not in {"appSecret"}}
