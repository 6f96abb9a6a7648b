"""What a job receives (``JobContext``) and what a run returns (``RunResult``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import asyncpg
from loguru import logger as _logger

if TYPE_CHECKING:
    from loguru import Logger

    from jobs.runtime_config import ConfigSchema, RuntimeConfig
    from sdk.dsco.client import DscoClient
    from sdk.lingxing.client import LingxingClient

Trigger = Literal["scheduled", "manual", "api", "cli"]
RunStatus = Literal["ok", "failed", "already_running", "disabled", "timeout", "aborted"]


class JobError(Exception):
    """A run cannot go on (missing credentials, bad arguments); the message is shown as is."""


@dataclass(frozen=True)
class StreamWaits:
    """When a DSCO stream dump is over (seconds; see ``sdk.dsco.streams``); while it waits,
    the dump is read again every ``poll_interval``."""

    first_event_wait: float = 120.0
    idle_timeout: float = 120.0
    poll_interval: float = 5.0
    settle: float = 60.0


@dataclass(frozen=True)
class JobEnv:
    """The start-up settings jobs need, copied out of ``env.yaml`` by the daemon, and the
    waits of the vendors' asynchronous APIs (tests shorten them here, never by patching)."""

    lingxing_platform_code: int | None = None
    lingxing_timezone: tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    lingxing_create_batch: int = 50
    export_dir: Path = Path("var/exports")
    cleanup_threshold_bytes: int = 104_857_600
    warehouse_sync_retention_days: int = 90
    max_range_days: int = 365
    # DSCO wants ``until`` at least 5 s in the past; its indexes trail writes by a few seconds.
    dsco_until_margin: int = 10
    # How long one run waits for DSCO's change log of a batch before leaving it to the next.
    change_log_timeout: float = 60.0
    change_log_poll: float = 2.0
    stream_waits: StreamWaits = field(default_factory=StreamWaits)


@dataclass(frozen=True)
class Clients:
    """Vendor clients; ``None`` when the credentials are not configured."""

    dsco: DscoClient | None = None
    lingxing: LingxingClient | None = None

    def require_dsco(self) -> DscoClient:
        if self.dsco is None:
            raise JobError("DSCO credentials are not configured (auth.dsco.token)")
        return self.dsco

    def require_lingxing(self) -> LingxingClient:
        if self.lingxing is None:
            raise JobError(
                "Lingxing credentials are not configured (auth.lingxing.app_id / app_secret)"
            )
        return self.lingxing


@dataclass
class Counters:
    total: int = 0
    ok: int = 0
    skip: int = 0
    fail: int = 0
    advanced: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class JobContext:
    """Everything one run may use; built by the runner, never by a job."""

    job: str
    run_id: str
    trigger: Trigger
    pool: asyncpg.Pool[asyncpg.Record]
    clients: Clients
    config: RuntimeConfig
    config_version: int
    schema: ConfigSchema  # to validate a config change a job saves (pull_sku_pair)
    env: JobEnv
    size: int
    po_number: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)
    report: dict[str, Any] | None = None
    clock: Callable[[], float] = time.time
    log: Logger = _logger

    def now(self) -> int:
        return int(self.clock())


@dataclass(frozen=True)
class RunResult:
    run_id: str
    job: str
    trigger: Trigger
    status: RunStatus
    started_at: int
    duration_ms: int
    counters: dict[str, int]
    error: str | None = None
    report: dict[str, Any] | None = None
    po_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "trigger": self.trigger,
            "status": self.status,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "counters": self.counters,
            "error": self.error,
            "report": self.report,
            "po_number": self.po_number,
        }
