"""``dsco-lingxing demo`` as a real process: a second demo cannot wipe the first one's
database, and the CLI joins the running demo through the env.yaml it writes."""

from __future__ import annotations

import asyncio
import json
import signal
import stat
import sys
from pathlib import Path

import aiohttp

from tests.e2e.test_daemon_process import free_port


async def _run(cwd: Path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "daemon",
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _ready(url: str, timeout: float = 120) -> None:
    async with asyncio.timeout(timeout), aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)


async def test_second_demo_refuses_and_the_cli_joins_the_first(state_dir: Path) -> None:
    port = free_port()
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "daemon",
        "demo",
        "--port",
        str(port),
        "--orders",
        "4",
        cwd=state_dir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await _ready(f"http://127.0.0.1:{port}/readyz")
        env_file = state_dir / "var" / "demo" / "env.yaml"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        pg_version = state_dir / "var" / "demo" / "pgdata" / "PG_VERSION"
        assert pg_version.exists()

        code, _, err = await _run(state_dir, "demo", "--port", str(free_port()))
        assert code == 1
        assert "another demo is running" in err
        assert pg_version.exists()  # the running demo's database was not touched

        code, out, err = await _run(
            state_dir, "--config", str(env_file), "job", "run", "cleanup_exports"
        )
        assert code == 0, err
        assert json.loads(out)["status"] == "ok"
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(demo.wait(), timeout=60)
        finally:
            if demo.returncode is None:
                demo.kill()
                await demo.wait()
    assert demo.stdout is not None
    banner = (await demo.stdout.read()).decode()
    assert f"--config {env_file} job run" in banner
