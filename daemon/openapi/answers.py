"""The open API's answers, one model per shape (its description is written from these)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal, Self

from pydantic import Field

from daemon.answers import RunAnswer
from daemon.routing import Answer
from db.inventory_diff import DiffRow
from jobs.context import RunResult


class DiffAnswer(Answer):
    date: dt.date = Field(description="the UTC day the rows are from")
    total: int
    offset: int
    limit: int
    rows: list[DiffRow]


class PlannedItem(Answer):
    sku: str
    warehouse: str = Field(description="a DSCO warehouse code of mapping.warehouse")
    quantity: int


class SyncPlan(Answer):
    source: Literal["items", "rows"] = Field(
        description="items: the request's; rows: today's dsco_warehouse_sync rows"
    )
    dry_run: bool
    items: list[PlannedItem]
    skipped: int = Field(description="today's rows left out: their warehouse is not mapped")


class SyncRunAnswer(RunAnswer):
    """The ``sync_stock`` run, and what it was asked to send."""

    plan: SyncPlan

    @classmethod
    def of_run(cls, result: RunResult, plan: dict[str, Any]) -> Self:
        return cls.model_validate({**dataclasses.asdict(result), "plan": plan})
