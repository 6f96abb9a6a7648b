"""daemon.systemd against fake systemd sockets, and the unit file's directives."""

from __future__ import annotations

import asyncio
import fcntl
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.settings import RuntimeSettings
from daemon.systemd import (
    JournalSender,
    SystemdNotifier,
    Watchdog,
    encode_journal_fields,
    journal_field_name,
    watchdog_interval,
)
from tests.unit.daemon.systemd_fakes import FakeJournal, FakeNotifySocket, fake_journal, unix_dir

UNIT_FILE = Path(__file__).parents[3] / "systemd" / "dsco-lingxing.service"


@pytest.fixture
def notify_socket() -> Iterator[FakeNotifySocket]:
    with unix_dir() as directory:
        fake = FakeNotifySocket(str(directory / "notify.sock"))
        yield fake
        fake.close()


# --- notifier ----------------------------------------------------------------------------------


def test_notifier_is_a_no_op_outside_systemd() -> None:
    notifier = SystemdNotifier.from_environ({"WATCHDOG_USEC": "30000000"})
    assert not notifier.enabled
    assert notifier.watchdog_interval is None
    assert notifier.ready() is False
    assert notifier.watchdog() is False
    assert notifier.stopping() is False


async def test_notifier_sends_state_lines(notify_socket: FakeNotifySocket) -> None:
    notifier = SystemdNotifier.from_environ({"NOTIFY_SOCKET": notify_socket.env_value})
    assert notifier.enabled

    assert notifier.ready()
    assert await notify_socket.next() == b"READY=1"
    assert notifier.status("syncing\norders")
    assert await notify_socket.next() == b"STATUS=syncing orders"
    assert notifier.watchdog()
    assert await notify_socket.next() == b"WATCHDOG=1"
    assert notifier.extend_timeout(90)
    assert await notify_socket.next() == b"EXTEND_TIMEOUT_USEC=90000000"
    assert notifier.stopping("draining jobs")
    assert await notify_socket.next() == b"STOPPING=1\nSTATUS=draining jobs"


async def test_notifier_reaches_an_abstract_socket() -> None:
    fake = FakeNotifySocket("\0dsco-lingxing-test-" + uuid.uuid4().hex)
    try:
        notifier = SystemdNotifier.from_environ({"NOTIFY_SOCKET": fake.env_value})
        assert fake.env_value.startswith("@")
        assert notifier.ready()
        assert await fake.next() == b"READY=1"
    finally:
        fake.close()


def test_notify_failure_is_reported_not_raised(tmp_path: Path) -> None:
    notifier = SystemdNotifier(str(tmp_path / "gone.sock"))
    assert notifier.enabled
    assert notifier.ready() is False


def test_unset_environment_hides_the_socket_from_children(
    monkeypatch: pytest.MonkeyPatch, notify_socket: FakeNotifySocket
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.env_value)
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    notifier = SystemdNotifier.from_environ(unset_environment=True)
    assert notifier.enabled
    assert notifier.watchdog_interval == 10.0
    assert not {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"} & os.environ.keys()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_is_half_of_watchdog_usec(
    env: dict[str, str], expected: float | None
) -> None:
    assert watchdog_interval(env) == expected


# --- watchdog ----------------------------------------------------------------------------------


async def test_watchdog_pings_only_while_the_probe_holds(notify_socket: FakeNotifySocket) -> None:
    alive = True
    notifier = SystemdNotifier(notify_socket.env_value, watchdog_interval=0.01)
    async with Watchdog(notifier, probe=lambda: alive) as watchdog:
        assert watchdog.running
        for _ in range(3):
            assert await notify_socket.next() == b"WATCHDOG=1"

        alive = False
        notify_socket.drain()  # pings sent before the probe failed
        await asyncio.sleep(0.3)  # ~30 intervals
        assert notify_socket.drain() == []

        alive = True  # recovering in time resumes the pings
        assert await notify_socket.next() == b"WATCHDOG=1"
    assert not watchdog.running
    notify_socket.drain()
    await asyncio.sleep(0.1)
    assert notify_socket.drain() == []


async def test_watchdog_treats_a_raising_probe_as_dead(notify_socket: FakeNotifySocket) -> None:
    calls = 0

    def probe() -> bool:
        nonlocal calls
        calls += 1
        raise RuntimeError("scheduler gone")

    watchdog = Watchdog(SystemdNotifier(notify_socket.env_value), probe, interval=0.01)
    watchdog.start()
    try:
        while calls < 5:
            await asyncio.sleep(0.01)
    finally:
        await watchdog.stop()
    assert notify_socket.drain() == []


async def test_watchdog_stays_off_when_systemd_did_not_ask(
    notify_socket: FakeNotifySocket,
) -> None:
    without_interval = Watchdog(SystemdNotifier(notify_socket.env_value), lambda: True)
    without_socket = Watchdog(SystemdNotifier(None), lambda: True, interval=0.01)
    for watchdog in (without_interval, without_socket):
        watchdog.start()
        assert not watchdog.enabled
        assert not watchdog.running
        await watchdog.stop()


# --- journald native protocol ------------------------------------------------------------------


def test_encode_uses_the_binary_form_only_for_newlines() -> None:
    data = encode_journal_fields({"MESSAGE": "a\nb", "PRIORITY": "6", "RAW": b"x=y"})
    assert data == b"MESSAGE\n\x03\x00\x00\x00\x00\x00\x00\x00a\nb\nPRIORITY=6\nRAW=x=y\n"


@pytest.mark.parametrize("name", ["_PID", "lower", "9LIVES", "A-B", "", "A" * 65])
def test_encode_rejects_invalid_field_names(name: str) -> None:
    with pytest.raises(ValueError, match="invalid journal field name"):
        encode_journal_fields({name: "x"})


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("po_number", "PO_NUMBER"),
        ("run_id", "RUN_ID"),
        ("http-status", "HTTP_STATUS"),
        ("_private", "EXTRA_PRIVATE"),
        ("2fa", "EXTRA_2FA"),
        ("仓库", "EXTRA__"),
        ("k" * 80, "K" * 64),
    ],
)
def test_journal_field_name_makes_valid_names(key: str, name: str) -> None:
    assert journal_field_name(key) == name
    encode_journal_fields({journal_field_name(key): "ok"})


@pytest.fixture
def journal() -> Iterator[FakeJournal]:
    with fake_journal() as fake:
        yield fake


def test_sender_delivers_one_datagram_per_entry(journal: FakeJournal) -> None:
    sender = JournalSender(journal.path)
    try:
        sender.send({"MESSAGE": "one"})
        sender.send({"MESSAGE": "two\nlines", "JOB": "sync_stock"})
    finally:
        sender.close()
    assert journal.fields() == {"MESSAGE": b"one"}
    assert journal.fields() == {"MESSAGE": b"two\nlines", "JOB": b"sync_stock"}


def test_sender_passes_oversized_entries_as_a_sealed_memfd(journal: FakeJournal) -> None:
    big = "x" * (4 << 20)  # above any default AF_UNIX datagram limit
    sender = JournalSender(journal.path)
    try:
        sender.send({"MESSAGE": big, "PO_NUMBER": "PO-1"})
    finally:
        sender.close()
    entry = journal.receive()
    assert entry.seals is not None
    required = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
    assert entry.seals & required == required
    assert entry.fields == {"MESSAGE": big.encode(), "PO_NUMBER": b"PO-1"}


def test_sender_raises_when_journald_is_absent(tmp_path: Path) -> None:
    sender = JournalSender(str(tmp_path / "no-journal"))
    try:
        with pytest.raises(OSError, match="No such file"):
            sender.send({"MESSAGE": "lost"})
    finally:
        sender.close()


# --- the unit file -----------------------------------------------------------------------------


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """systemd's INI dialect: repeated keys accumulate, '#'/';' comments, '\\' continuations."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"directive outside a section: {line}"
        key, sep, value = line.partition("=")
        assert sep, f"not a directive: {line}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.fixture(scope="module")
def unit() -> dict[str, dict[str, list[str]]]:
    return parse_unit(UNIT_FILE.read_text())


SERVICE_DIRECTIVES = {
    "Type": "notify",
    "NotifyAccess": "main",
    "WatchdogSec": "30",
    "Restart": "on-failure",
    "EnvironmentFile": "-/etc/dsco-lingxing/env",
    "User": "dsco-lingxing",
    "DynamicUser": "no",
    "StateDirectory": "dsco-lingxing",
    "WorkingDirectory": "/var/lib/dsco-lingxing",
    "ExecStart": (
        "/opt/dsco-lingxing/.venv/bin/dsco-lingxing run --config /etc/dsco-lingxing/env.yaml"
    ),
    "KillMode": "mixed",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
}


@pytest.mark.parametrize(("key", "value"), SERVICE_DIRECTIVES.items())
def test_unit_sets_required_directive(
    unit: dict[str, dict[str, list[str]]], key: str, value: str
) -> None:
    assert unit["Service"].get(key) == [value]


def test_unit_restricts_address_families(unit: dict[str, dict[str, list[str]]]) -> None:
    (families,) = unit["Service"]["RestrictAddressFamilies"]
    assert sorted(families.split()) == ["AF_INET", "AF_INET6", "AF_UNIX"]


def test_unit_restarts_after_a_pause(unit: dict[str, dict[str, list[str]]]) -> None:
    (restart_sec,) = unit["Service"]["RestartSec"]
    assert float(restart_sec.removesuffix("s")) > 0


def test_unit_stop_timeout_exceeds_the_shutdown_grace(
    unit: dict[str, dict[str, list[str]]],
) -> None:
    (timeout,) = unit["Service"]["TimeoutStopSec"]
    grace = RuntimeSettings().shutdown_grace_seconds
    assert float(timeout.removesuffix("s")) >= grace + 15


def test_unit_is_installable(unit: dict[str, dict[str, list[str]]]) -> None:
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    assert "network-online.target" in unit["Unit"]["After"][0].split()
