"""Every job of SPEC §6, registered once with what it needs."""

from __future__ import annotations

from jobs import (
    ack_to_dsco,
    check_orders,
    cleanup_exports,
    invoice_to_dsco,
    pull_dsco_orders,
    pull_sku_pair,
    push_to_lingxing,
    ship_to_dsco,
    sync_stock,
)
from jobs.registry import JobSpec, Registry
from jobs.runtime_config import JOB_NAMES

SPECS = (
    JobSpec("pull_dsco_orders", pull_dsco_orders.run, needs_dsco=True),
    JobSpec("push_to_lingxing", push_to_lingxing.run, needs_lingxing=True, input_status=1),
    JobSpec("ack_to_dsco", ack_to_dsco.run, needs_dsco=True, needs_lingxing=True, input_status=2),
    JobSpec("ship_to_dsco", ship_to_dsco.run, needs_dsco=True, needs_lingxing=True, input_status=3),
    JobSpec(
        "invoice_to_dsco", invoice_to_dsco.run, needs_dsco=True, needs_lingxing=True, input_status=4
    ),
    JobSpec("sync_stock", sync_stock.run, needs_dsco=True, needs_lingxing=True),
    JobSpec("pull_sku_pair", pull_sku_pair.run, needs_lingxing=True),
    JobSpec(
        "check_orders", check_orders.run, needs_dsco=True, needs_lingxing=True, manual_only=True
    ),
    JobSpec("cleanup_exports", cleanup_exports.run),
)


def build_registry() -> Registry:
    """The registry used by the daemon: the nine jobs in pipeline order."""
    registry = Registry(SPECS)
    mismatch = set(JOB_NAMES) ^ set(registry.names())
    if mismatch:
        raise RuntimeError(f"registry and runtime config disagree on jobs: {sorted(mismatch)}")
    return registry
