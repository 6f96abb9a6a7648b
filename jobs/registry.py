"""The job registry: name → function and what the job needs (SPEC §2.2 step 1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from jobs.context import JobContext

JobFunc = Callable[[JobContext], Awaitable[None]]


class UnknownJobError(KeyError):
    """No job of that name is registered."""

    def __str__(self) -> str:
        return f"unknown job {self.args[0]!r}"


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    needs_dsco: bool = False
    needs_lingxing: bool = False
    # The order status a single-PO run applies to (None: the job does not take a PO).
    input_status: int | None = None
    # A manual-only job never fires from the scheduler even when enabled.
    manual_only: bool = False


class Registry:
    def __init__(self, specs: Iterable[JobSpec] = ()) -> None:
        self._specs: dict[str, JobSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: JobSpec) -> None:
        if spec.name in self._specs:
            raise ValueError(f"job {spec.name!r} registered twice")
        self._specs[spec.name] = spec

    def get(self, name: str) -> JobSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownJobError(name) from None

    def names(self) -> list[str]:
        return list(self._specs)

    def for_status(self, status: int) -> JobSpec | None:
        """The job that moves an order out of ``status`` (admin "run this order")."""
        return next((s for s in self._specs.values() if s.input_status == status), None)

    def __contains__(self, name: object) -> bool:
        return name in self._specs
