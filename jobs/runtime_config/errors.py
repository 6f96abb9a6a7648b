"""Errors raised when a runtime-config document fails validation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule: the dotted path of the field (e.g. ``jobs.sync_stock.cron``) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class RuntimeConfigError(ValueError):
    """The runtime config is invalid; ``errors`` lists every broken rule, not just the first."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        lines = "; ".join(str(error) for error in self.errors)
        count = len(self.errors)
        super().__init__(f"invalid runtime config ({count} error{'s' * (count != 1)}): {lines}")


def quote(text: str) -> str:
    """``text`` in double quotes, JSON-style, as messages show keys and values."""
    return json.dumps(text, ensure_ascii=False)
