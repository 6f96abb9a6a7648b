"""Per-status figures of ``dsco_order_sync`` for the dashboard and ``/metrics``.

One query answers both "how many orders are in each status" and "since when has the oldest of
them been waiting there" (``status_since``, kept by a trigger), so the operator's view and the
alerting rules read the same numbers. None of it scans the orders: the counts are kept per
status by statement triggers (``dsco_order_status_count``, migration 0004, exact because they
move in the writer's transaction), the oldest entry is the first of an index, and the orders
picked repeatedly come from a small partial index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db.types import Conn, Executor

STATUSES = range(1, 7)
# A row that this many runs picked without moving is being skipped for a reason that will not
# go away by itself (bad data, a missing mapping): the operator should look at it. Migration
# 0004's partial index of such rows has the same bound.
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


# The bound is a literal (a constant of this module, never input) so that the planner can prove
# the partial index applies.
_SUMMARY = f"""
SELECT c.status, c.n,
       (SELECT min(o.status_since) FROM dsco_order_sync o WHERE o.status = c.status) AS oldest,
       (SELECT count(*) FROM dsco_order_sync o
        WHERE o.status = c.status AND o.attempts >= {REPEATED_ATTEMPTS}) AS repeated
FROM dsco_order_status_count c
ORDER BY c.status
"""


async def status_summary(db: Executor) -> list[StatusSummary]:
    """One entry per local status 1..6, in status order (zero counts included)."""
    found = {int(r["status"]): r for r in await db.fetch(_SUMMARY)}
    return [
        StatusSummary(s, int(r["n"]), r["oldest"], int(r["repeated"]))
        if (r := found.get(s))
        else StatusSummary(s, 0, None)
        for s in STATUSES
    ]


# How many orders are in any of the statuses {p0} (all statuses when empty), from the kept
# counts.
KEPT_COUNT = (
    "SELECT coalesce(sum(n), 0)::bigint FROM dsco_order_status_count"
    " WHERE cardinality({p0}::smallint[]) = 0 OR status = ANY({p0}::smallint[])"
)


async def count_in_statuses(db: Executor | Conn, statuses: Sequence[int] = ()) -> int:
    """How many orders are in any of ``statuses`` (all statuses when empty), exactly."""
    value: int = await db.fetchval(KEPT_COUNT.format(p0="$1"), list(statuses))
    return value
