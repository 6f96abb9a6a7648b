"""``aioresponses`` made to work with the installed aiohttp, for narrow SDK error-path tests.

aioresponses 0.7.9 builds ``ClientResponse`` objects without the ``stream_writer`` argument
that newer aiohttp versions require; :class:`MockHttp` supplies it by default.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
from aioresponses import aioresponses

__all__ = ["MockHttp", "sent_count"]


class CompatResponse(aiohttp.ClientResponse):
    """A ClientResponse that tolerates aioresponses' older constructor call."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        # writer=None means "request already sent": aiohttp only reads the upload size.
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


class MockHttp(aioresponses):
    """``aioresponses`` whose mocked answers use :class:`CompatResponse`."""

    def __enter__(self) -> MockHttp:
        super().__enter__()
        return self

    def add(self, url: Any, method: str = "GET", *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("response_class", CompatResponse)
        super().add(url, method, *args, **kwargs)


def sent_count(mocked: aioresponses) -> int:
    """How many requests went through the mock (matched or not)."""
    return sum(len(calls) for calls in mocked.requests.values())
