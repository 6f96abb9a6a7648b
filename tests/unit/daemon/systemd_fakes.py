"""Stand-ins for systemd's sockets: AF_UNIX datagram sockets the tests bind themselves."""

from __future__ import annotations

import array
import asyncio
import contextlib
import fcntl
import os
import socket
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_DATAGRAM = 1 << 20


def decode_journal(data: bytes) -> dict[str, bytes]:
    """Parse journald's native protocol (both the NAME=value and the binary-length forms)."""
    fields: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        name, eq, value = data[pos:end].partition(b"=")
        if eq:
            fields[name.decode()] = value
            pos = end + 1
            continue
        (size,) = struct.unpack_from("<Q", data, end + 1)
        start = end + 1 + 8
        assert data[start + size : start + size + 1] == b"\n", "binary field not newline-terminated"
        fields[name.decode()] = data[start : start + size]
        pos = start + size + 1
    return fields


@dataclass
class Datagram:
    data: bytes
    seals: int | None = None  # set when the entry came as a memfd over SCM_RIGHTS
    fields: dict[str, bytes] = field(default_factory=dict)


class FakeJournal:
    """A bound AF_UNIX datagram socket playing journald's native socket."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(5)

    def receive(self) -> Datagram:
        data, ancdata, _, _ = self.sock.recvmsg(MAX_DATAGRAM, socket.CMSG_SPACE(4 * 4))
        fds = array.array("i")
        for level, kind, payload in ancdata:
            if (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS):
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if not fds:
            return Datagram(data, fields=decode_journal(data))
        assert data == b""
        assert len(fds) == 1
        seals = fcntl.fcntl(fds[0], fcntl.F_GET_SEALS)
        with os.fdopen(fds[0], "rb") as memfd:
            memfd.seek(0)
            content = memfd.read()
        return Datagram(content, seals=seals, fields=decode_journal(content))

    def fields(self) -> dict[str, bytes]:
        return self.receive().fields

    def pending(self) -> int:
        """How many datagrams are queued right now (consumes them)."""
        count = 0
        self.sock.setblocking(False)
        try:
            with contextlib.suppress(BlockingIOError):
                while True:
                    self.sock.recv(MAX_DATAGRAM)
                    count += 1
        finally:
            self.sock.settimeout(5)
        return count

    def close(self) -> None:
        self.sock.close()


class FakeNotifySocket:
    """A bound datagram socket playing systemd's ``$NOTIFY_SOCKET`` (path or abstract)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.setblocking(False)

    @property
    def env_value(self) -> str:
        """The address spelled as systemd puts it into NOTIFY_SOCKET."""
        return "@" + self.address[1:] if self.address.startswith("\0") else self.address

    async def next(self, timeout: float = 5.0) -> bytes:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.sock_recv(self.sock, 4096), timeout)

    def drain(self) -> list[bytes]:
        """Everything queued right now."""
        messages = []
        with contextlib.suppress(BlockingIOError):
            while True:
                messages.append(self.sock.recv(4096))
        return messages

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def unix_dir() -> Iterator[Path]:
    # AF_UNIX paths are limited to 107 bytes; pytest's tmp_path can be longer than that.
    with tempfile.TemporaryDirectory(prefix="dl-") as name:
        yield Path(name)


@contextlib.contextmanager
def fake_journal() -> Iterator[FakeJournal]:
    with unix_dir() as directory:
        fake = FakeJournal(directory / "journal.sock")
        try:
            yield fake
        finally:
            fake.close()
