"""Fetching every page of a Lingxing list endpoint.

The first page tells the total; the remaining pages are then requested concurrently (the
endpoint's in-flight cap in the transport decides how many actually run at once). Without a
total, pages are read one after another until a short page. Offset paging over live data can
shift rows between pages, so callers de-duplicate by key (:func:`unique`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar

from sdk._limits import run_all
from sdk.lingxing.errors import ERRORS, LingxingDecodeError

__all__ = ["MAX_PAGES", "Page", "Rejected", "Rows", "all_pages", "chunked", "unique"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# A guard against a server that never reports the end; far above any real data set here.
MAX_PAGES = 2000


@dataclass(frozen=True)
class Rejected:
    """A row the response model refused: where it was, which fields were wrong, and the keys
    (PO numbers, SKUs) it names, as far as they could be read, so the caller can hold back
    exactly the orders or SKUs it concerns."""

    index: int
    fields: tuple[str, ...]
    keys: tuple[str, ...]


class Rows(list[T]):
    """The rows that passed validation, plus ``rejected``: the ones that did not. One bad row
    from the vendor costs only itself; callers that act on a key check ``rejected``."""

    def __init__(self, rows: Iterable[T] = (), rejected: Iterable[Rejected] = ()) -> None:
        super().__init__(rows)
        self.rejected: list[Rejected] = list(rejected)

    def rejected_keys(self) -> set[str]:
        return {key for row in self.rejected for key in row.keys}

    @classmethod
    def merge(cls, parts: Iterable[Rows[T]]) -> Rows[T]:
        merged: Rows[T] = cls()
        for part in parts:
            merged.extend(part)
            merged.rejected.extend(part.rejected)
        return merged


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the total the server reported (None when it did not)."""

    rows: list[T]
    total: int | None
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Rows the server sent, rejected ones included (what paging counts)."""
        return len(self.rows) + len(self.rejected)


Fetch: TypeAlias = Callable[[int], Coroutine[Any, Any, Page[T]]]


async def all_pages(fetch: Fetch[T], *, page_size: int, path: str) -> Rows[T]:
    """Rows of every page; ``fetch(i)`` returns the 0-based page ``i``."""
    first = await fetch(0)
    if first.total is None:
        if first.size < page_size:
            return _rows([first])
        return _rows([first, *await _until_short_page(fetch, page_size, path)])
    count = math.ceil(first.total / page_size)
    if count <= 1 or not first.size:
        return _rows([first])
    _check_page_count(count, path)
    rest = await run_all(fetch(index) for index in range(1, count))
    return _rows([first, *rest])


def _rows(pages: list[Page[T]]) -> Rows[T]:
    return Rows(
        (row for page in pages for row in page.rows),
        (bad for page in pages for bad in page.rejected),
    )


async def _until_short_page(fetch: Fetch[T], page_size: int, path: str) -> list[Page[T]]:
    pages: list[Page[T]] = []
    index = 1
    while True:
        _check_page_count(index + 1, path)
        page = await fetch(index)
        pages.append(page)
        if page.size < page_size:
            return pages
        index += 1


def _check_page_count(count: int, path: str) -> None:
    if count > MAX_PAGES:
        raise ERRORS.make(LingxingDecodeError, f"more than {MAX_PAGES} pages", path=path)


def chunked(items: list[T], size: int) -> list[list[T]]:
    """``items`` in consecutive chunks of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def unique(items: Iterable[T], key: Callable[[T], K]) -> Rows[T]:
    """First occurrence of every key, order kept (pages and chunks may overlap); the rejected
    rows of ``items`` (when it is :class:`Rows`) are carried over."""
    seen: set[K] = set()
    result: Rows[T] = Rows(rejected=items.rejected if isinstance(items, Rows) else ())
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            result.append(item)
    return result
