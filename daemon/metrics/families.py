"""Small builders shared by the collectors."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeVar

from prometheus_client.core import HistogramMetricFamily

from sdk._limits import Histogram

K = TypeVar("K", bound=tuple[str, ...])


def histogram_family(
    name: str,
    documentation: str,
    labels: Sequence[str],
    histograms: Mapping[K, Histogram],
) -> HistogramMetricFamily:
    """One Prometheus histogram family from our plain :class:`Histogram` objects."""
    family = HistogramMetricFamily(name, documentation, labels=list(labels))
    for values, histogram in sorted(histograms.items()):
        buckets = [(_le(bound), float(n)) for bound, n in histogram.cumulative()]
        family.add_metric(list(values), buckets, histogram.sum)
    return family


def _le(bound: float) -> str:
    """A bucket bound as the ``le`` label spells it (0.05, 1.0, +Inf)."""
    return "+Inf" if math.isinf(bound) else repr(bound)
