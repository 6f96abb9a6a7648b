"""An order's recent history: the log records that carry its ``po_number``.

Failure reasons are never stored with the order (the database holds state, not history); the
log is where "why is this order stuck?" is answered, and the admin shows that answer on the
order's page:

- under systemd the journal has every record of every process, so the daemon asks
  ``journalctl --output=json SYSLOG_IDENTIFIER=dsco-lingxing PO_NUMBER=<po>`` (bounded in lines,
  time and bytes; the service needs read access to the journal, see the systemd unit);
- otherwise, or when the journal cannot be read, a bounded in-memory ring of this process's
  records that name an order (:class:`LogBuffer`, a loguru sink) answers instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from loguru import Message

Source = Literal["journal", "memory"]
# The extras every record may carry; anything else a record was bound with goes to ``fields``.
_KNOWN = ("po_number", "job", "run_id", "trigger")
_PRIORITY_LEVELS = {
    "0": "CRITICAL",
    "1": "CRITICAL",
    "2": "CRITICAL",
    "3": "ERROR",
    "4": "WARNING",
    "5": "SUCCESS",
    "6": "INFO",
    "7": "DEBUG",
}
_JOURNAL_SKIP = frozenset(
    {"MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "PO_NUMBER", "JOB", "RUN_ID", "TRIGGER"}
)


@dataclass(frozen=True)
class LogEntry:
    time: float  # unix seconds
    level: str
    message: str
    job: str = ""
    run_id: str = ""
    trigger: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class History:
    source: Source
    entries: list[LogEntry]
    note: str = ""  # why the answer came from memory although the journal was asked


class LogBuffer:
    """The newest ``capacity`` log records that name an order (a loguru sink)."""

    def __init__(self, capacity: int = 20_000) -> None:
        self._records: deque[tuple[str, LogEntry]] = deque(maxlen=capacity)
        self._lock = threading.Lock()  # loguru may call a sink from other threads

    def write(self, message: Message) -> None:
        record = message.record
        extra = record["extra"]
        po = extra.get("po_number")
        if not po:
            return
        entry = LogEntry(
            time=record["time"].timestamp(),
            level=record["level"].name,
            message=record["message"],
            job=str(extra.get("job") or ""),
            run_id=str(extra.get("run_id") or ""),
            trigger=str(extra.get("trigger") or ""),
            fields={k: str(v) for k, v in extra.items() if k not in _KNOWN and v not in ("", None)},
        )
        with self._lock:
            self._records.append((str(po), entry))

    def for_order(self, po_number: str, limit: int) -> list[LogEntry]:
        """The newest ``limit`` records of ``po_number``, oldest first."""
        with self._lock:
            found = [entry for po, entry in self._records if po == po_number]
        return found[-limit:]

    def __len__(self) -> int:
        return len(self._records)


class JournalError(Exception):
    """The journal could not be read; the message says why (no secrets in it)."""


@dataclass(frozen=True)
class JournalReader:
    """Reads one order's records from the systemd journal through ``journalctl``."""

    command: str = "journalctl"
    identifier: str = "dsco-lingxing"
    timeout: float = 5.0
    max_bytes: int = 4 * 1024 * 1024

    async def for_order(self, po_number: str, limit: int) -> list[LogEntry]:
        # No shell: the PO is one argv word, matched by journalctl as the field's exact value.
        args = [
            "--output=json",
            "--no-pager",
            "--quiet",
            f"--lines={limit}",
            f"SYSLOG_IDENTIFIER={self.identifier}",
            f"PO_NUMBER={po_number}",
        ]
        out = await self._run(args)
        entries = [_journal_entry(line) for line in out.splitlines() if line.strip()]
        return [e for e in entries if e is not None][-limit:]

    async def _run(self, args: list[str]) -> bytes:
        try:
            proc = await asyncio.create_subprocess_exec(
                self.command,
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group: a timeout ends all of it
            )
        except OSError as exc:
            raise JournalError(f"cannot run {self.command} ({exc.strerror or exc})") from None
        try:
            async with asyncio.timeout(self.timeout):
                out, err = await proc.communicate()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            raise JournalError(f"{self.command} took longer than {self.timeout:g} s") from None
        if proc.returncode != 0:
            first = err.decode("utf-8", "replace").strip().splitlines()[:1]
            raise JournalError(f"{self.command} failed: {first[0] if first else proc.returncode}")
        return out[: self.max_bytes]


def _journal_entry(line: bytes) -> LogEntry | None:
    try:
        doc = json.loads(line)
    except ValueError:
        return None  # a line cut by max_bytes
    if not isinstance(doc, dict):
        return None
    fields = {
        k.lower(): _text(v)
        for k, v in doc.items()
        if not k.startswith("_") and k not in _JOURNAL_SKIP and not k.startswith("CODE_")
    }
    return LogEntry(
        time=int(_text(doc.get("__REALTIME_TIMESTAMP")) or 0) / 1_000_000,
        level=_PRIORITY_LEVELS.get(_text(doc.get("PRIORITY")), "INFO"),
        message=_text(doc.get("MESSAGE")),
        job=_text(doc.get("JOB")),
        run_id=_text(doc.get("RUN_ID")),
        trigger=_text(doc.get("TRIGGER")),
        fields={k: v for k, v in fields.items() if v},
    )


def _text(value: Any) -> str:
    # journalctl writes a field that is not valid UTF-8 as a list of byte values.
    if isinstance(value, list) and all(isinstance(b, int) for b in value):
        return bytes(b & 0xFF for b in value).decode("utf-8", "replace")
    return "" if value is None else str(value)


class OrderHistory:
    """Where the admin reads an order's history: the journal when logging goes there."""

    def __init__(self, buffer: LogBuffer, journal: JournalReader | None = None) -> None:
        self.buffer = buffer
        self.journal = journal

    async def for_order(self, po_number: str, limit: int = 100) -> History:
        if self.journal is None:
            return History("memory", self.buffer.for_order(po_number, limit))
        try:
            return History("journal", await self.journal.for_order(po_number, limit))
        except JournalError as exc:
            note = f"{exc}; showing this process's recent records instead"
            return History("memory", self.buffer.for_order(po_number, limit), note)
