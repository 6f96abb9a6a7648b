"""The async batch engine (§1.7, §5.3): requests, their per-element log entries, change logs.

A POST creates one entry per element, due ``batch_delay`` seconds later. Entries are processed in
submission order by ``DscoSandbox.settle()``, which every request calls first, so processing is
lazy but deterministic: with a fake clock nothing happens until the clock reaches ``due``.
"""

from __future__ import annotations

import heapq
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import format_ts
from .messages import Message
from .switches import SandboxSwitches

LOG_OF_OPERATION = {
    "acknowledgeOrders": "order",
    "createShipmentSmallBatch": "order",
    "createInvoiceSmallBatch": "invoice",
    "updateInventorySmallBatch": "inventory",
}
LOG_STATUSES = ("pending", "success", "failure", "success_or_failure")


@dataclass
class ElementPlan:
    """One submitted element and what is already decided about it at submission time."""

    payload: Any
    key: str | None
    problems: list[Message] = field(default_factory=list)  # validation failures found on intake
    injected: list[Message] = field(default_factory=list)  # a failure forced by a fault rule
    drop_log: bool = False  # processed, but its log entry never appears
    log_delay: float = 0.0  # processed on time, its log entry appears this much later


@dataclass
class LogEntry:
    seq: int
    log: str
    request_id: str
    operation: str
    plan: ElementPlan
    submitted: datetime
    due: datetime
    status: str = "pending"
    processed: datetime | None = None
    results: list[Message] = field(default_factory=list)

    @property
    def stamp(self) -> datetime:
        return self.processed or self.submitted

    def visible(self, now: datetime, show_pending: bool) -> bool:
        if self.plan.drop_log:
            return False
        if self.processed is None:
            return show_pending and self.plan.log_delay == 0
        return self.processed + timedelta(seconds=self.plan.log_delay) <= now

    def settled(self, now: datetime) -> bool:
        return self.processed is not None and (self.plan.drop_log or self.visible(now, False))

    def to_json(self) -> dict[str, Any]:
        return {
            "payload": self.plan.payload,
            "dateProcessed": format_ts(self.stamp),
            "status": self.status,
            "requestMethod": "api",
            "requestMethodDetail": self.operation,
            "requestId": self.request_id,
            "results": self.results,
        }


@dataclass
class AsyncRequest:
    request_id: str
    operation: str
    submitted: datetime
    entries: list[LogEntry]


class BatchEngine:
    """All async requests and change-log entries of the account."""

    def __init__(self) -> None:
        self._requests: dict[str, AsyncRequest] = {}
        self._entries: dict[str, list[LogEntry]] = {"order": [], "invoice": [], "inventory": []}
        self._queue: list[tuple[datetime, int, LogEntry]] = []
        self._seq = 0

    def requests(self) -> list[AsyncRequest]:
        return list(self._requests.values())

    def submit(
        self, operation: str, plans: list[ElementPlan], now: datetime, delay: float
    ) -> AsyncRequest:
        log = LOG_OF_OPERATION[operation]
        request = AsyncRequest(str(uuid.uuid4()), operation, now, [])
        due = now + timedelta(seconds=delay)
        for plan in plans:
            self._seq += 1
            entry = LogEntry(self._seq, log, request.request_id, operation, plan, now, due)
            request.entries.append(entry)
            self._entries[log].append(entry)
            heapq.heappush(self._queue, (due, entry.seq, entry))
        self._requests[request.request_id] = request
        return request

    def pop_due(self, now: datetime) -> list[LogEntry]:
        """Entries whose processing time has come, oldest first."""
        due: list[LogEntry] = []
        while self._queue and self._queue[0][0] <= now:
            due.append(heapq.heappop(self._queue)[2])
        return due

    def request_status(self, request_id: str, now: datetime) -> str:
        """``COMPLETED`` once every element is processed and logged (or lost for good)."""
        request = self._requests.get(request_id)
        if request is None or not all(e.settled(now) for e in request.entries):
            return "PROCESSING"
        return "COMPLETED"

    def select(
        self,
        log: str,
        sw: SandboxSwitches,
        now: datetime,
        *,
        request_id: str | None = None,
        status: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[LogEntry]:
        """Visible entries of ``log`` matching the change-log query filters."""
        if request_id is not None:
            request = self._requests.get(request_id)
            pool = [e for e in request.entries if e.log == log] if request else []
        else:
            pool = self._entries[log]
        oldest = now - timedelta(days=sw.log_retention_days)
        return [
            e
            for e in pool
            if e.visible(now, sw.log_pending_entries)
            and e.stamp >= oldest
            and _status_matches(e.status, status)
            and (start is None or e.stamp >= start)
            and (end is None or e.stamp < end)
        ]


def _status_matches(entry_status: str, wanted: str | None) -> bool:
    if wanted is None:
        return True
    if wanted == "success_or_failure":
        return entry_status in ("success", "failure")
    return entry_status == wanted
