"""Fixtures for the end-to-end tests: the ``vendors`` harness of the integration tests and the
pipeline scenario's harness built on it (:mod:`tests.e2e.scenario_harness`)."""

from __future__ import annotations

from tests.e2e.scenario_harness import e2e, e2e_http
from tests.integration.vendors import vendors

__all__ = ["e2e", "e2e_http", "vendors"]
