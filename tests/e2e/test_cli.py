"""``dsco-lingxing job run`` and ``migrate`` as real processes against the test database."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import asyncpg

from tests.conftest import REPO
from tests.integration.admin.orders_support import insert_order


async def _cli(config: Path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "daemon",
        "--config",
        str(config),
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def _config(tmp_path: Path, dsn: str) -> Path:
    path = tmp_path / "env.yaml"
    path.write_text(
        f"db:\n  dsn: {dsn}\nadmin:\n  password: pw\n  export:\n    dir: {tmp_path / 'exports'}\n"
        "log:\n  format: json\n"
    )
    return path


async def test_migrate_then_job_run_goes_through_the_runner(
    tmp_path: Path, empty_db_dsn: str
) -> None:
    config = _config(tmp_path, empty_db_dsn)
    code, out, _ = await _cli(config, "migrate")
    assert code == 0
    assert "0001_init.sql" in out
    code, out, _ = await _cli(config, "migrate")
    assert (code, out.strip()) == (0, "database is up to date")
    code, out, _ = await _cli(config, "job", "run", "cleanup_exports")
    result = json.loads(out)
    assert (code, result["status"], result["trigger"]) == (0, "ok", "cli")


async def test_job_without_credentials_fails_clearly(tmp_path: Path, db_dsn: str) -> None:
    code, out, _ = await _cli(_config(tmp_path, db_dsn), "job", "run", "pull_dsco_orders")
    result = json.loads(out)
    assert code == 1
    assert result["status"] == "failed"
    assert "auth.dsco.token" in result["error"]


async def test_unknown_job_is_a_usage_error_that_lists_the_jobs(
    tmp_path: Path, db_dsn: str
) -> None:
    code, _, err = await _cli(_config(tmp_path, db_dsn), "job", "run", "no_such_job")
    assert code == 2
    assert "unknown job 'no_such_job'" in err
    assert "pull_dsco_orders" in err
    assert "cleanup_exports" in err


async def test_po_that_the_job_cannot_take_exits_2_saying_why(
    tmp_path: Path, db_dsn: str, pool: asyncpg.Pool[asyncpg.Record]
) -> None:
    config = _config(tmp_path, db_dsn)
    code, out, err = await _cli(config, "job", "run", "push_to_lingxing", "--po", "NOSUCH")
    assert (code, out) == (2, "")
    assert "no order with PO number 'NOSUCH'" in err
    await insert_order(pool, "PO-DONE", status=5)
    code, _, err = await _cli(config, "job", "run", "push_to_lingxing", "--po", "PO-DONE")
    assert code == 2
    assert "in status 5; push_to_lingxing takes orders in status 1" in err


async def test_config_is_accepted_after_the_sub_command(tmp_path: Path, db_dsn: str) -> None:
    config = _config(tmp_path, db_dsn)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "daemon",
        "check-config",
        "--config",
        str(config),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert (proc.returncode, out.decode().strip()) == (0, "configuration OK"), err
