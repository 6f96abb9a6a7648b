"""The admin API's answers, one model per shape (its description is written from these).

Rows read from the database appear as the query module's own dataclasses (``OrderSummary``,
``SyncRecord``, ``LogEntry``): what is stored is what is sent. A whole-row answer (one order)
lists the row's fields again, and is built from the row, so a column added there and not
here fails the request instead of disappearing from the answer.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal, Self

from pydantic import Field, WithJsonSchema

from daemon.answers import RunAnswer
from daemon.history import LogEntry
from daemon.routing import Answer
from db.order_search import OrderSummary
from db.orders import OrderRow
from db.warehouse_sync_search import SyncRecord
from jobs.catalog import SCHEMA
from jobs.runtime_config import RuntimeConfig

# --- session ------------------------------------------------------------------------------------


class CsrfAnswer(Answer):
    csrf_token: str = Field(description="send it as X-CSRF-Token with every state-changing call")


class OkAnswer(Answer):
    ok: bool


# --- runtime config -----------------------------------------------------------------------------


class ConfigAnswer(Answer):
    domain: str
    version: int = Field(description="bumped by every save; send it back as expected_version")
    updated_at: int = Field(description="unix seconds")
    # Described job by job from the catalog (each job's own settings model).
    config: Annotated[RuntimeConfig, WithJsonSchema(SCHEMA.json_schema(), mode="serialization")]


class CronAnswer(Answer):
    cron: str
    next: list[int] = Field(description="the next fire times, UTC unix seconds")


# --- dashboard and runs -------------------------------------------------------------------------


class ConfigVersion(Answer):
    domain: str
    version: int
    updated_at: int


class StatusLine(Answer):
    status: int
    count: int
    oldest_since: int | None = Field(description="when the oldest order entered the status")
    oldest_age_seconds: int | None
    repeatedly_skipped: int = Field(description="orders several runs picked without moving")


class JobLine(Answer):
    job: str
    enable: bool
    cron: str
    running: bool = Field(description="running in the process that answers")
    run_id: str | None
    last_result: RunAnswer | None
    last_success: RunAnswer | None
    next_fire: int | None = Field(
        description="unix seconds; null when this process does not run the schedule"
    )


class InstanceLine(Answer):
    instance_id: str
    host: str
    pid: int
    started_at: int
    last_seen: int
    stopped_at: int | None
    runs_schedule: bool
    this: bool = Field(description="the instance that answers")


class DashboardAnswer(Answer):
    config: ConfigVersion
    orders: dict[str, int] = Field(description="count per local status 1..6")
    orders_total: int
    oldest_age_seconds: dict[str, int | None]
    repeatedly_skipped: dict[str, int]
    statuses: list[StatusLine]
    jobs: list[JobLine]
    display_timezone: str
    now: int
    instances: list[InstanceLine] = Field(description="daemon instances seen in the last day")


class RunsAnswer(Answer):
    results: list[RunAnswer]


# --- orders -------------------------------------------------------------------------------------


class ListPage(Answer):
    """What every page of a listing says besides its rows (``daemon/admin/listing.py``)."""

    total: int = Field(description="rows matching the filter (an estimate if so labelled)")
    total_is_estimate: bool = Field(
        description="true: more than total_at_least match and total is the database's estimate"
    )
    total_at_least: int = Field(description="rows counted: exact up to 1,000")
    offset: int
    limit: int
    cursor: str | None = Field(description="the cursor this page started after")
    next_cursor: str | None = Field(description="pass as cursor for the next page; null: last")


class OrderListAnswer(ListPage):
    orders: list[OrderSummary]


class OrderAnswer(Answer):
    """One order with the DSCO order as it was last pulled (``payload``)."""

    id: int
    po_number: str
    dsco_create_time: int
    dsco_update_time: int
    dsco_status: str
    status: int
    payload: dict[str, Any]
    mskus: list[str]
    warehouse_id: str
    shipment: str
    dsco_retailer_id: str
    shipped_tracking_no: str
    dsco_invoice_id: str
    last_attempt_at: int
    created_at: int
    updated_at: int
    status_since: int
    attempts: int

    @classmethod
    def of(cls, row: OrderRow) -> Self:
        return cls.model_validate(dataclasses.asdict(row))


class HistoryAnswer(Answer):
    po_number: str
    source: Literal["journal", "memory"]
    note: str = Field(description="why the records come from memory although the journal was asked")
    entries: list[LogEntry]


class StatusChangeAnswer(Answer):
    po_number: str
    old_status: int
    status: int


class OrderRunAnswer(Answer):
    po_number: str
    job: str
    status_before: int
    status_after: int | None
    result: RunAnswer


# --- warehouse sync -----------------------------------------------------------------------------


class SyncListAnswer(ListPage):
    rows: list[SyncRecord]


class SyncOptionsAnswer(Answer):
    warehouse_ids: list[str]
    skus: list[str]


# --- errors -------------------------------------------------------------------------------------


class ConfigIssue(Answer):
    path: str
    reason: str


class AdminErrorDetail(Answer):
    code: str = Field(description="stable, for programs (invalid_request, not_found, ...)")
    message: str = Field(description="for people")
    field: str | None = Field(None, description="the input at fault (a 400)")
    errors: list[ConfigIssue] | None = Field(None, description="every broken field of a config")
    retry_after: int | None = Field(None, description="seconds before the next login attempt")
    reference: str | None = Field(None, description="of a 500: the log line with the details")
    result: RunAnswer | None = Field(None, description="of a 409: the refused run")


class AdminErrorAnswer(Answer):
    """Every 4xx/5xx answer: ``{"error": {"code", "message", ...}}``."""

    error: AdminErrorDetail
