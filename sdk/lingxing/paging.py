"""Fetching every page of a Lingxing list endpoint.

The first page tells the total; the remaining pages are then requested concurrently (the
endpoint's in-flight cap in the transport decides how many actually run at once). Without a
total, pages are read one after another until a short page. Offset paging over live data can
shift rows between pages, so callers de-duplicate by key (:func:`unique`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from sdk._limits import run_all
from sdk.lingxing.errors import ERRORS, LingxingDecodeError

__all__ = ["MAX_PAGES", "Page", "all_pages", "chunked", "unique"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# A guard against a server that never reports the end; far above any real data set here.
MAX_PAGES = 2000


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the total the server reported (None when it did not)."""

    rows: list[T]
    total: int | None


Fetch: TypeAlias = Callable[[int], Coroutine[Any, Any, Page[T]]]


async def all_pages(fetch: Fetch[T], *, page_size: int, path: str) -> list[T]:
    """Rows of every page; ``fetch(i)`` returns the 0-based page ``i``."""
    first = await fetch(0)
    if first.total is None:
        if len(first.rows) < page_size:
            return list(first.rows)
        return first.rows + await _until_short_page(fetch, page_size, path)
    count = math.ceil(first.total / page_size)
    if count <= 1 or not first.rows:
        return list(first.rows)
    _check_page_count(count, path)
    rest = await run_all(fetch(index) for index in range(1, count))
    return first.rows + [row for page in rest for row in page.rows]


async def _until_short_page(fetch: Fetch[T], page_size: int, path: str) -> list[T]:
    rows: list[T] = []
    index = 1
    while True:
        _check_page_count(index + 1, path)
        page = await fetch(index)
        rows.extend(page.rows)
        if len(page.rows) < page_size:
            return rows
        index += 1


def _check_page_count(count: int, path: str) -> None:
    if count > MAX_PAGES:
        raise ERRORS.make(LingxingDecodeError, f"more than {MAX_PAGES} pages", path=path)


def chunked(items: list[T], size: int) -> list[list[T]]:
    """``items`` in consecutive chunks of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def unique(items: Iterable[T], key: Callable[[T], K]) -> list[T]:
    """First occurrence of every key, order kept (pages and chunks may overlap)."""
    seen: set[K] = set()
    result: list[T] = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            result.append(item)
    return result
