"""Prometheus text for ``GET /metrics`` (SPEC §10): job runs, durations, orders per status."""

from __future__ import annotations

from daemon.core import Core


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


async def render_metrics(core: Core) -> str:
    stats = core.runner.stats
    lines = [
        "# HELP dsco_lingxing_job_runs_total Job runs by job and outcome since start.",
        "# TYPE dsco_lingxing_job_runs_total counter",
    ]
    for (job, status), count in sorted(stats.runs.items()):
        lines.append(
            f'dsco_lingxing_job_runs_total{{job="{_escape(job)}",status="{status}"}} {count}'
        )
    lines += [
        "# HELP dsco_lingxing_job_duration_ms_total Milliseconds spent in job runs since start.",
        "# TYPE dsco_lingxing_job_duration_ms_total counter",
    ]
    for job, total in sorted(stats.duration_ms.items()):
        lines.append(f'dsco_lingxing_job_duration_ms_total{{job="{_escape(job)}"}} {total}')
    lines += [
        "# HELP dsco_lingxing_orders Orders per local status.",
        "# TYPE dsco_lingxing_orders gauge",
    ]
    rows = await core.pool.fetch(
        "SELECT status, count(*) AS n FROM dsco_order_sync GROUP BY status ORDER BY status"
    )
    lines += [f'dsco_lingxing_orders{{status="{r["status"]}"}} {r["n"]}' for r in rows]
    return "\n".join(lines) + "\n"
