"""The paging contract of the admin's listings (orders, warehouse sync).

Input: ``limit`` (1..max), then either ``cursor`` (the ``next_cursor`` of the page before: the
way to walk any distance) or ``offset`` (≤ ``MAX_OFFSET``, for short jumps), not both.

Output, beside the rows: ``total`` with ``total_is_estimate`` (false: exact; true: more than
``total_at_least`` rows match and ``total`` is the database's estimate), ``offset``,
``limit``, ``cursor`` (as given) and ``next_cursor`` (null on the last page).
"""

from __future__ import annotations

from typing import Any

from daemon.admin.errors import invalid
from db.search import MAX_OFFSET, Cursor, Total


def listing_cursor(offset: int, raw_cursor: str) -> Cursor | None:
    """The page's starting cursor (None: start at ``offset``); a 400 naming the field when the
    offset is too deep, the cursor is not one, or both are given."""
    if offset > MAX_OFFSET:
        raise invalid("offset", f"must be <= {MAX_OFFSET}; page further with cursor")
    if not raw_cursor:
        return None
    if offset:
        raise invalid("cursor", "give either cursor or offset, not both")
    try:
        return Cursor.decode(raw_cursor)
    except ValueError:
        raise invalid("cursor", "not a cursor from a previous page's next_cursor") from None


def page_fields(
    total: Total, next_cursor: Cursor | None, offset: int, limit: int, after: Cursor | None
) -> dict[str, Any]:
    """The JSON fields every listing page has besides its rows."""
    return {
        "total": total.value,
        "total_is_estimate": not total.exact,
        "total_at_least": total.at_least,
        "offset": offset,
        "limit": limit,
        "cursor": after.encode() if after else None,
        "next_cursor": next_cursor.encode() if next_cursor else None,
    }
