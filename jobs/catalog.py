"""Every job of SPEC §6, registered once with what it needs."""

from __future__ import annotations

from jobs.context import JobContext, JobError
from jobs.registry import JobFunc, JobSpec, Registry
from jobs.runtime_config import JOB_NAMES


def _unavailable(name: str) -> JobFunc:
    async def run(_ctx: JobContext) -> None:
        raise JobError(f"{name} is not part of this build yet")

    return run


def build_registry() -> Registry:
    """The registry used by the daemon: the nine jobs in pipeline order."""
    specs = [
        JobSpec("pull_dsco_orders", _unavailable("pull_dsco_orders"), needs_dsco=True),
        JobSpec(
            "push_to_lingxing",
            _unavailable("push_to_lingxing"),
            needs_lingxing=True,
            input_status=1,
        ),
        JobSpec(
            "ack_to_dsco",
            _unavailable("ack_to_dsco"),
            needs_dsco=True,
            needs_lingxing=True,
            input_status=2,
        ),
        JobSpec(
            "ship_to_dsco",
            _unavailable("ship_to_dsco"),
            needs_dsco=True,
            needs_lingxing=True,
            input_status=3,
        ),
        JobSpec(
            "invoice_to_dsco",
            _unavailable("invoice_to_dsco"),
            needs_dsco=True,
            needs_lingxing=True,
            input_status=4,
        ),
        JobSpec("sync_stock", _unavailable("sync_stock"), needs_dsco=True, needs_lingxing=True),
        JobSpec("pull_sku_pair", _unavailable("pull_sku_pair"), needs_lingxing=True),
        JobSpec(
            "check_orders",
            _unavailable("check_orders"),
            needs_dsco=True,
            needs_lingxing=True,
            manual_only=True,
        ),
        JobSpec("cleanup_exports", _unavailable("cleanup_exports")),
    ]
    registry = Registry(specs)
    missing = set(JOB_NAMES) ^ set(registry.names())
    if missing:
        raise RuntimeError(f"registry and runtime config disagree on jobs: {sorted(missing)}")
    return registry
