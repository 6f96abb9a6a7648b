"""Working on many things at once, within a bound, and in slices.

Every job fans its per-order or per-SKU work out through :func:`gather_bounded`; the vendors'
own limits are enforced underneath by the SDK, this bound only keeps a run from opening
thousands of tasks at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

__all__ = ["DEFAULT_CONCURRENCY", "chunked", "gather_bounded"]

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_CONCURRENCY = 10


async def gather_bounded(
    items: Iterable[T], func: Callable[[T], Awaitable[R]], *, limit: int = DEFAULT_CONCURRENCY
) -> list[R]:
    """``func`` over ``items`` concurrently, at most ``limit`` at a time, results in order."""
    gate = asyncio.Semaphore(max(1, limit))

    async def one(item: T) -> R:
        async with gate:
            return await func(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in consecutive chunks of at most ``size`` (at least 1)."""
    step = max(1, size)
    return [list(items[i : i + step]) for i in range(0, len(items), step)]
