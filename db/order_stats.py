"""Per-status figures of ``dsco_order_sync`` for the dashboard and ``/metrics``.

One query answers both "how many orders are in each status" and "since when has the oldest of
them been waiting there" (``status_since``, kept by a trigger), so the operator's view and the
alerting rules read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.types import Executor

STATUSES = range(1, 7)
# A row that this many runs picked without moving is being skipped for a reason that will not
# go away by itself (bad data, a missing mapping): the operator should look at it.
REPEATED_ATTEMPTS = 3


@dataclass(frozen=True)
class StatusSummary:
    status: int
    count: int
    oldest_since: int | None  # unix seconds the oldest row entered the status; None when empty
    repeated: int = 0  # rows picked by REPEATED_ATTEMPTS runs or more without moving

    def age(self, now: int) -> int | None:
        """Seconds the oldest order has waited in this status (None when the status is empty)."""
        return None if self.oldest_since is None else max(0, now - self.oldest_since)


async def status_summary(db: Executor) -> list[StatusSummary]:
    """One entry per local status 1..6, in status order (zero counts included)."""
    records = await db.fetch(
        "SELECT status, count(*) AS n, min(status_since) AS oldest,"
        " count(*) FILTER (WHERE attempts >= $1) AS repeated"
        " FROM dsco_order_sync GROUP BY status",
        REPEATED_ATTEMPTS,
    )
    found = {int(r["status"]): r for r in records}
    return [
        StatusSummary(s, int(found[s]["n"]), int(found[s]["oldest"]), int(found[s]["repeated"]))
        if s in found
        else StatusSummary(s, 0, None)
        for s in STATUSES
    ]
