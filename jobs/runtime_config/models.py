"""Typed runtime configuration (SPEC §3.2): one strict, frozen pydantic model per part.

The models check types and per-field rules (a 6-field cron, ``size >= 1``, option ranges). Rules
that span fields (mapping conflicts, what enabling a job requires) live in ``rules.py``; build a
config from untrusted JSON only through :func:`validate_runtime_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from jobs.cron import CronError, CronSpec, parse_cron

DOMAIN: Final = "dsco_lingxing"

JOB_NAMES: Final = (
    "pull_dsco_orders",
    "push_to_lingxing",
    "ack_to_dsco",
    "ship_to_dsco",
    "invoice_to_dsco",
    "sync_stock",
    "pull_sku_pair",
    "check_orders",
    "cleanup_exports",
)

MAPPING_KINDS: Final = ("shop", "warehouse", "sku", "shipment")


class JobConfig(BaseModel):
    """Settings every job has: whether the scheduler runs it, when (UTC cron), and batch size."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    enable: bool
    cron: str
    size: int = Field(ge=1)

    @field_validator("cron")
    @classmethod
    def _cron_is_valid(cls, value: str) -> str:
        try:
            parse_cron(value)
        except CronError as exc:
            raise PydanticCustomError("cron", "{reason}", {"reason": str(exc)}) from None
        return value

    @property
    def schedule(self) -> CronSpec:
        """The parsed cron expression."""
        return parse_cron(self.cron)


class PullDscoOrdersConfig(JobConfig):
    """``pull_dsco_orders``: how far before the newest known order each pull starts (D2)."""

    lookback_seconds: int = Field(default=3600, ge=0)


class MultiBanJobConfig(JobConfig):
    """``ack_to_dsco`` / ``ship_to_dsco`` / ``invoice_to_dsco``: optional single-unit-only mode."""

    multi_ban: bool = False


class SyncStockConfig(JobConfig):
    """``sync_stock``: ``sync`` also writes to DSCO (else read and record only); ``use_stream``
    reads DSCO's current inventory by stream instead of per-SKU GETs (D10)."""

    sync: bool = False
    use_stream: bool = False


class PullSkuPairConfig(JobConfig):
    """``pull_sku_pair``: refuse a pull that would remove more than this fraction of ``sku``."""

    max_shrink_fraction: float = Field(default=0.5, ge=0.0, le=1.0, allow_inf_nan=False)


JOB_MODELS: Final[Mapping[str, type[JobConfig]]] = {
    "pull_dsco_orders": PullDscoOrdersConfig,
    "push_to_lingxing": JobConfig,
    "ack_to_dsco": MultiBanJobConfig,
    "ship_to_dsco": MultiBanJobConfig,
    "invoice_to_dsco": MultiBanJobConfig,
    "sync_stock": SyncStockConfig,
    "pull_sku_pair": PullSkuPairConfig,
    "check_orders": JobConfig,
    "cleanup_exports": JobConfig,
}


class JobsConfig(BaseModel):
    """One entry per job, in SPEC order."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    pull_dsco_orders: PullDscoOrdersConfig
    push_to_lingxing: JobConfig
    ack_to_dsco: MultiBanJobConfig
    ship_to_dsco: MultiBanJobConfig
    invoice_to_dsco: MultiBanJobConfig
    sync_stock: SyncStockConfig
    pull_sku_pair: PullSkuPairConfig
    check_orders: JobConfig
    cleanup_exports: JobConfig


class MappingConfig(BaseModel):
    """DSCO-side key → Lingxing-side value, all strings (SPEC §3.2).

    Typed as read-only ``Mapping`` because one config snapshot is shared by concurrent runs.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    shop: Mapping[str, str] = Field(default_factory=dict)
    warehouse: Mapping[str, str] = Field(default_factory=dict)
    sku: Mapping[str, str] = Field(default_factory=dict)
    shipment: Mapping[str, str] = Field(default_factory=dict)


class RuntimeConfig(BaseModel):
    """The whole runtime-config document of one domain."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    domain: str
    jobs: JobsConfig
    mapping: MappingConfig

    def job(self, name: str) -> JobConfig:
        """The settings of job ``name``; ``KeyError`` for a name not in ``JOB_NAMES``."""
        if name not in JOB_NAMES:
            raise KeyError(f"unknown job {name!r}")
        settings: JobConfig = getattr(self.jobs, name)
        return settings


_DEFAULT_JOBS: Final[Mapping[str, Mapping[str, Any]]] = {
    "pull_dsco_orders": {"cron": "0 */15 * * * *", "size": 200, "lookback_seconds": 3600},
    "push_to_lingxing": {"cron": "0 */15 * * * *", "size": 50},
    "ack_to_dsco": {"cron": "0 */15 * * * *", "size": 200, "multi_ban": False},
    "ship_to_dsco": {"cron": "0 */15 * * * *", "size": 200, "multi_ban": False},
    "invoice_to_dsco": {"cron": "0 */15 * * * *", "size": 50, "multi_ban": False},
    "sync_stock": {"cron": "0 0 1 * * *", "size": 200, "sync": False, "use_stream": False},
    "pull_sku_pair": {"cron": "0 0 3 * * *", "size": 1000},
    "check_orders": {"cron": "0 0 2 * * *", "size": 500},
    "cleanup_exports": {"cron": "0 0 * * * *", "size": 1},
}


def default_job(name: str) -> JobConfig:
    """The default settings of job ``name``: disabled, except ``cleanup_exports``."""
    values = {"enable": name == "cleanup_exports", **_DEFAULT_JOBS[name]}
    return JOB_MODELS[name].model_validate(values)


def default_config() -> RuntimeConfig:
    """The row inserted on first start (SPEC §3.2): only ``cleanup_exports`` on, no mappings."""
    jobs = JobsConfig.model_validate({name: default_job(name) for name in JOB_NAMES})
    return RuntimeConfig(domain=DOMAIN, jobs=jobs, mapping=MappingConfig())


def config_to_json(config: RuntimeConfig) -> dict[str, Any]:
    """The JSON document to store; :func:`validate_runtime_config` reads it back unchanged."""
    return config.model_dump(mode="json")
