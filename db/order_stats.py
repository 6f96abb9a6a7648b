"""Per-status figures of ``dsco_order_sync`` for the dashboard and ``/metrics``.

One query answers both "how many orders are in each status" and "since when has the oldest of
them been waiting there" (``status_since``, kept by a trigger), so the operator's view and the
alerting rules read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import asyncpg

Executor: TypeAlias = "asyncpg.Pool[asyncpg.Record] | asyncpg.Connection[asyncpg.Record]"

STATUSES = range(1, 7)


@dataclass(frozen=True)
class StatusSummary:
    status: int
    count: int
    oldest_since: int | None  # unix seconds the oldest row entered the status; None when empty

    def age(self, now: int) -> int | None:
        """Seconds the oldest order has waited in this status (None when the status is empty)."""
        return None if self.oldest_since is None else max(0, now - self.oldest_since)


async def status_summary(db: Executor) -> list[StatusSummary]:
    """One entry per local status 1..6, in status order (zero counts included)."""
    records = await db.fetch(
        "SELECT status, count(*) AS n, min(status_since) AS oldest"
        " FROM dsco_order_sync GROUP BY status"
    )
    found = {int(r["status"]): r for r in records}
    return [
        StatusSummary(s, int(found[s]["n"]), int(found[s]["oldest"]))
        if s in found
        else StatusSummary(s, 0, None)
        for s in STATUSES
    ]
