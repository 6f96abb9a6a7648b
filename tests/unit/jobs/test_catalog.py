"""A job is declared once (``JOB`` in its module); every list of jobs is derived from that."""

from __future__ import annotations

import importlib
import pkgutil

import jobs
from jobs.catalog import SCHEMA, SPECS, build_registry
from jobs.registry import JobSpec
from jobs.runtime_config import config_to_json
from jobs.states import OrderStatus


def _declared_jobs() -> set[str]:
    """Every ``JOB`` declared by a module of the jobs package."""
    found = set()
    for module in pkgutil.iter_modules(jobs.__path__):
        job = getattr(importlib.import_module(f"jobs.{module.name}"), "JOB", None)
        if isinstance(job, JobSpec):
            found.add(job.name)
    return found


def test_every_declared_job_is_in_the_catalog() -> None:
    # The one line a new job adds outside its own module; forgetting it fails here.
    assert {spec.name for spec in SPECS} == _declared_jobs()


def test_registry_schema_and_default_config_list_the_same_jobs_in_order() -> None:
    names = [spec.name for spec in SPECS]
    assert build_registry().names() == names
    assert SCHEMA.names() == names
    assert list(config_to_json(SCHEMA.default())["jobs"]) == names


def test_each_order_status_has_at_most_one_job_and_the_pipeline_follows_them() -> None:
    registry = build_registry()
    taking = [spec.input_status for spec in SPECS if spec.input_status is not None]
    assert len(taking) == len(set(taking))
    assert registry.for_status(OrderStatus.PUSHED) is registry.get("ack_to_dsco")
    assert registry.for_status(OrderStatus.DONE) is None
    assert registry.pipeline()[:5] == [
        "pull_dsco_orders",
        "push_to_lingxing",
        "ack_to_dsco",
        "ship_to_dsco",
        "invoice_to_dsco",
    ]


def test_defaults_are_valid_settings_of_each_job() -> None:
    for spec in SPECS:
        settings = spec.default_settings()
        assert isinstance(settings, spec.settings_model)
        assert settings.enable is spec.enabled_by_default
