"""Server-side scroll cursors (§1.8): one id for every page, a TTL refreshed on each fetch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass
class Scroll:
    """A frozen result list and how far the caller has read it."""

    scroll_id: str
    kind: str
    items: list[Any]
    page_size: int
    expires: datetime
    offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def next_page(self) -> list[Any]:
        page = self.items[self.offset : self.offset + self.page_size]
        self.offset += len(page)
        return page


class ScrollBook:
    """Open scrolls by id. ``kind`` keeps an order scroll from being read as a change log."""

    def __init__(self) -> None:
        self._scrolls: dict[str, Scroll] = {}

    def __len__(self) -> int:
        return len(self._scrolls)

    def open(
        self,
        kind: str,
        items: list[Any],
        page_size: int,
        now: datetime,
        ttl: float,
        extra: dict[str, Any] | None = None,
    ) -> tuple[list[Any], str | None]:
        """First page, plus a scroll id when the results do not fit on one page."""
        self._purge(now)
        scroll = Scroll(uuid.uuid4().hex, kind, items, page_size, now, extra=extra or {})
        first = scroll.next_page()
        if scroll.offset >= len(items):
            return first, None
        self._keep(scroll, now, ttl)
        return first, scroll.scroll_id

    def fetch(self, scroll_id: str, kind: str, now: datetime, ttl: float) -> Scroll | None:
        """The live scroll (TTL refreshed), or ``None`` when unknown, expired or of another kind."""
        self._purge(now)
        scroll = self._scrolls.get(scroll_id)
        if scroll is None or scroll.kind != kind:
            return None
        self._keep(scroll, now, ttl)
        return scroll

    def _keep(self, scroll: Scroll, now: datetime, ttl: float) -> None:
        scroll.expires = now + timedelta(seconds=ttl)
        self._scrolls[scroll.scroll_id] = scroll

    def _purge(self, now: datetime) -> None:
        for sid in [s.scroll_id for s in self._scrolls.values() if s.expires < now]:
            del self._scrolls[sid]
