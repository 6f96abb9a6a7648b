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
    lines += _vendor_lines(core)
    rows = await core.pool.fetch(
        "SELECT status, count(*) AS n FROM dsco_order_sync GROUP BY status ORDER BY status"
    )
    lines += [f'dsco_lingxing_orders{{status="{r["status"]}"}} {r["n"]}' for r in rows]
    return "\n".join(lines) + "\n"


def _vendor_lines(core: Core) -> list[str]:
    snap = core.vendor_stats.snapshot()
    lines = [
        "# HELP dsco_lingxing_vendor_calls_total Vendor HTTP attempts by endpoint and outcome.",
        "# TYPE dsco_lingxing_vendor_calls_total counter",
    ]
    lines += [
        f'dsco_lingxing_vendor_calls_total{{vendor="{c["vendor"]}",'
        f'endpoint="{_escape(str(c["endpoint"]))}",outcome="{_escape(str(c["outcome"]))}"}} '
        f"{c['count']}"
        for c in snap["calls"]
    ]
    lines += [
        "# HELP dsco_lingxing_vendor_retries_total Vendor call retries by endpoint and reason.",
        "# TYPE dsco_lingxing_vendor_retries_total counter",
    ]
    lines += [
        f'dsco_lingxing_vendor_retries_total{{vendor="{r["vendor"]}",'
        f'endpoint="{_escape(str(r["endpoint"]))}",reason="{_escape(str(r["reason"]))}"}} '
        f"{r['count']}"
        for r in snap["retries"]
    ]
    lines += [
        "# HELP dsco_lingxing_rate_limit_waits_total Waits caused by vendor rate limits.",
        "# TYPE dsco_lingxing_rate_limit_waits_total counter",
    ]
    lines += [
        f'dsco_lingxing_rate_limit_waits_total{{vendor="{w["vendor"]}",'
        f'endpoint="{_escape(str(w["endpoint"]))}"}} {w["count"]}'
        for w in snap["rate_limit_waits"]
    ]
    return lines
