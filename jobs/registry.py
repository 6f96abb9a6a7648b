"""A job declares itself once, as a :class:`JobSpec` named ``JOB`` at the bottom of its module.

Everything else is derived from the specs (``jobs/catalog.py``): the registry the runner
resolves names with, the runtime-config schema (each job's settings model and defaults), the
requirements checked when a job is enabled, the admin's job lists and the demo's schedule.
Adding a job is one new module with its ``JOB`` plus one line in the catalog.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from jobs.context import JobContext, JobError
from jobs.runtime_config.models import JobConfig
from jobs.runtime_config.rules import JobNeeds
from jobs.states import OrderStatus

__all__ = ["JobFunc", "JobNeeds", "JobSpec", "Registry", "UnknownJobError"]

JobFunc = Callable[[JobContext], Awaitable[None]]
C = TypeVar("C", bound=JobConfig)


@dataclass(frozen=True)
class JobSpec(Generic[C]):
    """Everything the daemon needs to know about one job."""

    name: str
    run: JobFunc
    settings_model: type[C]  # its entry in the runtime config
    defaults: Mapping[str, Any]  # cron, size and options of that entry (enable: see below)
    needs: JobNeeds = field(default_factory=JobNeeds)
    # The order status a single-PO run applies to (None: the job does not take a PO).
    input_status: OrderStatus | None = None
    # A manual-only job never fires from the scheduler even when enabled.
    manual_only: bool = False
    enabled_by_default: bool = False
    # Part of "run the pipeline" (admin, empty job list) and scheduled fast in the demo.
    in_pipeline: bool = False

    def settings(self, ctx: JobContext) -> C:
        """This job's entry of the run's runtime-config snapshot, with its own type."""
        found = ctx.config.job(self.name)
        if not isinstance(found, self.settings_model):
            raise JobError(f"runtime config entry of {self.name} has the wrong shape")
        return found

    def default_settings(self) -> C:
        values = {"enable": self.enabled_by_default, **self.defaults}
        return self.settings_model.model_validate(values)


class UnknownJobError(KeyError):
    """No job of that name is registered."""

    def __str__(self) -> str:
        return f"unknown job {self.args[0]!r}"


class Registry:
    """The jobs of the daemon, in pipeline order, by name."""

    def __init__(self, specs: Iterable[JobSpec[Any]] = ()) -> None:
        self._specs: dict[str, JobSpec[Any]] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"job {spec.name!r} registered twice")
            self._specs[spec.name] = spec

    def get(self, name: str) -> JobSpec[Any]:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownJobError(name) from None

    def names(self) -> list[str]:
        return list(self._specs)

    def specs(self) -> list[JobSpec[Any]]:
        return list(self._specs.values())

    def pipeline(self) -> list[str]:
        """The jobs "run the pipeline" runs, in order."""
        return [s.name for s in self._specs.values() if s.in_pipeline]

    def for_status(self, status: int) -> JobSpec[Any] | None:
        """The job that moves an order out of ``status`` (admin "run this order")."""
        return next((s for s in self._specs.values() if s.input_status == status), None)

    def __contains__(self, name: object) -> bool:
        return name in self._specs
