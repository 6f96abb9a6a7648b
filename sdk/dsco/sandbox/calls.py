"""Recorded API calls: what the sandbox saw, for tests and the demo to inspect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .clock import format_ts


@dataclass
class CallRecord:
    """One API call as the sandbox saw it (the Authorization header is never kept)."""

    method: str
    path: str
    query: dict[str, list[str]]
    time: datetime
    body: Any
    status: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "time": format_ts(self.time),
            "body": self.body,
            "status": self.status,
        }
