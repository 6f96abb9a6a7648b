"""The runner as the daemon uses it: it also remembers each job's last successful run.

The dashboard shows, per job, the last run *and* the last success, because "failing since when?"
is the first question when a run is red. Like the last result, this lives only in memory
(nothing about runs is stored in the database).
"""

from __future__ import annotations

from typing import Any

from jobs.context import RunResult, Trigger
from jobs.runner import Runner


class JobRunner(Runner):
    """:class:`jobs.runner.Runner` plus ``last_success`` per job (this process's runs)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last_success: dict[str, RunResult] = {}

    async def run(
        self,
        job: str,
        *,
        trigger: Trigger,
        po_number: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> RunResult:
        result = await super().run(job, trigger=trigger, po_number=po_number, overrides=overrides)
        if result.status == "ok":
            self.last_success[job] = result
        return result
