"""The runtime-config schema of a set of jobs: defaults and validation, derived from the jobs.

Each job brings its settings model, its defaults and what enabling it needs (its ``JobSpec``);
:class:`ConfigSchema` turns the list into the document's ``jobs`` section. The daemon builds one
from the catalog (``jobs/catalog.py``); nothing here names a job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from jobs.runtime_config.models import DOMAIN, JobConfig, MappingConfig, RuntimeConfig
from jobs.runtime_config.rules import Capabilities, JobNeeds


class JobEntry(Protocol):
    """What the schema reads of a job (``jobs.registry.JobSpec`` provides it)."""

    @property
    def name(self) -> str: ...
    @property
    def settings_model(self) -> type[JobConfig]: ...
    @property
    def needs(self) -> JobNeeds: ...
    def default_settings(self) -> JobConfig: ...


class ConfigSchema:
    """The runtime-config document for ``jobs``: one entry per job, in their order."""

    def __init__(self, jobs: Iterable[JobEntry], *, domain: str = DOMAIN) -> None:
        self.jobs: dict[str, JobEntry] = {job.name: job for job in jobs}
        self.domain = domain

    def names(self) -> list[str]:
        return list(self.jobs)

    def default_job(self, name: str) -> JobConfig:
        return self.jobs[name].default_settings()

    def default(self) -> RuntimeConfig:
        """The row inserted on first start: every job at its defaults, no mappings."""
        return RuntimeConfig(
            domain=self.domain,
            jobs={name: self.default_job(name) for name in self.jobs},
            mapping=MappingConfig(),
        )

    def validate(self, raw: object, *, domain: str, capabilities: Capabilities) -> RuntimeConfig:
        """``raw`` (parsed JSON) checked against every rule; see :func:`validate.validate`."""
        from jobs.runtime_config.validate import validate

        return validate(self, raw, domain=domain, capabilities=capabilities)

    def json_schema(self) -> dict[str, Any]:
        """The document's JSON Schema as it is served: each job's entry with its own settings
        model (a plain ``RuntimeConfig`` schema could only say "some job settings")."""
        jobs = {
            name: job.settings_model.model_json_schema(mode="serialization")
            for name, job in self.jobs.items()
        }
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["domain", "jobs", "mapping"],
            "properties": {
                "domain": {"type": "string", "const": self.domain},
                "jobs": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": list(jobs),
                    "properties": jobs,
                },
                "mapping": MappingConfig.model_json_schema(mode="serialization"),
            },
        }

    def build(self, jobs: Mapping[str, JobConfig], mappings: Mapping[str, Any]) -> RuntimeConfig:
        return RuntimeConfig(
            domain=self.domain,
            jobs={name: jobs[name] for name in self.jobs},
            mapping=MappingConfig.model_validate(mappings),
        )
