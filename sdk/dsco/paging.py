"""DSCO's scroll protocol, shared by ``GET /order/page`` and the change logs.

The first request carries the query; every following one carries only ``scrollId`` (DSCO ignores
everything else then).  The result ends with an empty page or a page without ``scrollId``.  A
page is cached 5 minutes after the previous call; a later request gets 404, raised here as
:class:`~sdk.dsco.errors.ScrollExpiredError`.  Pages are yielded one at a time, so a scroll of
any length is never held in memory as a whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from sdk.dsco.errors import DscoNotFoundError, ScrollExpiredError

__all__ = ["PageFetcher", "scroll_pages"]

PageFetcher = Callable[[Mapping[str, str | list[str]]], Awaitable[dict[str, Any]]]
"""Fetches one page: query parameters in, the decoded JSON object out."""


async def scroll_pages(
    fetch: PageFetcher,
    query: Mapping[str, str | list[str]],
    items_key: str,
    *,
    max_pages: int | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield every page body of a scroll, the first one always (it may carry a status).

    Stops after a page whose ``items_key`` list is empty, a page without ``scrollId``, or
    ``max_pages`` pages.
    """
    page = await fetch(query)
    pages = 1
    while True:
        yield page
        scroll_id = page.get("scrollId")
        if not page.get(items_key) or not scroll_id:
            return
        if max_pages is not None and pages >= max_pages:
            return
        page = await _next_page(fetch, str(scroll_id))
        pages += 1


async def _next_page(fetch: PageFetcher, scroll_id: str) -> dict[str, Any]:
    try:
        return await fetch({"scrollId": scroll_id})
    except DscoNotFoundError as exc:
        raise ScrollExpiredError(
            "scroll expired or unknown (DSCO keeps a page 5 minutes); restart the query",
            vendor=exc.vendor,
            path=exc.path,
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
        ) from None
