"""Real processes for the crash-safety test: the sandbox process, daemon processes, the kill loop.

- :class:`SandboxProcess` runs ``python -m daemon sandbox`` (both vendor fakes on local ports);
  it outlives every daemon, so vendor-side state carries across kills.
- :class:`Control` talks to the sandboxes' ``/__sandbox/...`` control APIs over HTTP.
- :class:`DaemonProcess` runs ``python -m daemon --config env.yaml run``; ``kill()`` is SIGKILL,
  ``stop()`` is SIGTERM and waits for the exit code.
- :func:`warehouse_step` stands in for Lingxing staff: review what is pending, ship what is
  reviewed, with one deterministic tracking number per PO.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from daemon.demo import DSCO_TOKEN, LX_APP_ID, LX_APP_SECRET
from db.pool import create_pool
from jobs.catalog import SCHEMA
from jobs.config_store import RuntimeConfigStore
from jobs.runtime_config import Capabilities, config_to_json
from tests.conftest import REPO
from tests.e2e.scenario import PULL_MARGIN_SECONDS, Scenario
from tests.e2e.scenario_plan import CANCEL_BEFORE_PUSH

DOMAIN = "dsco_lingxing"
ORDER_JOBS = (
    "pull_dsco_orders",
    "push_to_lingxing",
    "ack_to_dsco",
    "ship_to_dsco",
    "invoice_to_dsco",
)
EVERY_SECOND = "* * * * * *"
PLATFORM_CODE = 10008
# Reason codes of the check-first paths: the vendor already had the write a killed run made.
RECOVERY_REASONS = frozenset(
    {
        "already_in_lingxing",
        "already_acknowledged",
        "all_shipments_known",
        "invoice_already_in_dsco",
    }
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tracking_for(po: str) -> str:
    """The one tracking number the warehouse gives ``po`` (stable across kills)."""
    return f"1ZCR{po}"


async def _wait_http(url: str, timeout: float, proc: asyncio.subprocess.Process) -> None:
    """Poll ``url`` until it answers 200; fail at once if the process died."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
            try:
                async with http.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


async def _start(args: list[str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )


async def _reap(proc: asyncio.subprocess.Process, sig: int, timeout: float) -> int:
    if proc.returncode is None:
        proc.send_signal(sig)
    try:
        return await asyncio.wait_for(proc.wait(), timeout=timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise


@dataclass
class SandboxProcess:
    """``python -m daemon sandbox`` on two free ports; use as an async context manager."""

    log: Path
    dsco_port: int = 0
    lingxing_port: int = 0
    proc: asyncio.subprocess.Process | None = None

    @property
    def dsco_url(self) -> str:
        return f"http://127.0.0.1:{self.dsco_port}"

    @property
    def lingxing_url(self) -> str:
        return f"http://127.0.0.1:{self.lingxing_port}"

    async def __aenter__(self) -> SandboxProcess:
        self.dsco_port, self.lingxing_port = free_port(), free_port()
        self.proc = await _start(
            [
                "-m",
                "daemon",
                "sandbox",
                "--dsco-port",
                str(self.dsco_port),
                "--lingxing-port",
                str(self.lingxing_port),
            ],
            self.log,
        )
        try:
            await _wait_http(f"{self.dsco_url}/__sandbox/switches", 60, self.proc)
            await _wait_http(f"{self.lingxing_url}/__sandbox/stats", 60, self.proc)
        except BaseException:
            await _reap(self.proc, signal.SIGKILL, 10)
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None:
            await _reap(self.proc, signal.SIGINT, 20)


class Control:
    """JSON calls to both sandboxes' control APIs (``/__sandbox/...``)."""

    def __init__(self, http: aiohttp.ClientSession, sandbox: SandboxProcess) -> None:
        self._http = http
        self._bases = {"dsco": sandbox.dsco_url, "lingxing": sandbox.lingxing_url}

    async def call(self, vendor: str, method: str, path: str, body: Any = None) -> Any:
        url = f"{self._bases[vendor]}/__sandbox{path}"
        async with self._http.request(method, url, json=body) as resp:
            data = await resp.json()
            if resp.status >= 400:
                raise AssertionError(f"{vendor} {method} {path}: {resp.status} {data}")
            return data


async def warehouse_step(ctl: Control) -> int:
    """Review every order pending review and ship every reviewed one; returns actions taken."""
    actions = 0
    for order in await ctl.call("lingxing", "GET", "/orders"):
        if order["is_delete"]:
            continue
        po, number = order["platform_order_nos"][0], order["global_order_no"]
        if order["status"] == 4:
            await ctl.call("lingxing", "POST", f"/orders/{po}/review", {"global_order_no": number})
        elif order["status"] == 5:
            body = {"global_order_no": number, "tracking_no": tracking_for(po)}
            await ctl.call("lingxing", "POST", f"/orders/{po}/ship", body)
        else:
            continue
        actions += 1
    return actions


async def save_runtime_config(
    dsn: str,
    mapping: dict[str, dict[str, str]],
    size: int | None = None,
    scheduled: Sequence[str] = ORDER_JOBS,
) -> None:
    """The ``scheduled`` order jobs every second (optionally ``size`` rows a run, pull
    excepted), saved through the same validated path as the admin, before any daemon starts."""
    raw = config_to_json(SCHEMA.default())
    for name in scheduled:
        raw["jobs"][name].update(enable=True, cron=EVERY_SECOND)
        if size is not None and name != "pull_dsco_orders":
            raw["jobs"][name]["size"] = size
    raw["mapping"] = {**raw["mapping"], **mapping}
    await store_runtime_config(dsn, raw)


async def store_runtime_config(dsn: str, raw: dict[str, Any]) -> None:
    """``raw`` saved through the same validated path as the admin, before any daemon starts."""
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        store = RuntimeConfigStore(pool, schema=SCHEMA, capabilities=Capabilities.everything())
        await store.load()
        await store.save(raw, domain=DOMAIN)
    finally:
        await pool.close()


def daemon_settings(
    path: Path, *, dsn: str, sandbox: SandboxProcess, port: int, **sections: dict[str, Any]
) -> dict[str, Any]:
    """An ``env.yaml`` document for a daemon against ``sandbox`` (``sections`` replace whole
    sections: db, admin, log, runtime)."""
    return {
        "base": {"listen_addr": f"127.0.0.1:{port}", "state_dir": str(path.parent / "state")},
        "auth": {
            "dsco": {"token": DSCO_TOKEN},
            "lingxing": {"app_id": LX_APP_ID, "app_secret": LX_APP_SECRET},
        },
        "integration": {
            "dsco": {"base_url": sandbox.dsco_url},
            "lingxing": {"base_url": sandbox.lingxing_url, "platform_code": PLATFORM_CODE},
        },
        "db": {"dsn": dsn},
        "log": {"format": "json", "level": "INFO"},
        **sections,
    }


def write_env_yaml(path: Path, *, dsn: str, sandbox: SandboxProcess, port: int) -> None:
    settings = daemon_settings(
        path,
        dsn=dsn,
        sandbox=sandbox,
        port=port,
        db={"dsn": dsn, "pool_min": 1, "pool_max": 10},
        admin={"password": "crash-test-password"},
        runtime={"shutdown_grace_seconds": 30, "config_poll_seconds": 1},
    )
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


@dataclass
class DaemonProcess:
    """One ``dsco-lingxing run`` process; its JSON log lines are appended to ``log``."""

    config: Path
    port: int
    log: Path
    proc: asyncio.subprocess.Process | None = None

    async def start(self, ready_timeout: float = 60) -> None:
        self.proc = await _start(["-m", "daemon", "--config", str(self.config), "run"], self.log)
        await _wait_http(f"http://127.0.0.1:{self.port}/healthz", ready_timeout, self.proc)

    async def kill(self) -> int:
        assert self.proc is not None
        return await _reap(self.proc, signal.SIGKILL, 10)

    async def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as systemd stops it; returns the exit code."""
        assert self.proc is not None
        return await _reap(self.proc, signal.SIGTERM, timeout)

    async def ensure_dead(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            await self.kill()


async def run_cli_job(config: Path, job: str, log: Path, timeout: float = 120) -> int:
    """``dsco-lingxing job run JOB`` (through the runner, like the scheduler); the exit code."""
    proc = await _start(["-m", "daemon", "--config", str(config), "job", "run", job], log)
    try:
        return await asyncio.wait_for(proc.wait(), timeout=timeout)
    finally:
        if proc.returncode is None:
            await _reap(proc, signal.SIGKILL, 10)


async def first_pulls(scenario: Scenario, config: Path, log: Path) -> None:
    """The scenario's opening through ``job run``, before any daemon starts: pull, cancel the
    "before push" orders in DSCO, wait until a pull can see that, pull again."""
    assert await run_cli_job(config, "pull_dsco_orders", log) == 0
    for plan in scenario.of_kind(CANCEL_BEFORE_PUSH):
        await scenario.control.dsco_set_status(plan.po, "cancelled")
    await asyncio.sleep(PULL_MARGIN_SECONDS)
    assert await run_cli_job(config, "pull_dsco_orders", log) == 0


def _records(log: Path) -> Iterator[dict[str, Any]]:
    """The daemons' JSON log records (other lines, e.g. a traceback, are skipped)."""
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            yield json.loads(line)


def interrupted_runs(log: Path) -> Counter[str]:
    """Runs per job that logged "job started" and never finished: the kills that hit work."""
    open_runs: dict[str, str] = {}
    for record in _records(log):
        run_id, message = record.get("run_id"), record.get("message", "")
        if run_id and message == "job started":
            open_runs[run_id] = record["job"]
        elif run_id and message.startswith("job finished"):
            open_runs.pop(run_id, None)
    return Counter(open_runs.values())


def order_reasons(log: Path, reasons: frozenset[str]) -> Counter[str]:
    """How often each of ``reasons`` closed an "order ok reason=..." line."""
    seen: Counter[str] = Counter()
    for record in _records(log):
        words = record.get("message", "").split()
        if words[:2] == ["order", "ok"] and len(words) > 2:
            reason = words[2].removeprefix("reason=")
            if reason in reasons:
                seen[reason] += 1
    return seen
