"""Sending one asynchronous DSCO batch and reading what DSCO made of each element.

DSCO answers an acknowledge, shipment or invoice batch with a ``requestId`` and processes it
later; the change log says, per key (PO number or invoice id), success or failure. Local state
moves forward only on a confirmed success. This module is the one place that does it, for
``ack_to_dsco``, ``ship_to_dsco`` and ``invoice_to_dsco`` (docs/design.md, "Writing to DSCO").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from jobs.context import JobContext
from jobs.fanout import gather_bounded
from sdk._errors import SdkError
from sdk.dsco.errors import DscoValidationError
from sdk.dsco.responses import BatchAccepted

__all__ = ["BatchOutcome", "deliver"]

T = TypeVar("T")
Post = Callable[[list[T]], Awaitable[BatchAccepted]]
LogKind = Literal["order", "invoice"]


@dataclass
class BatchOutcome:
    """Per key (PO / invoiceId): confirmed, rejected (with DSCO's reasons) or not known yet."""

    succeeded: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)

    def merge(self, other: BatchOutcome) -> None:
        self.succeeded |= other.succeeded
        self.failed.update(other.failed)
        self.unknown.update(other.unknown)


async def deliver(
    ctx: JobContext, log: LogKind, post: Post[T], elements: dict[str, T]
) -> BatchOutcome:
    """Send ``elements`` (key → element) in one batch and read their results from the
    ``log`` change log, waiting at most ``ctx.env.change_log_timeout``.

    A batch DSCO refuses as a whole is split and sent element by element, so one bad element
    cannot block the others. An ambiguous failure (timeout, 5xx) or an unreadable change log
    leaves every key unknown: the next run finds out from DSCO before sending again."""
    outcome = BatchOutcome()
    try:
        accepted = await post(list(elements.values()))
    except DscoValidationError as exc:
        if len(elements) == 1:
            outcome.failed.update(dict.fromkeys(elements, _short(str(exc))))
            return outcome
        ctx.log.warning("DSCO refused a batch of {} as a whole; sending one by one", len(elements))
        singles = await gather_bounded(
            elements.items(), lambda item: deliver(ctx, log, post, dict([item]))
        )
        for single in singles:
            outcome.merge(single)
        return outcome
    except SdkError as exc:
        outcome.unknown.update(dict.fromkeys(elements, f"send_error={type(exc).__name__}"))
        return outcome
    return await _results(ctx, log, accepted.request_id, list(elements))


async def _results(ctx: JobContext, log: LogKind, request_id: str, keys: list[str]) -> BatchOutcome:
    dsco = ctx.clients.require_dsco()
    try:
        found = await dsco.wait_for_request(
            log,
            request_id,
            keys,
            timeout=ctx.env.change_log_timeout,
            poll_interval=ctx.env.change_log_poll,
        )
    except SdkError as exc:
        detail = f"request_id={request_id} change_log={type(exc).__name__}"
        return BatchOutcome(unknown=dict.fromkeys(keys, detail))
    return BatchOutcome(
        succeeded=set(found.succeeded),
        failed={
            k: _short(f"request_id={request_id} " + "; ".join(v)) for k, v in found.failed.items()
        },
        unknown=dict.fromkeys(found.pending, f"change_log_pending request_id={request_id}"),
    )


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
