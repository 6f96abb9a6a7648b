"""The one path every trigger takes to run a job (SPEC §2.2).

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
        self.last_results: dict[str, RunResult] = {}
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
        """Run ``job`` once; never raises for job failures (they are in the result)."""
        spec = self.registry.get(job)  # UnknownJobError propagates: a caller mistake
        request = RunRequest(job, trigger, po_number, overrides or {})
        run_id = uuid.uuid4().hex[:12]
        log = logger.bind(job=job, run_id=run_id, trigger=trigger, po_number=po_number or "")
        snapshot = self._config.snapshot
        if trigger == "scheduled" and not (
            snapshot.config.job(job).enable and not spec.manual_only
        ):
            return self._finish(request, run_id, "disabled", self._clock(), log, None)
        started = self._clock()
        lock = await self._lock(job, log)
        if lock is None:
            unreachable = "database unreachable: could not take the job lock"
            return self._finish(request, run_id, "failed", started, log, None, unreachable)
        try:
            if not await lock.try_acquire():
                log.info("job already running, not started")
                return self._finish(request, run_id, "already_running", started, log, None)
            ctx = self._context(spec, request, run_id, log)
            self.running[job] = run_id
            log.info("job started")
            status, error = await self._execute(spec, ctx, lock)
            return self._finish(request, run_id, status, started, log, ctx, error)
        finally:
            if self.running.get(job) == run_id:
                del self.running[job]
            await lock.release()

    async def _lock(self, job: str, log: Any) -> HeldLock | None:
        """The job's lock on a fresh connection; None (logged) when the database is away."""
        try:
            conn = await self._connect()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.error("job not started: database unreachable ({})", type(exc).__name__)
            return None
        return HeldLock(conn, lock_key(self._config.domain, job))

    async def _execute(
        self, spec: JobSpec, ctx: JobContext, lock: HeldLock
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

    async def _guarded(self, spec: JobSpec, ctx: JobContext) -> tuple[RunStatus, str | None]:
        try:
            self._check_requirements(spec)
            await spec.func(ctx)
        except JobError as exc:
            ctx.log.error("job failed: {}", exc)
            return "failed", str(exc)
        except Exception as exc:  # a bug or an unexpected vendor failure: keep the daemon up
            ctx.log.opt(exception=exc).error("job crashed: {}", type(exc).__name__)
            return "failed", f"{type(exc).__name__}: {exc}"
        return "ok", None

    def _check_requirements(self, spec: JobSpec) -> None:
        if spec.needs_dsco:
            self._clients.require_dsco()
        if spec.needs_lingxing:
            self._clients.require_lingxing()

    def _context(self, spec: JobSpec, req: RunRequest, run_id: str, log: Any) -> JobContext:
        snapshot = self._config.snapshot
        return JobContext(
            job=spec.name,
            run_id=run_id,
            trigger=req.trigger,
            pool=self._pool,
            clients=self._clients,
            config=snapshot.config,
            config_version=snapshot.version,
            env=self._env,
            size=snapshot.config.job(spec.name).size,
            po_number=req.po_number,
            overrides=req.overrides,
            clock=self._clock,
            log=log,
        )

    def _finish(
        self,
        req: RunRequest,
        run_id: str,
        status: RunStatus,
        started: float,
        log: Any,
        ctx: JobContext | None,
        error: str | None = None,
    ) -> RunResult:
        result = RunResult(
            run_id=run_id,
            job=req.job,
            trigger=req.trigger,
            status=status,
            started_at=int(started),
            duration_ms=max(0, int((self._clock() - started) * 1000)),
            counters=ctx.counters.as_dict() if ctx else {},
            error=error,
            report=ctx.report if ctx else None,
            po_number=req.po_number,
        )
        if ctx is not None:
            self.last_results[req.job] = result
            log.info(
                "job finished status={} duration_ms={} counters={}",
                status,
                result.duration_ms,
                result.counters,
            )
        self.stats.record(result)
        return result
