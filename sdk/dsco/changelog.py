"""Reading the outcome of an async DSCO batch from its change log.

Every element of a small batch (and every acknowledged order) gets its own log entry, found
with ``?requestId=``.  :func:`poll_request` reads all pages of that log again and again until
DSCO says the request is ``COMPLETED``, every wanted key has a result, or time runs out, and
reports per key: succeeded, failed (with DSCO's messages) or still pending.  A failure wins
over a success for the same key (one order may have several entries).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sdk._errors import APIConnectionError, RateLimitError, ServerError
from sdk.dsco.endpoints import ChangeLogKind
from sdk.dsco.errors import ScrollExpiredError
from sdk.dsco.responses import ChangeLogEntry, ChangeLogPage

__all__ = ["KEY_FIELDS", "ChangeLogOutcome", "entry_key", "poll_request", "summarize"]

KEY_FIELDS: Mapping[ChangeLogKind, tuple[str, ...]] = {
    # Shipments echo poNumber (or another order key); acknowledgements echo {id, type}.
    "order": ("poNumber", "id", "dscoOrderId", "supplierOrderNumber"),
    "invoice": ("invoiceId",),
    "inventory": ("sku", "partnerSku"),
}
"""Payload fields that identify what a log entry is about, in order of preference."""

# Failures worth another poll: the log may answer next time; anything else is a real error.
_RETRYABLE = (APIConnectionError, RateLimitError, ServerError, ScrollExpiredError)


@dataclass
class ChangeLogOutcome:
    """Per-key result of one async request.

    ``completed`` is True when DSCO reported the whole request as processed; ``last_error``
    describes the last failed read, if the log could not be read on some poll.
    """

    succeeded: set[str] = field(default_factory=set)
    failed: dict[str, list[str]] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    completed: bool = False
    polls: int = 0
    last_error: str | None = None


def entry_key(kind: ChangeLogKind, payload: Mapping[str, Any], keys: Collection[str]) -> str | None:
    """The wanted key a log entry belongs to, or None when it names none of them."""
    for name in KEY_FIELDS[kind]:
        value = payload.get(name)
        if value is not None and str(value) in keys:
            return str(value)
    return None


def summarize(
    kind: ChangeLogKind, entries: Iterable[ChangeLogEntry], keys: Collection[str]
) -> ChangeLogOutcome:
    """Fold log entries into an outcome; keys without a final entry are pending."""
    outcome = ChangeLogOutcome()
    for entry in entries:
        key = entry_key(kind, entry.payload, keys)
        status = (entry.status or "").lower()
        if key is None or status not in ("success", "failure"):
            continue  # "pending" and unknown statuses mean: keep waiting
        if status == "success":
            outcome.succeeded.add(key)
        else:
            reasons = [m.text() for m in entry.results] or ["failure without a message"]
            outcome.failed.setdefault(key, []).extend(reasons)
    outcome.succeeded -= outcome.failed.keys()
    outcome.pending = set(keys) - outcome.succeeded - outcome.failed.keys()
    return outcome


async def _read_once(
    read_pages: Callable[[], AsyncIterator[ChangeLogPage]], kind: ChangeLogKind, keys: set[str]
) -> ChangeLogOutcome:
    entries: list[ChangeLogEntry] = []
    completed = False
    async for page in read_pages():
        completed = completed or (page.status or "").upper() == "COMPLETED"
        entries.extend(page.logs)
    outcome = summarize(kind, entries, keys)
    outcome.completed = completed
    return outcome


async def poll_request(
    read_pages: Callable[[], AsyncIterator[ChangeLogPage]],
    kind: ChangeLogKind,
    keys: Collection[str],
    *,
    max_wait: float,
    poll_interval: float,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
) -> ChangeLogOutcome:
    """Poll ``read_pages()`` (all pages of one request's log) until done or out of time."""
    wanted = {str(k) for k in keys}
    deadline = clock() + max_wait
    outcome, polls, last_error = ChangeLogOutcome(pending=set(wanted)), 0, None
    while True:
        polls += 1
        try:
            outcome = await _read_once(read_pages, kind, wanted)
        except _RETRYABLE as exc:
            last_error = str(exc)
        else:
            if outcome.completed or not outcome.pending:
                break
        if clock() + poll_interval > deadline:
            break
        await sleep(poll_interval)
    outcome.polls, outcome.last_error = polls, last_error
    return outcome
