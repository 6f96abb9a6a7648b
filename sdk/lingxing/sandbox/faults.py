"""Injected faults ("the next N calls to path P ...") and artificial latency."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["http_error", "hang", "gateway_error", "business_error", "malformed_json"]
ANY_PATH = "*"

# Friendly names for the common cases; each expands to a kind plus its parameter.
_ALIASES: dict[str, dict[str, Any]] = {
    "rate_limit": {"kind": "gateway_error", "code": "3001008"},
    "token_expired": {"kind": "gateway_error", "code": "2001003"},
    "token_revoked": {"kind": "gateway_error", "code": "2001005"},
    "sign_expired": {"kind": "gateway_error", "code": "2001007"},
    "business_rate_limit": {"kind": "business_error", "business_code": 103},
    "server_error": {"kind": "business_error", "business_code": 500},
    "timeout": {"kind": "hang"},
}
_KINDS = {"http_error", "hang", "gateway_error", "business_error", "malformed_json"}


@dataclass
class Fault:
    """One fault rule; ``remaining`` counts the calls it still applies to.

    * ``http_error``: answer HTTP ``status`` (5xx by default) with an HTML body.
    * ``hang``: hold the request (and its in-flight slot) ``seconds``, then process it normally,
      so a client that timed out meanwhile sees an ambiguous outcome, like the real service.
    * ``gateway_error``: answer envelope G with ``code`` (``3001008``, ``2001003``, ...).
    * ``business_error``: answer the path's E/M envelope with int ``business_code``.
    * ``malformed_json``: HTTP 200 whose body is cut-off JSON.
    """

    kind: FaultKind
    remaining: int = 1
    status: int = 503
    code: str = "3001008"
    business_code: int = 500
    seconds: float = 60.0

    @classmethod
    def build(cls, kind: str, count: int = 1, **params: Any) -> Fault:
        """A fault from a kind or alias name (see ``_ALIASES``) plus overrides."""
        spec = {**_ALIASES.get(kind, {"kind": kind}), **params}
        if spec["kind"] not in _KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        if count < 1:
            raise ValueError("fault count must be >= 1")
        return cls(remaining=count, **spec)


class FaultPlan:
    """Queued faults per path (``*`` = any path) and latency (global and per path)."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = {}
        self.latency = 0.0
        self.path_latency: dict[str, float] = {}

    def add(self, path: str, fault: Fault) -> None:
        """Queue ``fault`` for the next calls to ``path``, after the faults already queued."""
        self._queues.setdefault(path, deque()).append(fault)

    def take(self, path: str) -> Fault | None:
        """The fault the current call to ``path`` suffers, consuming one use of it."""
        for key in (path, ANY_PATH):
            queue = self._queues.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    def latency_for(self, path: str) -> float:
        """Seconds to wait before answering a call to ``path``."""
        return self.path_latency.get(path, self.latency)

    def clear(self) -> None:
        """Drop queued faults and latency settings."""
        self._queues.clear()
        self.latency = 0.0
        self.path_latency.clear()

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        """Queued faults by path (JSON-ready)."""
        return {p: [asdict(f) for f in q] for p, q in self._queues.items() if q}
