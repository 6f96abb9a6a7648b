"""The runtime configuration: typed models, the schema derived from the jobs, validation on save.

Build a :class:`RuntimeConfig` from untrusted JSON only through :meth:`ConfigSchema.validate`;
store it with :func:`config_to_json`, which reads back unchanged. The daemon's schema is
``jobs.catalog.SCHEMA``.
"""

from __future__ import annotations

from jobs.runtime_config.errors import FieldError, RuntimeConfigError
from jobs.runtime_config.models import (
    DOMAIN,
    MAPPING_KINDS,
    JobConfig,
    MappingConfig,
    MultiBanJobConfig,
    RuntimeConfig,
    config_to_json,
)
from jobs.runtime_config.rules import (
    Capabilities,
    JobNeeds,
    ReverseMappingConflictError,
    reverse_mapping,
)
from jobs.runtime_config.schema import ConfigSchema

__all__ = [
    "DOMAIN",
    "MAPPING_KINDS",
    "Capabilities",
    "ConfigSchema",
    "FieldError",
    "JobConfig",
    "JobNeeds",
    "MappingConfig",
    "MultiBanJobConfig",
    "ReverseMappingConflictError",
    "RuntimeConfig",
    "RuntimeConfigError",
    "config_to_json",
    "reverse_mapping",
]
