"""The real daemon process: embedded PostgreSQL, READY=1 after start-up, SIGTERM exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.setblocking(False)
    yield sock
    sock.close()


async def _messages(sock: socket.socket, until: bytes, timeout: float) -> list[bytes]:
    loop = asyncio.get_running_loop()
    seen: list[bytes] = []
    async with asyncio.timeout(timeout):
        while not any(until in m for m in seen):
            seen.append(await loop.sock_recv(sock, 4096))
    return seen


async def _text(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert resp.status == 200
        return await resp.text()


async def _get(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status


async def test_daemon_starts_with_embedded_postgres_and_stops_cleanly(
    tmp_path: Path, state_dir: Path, notify_socket: socket.socket
) -> None:
    port = free_port()
    config = tmp_path / "env.yaml"
    config.write_text(
        f"base:\n  listen_addr: 127.0.0.1:{port}\n  state_dir: {state_dir}\n"
        "admin:\n  password: demo-password\nlog:\n  format: json\n"
    )
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
        "WATCHDOG_USEC": "400000",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "daemon",
        "--config",
        str(config),
        "run",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    stderr_task = asyncio.create_task(proc.stderr.read())
    try:
        ready = asyncio.create_task(_messages(notify_socket, b"READY=1", timeout=120))
        await asyncio.wait({ready, stderr_task}, return_when=asyncio.FIRST_COMPLETED)
        assert ready.done(), (
            "daemon exited before READY=1:\n" + stderr_task.result().decode()[-3000:]
        )
        # Before READY=1 (migrations may take minutes), the daemon asks for more start time.
        assert any(m.startswith(b"EXTEND_TIMEOUT_USEC=") for m in ready.result())
        # READY=1 promises a working listener, database and scheduler.
        assert await _get(f"http://127.0.0.1:{port}/healthz") == 200
        assert await _get(f"http://127.0.0.1:{port}/readyz") == 200
        metrics = await _text(f"http://127.0.0.1:{port}/metrics")
        assert "# TYPE dsco_lingxing_job_runs_total counter" in metrics
        assert "# TYPE dsco_lingxing_vendor_calls_total counter" in metrics
        pings = await _messages(notify_socket, b"WATCHDOG=1", timeout=10)
        assert any(b"WATCHDOG=1" in m for m in pings)
        assert (state_dir / "pgdata" / "PG_VERSION").exists()
        proc.send_signal(signal.SIGTERM)
        await _messages(notify_socket, b"STOPPING=1", timeout=30)
        assert await asyncio.wait_for(proc.wait(), timeout=60) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    stderr = (await stderr_task).decode()
    assert "demo-password" not in stderr
    assert not (state_dir / "pgdata" / "postmaster.pid").exists(), "postgres stopped"
