"""Table tests for the 6-field, seconds-first UTC cron maths (jobs/cron.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from jobs.cron import CronError, CronSpec, next_fire, parse_cron


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# --- parse_cron ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "normalised"),
    [
        ("0 */15 * * * *", "0 */15 * * * *"),
        ("0 0 1 * * *", "0 0 1 * * *"),
        ("  */10   * *\t* * *  ", "*/10 * * * * *"),
        ("0 30 9 * * mon-fri", "0 30 9 * * mon-fri"),
        ("0 0 0 L * *", "0 0 0 L * *"),
        ("0 0 12 29 2 *", "0 0 12 29 2 *"),
        ("0 0 0 1 JAN,JUL ?", "0 0 0 1 JAN,JUL ?"),
        ("15,45 0-5 0 * * 7", "15,45 0-5 0 * * 7"),
    ],
)
def test_parse_accepts_six_field_expressions(expr: str, normalised: str) -> None:
    spec = parse_cron(expr)
    assert spec == CronSpec(normalised)
    assert len(spec.fields) == 6


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("* * * * *", "expected 6 fields (sec min hour dom mon dow), got 5"),
        ("0 0 0 * * * 2030", "expected 6 fields (sec min hour dom mon dow), got 7"),
        ("", "got 0"),
        ("@daily", "got 1"),
        ("60 * * * * *", "second field '60' is out of range 0-59"),
        ("0 60 * * * *", "minute field '60' is out of range 0-59"),
        ("0 0 24 * * *", "hour field '24' is out of range 0-23"),
        ("0 0 0 0 * *", "day-of-month field '0' is out of range 1-31"),
        ("0 0 0 32 * *", "day-of-month field '32' is out of range 1-31"),
        ("0 0 0 * 13 *", "month field '13' is out of range 1-12"),
        ("0 0 0 * * 8", "day-of-week field '8' is out of range 0-7"),
        ("0 0 0 * * mon#6", "day-of-week field 'mon#6' is not a valid value"),
        ("a b c d e f", "second field 'a' is not a valid value"),
        ("0 1.5 * * * *", "minute field '1.5' is not a valid value"),
        ("0 -1 * * * *", "minute field '-1'"),
        ("*/0 * * * * *", "second field '*/0' has an invalid step"),
        ("50-10 * * * * *", "second field range '50-10' runs backwards"),
        ("0 0 0 * * fri-mon", "day-of-week field range 'fri-mon' runs backwards"),
        ("0 0 0 * dec-jan *", "month field range 'dec-jan' runs backwards"),
        ("0 0 0 31 2 *", "the day-of-month never occurs in the given month(s)"),
        ("0 0 0 31 2,4,6 *", "never occurs"),
        ("H * * * * *", "second field 'H': hashed (H) values are not supported"),
        ("? * * * * *", "'?' is only allowed in day-of-month and day-of-week"),
    ],
)
def test_parse_rejects_with_a_clear_reason(expr: str, reason: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_cron(expr)
    assert reason in str(caught.value)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(CronError, match="expected a string, got int"):
        parse_cron(15)  # type: ignore[arg-type]


def test_cron_error_is_a_value_error() -> None:
    assert issubclass(CronError, ValueError)


# --- next_fire ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        # every 15 minutes: strictly after, sub-second inputs, day rollover
        ("0 */15 * * * *", utc(2024, 1, 1, 0, 0, 0), utc(2024, 1, 1, 0, 15, 0)),
        ("0 */15 * * * *", utc(2024, 1, 1, 0, 14, 59, 999999), utc(2024, 1, 1, 0, 15, 0)),
        ("0 */15 * * * *", utc(2024, 1, 1, 0, 15, 0), utc(2024, 1, 1, 0, 30, 0)),
        ("0 */15 * * * *", utc(2024, 1, 1, 0, 15, 0, 1), utc(2024, 1, 1, 0, 30, 0)),
        ("0 */15 * * * *", utc(2024, 1, 1, 23, 50, 0), utc(2024, 1, 2, 0, 0, 0)),
        # daily 01:00:00 UTC
        ("0 0 1 * * *", utc(2024, 1, 1, 0, 59, 59), utc(2024, 1, 1, 1, 0, 0)),
        ("0 0 1 * * *", utc(2024, 1, 1, 1, 0, 0), utc(2024, 1, 2, 1, 0, 0)),
        # the seconds field is the first one
        ("*/10 * * * * *", utc(2024, 1, 1, 0, 0, 9), utc(2024, 1, 1, 0, 0, 10)),
        ("30 * * * * *", utc(2024, 1, 1, 0, 0, 30), utc(2024, 1, 1, 0, 1, 30)),
        ("15,45 0 0 * * *", utc(2024, 1, 1, 0, 0, 15), utc(2024, 1, 1, 0, 0, 45)),
        ("5 4 3 * * *", utc(2024, 1, 1, 0, 0, 0), utc(2024, 1, 1, 3, 4, 5)),
        # month ends and year rollover
        ("0 0 0 31 * *", utc(2024, 4, 1), utc(2024, 5, 31)),
        ("0 0 0 L * *", utc(2023, 2, 1), utc(2023, 2, 28)),
        ("0 0 0 L * *", utc(2024, 2, 1), utc(2024, 2, 29)),
        ("0 0 0 L * *", utc(2024, 4, 15), utc(2024, 4, 30)),
        ("0 0 0 1 * *", utc(2024, 1, 31, 12), utc(2024, 2, 1)),
        ("0 0 0 1 1 *", utc(2024, 12, 31, 23, 59, 59), utc(2025, 1, 1)),
        # leap day: next leap year; 2100 is not a leap year
        ("0 0 12 29 2 *", utc(2024, 2, 29, 12), utc(2028, 2, 29, 12)),
        ("0 0 12 29 2 *", utc(2024, 1, 1), utc(2024, 2, 29, 12)),
        ("0 0 12 29 2 *", utc(2096, 3, 1), utc(2104, 2, 29, 12)),
        # day of week (2024-01-01 is a Monday)
        ("0 30 9 * * mon-fri", utc(2024, 1, 5, 9, 30), utc(2024, 1, 8, 9, 30)),
        ("0 0 0 * * 7", utc(2024, 1, 1), utc(2024, 1, 7)),
    ],
)
def test_next_fire(expr: str, after: datetime, expected: datetime) -> None:
    assert next_fire(expr, after) == expected
    assert next_fire(parse_cron(expr), after) == expected


def test_next_fire_returns_aware_utc() -> None:
    result = next_fire("0 */15 * * * *", utc(2024, 1, 1))
    assert result.tzinfo is UTC


def test_next_fire_converts_other_zones_to_utc() -> None:
    plus8 = timezone(timedelta(hours=8))
    # 09:07 at UTC+8 is 01:07 UTC, so the next daily 01:00 UTC is the following day.
    result = next_fire("0 0 1 * * *", datetime(2024, 1, 1, 9, 7, tzinfo=plus8))
    assert result == utc(2024, 1, 2, 1, 0, 0)
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        # the nights US and EU clocks change; UTC schedules must not move
        ("America/New_York", datetime(2024, 3, 9, 12)),
        ("America/New_York", datetime(2024, 11, 2, 12)),
        ("Europe/Berlin", datetime(2024, 3, 30, 12)),
        ("Europe/Berlin", datetime(2024, 10, 26, 12)),
    ],
)
def test_dst_changes_do_not_move_the_schedule(zone: str, start: datetime) -> None:
    after = start.replace(tzinfo=ZoneInfo(zone))
    fires = list(_fires("0 0 1 * * *", after, count=4))
    assert all(fire.hour == 1 and fire.minute == 0 and fire.tzinfo is UTC for fire in fires)
    assert [b - a for a, b in itertools.pairwise(fires)] == [timedelta(days=1)] * 3
    hourly = list(_fires("0 0 * * * *", after, count=30))
    assert {b - a for a, b in itertools.pairwise(hourly)} == {timedelta(hours=1)}


def test_next_fire_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="after must be timezone-aware"):
        next_fire("0 */15 * * * *", datetime(2024, 1, 1))


def test_next_fire_rejects_bad_expressions() -> None:
    with pytest.raises(CronError, match="got 5"):
        next_fire("*/15 * * * *", utc(2024, 1, 1))


def _fires(expr: str, after: datetime, count: int) -> Iterable[datetime]:
    spec = parse_cron(expr)
    for _ in range(count):
        after = spec.next_fire(after)
        yield after
