"""Dashboard and job runs: ``/admin/api/dashboard``, ``/admin/api/jobs/run``, ``…/run_one``.

Every run goes through the runner (docs/design.md, "The runner") with ``trigger="manual"``. A
run refused because the job is already running (here or in another process sharing the
database) is a 409.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from daemon.admin.answers import (
    ConfigVersion,
    DashboardAnswer,
    InstanceLine,
    JobLine,
    RunsAnswer,
    StatusLine,
)
from daemon.admin.context import AdminState, admin_state
from daemon.admin.errors import ApiError, not_found
from daemon.admin.models import RunJobsBody, RunOneBody
from daemon.answers import RunAnswer
from daemon.election import schedule_lock
from daemon.routing import Route
from db.instances import list_instances
from db.order_stats import StatusSummary, status_summary
from jobs.context import RunResult
from jobs.registry import UnknownJobError

INSTANCES_SEEN_WITHIN = 86400


def known_job(state: AdminState, name: str) -> str:
    try:
        state.core.runner.registry.get(name)
    except UnknownJobError:
        known = ", ".join(state.core.runner.registry.names())
        raise not_found(f"job {name!r} (known: {known})") from None
    return name


async def run_job(
    state: AdminState,
    job: str,
    *,
    po_number: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> RunResult:
    """One run through the runner; 409 when that job is already running."""
    result = await state.core.runner.run(
        job, trigger="manual", po_number=po_number, overrides=overrides
    )
    if result.status == "already_running":
        raise ApiError(
            409, "already_running", f"{job} is already running", result=RunAnswer.of(result)
        )
    return result


async def dashboard(request: web.Request) -> DashboardAnswer:
    """Orders per status with the age of the oldest, each job's last run, the instances."""
    state = admin_state(request)
    snapshot = state.core.config.snapshot
    summary = await status_summary(state.core.pool)
    now = int(time.time())
    return DashboardAnswer(
        config=ConfigVersion(
            domain=state.core.config.domain,
            version=snapshot.version,
            updated_at=snapshot.updated_at,
        ),
        orders={str(s.status): s.count for s in summary},
        orders_total=sum(s.count for s in summary),
        # Seconds the oldest order of each status has waited there (null: none in it).
        oldest_age_seconds={str(s.status): s.age(now) for s in summary},
        # Orders that several runs picked without moving them (list: min_attempts=3).
        repeatedly_skipped={str(s.status): s.repeated for s in summary},
        statuses=[_status_line(s, now) for s in summary],
        jobs=[_job_line(state, name) for name in state.core.runner.registry.names()],
        display_timezone=state.settings.admin.display_timezone,
        now=now,
        instances=await _instances(state),
    )


async def _instances(state: AdminState) -> list[InstanceLine]:
    """Daemon instances seen in the last day; ``runs_schedule`` is read from the server's locks
    at this moment, ``this`` marks the instance answering."""
    rows = await list_instances(
        state.core.pool,
        schedule_lock=schedule_lock(state.core.config.domain),
        seen_since=int(time.time()) - INSTANCES_SEEN_WITHIN,
    )
    return [InstanceLine(**vars(r), this=r.instance_id == state.core.instance_id) for r in rows]


def _status_line(s: StatusSummary, now: int) -> StatusLine:
    """One status: how many orders, since when the oldest of them has waited there, and how
    many several runs have picked without moving them."""
    return StatusLine(
        status=s.status,
        count=s.count,
        oldest_since=s.oldest_since,
        oldest_age_seconds=s.age(now),
        repeatedly_skipped=s.repeated,
    )


def _job_line(state: AdminState, name: str) -> JobLine:
    runner = state.core.runner
    job = state.core.config.snapshot.config.job(name)
    last = runner.last_results.get(name)
    success = runner.last_success.get(name)
    next_fire = state.scheduler.next_fires.get(name) if state.scheduler else None
    return JobLine(
        job=name,
        enable=job.enable,
        cron=job.cron,
        running=name in runner.running,
        run_id=runner.running.get(name),
        last_result=RunAnswer.of(last) if last else None,
        last_success=RunAnswer.of(success) if success else None,
        next_fire=int(next_fire.timestamp()) if next_fire else None,
    )


async def run_jobs(request: web.Request, body: RunJobsBody) -> RunsAnswer:
    """Run jobs one after the other (none named: the pipeline); a running one answers
    ``already_running`` in its result instead of a 409."""
    state = admin_state(request)
    jobs = [known_job(state, name) for name in body.jobs or state.core.runner.registry.pipeline()]
    results = []
    for job in jobs:  # sequential: a later job works on what the earlier one produced
        result = await state.core.runner.run(job, trigger="manual")
        results.append(RunAnswer.of(result))
    return RunsAnswer(results=results)


async def run_one(request: web.Request, body: RunOneBody) -> RunAnswer:
    """Run one job; 409 while it runs."""
    state = admin_state(request)
    result = await run_job(state, known_job(state, body.job))
    return RunAnswer.of(result)


ROUTES = (
    Route("GET", "/admin/api/dashboard", dashboard, answer=DashboardAnswer),
    Route(
        "POST", "/admin/api/jobs/run", run_jobs, body=RunJobsBody, answer=RunsAnswer, errors=(404,)
    ),
    Route(
        "POST",
        "/admin/api/jobs/run_one",
        run_one,
        body=RunOneBody,
        answer=RunAnswer,
        errors=(404, 409),
    ),
)
