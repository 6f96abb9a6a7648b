"""``read_ahead``: the pull asks for the next page while it stores the current one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import pytest

from jobs.pull_dsco_orders import read_ahead


class Source:
    """Pages 1..n; page ``fail_at`` raises; records what was asked and whether it was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.requested: dict[int, asyncio.Event] = {i: asyncio.Event() for i in range(1, n + 2)}
        self.release = asyncio.Event()  # pages after the first wait for this
        self.closed = False

    async def pages(self) -> AsyncGenerator[int, None]:
        try:
            for i in range(1, self.n + 1):
                self.requested[i].set()
                if i > 1:
                    await self.release.wait()
                if i == self.fail_at:
                    raise ConnectionError(f"page {i}")
                yield i
            self.requested[self.n + 1].set()
        finally:
            self.closed = True


async def test_the_next_page_is_requested_while_the_current_one_is_handled() -> None:
    source = Source(3)
    seen = []
    async with contextlib.aclosing(read_ahead(source.pages())) as pages:
        async for page in pages:
            # Still handling `page`: the next one is already on its way.
            async with asyncio.timeout(10):  # a safety net only; nothing here is timed
                await source.requested[page + 1].wait()
            source.release.set()
            seen.append(page)
    assert seen == [1, 2, 3]
    assert source.closed


async def test_a_failed_fetch_surfaces_after_the_pages_before_it() -> None:
    source = Source(4, fail_at=3)
    source.release.set()
    seen: list[int] = []

    async def consume() -> None:
        async with contextlib.aclosing(read_ahead(source.pages())) as pages:
            async for page in pages:
                seen.append(page)

    with pytest.raises(ConnectionError, match="page 3"):
        await consume()
    assert seen == [1, 2]


async def test_stopping_early_cancels_the_fetch_in_flight_and_closes_the_source() -> None:
    source = Source(5)  # page 2 never gets released: its fetch is in flight when we stop
    async with contextlib.aclosing(read_ahead(source.pages())) as pages:
        async for page in pages:
            assert page == 1
            async with asyncio.timeout(10):
                await source.requested[2].wait()
            break
    assert source.closed
    assert not source.requested[3].is_set()


async def test_a_failure_while_handling_a_page_is_the_one_raised() -> None:
    source = Source(5, fail_at=2)  # the fetch in flight fails as well
    source.release.set()

    async def consume() -> None:
        async with contextlib.aclosing(read_ahead(source.pages())) as pages:
            async for _ in pages:
                await source.requested[2].wait()
                await asyncio.sleep(0)  # let the fetch of page 2 fail first
                raise ValueError("storing failed")

    with pytest.raises(ValueError, match="storing failed"):
        await consume()
    assert source.closed
