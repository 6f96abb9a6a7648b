"""Every job of the daemon, in pipeline order; everything else about jobs is derived from here.

A job declares itself once, as ``JOB`` in its own module (see :mod:`jobs.registry`). This
tuple is the only list of jobs: the runner's registry, the runtime-config schema (settings
models, defaults, enable-time needs), the admin's pipeline and the demo's schedule all come
from it.
"""

from __future__ import annotations

from typing import Any

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
from jobs.runtime_config import ConfigSchema

SPECS: tuple[JobSpec[Any], ...] = (
    pull_dsco_orders.JOB,
    push_to_lingxing.JOB,
    ack_to_dsco.JOB,
    ship_to_dsco.JOB,
    invoice_to_dsco.JOB,
    sync_stock.JOB,
    pull_sku_pair.JOB,
    check_orders.JOB,
    cleanup_exports.JOB,
)

SCHEMA = ConfigSchema(SPECS)


def build_registry() -> Registry:
    """The registry used by the daemon: every job, in pipeline order."""
    return Registry(SPECS)
