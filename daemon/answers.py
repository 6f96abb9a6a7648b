"""Answers both HTTP APIs share: a job run's result and the error envelope."""

from __future__ import annotations

import dataclasses
from typing import Any, Self

from pydantic import Field

from daemon.routing import Answer
from jobs.context import RunResult, RunStatus, Trigger


class RunAnswer(Answer):
    """One run of a job through the runner (its fields are those of ``RunResult``)."""

    run_id: str
    job: str
    trigger: Trigger
    status: RunStatus = Field(
        description="already_running: another run of the job held its lock; nothing was done"
    )
    started_at: int = Field(description="unix seconds")
    duration_ms: int
    counters: dict[str, int] = Field(description="total, ok, skip, fail, advanced, ...")
    error: str | None
    report: dict[str, Any] | None = Field(description="the job's own summary, when it has one")
    po_number: str | None = Field(description="the one order the run was limited to")

    @classmethod
    def of(cls, result: RunResult) -> Self:
        # Every field of the result, so a field added there and not here fails loudly.
        return cls.model_validate(dataclasses.asdict(result))


class ErrorDetail(Answer):
    code: str = Field(description="stable, for programs (invalid_request, not_found, ...)")
    message: str = Field(description="for people")


class ErrorAnswer(Answer):
    """Every 4xx/5xx answer: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail
