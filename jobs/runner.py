"""The one path every trigger takes to run a job (docs/design.md, "The runner").

resolve → snapshot → enable rule (scheduled only) → advisory lock on a pinned connection →
run under a timeout while watching the lock → unlock → one end line → ``RunResult``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from loguru import logger

from jobs.config_store import RuntimeConfigStore
from jobs.context import Clients, JobContext, JobEnv, JobError, RunResult, RunStatus, Trigger
from jobs.locks import HeldLock, lock_key
from jobs.registry import JobSpec, Registry

ConnectFn = Callable[[], Awaitable["asyncpg.Connection[asyncpg.Record]"]]
# What a lost or unreachable database raises at the runner's edge.
_DB_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


@dataclass
class RunRequest:
    job: str
    trigger: Trigger
    po_number: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunnerStats:
    """In-memory counters for /metrics (D12: nothing about runs is stored)."""

    runs: dict[tuple[str, str], int] = field(default_factory=dict)
    duration_ms: dict[str, int] = field(default_factory=dict)

    def record(self, result: RunResult) -> None:
        key = (result.job, result.status)
        self.runs[key] = self.runs.get(key, 0) + 1
        self.duration_ms[result.job] = self.duration_ms.get(result.job, 0) + result.duration_ms


class Runner:
    def __init__(
        self,
        *,
        registry: Registry,
        pool: asyncpg.Pool[asyncpg.Record],
        connect: ConnectFn,
        config: RuntimeConfigStore,
        clients: Clients,
        env: JobEnv,
        timeout: Callable[[str], float] = lambda _job: 1800.0,
        lock_check_interval: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self._pool = pool
        self._connect = connect
        self._config = config
        self._clients = clients
        self._env = env
        self._timeout = timeout
        self._lock_check_interval = lock_check_interval
        self._clock = clock
        # The last run and the last successful run per job (this process; D12: in memory only):
        # "failing since when?" is the first question when a run is red.
        self.last_results: dict[str, RunResult] = {}
        self.last_success: dict[str, RunResult] = {}
        self.running: dict[str, str] = {}  # job → run_id, this process only
        self.stats = RunnerStats()

    async def run(
        self,
        job: str,
        *,
        trigger: Trigger,
        po_number: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> RunResult:
        """Run ``job`` once. An unknown name raises :class:`UnknownJobError` (a caller
        mistake); everything else — the job failing, the database away — is in the result."""
        spec = self.registry.get(job)
        run_id = uuid.uuid4().hex[:12]
        log = logger.bind(job=job, run_id=run_id, trigger=trigger, po_number=po_number or "")
        run = _Run(RunRequest(job, trigger, po_number, overrides or {}), run_id, self._clock(), log)
        if trigger == "scheduled" and not self._schedulable(spec):
            return self._finish(run, "disabled")
        lock = await self._lock(job, run.log)
        if lock is None:
            return self._finish(run, "failed", "database unreachable: could not take the job lock")
        try:
            return await self._locked(spec, run, lock)
        finally:
            if self.running.get(job) == run.run_id:
                del self.running[job]
            await lock.release()

    def _schedulable(self, spec: JobSpec[Any]) -> bool:
        return self._config.snapshot.config.job(spec.name).enable and not spec.manual_only

    async def _locked(self, spec: JobSpec[Any], run: _Run, lock: HeldLock) -> RunResult:
        try:
            acquired = await lock.try_acquire()
        except _DB_ERRORS as exc:
            run.log.error("job not started: could not take its lock ({})", type(exc).__name__)
            return self._finish(run, "failed", "database unreachable: could not take the job lock")
        if not acquired:
            run.log.info("job already running, not started")
            return self._finish(run, "already_running")
        run.ctx = self._context(spec, run)
        self.running[spec.name] = run.run_id
        run.log.info("job started")
        status, error = await self._execute(spec, run.ctx, lock)
        return self._finish(run, status, error)

    async def _lock(self, job: str, log: Any) -> HeldLock | None:
        """The job's lock on a fresh connection; None (logged) when the database is away."""
        try:
            conn = await self._connect()
        except _DB_ERRORS as exc:
            log.error("job not started: database unreachable ({})", type(exc).__name__)
            return None
        return HeldLock(conn, lock_key(self._config.domain, job))

    async def _execute(
        self, spec: JobSpec[Any], ctx: JobContext, lock: HeldLock
    ) -> tuple[RunStatus, str | None]:
        """Run the job body, racing it against the timeout and the lock watcher."""
        body = asyncio.create_task(self._guarded(spec, ctx))
        watcher = asyncio.create_task(lock.watch(self._lock_check_interval))
        try:
            done, _ = await asyncio.wait(
                {body, watcher},
                timeout=self._timeout(spec.name),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for task in (body, watcher):
                task.cancel()
            await asyncio.gather(body, watcher, return_exceptions=True)
        if body in done:
            return body.result()
        if watcher in done:
            ctx.log.error("lock connection lost, run aborted")
            return "aborted", "advisory lock connection lost; run aborted"
        ctx.log.error("job timed out after {}s", self._timeout(spec.name))
        return "timeout", f"timed out after {self._timeout(spec.name):g}s"

    async def _guarded(self, spec: JobSpec[Any], ctx: JobContext) -> tuple[RunStatus, str | None]:
        try:
            self._check_requirements(spec)
            await spec.run(ctx)
        except JobError as exc:
            ctx.log.error("job failed: {}", exc)
            return "failed", str(exc)
        except Exception as exc:  # a bug or an unexpected vendor failure: keep the daemon up
            ctx.log.opt(exception=exc).error("job crashed: {}", type(exc).__name__)
            return "failed", f"{type(exc).__name__}: {exc}"
        return "ok", None

    def _check_requirements(self, spec: JobSpec[Any]) -> None:
        if spec.needs.dsco:
            self._clients.require_dsco()
        if spec.needs.lingxing:
            self._clients.require_lingxing()

    def _context(self, spec: JobSpec[Any], run: _Run) -> JobContext:
        snapshot = self._config.snapshot
        return JobContext(
            job=spec.name,
            run_id=run.run_id,
            trigger=run.request.trigger,
            pool=self._pool,
            clients=self._clients,
            config=snapshot.config,
            config_version=snapshot.version,
            schema=self._config.schema,
            env=self._env,
            size=snapshot.config.job(spec.name).size,
            po_number=run.request.po_number,
            overrides=run.request.overrides,
            clock=self._clock,
            log=run.log,
        )

    def _finish(self, run: _Run, status: RunStatus, error: str | None = None) -> RunResult:
        result = run.result(status, self._clock(), error)
        if run.ctx is not None:
            self.last_results[run.request.job] = result
            if status == "ok":
                self.last_success[run.request.job] = result
            counters = " ".join(f"{k}={v}" for k, v in result.counters.items())
            run.log.info(
                "job finished status={} duration_ms={} {}", status, result.duration_ms, counters
            )
        self.stats.record(result)
        return result


@dataclass
class _Run:
    """One run on its way: what was asked, its id and logger, and its context once started."""

    request: RunRequest
    run_id: str
    started: float
    log: Any
    ctx: JobContext | None = None

    def result(self, status: RunStatus, now: float, error: str | None) -> RunResult:
        return RunResult(
            run_id=self.run_id,
            job=self.request.job,
            trigger=self.request.trigger,
            status=status,
            started_at=int(self.started),
            duration_ms=max(0, int((now - self.started) * 1000)),
            counters=self.ctx.counters.as_dict() if self.ctx else {},
            error=error,
            report=self.ctx.report if self.ctx else None,
            po_number=self.request.po_number,
        )
