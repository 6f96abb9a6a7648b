"""Rules across input fields that the declared models (``daemon.admin.models``) cannot hold."""

from __future__ import annotations

from daemon.admin.errors import invalid


def check_range(start: int | None, end: int | None, max_seconds: int | None = None) -> None:
    """``[start, end)``: start before end; when ``max_seconds``, not longer than that."""
    if start is not None and end is not None and end <= start:
        raise invalid("end", "must be after start")
    if max_seconds is None or start is None or end is None:
        return
    if end - start > max_seconds:
        raise invalid("end", f"the range is longer than {max_seconds // 86400} days")
