"""Typed runtime configuration (docs/design.md, "Runtime configuration"): strict, frozen models.

The models check types and per-field rules (a 6-field cron, ``size >= 1``, option ranges). A
job's own options extend :class:`JobConfig` in the job's module. Rules that span fields (mapping
conflicts, what enabling a job requires) live in ``rules.py``; build a config from untrusted
JSON only through :meth:`jobs.runtime_config.schema.ConfigSchema.validate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, field_validator
from pydantic_core import PydanticCustomError

from jobs.cron import CronError, parse_cron

DOMAIN: Final = "dsco_lingxing"

MAX_SIZE: Final = 10_000

MAPPING_KINDS: Final = ("shop", "warehouse", "sku", "shipment", "wms_sid")


class JobConfig(BaseModel):
    """Settings every job has: whether the scheduler runs it, when (UTC cron), and batch size."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    enable: bool
    cron: str
    # Rows one run handles. Above this a run is no longer a batch but a migration: refuse it at
    # save time rather than let the job fail every run.
    size: int = Field(ge=1, le=MAX_SIZE)

    @field_validator("cron")
    @classmethod
    def _cron_is_valid(cls, value: str) -> str:
        try:
            parse_cron(value)
        except CronError as exc:
            raise PydanticCustomError("cron", "{reason}", {"reason": str(exc)}) from None
        return value


class MultiBanJobConfig(JobConfig):
    """``ack_to_dsco`` / ``ship_to_dsco`` / ``invoice_to_dsco``: optional single-unit-only mode."""

    multi_ban: bool = False


class MappingConfig(BaseModel):
    """DSCO-side key → Lingxing-side value, all strings (docs/design.md, "Runtime configuration").

    Typed as read-only ``Mapping`` because one config snapshot is shared by concurrent runs.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    shop: Mapping[str, str] = Field(default_factory=dict)
    warehouse: Mapping[str, str] = Field(default_factory=dict)
    sku: Mapping[str, str] = Field(default_factory=dict)
    shipment: Mapping[str, str] = Field(default_factory=dict)
    # DSCO retailer id → the WMS ``sid`` of its Lingxing store, where the operator knows it:
    # it only narrows the WMS outbound query (Lingxing documents ``sid`` for Amazon stores).
    wms_sid: Mapping[str, str] = Field(default_factory=dict)


class RuntimeConfig(BaseModel):
    """The whole runtime-config document of one domain. ``jobs`` holds one entry per
    registered job, each of its own settings model (see :mod:`jobs.runtime_config.schema`)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    domain: str
    jobs: Mapping[str, SerializeAsAny[JobConfig]]
    mapping: MappingConfig

    def job(self, name: str) -> JobConfig:
        """The settings of job ``name``; ``KeyError`` for a job the config does not know."""
        try:
            return self.jobs[name]
        except KeyError:
            raise KeyError(f"unknown job {name!r}") from None


def config_to_json(config: RuntimeConfig) -> dict[str, Any]:
    """The JSON document to store; the schema's ``validate`` reads it back unchanged."""
    return config.model_dump(mode="json")
