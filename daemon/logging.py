"""The one place logging is configured.

Everything logs through loguru; stdlib loggers (aiohttp, asyncpg, our ``sdk.*`` and ``db.*``)
are routed into it by ``InterceptHandler``. Bound ``extra`` keys (``job``, ``run_id``,
``po_number``, ``trigger``, …) travel with each record and come out as:

- ``journald``: native journal entries with upper-cased fields (``JOB``, ``RUN_ID``,
  ``PO_NUMBER``, ``TRIGGER``…), ``PRIORITY`` from the level, ``CODE_FILE``/``CODE_LINE``/
  ``CODE_FUNC`` and ``SYSLOG_IDENTIFIER=dsco-lingxing`` — so ``journalctl PO_NUMBER=X`` works;
- ``text``: readable console lines (coloured on a TTY): local time with its UTC offset, then
  ``key=value`` pairs (a mapping as ``key.name=value``);
- ``json``: one JSON object per line, the extras as top-level keys.

``auto`` picks journald when stderr is systemd's journal stream, text on a TTY, JSON otherwise.
Whatever the format, every record also goes to :data:`HISTORY` (the in-memory order history
the admin falls back to when it cannot read the journal).

One patcher prepares every record for every sink:

- secrets: callers never log them; tracebacks carry no local variables (``diagnose=False``)
  and extras under secret-sounding keys are masked;
- vendor text is hostile: C0/C1 control characters and bidirectional overrides in the message
  and in text extras are written as escapes (``\\x1b``, ``\\u202e``), so a PO number or a
  vendor error can neither drive the terminal nor disguise a line;
- empty extras (``po_number=""`` on a job-level line) are dropped.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import TYPE_CHECKING, Any, Literal, TextIO

from loguru import logger

from daemon.history import LogBuffer
from daemon.systemd import JOURNAL_SOCKET, JournalSender, journal_field_name

if TYPE_CHECKING:
    from loguru import Message, Record

LogFormat = Literal["auto", "journald", "json", "text"]
SYSLOG_IDENTIFIER = "dsco-lingxing"
MASK = "***"

# Stdlib logger trees we rely on reaching loguru (they propagate to the root handler).
_ROUTED_LOGGERS = ("aiohttp", "asyncpg", "sdk", "db", "jobs")
_SECRET_WORDS = frozenset(
    {"token", "secret", "password", "passwd", "sign", "signature", "authorization", "cookie"}
)
_SECRET_KEYS = frozenset({"api_key", "apikey", "access_key", "secret_key", "private_key"})
_COLOURS = {
    "TRACE": "\x1b[2m",
    "DEBUG": "\x1b[36m",
    "INFO": "\x1b[1m",
    "SUCCESS": "\x1b[1;32m",
    "WARNING": "\x1b[1;33m",
    "ERROR": "\x1b[1;31m",
    "CRITICAL": "\x1b[1;41m",
}
_RESET = "\x1b[0m"
# C0 and C1 controls, DEL, and the characters that reorder or break a line when displayed.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

HISTORY = LogBuffer()
"""This process's recent records that name an order (see :mod:`daemon.history`)."""
_active_format: list[Literal["journald", "json", "text"]] = []


def configure_logging(
    *,
    level: str,
    fmt: LogFormat,
    stream: TextIO | None = None,
    journal_socket: str | None = None,
) -> None:
    """Route all logging to one loguru sink; calling it again replaces the previous setup.

    ``stream`` defaults to the current ``sys.stderr``; ``journal_socket`` to journald's
    native socket. An unknown ``level`` raises ValueError.
    """
    out = sys.stderr if stream is None else stream
    level_no = logger.level(level.upper()).no
    kind = resolve_format(fmt, out)
    sink = _make_sink(kind, out, journal_socket or JOURNAL_SOCKET)
    logger.remove()
    logger.configure(patcher=prepare_record)
    # The sinks lay records out themselves; backtrace/diagnose off so a traceback never
    # shows variable values (which may hold a token) the way loguru's diagnose mode would.
    logger.add(sink, level=level_no, format="{message}", backtrace=False, diagnose=False)
    logger.add(HISTORY.write, level=level_no, format="{message}", backtrace=False, diagnose=False)
    _route_stdlib(level_no)
    _active_format[:] = [kind]


def active_format() -> Literal["journald", "json", "text"] | None:
    """The format :func:`configure_logging` last chose (None before it ran)."""
    return _active_format[0] if _active_format else None


def resolve_format(
    fmt: LogFormat, stream: TextIO, environ: Mapping[str, str] | None = None
) -> Literal["journald", "json", "text"]:
    """What ``auto`` means for this stream: journald, then text on a TTY, else JSON."""
    if fmt != "auto":
        return fmt
    env = os.environ if environ is None else environ
    if _is_journal_stream(stream, env.get("JOURNAL_STREAM", "")):
        return "journald"
    return "text" if _isatty(stream) else "json"


def _is_journal_stream(stream: TextIO, journal_stream: str) -> bool:
    # systemd.exec(5): JOURNAL_STREAM is "device:inode" of the journal connection; it is only
    # ours when it matches our stream (a child whose stderr was redirected inherits it too).
    try:
        device, inode = (int(part) for part in journal_stream.split(":"))
        stat = os.fstat(stream.fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (stat.st_dev, stat.st_ino) == (device, inode)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, AttributeError):
        return False


def _make_sink(
    kind: Literal["journald", "json", "text"], stream: TextIO, journal_socket: str
) -> _StreamSink | JournaldSink:
    if kind == "journald":
        return JournaldSink(journal_socket, fallback=stream)
    if kind == "json":
        return _StreamSink(stream, format_json)
    colour = _isatty(stream)
    return _StreamSink(stream, lambda record: format_text(record, colour=colour))


# --- stdlib → loguru ---------------------------------------------------------------------------


class InterceptHandler(logging.Handler):
    """A stdlib handler that re-emits records through loguru, keeping the caller's location.

    The stdlib logger's name is bound as ``logger``; attributes passed with ``extra=`` are
    bound too, so ``log.info("…", extra={"po_number": po})`` reaches journald as ``PO_NUMBER``.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            self.handleError(record)
            return
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        bound = logger.bind(**{**_stdlib_extras(record), "logger": record.name})
        bound.opt(depth=_caller_depth(), exception=record.exc_info).log(level, message)


_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


def _stdlib_extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}


def _caller_depth() -> int:
    # Walk out of this module and the logging package to the frame that called log.info().
    frame, depth = inspect.currentframe(), 0
    while frame is not None:
        name = frame.f_code.co_filename
        internal = name in (logging.__file__, __file__) or (
            "importlib" in name and "_bootstrap" in name
        )
        if depth > 0 and not internal:
            break
        frame = frame.f_back
        depth += 1
    return depth - 1


def _route_stdlib(level_no: int) -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, InterceptHandler)]:
        root.removeHandler(handler)
    root.addHandler(InterceptHandler())
    # Filter in the stdlib too, so debug chatter is not even built when we run at INFO.
    root.setLevel(level_no)
    for name in _ROUTED_LOGGERS:
        child = logging.getLogger(name)
        child.setLevel(logging.NOTSET)
        child.propagate = True


# --- what every record goes through (the patcher) ----------------------------------------------


def prepare_record(record: Record) -> None:
    """Loguru patcher: escape controls, drop empty extras, mask secret-named extras."""
    record["message"] = escape_controls(record["message"])
    extra = record["extra"]
    for key in [k for k, v in extra.items() if v is None or v == ""]:
        del extra[key]
    for key, value in extra.items():
        extra[key] = _clean_value(value)
    mask_secrets(record)


def mask_secrets(record: Record) -> None:
    """Mask the values of extras whose key names a secret; drop nothing."""
    extra = record["extra"]
    for key in extra:
        lowered = key.lower()
        if lowered in _SECRET_KEYS or _SECRET_WORDS.intersection(lowered.split("_")):
            extra[key] = MASK


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with control and bidi characters written as escapes (``\\x1b``, ``\\u202e``)."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if keep_newlines and char == "\n":
            return char
        code = ord(char)
        return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")

    return _UNSAFE.sub(escape, text)


def _clean_value(value: object) -> object:
    if isinstance(value, str):
        return escape_controls(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): _clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_value(v) for v in value]
    return escape_controls(str(value))


# --- record layouts ----------------------------------------------------------------------------


def syslog_priority(level_no: int) -> int:
    """journald PRIORITY (syslog severity) for a loguru level number."""
    for threshold, priority in ((50, 2), (40, 3), (30, 4), (25, 5), (20, 6)):
        if level_no >= threshold:
            return priority
    return 7


def journal_fields(record: Record) -> dict[str, str | bytes]:
    """The journal entry for one record (extras upper-cased; ours win name clashes)."""
    trace = _traceback_text(record)
    fields: dict[str, str | bytes] = {
        "MESSAGE": record["message"] + ("\n" + trace.rstrip("\n") if trace else ""),
        "PRIORITY": str(syslog_priority(record["level"].no)),
        "SYSLOG_IDENTIFIER": SYSLOG_IDENTIFIER,
        "CODE_FILE": record["file"].path,
        "CODE_LINE": str(record["line"]),
        "CODE_FUNC": record["function"],
    }
    for key, value in record["extra"].items():
        name = journal_field_name(key)
        if name in fields:
            name = journal_field_name("extra_" + key)
        fields[name] = value if isinstance(value, bytes) else str(value)
    return fields


def format_json(record: Record) -> str:
    doc: dict[str, Any] = {
        "time": record["time"].astimezone(UTC).isoformat(timespec="milliseconds"),
        "level": record["level"].name,
        "message": record["message"],
        "module": record["name"],
        "function": record["function"],
        "line": record["line"],
    }
    for key, value in record["extra"].items():
        doc["extra_" + key if key in doc else key] = value
    trace = _traceback_text(record)
    if trace:
        doc["exception"] = trace
    return json.dumps(doc, default=str, ensure_ascii=False) + "\n"


def format_text(record: Record, *, colour: bool = False) -> str:
    """One console line: time±offset | level | module:function:line - message | key=value…"""
    level = f"{record['level'].name:<8}"
    if colour:
        level = _COLOURS.get(record["level"].name, "") + level + _RESET
    when = record["time"].isoformat(sep=" ", timespec="milliseconds")
    where = f"{record['name']}:{record['function']}:{record['line']}"
    pairs = " ".join(_pairs(record["extra"]))
    line = f"{when} | {level} | {where} - {record['message']}" + (f" | {pairs}" if pairs else "")
    return line + "\n" + _traceback_text(record)


def _pairs(extra: Mapping[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in extra.items():
        if isinstance(value, Mapping):
            out += _pairs(value, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}={_quote(value)}")
    return out


def _quote(value: object) -> str:
    text = str(value)
    if not text or any(ch.isspace() or ch in '"=' for ch in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _traceback_text(record: Record) -> str:
    exc = record["exception"]
    if exc is None or exc.type is None:
        return ""
    text = "".join(traceback.format_exception(exc.type, exc.value, exc.traceback))
    # An exception message may quote vendor text: the same escaping, line breaks kept.
    return escape_controls(text, keep_newlines=True)


# --- sinks (loguru calls write() under its own lock, and stop() on remove) ---------------------


class _StreamSink:
    def __init__(self, stream: TextIO, layout: Callable[[Record], str]) -> None:
        self._stream = stream
        self._layout = layout

    def write(self, message: Message) -> None:
        self._stream.write(self._layout(message.record))
        self._stream.flush()


class JournaldSink:
    """Sends each record to journald; falls back to text lines on ``fallback`` if it can't."""

    def __init__(self, path: str, *, fallback: TextIO) -> None:
        self._sender = JournalSender(path)
        self._fallback = fallback
        self._failing = False

    def write(self, message: Message) -> None:
        record = message.record
        try:
            self._sender.send(journal_fields(record))
            self._failing = False
        except OSError as exc:
            if not self._failing:
                self._fallback.write(
                    f"journald unreachable ({exc.strerror or exc}); plain lines follow\n"
                )
                self._failing = True
            self._fallback.write(format_text(record))
            self._fallback.flush()

    def stop(self) -> None:
        self._sender.close()
