"""The runtime configuration (SPEC §3.2): typed models, defaults and validation on save.

Build a :class:`RuntimeConfig` from untrusted JSON only through :func:`validate_runtime_config`;
store it with :func:`config_to_json`, which reads back unchanged.
"""

from __future__ import annotations

from jobs.runtime_config.errors import FieldError, RuntimeConfigError
from jobs.runtime_config.models import (
    DOMAIN,
    JOB_MODELS,
    JOB_NAMES,
    MAPPING_KINDS,
    JobConfig,
    JobsConfig,
    MappingConfig,
    MultiBanJobConfig,
    PullDscoOrdersConfig,
    PullSkuPairConfig,
    RuntimeConfig,
    SyncStockConfig,
    config_to_json,
    default_config,
    default_job,
)
from jobs.runtime_config.rules import (
    JOB_NEEDS,
    Capabilities,
    JobNeeds,
    ReverseMappingConflictError,
    reverse_mapping,
)
from jobs.runtime_config.validate import validate_runtime_config

__all__ = [
    "DOMAIN",
    "JOB_MODELS",
    "JOB_NAMES",
    "JOB_NEEDS",
    "MAPPING_KINDS",
    "Capabilities",
    "FieldError",
    "JobConfig",
    "JobNeeds",
    "JobsConfig",
    "MappingConfig",
    "MultiBanJobConfig",
    "PullDscoOrdersConfig",
    "PullSkuPairConfig",
    "ReverseMappingConflictError",
    "RuntimeConfig",
    "RuntimeConfigError",
    "SyncStockConfig",
    "config_to_json",
    "default_config",
    "default_job",
    "reverse_mapping",
    "validate_runtime_config",
]
