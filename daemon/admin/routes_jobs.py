"""Dashboard and job runs: ``/admin/api/dashboard``, ``/admin/api/jobs/run``, ``…/run_one``.

Every run goes through the runner (SPEC §2.2) with ``trigger="manual"``. A run refused because
the job is already running (here or in another process sharing the database) is a 409.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from daemon.admin.context import AdminState, admin_state
from daemon.admin.errors import ApiError, invalid, not_found
from daemon.admin.params import json_body
from daemon.election import schedule_lock
from db.instances import list_instances
from db.order_stats import status_summary
from jobs.context import RunResult
from jobs.registry import UnknownJobError

PIPELINE = (
    "pull_dsco_orders",
    "push_to_lingxing",
    "ack_to_dsco",
    "ship_to_dsco",
    "invoice_to_dsco",
    "sync_stock",
)
INSTANCES_SEEN_WITHIN = 86400


def known_job(state: AdminState, name: object, field: str = "job") -> str:
    if not isinstance(name, str) or not name:
        raise invalid(field, "required (a job name)")
    try:
        state.core.runner.registry.get(name)
    except UnknownJobError:
        raise not_found(f"job {name!r}") from None
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
        raise ApiError(409, "already_running", f"{job} is already running", result=result.to_json())
    return result


async def dashboard(request: web.Request) -> web.Response:
    state = admin_state(request)
    snapshot = state.core.config.snapshot
    summary = await status_summary(state.core.pool)
    now = int(time.time())
    return web.json_response(
        {
            "config": {
                "domain": state.core.config.domain,
                "version": snapshot.version,
                "updated_at": snapshot.updated_at,
            },
            "orders": {str(s.status): s.count for s in summary},
            "orders_total": sum(s.count for s in summary),
            # Seconds the oldest order of each status has waited there (null: none in it).
            "oldest_age_seconds": {str(s.status): s.age(now) for s in summary},
            # Orders that several runs picked without moving them (list: min_attempts=3).
            "repeatedly_skipped": {str(s.status): s.repeated for s in summary},
            "jobs": [_job_line(state, name) for name in state.core.runner.registry.names()],
            "display_timezone": state.settings.admin.display_timezone,
            "instances": await _instances(state),
        }
    )


async def _instances(state: AdminState) -> list[dict[str, Any]]:
    """Daemon instances seen in the last day; ``runs_schedule`` is read from the server's locks
    at this moment, ``this`` marks the instance answering."""
    rows = await list_instances(
        state.core.pool,
        schedule_lock=schedule_lock(state.core.config.domain),
        seen_since=int(time.time()) - INSTANCES_SEEN_WITHIN,
    )
    return [{**vars(r), "this": r.instance_id == state.core.instance_id} for r in rows]


def _job_line(state: AdminState, name: str) -> dict[str, Any]:
    runner = state.core.runner
    job = state.core.config.snapshot.config.job(name)
    last = runner.last_results.get(name)
    next_fire = state.scheduler.next_fires.get(name) if state.scheduler else None
    return {
        "job": name,
        "enable": job.enable,
        "cron": job.cron,
        "running": name in runner.running,
        "run_id": runner.running.get(name),
        "last_result": last.to_json() if last else None,
        "next_fire": int(next_fire.timestamp()) if next_fire else None,
    }


async def run_jobs(request: web.Request) -> web.Response:
    state = admin_state(request)
    body = await json_body(request)
    names = body.get("jobs") or list(PIPELINE)
    if not isinstance(names, list):
        raise invalid("jobs", "must be a list of job names")
    jobs = [known_job(state, name, f"jobs[{i}]") for i, name in enumerate(names)]
    results = []
    for job in jobs:  # sequential: a later job works on what the earlier one produced
        result = await state.core.runner.run(job, trigger="manual")
        results.append(result.to_json())
    return web.json_response({"results": results})


async def run_one(request: web.Request) -> web.Response:
    state = admin_state(request)
    body = await json_body(request)
    job = known_job(state, body.get("job"))
    result = await run_job(state, job)
    return web.json_response(result.to_json())


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/api/dashboard", dashboard)
    app.router.add_post("/admin/api/jobs/run", run_jobs)
    app.router.add_post("/admin/api/jobs/run_one", run_one)
