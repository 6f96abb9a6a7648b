"""``dsco-lingxing`` command line.

Exit codes: 0 success; 1 a job run that did not succeed; 2 bad configuration or usage;
3 the job is already running elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from daemon.logging import configure_logging
from daemon.settings import CONFIG_ENV, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from daemon.core import Core

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dsco-lingxing", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help=f"env.yaml path (or ${CONFIG_ENV})")
    # --config is accepted after the sub-command too ("check-config --config x"); SUPPRESS
    # keeps a sub-command that was not given it from resetting the top-level value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help=f"env.yaml path (or ${CONFIG_ENV})"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", parents=[common], help="run the daemon (scheduler + admin HTTP)")
    sub.add_parser("migrate", parents=[common], help="apply database migrations and exit")
    sub.add_parser(
        "check-config", parents=[common], help="validate env.yaml and environment overrides"
    )
    job = sub.add_parser("job", parents=[common], help="run one job through the runner")
    jobs = job.add_subparsers(dest="job_command", required=True)
    run = jobs.add_parser(
        "run", parents=[common], help="run a job once (takes the same lock as the scheduler)"
    )
    run.add_argument("name")
    run.add_argument("--po", help="handle only this PO number")
    run.add_argument("--start", type=_iso, help="window start (ISO 8601, UTC if no offset)")
    run.add_argument("--end", type=_iso, help="window end (ISO 8601, UTC if no offset)")
    sandbox = sub.add_parser("sandbox", help="run the DSCO and Lingxing sandboxes")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--dsco-port", type=int, default=8081)
    sandbox.add_argument("--lingxing-port", type=int, default=8082)
    demo = sub.add_parser("demo", help="embedded PostgreSQL + sandboxes + daemon, seeded")
    demo.add_argument("--orders", type=int, default=60, help="orders to seed in the DSCO sandbox")
    demo.add_argument("--port", type=int, default=8080, help="admin port")
    return parser


def _iso(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date/time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _settings(args: argparse.Namespace) -> Settings:
    path = args.config or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    return load_settings(path)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("sandbox", "demo"):
        from daemon.demo import main as demo_main

        return demo_main(args)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"dsco-lingxing: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check-config":
        if not settings.has_admin_password:
            print("dsco-lingxing: admin.password: required to run the daemon", file=sys.stderr)
            return EXIT_CONFIG
        print("configuration OK")
        return EXIT_OK
    configure_logging(level=settings.log.level, fmt=settings.log.format)
    if args.command == "migrate":
        return asyncio.run(_migrate(settings))
    if args.command == "job":
        return asyncio.run(_job_run(settings, args))
    return asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> int:
    from daemon.app import Daemon, install_signal_handlers

    if not settings.has_admin_password:
        logger.error("admin.password: required to run the daemon")
        return EXIT_CONFIG
    daemon = Daemon(settings)
    install_signal_handlers(daemon)
    await daemon.serve()
    return EXIT_OK


async def _migrate(settings: Settings) -> int:
    from daemon.core import database, run_migrations

    async with database(settings) as dsn:
        applied = await run_migrations(dsn)
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"dsco-lingxing: {message}", file=sys.stderr)
    return EXIT_CONFIG


async def _job_run(settings: Settings, args: argparse.Namespace) -> int:
    from daemon.core import open_core
    from jobs.catalog import build_registry

    registry = build_registry()
    if args.name not in registry:  # before the database is even opened
        return _fail(f"unknown job {args.name!r}; known jobs: {', '.join(registry.names())}")
    overrides = {
        key: int(value.timestamp())
        for key, value in (("start", args.start), ("end", args.end))
        if value is not None
    }
    async with open_core(settings) as core:
        problem = await _po_problem(core, args.name, args.po)
        if problem:
            return _fail(problem)
        result = await core.runner.run(
            args.name, trigger="cli", po_number=args.po, overrides=overrides
        )
    print(json.dumps(result.to_json(), indent=2))
    if result.status == "already_running":
        return EXIT_BUSY
    return EXIT_OK if result.status == "ok" else EXIT_FAILED


async def _po_problem(core: Core, job: str, po: str | None) -> str:
    """Why ``--po`` cannot be handled by ``job`` ("" when it can): a job that moves orders
    only takes a PO that exists and waits in the job's input status."""
    from db.orders import get_order

    wants = core.runner.registry.get(job).input_status
    if po is None or wants is None:
        return ""
    row = await get_order(core.pool, po)
    if row is None:
        return f"no order with PO number {po!r}"
    if row.status != wants:
        return f"order {po!r} is in status {row.status}; {job} takes orders in status {wants}"
    return ""
