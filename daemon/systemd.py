"""systemd integration, written directly against its wire protocols (no third-party package).

- ``SystemdNotifier``: sd_notify(3) state messages (``READY=1``, ``STOPPING=1``, ``STATUS=…``,
  ``WATCHDOG=1``) sent as datagrams to ``$NOTIFY_SOCKET``; every method is a no-op outside
  systemd, so the daemon calls them unconditionally.
- ``Watchdog``: an asyncio task that pings ``WATCHDOG=1`` every ``WATCHDOG_USEC / 2`` but only
  while a liveness probe holds, so a wedged scheduler gets the unit restarted.
- ``JournalSender`` / ``encode_journal_fields``: journald's native protocol (one datagram per
  record to ``/run/systemd/journal/socket``), used by ``daemon.logging``.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import errno
import fcntl
import os
import re
import socket
import struct
from collections.abc import Callable, Mapping

from loguru import logger

JOURNAL_SOCKET = "/run/systemd/journal/socket"

_NOTIFY_ENV = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between watchdog pings (half of ``WATCHDOG_USEC``), or None when not asked for.

    ``WATCHDOG_PID`` names the process systemd expects pings from; a child that merely
    inherited the variables must not ping on its parent's behalf.
    """
    env = os.environ if environ is None else environ
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = env.get("WATCHDOG_PID", "").strip()
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 2 / 1_000_000


def _notify_address(value: str | None) -> str | None:
    """Turn ``$NOTIFY_SOCKET`` into a socket address ("@name" is the abstract namespace)."""
    if not value:
        return None
    if value.startswith("/"):
        return value
    if value.startswith("@"):
        return "\0" + value[1:]
    # Other schemes (e.g. "vsock:") only matter inside VMs; we do not run there.
    return None


class SystemdNotifier:
    """Tells systemd about the daemon's state (``Type=notify``); silent outside systemd."""

    def __init__(
        self, notify_socket: str | None = None, *, watchdog_interval: float | None = None
    ) -> None:
        self._address = _notify_address(notify_socket)
        self.watchdog_interval = watchdog_interval if self._address else None

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, unset_environment: bool = False
    ) -> SystemdNotifier:
        """Read ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID``.

        ``unset_environment`` removes them from ``os.environ`` afterwards, so child processes
        (the embedded PostgreSQL) do not inherit a socket that is not theirs.
        """
        env = os.environ if environ is None else environ
        notifier = cls(env.get("NOTIFY_SOCKET"), watchdog_interval=watchdog_interval(env))
        if unset_environment:
            for key in _NOTIFY_ENV:
                os.environ.pop(key, None)
        return notifier

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *assignments: str) -> bool:
        """Send ``KEY=value`` lines in one datagram; True when systemd got them."""
        if self._address is None:
            return False
        payload = "\n".join(assignments).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(payload, self._address)
        except OSError as exc:
            # Not fatal: systemd will notice the missing READY/WATCHDOG by itself.
            logger.warning("systemd notify failed: {}", exc.strerror or type(exc).__name__)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", *self._status_line(status))

    def stopping(self, status: str | None = None) -> bool:
        return self.notify("STOPPING=1", *self._status_line(status))

    def status(self, text: str) -> bool:
        return self.notify(*self._status_line(text))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more start/stop time (e.g. a first ``initdb`` of the embedded database)."""
        return self.notify(f"EXTEND_TIMEOUT_USEC={int(seconds * 1_000_000)}")

    @staticmethod
    def _status_line(text: str | None) -> tuple[str, ...]:
        # The protocol is line based: a newline inside STATUS would start a new assignment.
        return () if text is None else ("STATUS=" + " ".join(text.splitlines()),)


class Watchdog:
    """Pings ``WATCHDOG=1`` on a timer, but only while ``probe()`` returns True.

    The probe is the daemon's own liveness test ("the scheduler loop ticked recently"); when
    it fails the pings stop and systemd restarts the unit after ``WatchdogSec``. A probe that
    recovers in time resumes the pings. Disabled (``start`` does nothing) when systemd did not
    ask for a watchdog.
    """

    def __init__(
        self,
        notifier: SystemdNotifier,
        probe: Callable[[], bool],
        *,
        interval: float | None = None,
    ) -> None:
        self._notifier = notifier
        self._probe = probe
        self._interval = interval if interval is not None else notifier.watchdog_interval
        self._task: asyncio.Task[None] | None = None
        self._healthy = True

    @property
    def enabled(self) -> bool:
        return self._notifier.enabled and self._interval is not None and self._interval > 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start pinging in a background task (needs a running event loop)."""
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="systemd-watchdog")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> Watchdog:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        assert self._interval is not None
        while True:
            if self._alive():
                self._notifier.watchdog()
            await asyncio.sleep(self._interval)

    def _alive(self) -> bool:
        try:
            alive = bool(self._probe())
        except Exception:
            logger.exception("watchdog liveness probe raised")
            alive = False
        if alive != self._healthy:
            # One line per transition, so the journal explains a watchdog restart.
            log = logger.info if alive else logger.warning
            log("watchdog pings {}", "resumed" if alive else "withheld: liveness probe failed")
            self._healthy = alive
        return alive


# --- journald native protocol ------------------------------------------------------------------

_FIELD_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_NOT_FIELD_CHAR = re.compile(r"[^A-Z0-9_]")
# journald refuses an inline memfd unless it can no longer change under its feet.
_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL


def journal_field_name(key: str) -> str:
    """A valid journal field name for ``key``: upper-cased, other characters as ``_``.

    Valid names are ``[A-Z][A-Z0-9_]*`` up to 64 characters; a leading ``_`` is reserved
    for fields journald adds itself, so such keys get an ``EXTRA`` prefix instead.
    """
    name = _NOT_FIELD_CHAR.sub("_", key.upper())
    if not name[:1].isalpha():
        name = "EXTRA" + ("" if name.startswith("_") else "_") + name
    return name[:64]


def encode_journal_fields(fields: Mapping[str, str | bytes]) -> bytes:
    """Serialise one journal entry in the native protocol.

    ``NAME=value\\n`` for values without a newline; otherwise the binary form: the name, a
    newline, the value's length as a little-endian 64-bit integer, the value, a newline.
    """
    parts: list[bytes] = []
    for name, value in fields.items():
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"invalid journal field name: {name!r}")
        data = value.encode() if isinstance(value, str) else value
        if b"\n" in data:
            parts.append(name.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n")
        else:
            parts.append(name.encode() + b"=" + data + b"\n")
    return b"".join(parts)


class JournalSender:
    """Sends entries to journald's native socket, one datagram per entry.

    An entry too big for one datagram (EMSGSIZE, above ~200 KiB with default socket buffers)
    is written to a sealed memfd whose descriptor is passed over the socket instead, as
    sd_journal_send(3) does. Send errors other than size are raised for the caller to handle.
    """

    def __init__(self, path: str = JOURNAL_SOCKET) -> None:
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    def send(self, fields: Mapping[str, str | bytes]) -> None:
        data = encode_journal_fields(fields)
        try:
            self._sock.sendto(data, self.path)
        except OSError as exc:
            if exc.errno not in (errno.EMSGSIZE, errno.ENOBUFS):
                raise
            self._send_memfd(data)

    def _send_memfd(self, data: bytes) -> None:
        fd = os.memfd_create("journal-entry", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALS)
            rights = array.array("i", [fd])
            self._sock.sendmsg([], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)], 0, self.path)
        finally:
            os.close(fd)

    def close(self) -> None:
        self._sock.close()
