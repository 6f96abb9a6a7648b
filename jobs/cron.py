"""Pure cron maths for the scheduler: 6-field, seconds-first expressions evaluated in UTC.

Every expression has exactly six fields, ``sec min hour dom mon dow``, and is
evaluated by croniter with ``second_at_beginning=True``. All datetimes going in must be aware
(any zone; they are converted to UTC) and every datetime coming out is aware UTC, so daylight
saving time never shifts a schedule.

Missed fires: when the scheduler wakes up late (a stalled loop, a host that slept across several
fire times), :func:`decide` says "run once now" and computes the next fire from *now*, so a job
never runs more than once to catch up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, CroniterError, croniter

FIELD_NAMES = ("second", "minute", "hour", "day-of-month", "month", "day-of-week")
_FIELD_RANGES = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_SHAPE = "sec min hour dom mon dow"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_RANGE = re.compile(r"^([0-9a-z]+)-([0-9a-z]+)(?:/.*)?$")
# A fixed instant to prove that an expression fires at all (croniter looks ahead 50 years).
_PROBE_START = datetime(2000, 1, 1, tzinfo=UTC)


class CronError(ValueError):
    """A cron expression is not a valid 6-field, seconds-first expression; the message says why."""


@dataclass(frozen=True, slots=True)
class CronSpec:
    """A parsed, valid cron expression. Build it with :func:`parse_cron`."""

    expr: str  # the six fields joined by single spaces

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.expr.split(" "))

    def next_fire(self, after: datetime) -> datetime:
        """The first fire time strictly after ``after`` (aware UTC)."""
        start = _as_utc(after, "after")
        result: datetime = croniter(
            self.expr, start, ret_type=datetime, second_at_beginning=True
        ).get_next()
        return result.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class FireDecision:
    """What the scheduler should do for one job at one wake-up (see :func:`decide`).

    ``run``: start the job now (at most once, whatever the number of fire times missed).
    ``next_at``: when the job is due next; always strictly after ``now``.
    ``late_by``: how far ``now`` is past the fire time being honoured (zero when not running).
    ``coalesced``: more than one fire time fell due since ``due_at``; they collapse into one run.
    """

    run: bool
    next_at: datetime
    late_by: timedelta
    coalesced: bool


def parse_cron(expr: str) -> CronSpec:
    """Parse a 6-field, seconds-first cron expression; raise :class:`CronError` with the reason."""
    if not isinstance(expr, str):
        raise CronError(f"expected a string, got {type(expr).__name__}")
    fields = expr.split()
    if len(fields) != len(FIELD_NAMES):
        raise CronError(f"expected 6 fields ({_SHAPE}), got {len(fields)}")
    for index, text in enumerate(fields):
        _check_field(index, text)
    spec = CronSpec(" ".join(fields))
    _check_whole(spec)
    return spec


def next_fire(spec: CronSpec | str, after: datetime) -> datetime:
    """The first fire time strictly after ``after``; naive datetimes are rejected."""
    return _spec(spec).next_fire(after)


def fires_between(spec: CronSpec | str, start: datetime, end: datetime) -> bool:
    """Whether the expression fires at some instant ``t`` with ``start < t <= end``."""
    begin, finish = _as_utc(start, "start"), _as_utc(end, "end")
    if finish <= begin:
        return False
    return _spec(spec).next_fire(begin) <= finish


def decide(spec: CronSpec | str, due_at: datetime, now: datetime) -> FireDecision:
    """Decide whether a job due at ``due_at`` runs at ``now``, and when it is due next.

    The scheduler keeps one ``due_at`` per job (first ``next_fire(spec, start_time)``), and on
    every wake-up calls this with the wall clock. Not yet due: no run, and ``next_at`` is
    recomputed from ``now`` (so a wall clock stepped backwards re-aligns instead of waiting for
    a fire time computed from the wrong clock). Due: one run, and the next fire is computed from
    ``now`` — any further fire times that passed while the loop was stalled or the host slept are
    dropped, never replayed.
    """
    parsed = _spec(spec)
    due, current = _as_utc(due_at, "due_at"), _as_utc(now, "now")
    following = parsed.next_fire(current)
    if current < due:
        return FireDecision(False, min(due, following), timedelta(0), coalesced=False)
    coalesced = parsed.next_fire(due) <= current
    return FireDecision(True, following, current - due, coalesced)


def _spec(spec: CronSpec | str) -> CronSpec:
    return spec if isinstance(spec, CronSpec) else parse_cron(spec)


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (naive datetimes are ambiguous)")
    return value.astimezone(UTC)


def _check_field(index: int, text: str) -> None:
    """Check one field alone (the others as ``*``) so the error can name the field."""
    name, (low, high) = FIELD_NAMES[index], _FIELD_RANGES[index]
    probe = ["*"] * len(FIELD_NAMES)
    probe[index] = text.lower()
    try:
        croniter.expand(" ".join(probe), second_at_beginning=True)
    except CroniterError as exc:
        raise CronError(_field_reason(name, text, low, high, str(exc))) from None
    for item in text.lower().split(","):
        _check_range_order(index, item)


def _field_reason(name: str, text: str, low: int, high: int, message: str) -> str:
    if "out of range" in message:
        return f"{name} field {text!r} is out of range {low}-{high}"
    if "step" in message:
        return f"{name} field {text!r} has an invalid step (must be 1 or more)"
    if "hash" in message.lower():
        return f"{name} field {text!r}: hashed (H) values are not supported"
    if "question mark" in message.lower():
        return f"{name} field {text!r}: '?' is only allowed in day-of-month and day-of-week"
    return f"{name} field {text!r} is not a valid value (allowed {low}-{high}, * , - /)"


def _check_range_order(index: int, item: str) -> None:
    # croniter reads "5-1" as a wrap-around range; classic cron rejects it, and a reader could
    # take it either way, so we ask for the explicit form instead.
    match = _RANGE.match(item)
    if match is None:
        return
    first, last = (_bound(index, part) for part in match.groups())
    if first is not None and last is not None and first > last:
        raise CronError(
            f"{FIELD_NAMES[index]} field range {item!r} runs backwards "
            "(split a wrap-around range, e.g. 5-6,0-1)"
        )


def _bound(index: int, text: str) -> int | None:
    if text.isdigit():
        return int(text)
    names = {4: _MONTHS, 5: _DAYS}.get(index)
    if names is not None and text in names:
        return names.index(text) + (1 if index == 4 else 0)
    return None


def _check_whole(spec: CronSpec) -> None:
    """Checks that need the whole expression: impossible dates (31 February) and no fire at all."""
    try:
        croniter.expand(spec.expr, second_at_beginning=True, strict=True)
    except CroniterError as exc:
        message = str(exc)
        if "can never occur" in message:
            raise CronError("the day-of-month never occurs in the given month(s)") from None
        raise CronError("the fields are not a valid combination") from None
    try:
        spec.next_fire(_PROBE_START)
    except CroniterBadDateError:
        raise CronError("the expression never fires") from None
