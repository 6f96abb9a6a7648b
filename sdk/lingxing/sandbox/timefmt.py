"""Time formats Lingxing uses: Beijing-time naive strings and Unix seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def beijing_text(ts: float) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC+8 for the Unix time ``ts``."""
    return datetime.fromtimestamp(ts, BEIJING).strftime(DATETIME_FORMAT)


def beijing_date(ts: float) -> date:
    """The UTC+8 calendar day of the Unix time ``ts``."""
    return datetime.fromtimestamp(ts, BEIJING).date()


def parse_beijing_text(text: str) -> float | None:
    """Unix time of a UTC+8 naive string; ``None`` for ``""`` / ``0000-00-00 00:00:00``."""
    if not text or text.startswith("0000"):
        return None
    naive = datetime.strptime(text, DATETIME_FORMAT)
    return naive.replace(tzinfo=BEIJING).timestamp()


def to_beijing_text(value: datetime | str | float | None, now: float) -> str:
    """Normalise a control-API time: aware/naive-UTC datetime, Beijing text, Unix time or now."""
    if value is None:
        return beijing_text(now)
    if isinstance(value, str):
        parse_beijing_text(value)  # validates the format
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return beijing_text(aware.timestamp())
    return beijing_text(float(value))


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` request parameter."""
    return datetime.strptime(text, "%Y-%m-%d").date()
