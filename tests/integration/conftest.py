"""Fixtures shared by integration tests: ``vendors`` = both sandboxes, real clients, runner."""

from __future__ import annotations

from tests.integration.vendors import vendors

__all__ = ["vendors"]
