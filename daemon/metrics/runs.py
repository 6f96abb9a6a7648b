"""Job-run families: runs by outcome, durations, last start and last success, running, enabled.

Every ``RunResult`` passes through ``runner.stats.record`` (nothing about runs is stored in the
database), so that is where the daemon listens: :func:`attach_run_metrics` puts a
:class:`RunMetrics` there, which also keeps what alerting needs — the duration of every run and
when each job last started and last succeeded. ``daemon.core`` attaches it when it builds the
runner, before any run; building the metrics attaches it too, for runners built elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from daemon.metrics.families import histogram_family
from jobs.config_store import RuntimeConfigStore
from jobs.context import RunResult
from jobs.runner import Runner, RunnerStats
from sdk._limits import Histogram

# Up to an hour: a pipeline run takes seconds, a big inventory sync or re-pull minutes.
RUN_SECONDS_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
# Outcomes of runs that never began (the job did not execute at all).
_NOT_STARTED = frozenset({"disabled", "already_running"})

# The label is ``job_name``, not ``job``: Prometheus sets ``job`` on every scraped series (the
# scrape job) and would rename ours to ``exported_job``.
JOB_LABEL = "job_name"


@dataclass
class RunMetrics(RunnerStats):
    """The runner's counters plus per-job durations and last start / last success instants."""

    durations: dict[str, Histogram] = field(default_factory=dict)
    last_start: dict[str, float] = field(default_factory=dict)
    last_success: dict[str, float] = field(default_factory=dict)

    def record(self, result: RunResult) -> None:
        super().record(result)
        if result.status in _NOT_STARTED:
            return
        job, seconds = result.job, result.duration_ms / 1000
        self.last_start[job] = float(result.started_at)
        if job not in self.durations:
            self.durations[job] = Histogram(RUN_SECONDS_BUCKETS)
        self.durations[job].observe(seconds)
        if result.status == "ok":
            self.last_success[job] = result.started_at + seconds


def attach_run_metrics(runner: Runner) -> RunMetrics:
    """The runner's :class:`RunMetrics`, installed on first use (keeping counts made so far)."""
    if not isinstance(runner.stats, RunMetrics):
        before = runner.stats
        runner.stats = RunMetrics(runs=dict(before.runs), duration_ms=dict(before.duration_ms))
    return runner.stats


class RunCollector(Collector):
    """Reads the runner, its registry and the runtime config at every scrape."""

    def __init__(self, runner: Runner, config: RuntimeConfigStore) -> None:
        self._runner = runner
        self._config = config
        self._stats = attach_run_metrics(runner)

    def collect(self) -> Iterator[Metric]:
        stats = self._stats
        runs = CounterMetricFamily(
            "dsco_lingxing_job_runs",
            "Job runs by job and outcome since the daemon started.",
            labels=[JOB_LABEL, "outcome"],
        )
        for (job, outcome), count in sorted(stats.runs.items()):
            runs.add_metric([job, outcome], count)
        yield runs
        yield histogram_family(
            "dsco_lingxing_job_duration_seconds",
            "Duration of job runs that executed (any outcome but disabled/already_running).",
            [JOB_LABEL],
            {(job,): h for job, h in stats.durations.items()},
        )
        yield _instants(
            "dsco_lingxing_job_last_start_timestamp_seconds",
            "Unix time the job last started (since the daemon started).",
            stats.last_start,
        )
        yield _instants(
            "dsco_lingxing_job_last_success_timestamp_seconds",
            "Unix time the job last finished a run with outcome ok (absent: none since start).",
            stats.last_success,
        )
        yield from self._job_states()

    def _job_states(self) -> Iterator[Metric]:
        running = GaugeMetricFamily(
            "dsco_lingxing_job_running",
            "1 while a run of the job is in progress in this process.",
            labels=[JOB_LABEL],
        )
        enabled = GaugeMetricFamily(
            "dsco_lingxing_job_enabled",
            "1 when the scheduler runs the job (enabled in the runtime config, not manual-only).",
            labels=[JOB_LABEL],
        )
        registry = self._runner.registry
        config = self._config.snapshot.config if self._config.loaded else None
        for job in registry.names():
            running.add_metric([job], 1.0 if job in self._runner.running else 0.0)
            if config is not None:
                scheduled = config.job(job).enable and not registry.get(job).manual_only
                enabled.add_metric([job], 1.0 if scheduled else 0.0)
        yield running
        yield enabled


def _instants(name: str, documentation: str, values: dict[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[JOB_LABEL])
    for job, value in sorted(values.items()):
        family.add_metric([job], value)
    return family
