"""Benchmark figures: each printed with its target and by how much it meets or misses it.

The machine is shared and the figures are noisy, so a measurement is usually repeated and the
best kept (:func:`best`); the figure says how many runs it is the best of.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

FIGURES: list[Figure] = []


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    at_most: float | None = None
    at_least: float | None = None
    note: str = ""

    def verdict(self) -> str:
        if self.at_most is not None:
            if self.value <= self.at_most:
                return f"target <= {self.at_most:,.6g}: met"
            return f"target <= {self.at_most:,.6g}: MISSED by {self.value / self.at_most - 1:.0%}"
        if self.at_least is not None:
            if self.value >= self.at_least:
                return f"target >= {self.at_least:,.6g}: met"
            return f"target >= {self.at_least:,.6g}: MISSED by {1 - self.value / self.at_least:.0%}"
        return "no target"

    def line(self) -> str:
        note = f"  ({self.note})" if self.note else ""
        return f"{self.name:<52} {self.value:>12,.2f} {self.unit:<9} {self.verdict()}{note}"


def report(
    name: str,
    value: float,
    unit: str,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    note: str = "",
) -> Figure:
    """Print one figure now and keep it for the summary at the end of the run."""
    figure = Figure(name, value, unit, at_most, at_least, note)
    FIGURES.append(figure)
    print(f"\nBENCH {figure.line()}", flush=True)
    return figure


def say(text: str) -> None:
    """A line of context (a plan, a setup time) in the benchmark output."""
    print(f"\n  {text}", flush=True)


async def best(runs: int, measure: Callable[[], Awaitable[float]]) -> tuple[float, list[float]]:
    """The lowest of ``runs`` measurements (and all of them, in order)."""
    values = [await measure() for _ in range(runs)]
    return min(values), values


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
