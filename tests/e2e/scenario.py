"""A deterministic end-to-end scenario over both vendor sandboxes (docs/design.md, "Every job").

:func:`build_plan` decides, for ``count`` generated DSCO orders, what kind of story each order
lives through (multi-line, split in Lingxing, partial shipments, a deleted outbound order,
missing mappings or price, cancellations, already acknowledged, already in Lingxing...) and
what the spec predicts at the end: the local status, the tracking numbers and invoice id
recorded locally, and the exact vendor-side writes (Lingxing orders created, DSCO ACKs,
packages per tracking number, invoices).

:class:`Scenario` seeds the sandboxes (:meth:`Scenario.setup`), drives the pipeline round after
round with the warehouse actor in between (:meth:`Scenario.run`) and compares the outcome with
the predictions (:func:`tests.e2e.scenario_verify.verify`). Everything goes through a
:class:`~tests.e2e.scenario_control.SandboxControl`, so it works on in-process sandboxes and on
sandboxes in another process alike; jobs run through any ``run_job(name, **kwargs)`` callable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sdk.dsco.sandbox.fixtures import OrderGenSpec, generate_orders
from tests.e2e.scenario_actor import WarehouseActor
from tests.e2e.scenario_control import HttpControl, InProcessControl, Json, SandboxControl
from tests.e2e.scenario_plan import (
    CANCEL_BEFORE_PUSH,
    EXISTS_IN_LX,
    KINDS,
    LX_WID,
    MAPPING,
    PLATFORM_CODE,
    RETAILER,
    SERVICE_MAPPED,
    STORE,
    UNMAPPED_RETAILER,
    UNMAPPED_SERVICE,
    WAREHOUSE,
    OrderPlan,
    Prediction,
    predict,
)
from tests.e2e.scenario_verify import LocalRow, db_rows, verify

__all__ = [
    "MAPPING",
    "PIPELINE",
    "HttpControl",
    "InProcessControl",
    "LocalRow",
    "OrderPlan",
    "Prediction",
    "RoundReport",
    "SandboxControl",
    "Scenario",
    "build_plan",
    "db_rows",
    "verify",
]

PIPELINE = (
    "pull_dsco_orders",
    "push_to_lingxing",
    "ack_to_dsco",
    "ship_to_dsco",
    "invoice_to_dsco",
)
CREATED_START = datetime(2026, 2, 10, tzinfo=UTC)
# DSCO's order/page only shows changes older than `until` (the pull job uses now - 10 s): a
# cancellation is visible to the next pull only after this long.
PULL_MARGIN_SECONDS = 11.0

RunJob = Callable[..., Awaitable[Any]]
RowsLoader = Callable[[], Awaitable[dict[str, LocalRow]]]

# Generator settings per kind: lines, quantity, retailer, service level, DSCO status, price.
_GEN: dict[str, dict[str, Any]] = {
    "plain": {},
    "multi": {"min_lines": 2, "max_lines": 4, "max_quantity": 3},
    "split": {"min_lines": 2, "max_lines": 3, "max_quantity": 2},
    "partial": {"min_lines": 2, "max_lines": 3, "max_quantity": 3},
    "deleted_outbound": {"max_lines": 2, "max_quantity": 2},
    "already_acked": {"max_lines": 2, "status": "shipment_pending"},
    "exists_in_lx": {"max_quantity": 2},
    "no_shop": {"retailer_ids": (UNMAPPED_RETAILER,)},
    "no_shipment_map": {"service_levels": (UNMAPPED_SERVICE,)},
    "no_price": {"max_lines": 2, "missing_price_ratio": 1.0},
    "cancel_before_push": {},
    "cancel_after_push": {},
    "shipped_at_pull": {"status": "shipped"},
    "cancelled_at_pull": {"status": "cancelled"},
}


def _counts(count: int) -> dict[str, int]:
    """How many orders of each kind: every kind at least once, the rest plain."""
    counts = {kind: max(1, round(count * share)) for kind, share in KINDS.items() if share}
    counts["plain"] = count - sum(counts.values())
    if counts["plain"] < 1:
        raise ValueError(f"a scenario needs at least {count - counts['plain'] + 1} orders")
    return counts


def build_plan(count: int, *, seed: int = 7, tag: str = "E") -> tuple[list[Json], list[OrderPlan]]:
    """``count`` DSCO orders (raw dicts, ready to seed) and each order's plan and prediction."""
    raw: list[Json] = []
    plans: list[OrderPlan] = []
    for number, (kind, n) in enumerate(sorted(_counts(count).items())):
        spec = OrderGenSpec.model_validate(
            {
                "count": n,
                "retailer_ids": (RETAILER,),
                "warehouse_codes": (WAREHOUSE,),
                "service_levels": (SERVICE_MAPPED,),
                "created_start": CREATED_START + timedelta(days=number),
                "po_prefix": f"{tag}{number:02d}",
                "seed": seed * 100 + number,
                **_GEN[kind],
            }
        )
        for order in generate_orders(spec):
            raw.append(order)
            plans.append(predict(kind, order, index=len(plans)))
    return raw, plans


@dataclass
class RoundReport:
    """What one round did: rows whose (status, tracking, invoice) changed, actor actions."""

    number: int
    changed_rows: int
    actions: int
    job_results: dict[str, Any] = field(default_factory=dict)

    @property
    def failures(self) -> int:
        """Orders the jobs reported as failed (plus failed runs), when the results say so."""
        total = 0
        for result in self.job_results.values():
            counters = getattr(result, "counters", None) or {}
            total += int(counters.get("fail", 0))
            total += int(getattr(result, "status", "ok") not in ("ok", None))
        return total

    @property
    def quiet(self) -> bool:
        """Nothing moved, the actor had nothing to do, and no job reported a failure (a
        failing vendor is not "done": later rounds must get past it)."""
        return not (self.changed_rows or self.actions or self.failures)


@dataclass
class Scenario:
    """A seeded scenario: the plan, the sandboxes' control and the warehouse actor."""

    control: SandboxControl
    raw_orders: list[Json]
    plans: list[OrderPlan]
    actor: WarehouseActor = field(init=False)

    def __post_init__(self) -> None:
        self.actor = WarehouseActor(self.control, self.plans)

    @classmethod
    def build(
        cls, control: SandboxControl, count: int, *, seed: int = 7, tag: str = "E"
    ) -> Scenario:
        raw, plans = build_plan(count, seed=seed, tag=tag)
        return cls(control, raw, plans)

    @property
    def po_numbers(self) -> list[str]:
        return [p.po for p in self.plans]

    def of_kind(self, kind: str) -> list[OrderPlan]:
        return [p for p in self.plans if p.kind == kind]

    async def setup(self) -> None:
        """Stores, warehouses, DSCO orders, the pre-existing Lingxing orders; then forget the
        calls so that only the daemon's calls are recorded."""
        c = self.control
        await c.lx_store(STORE, store_name="DSCO e2e store", platform_code=PLATFORM_CODE)
        await c.lx_warehouse(LX_WID, name="NJ")
        await c.dsco_seed(self.raw_orders)
        for plan in self.of_kind(EXISTS_IN_LX):
            await c.lx_precreate(PLATFORM_CODE, STORE, plan.lingxing_order())
        await c.dsco_clear_calls()
        await c.lx_reset_stats()

    async def run(
        self,
        run_job: RunJob,
        rows: RowsLoader,
        *,
        max_rounds: int = 12,
        quiet_rounds: int = 1,
        pull_margin: float = PULL_MARGIN_SECONDS,
        before_rounds: Callable[[], Awaitable[None]] | None = None,
        between_rounds: Callable[[], Awaitable[None]] | None = None,
    ) -> list[RoundReport]:
        """First pull, the cancellations "before push", then rounds of the five jobs and the
        warehouse actor until ``quiet_rounds`` rounds in a row are quiet (see
        :attr:`RoundReport.quiet`), at most ``max_rounds``."""
        await run_job("pull_dsco_orders")
        for plan in self.of_kind(CANCEL_BEFORE_PUSH):
            await self.control.dsco_set_status(plan.po, "cancelled")
        await asyncio.sleep(pull_margin)
        if before_rounds is not None:
            await before_rounds()
        reports: list[RoundReport] = []
        quiet = 0
        for number in range(1, max_rounds + 1):
            report = await self.round(run_job, rows, number)
            reports.append(report)
            if self.actor.dsco_changes:
                # The jobs learn DSCO's state from order pages that end ``until`` seconds ago
                # (D13): as the minutes between scheduled runs would, let a retailer's
                # change made just now age past that before the next round.
                await asyncio.sleep(pull_margin)
            quiet = quiet + 1 if report.quiet else 0
            if quiet >= quiet_rounds:
                break
            if between_rounds is not None:
                await between_rounds()
        return reports

    async def round(self, run_job: RunJob, rows: RowsLoader, number: int) -> RoundReport:
        """The five jobs in pipeline order, then the warehouse actor."""
        before = await rows()
        results = {job: await run_job(job) for job in PIPELINE}
        actions = await self.actor.step()
        after = await rows()
        changed = sum(1 for po, row in after.items() if before.get(po) != row)
        return RoundReport(number, changed, actions, results)

    async def verify(self, rows: dict[str, LocalRow], *, strict_failures: bool = True) -> list[str]:
        """Differences between the predictions and what the DB and the sandboxes hold."""
        return await verify(self.control, self.plans, rows, strict_failures=strict_failures)
