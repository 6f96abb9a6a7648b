"""The daemon as a process of its own (``dsco-lingxing run``) on the benchmark database, an
admin session against it, and its memory as the kernel counts it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from jobs.catalog import SCHEMA
from jobs.runtime_config import config_to_json
from tests.bench.conftest import ADMIN_PASSWORD
from tests.e2e.crash_harness import (
    DaemonProcess,
    SandboxProcess,
    daemon_settings,
    free_port,
    store_runtime_config,
)

DOMAIN = "dsco_lingxing"


@dataclass
class AdminSession:
    """A logged-in admin client (one cookie, shared by every concurrent request)."""

    http: aiohttp.ClientSession
    base: str
    csrf: str = ""

    async def get(self, path: str, **params: Any) -> Any:
        async with self.http.get(f"{self.base}{path}", params=params) as resp:
            body = await resp.json()
            assert resp.status == 200, (path, params, body)
            return body

    async def post(self, path: str, body: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf}
        async with self.http.post(f"{self.base}{path}", json=body, headers=headers) as resp:
            answer = await resp.json()
            assert resp.status == 200, (path, answer)
            return answer


def rss_mb(pid: int) -> tuple[float, float]:
    """``(current, peak)`` resident memory of process ``pid`` in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def save_runtime_config(dsn: str, jobs: dict[str, dict[str, Any]], mapping: Any) -> None:
    """Runtime config through the validated save path, before the daemon starts."""
    raw = config_to_json(SCHEMA.default())
    for name, fields in jobs.items():
        raw["jobs"][name].update(fields)
    raw["mapping"] = {**raw["mapping"], **mapping}
    await store_runtime_config(dsn, raw)


def write_settings(path: Path, dsn: str, sandboxes: SandboxProcess, port: int) -> None:
    settings = daemon_settings(
        path,
        dsn=dsn,
        sandbox=sandboxes,
        port=port,
        admin={"password": ADMIN_PASSWORD},
        runtime={"job_timeout_seconds": 3600},
    )
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


@contextlib.asynccontextmanager
async def running_daemon(
    dsn: str, sandboxes: SandboxProcess, tmp: Path
) -> AsyncIterator[tuple[DaemonProcess, AdminSession]]:
    """``dsco-lingxing run`` on ``dsn``, and an admin session logged in to it."""
    port = free_port()
    config = tmp / "env.yaml"
    write_settings(config, dsn, sandboxes, port)
    daemon = DaemonProcess(config, port, tmp / "daemon.log")
    await daemon.start()
    base = f"http://127.0.0.1:{port}"
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=3600)
    jar = aiohttp.CookieJar(unsafe=True)  # keeps the session cookie of an IP address
    try:
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=jar
        ) as http:
            admin = AdminSession(http, base)
            login = {"password": ADMIN_PASSWORD}
            async with http.post(f"{base}/admin/api/login", json=login) as resp:
                assert resp.status == 200, await resp.text()
                admin.csrf = (await resp.json())["csrf_token"]
            yield daemon, admin
    finally:
        await daemon.stop()


async def timed_get(admin: AdminSession, path: str, params: dict[str, Any]) -> float:
    """Seconds for one complete answer (body read and decoded)."""
    started = time.perf_counter()
    await admin.get(path, **params)
    return time.perf_counter() - started
