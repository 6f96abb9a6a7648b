"""``dsco-lingxing demo`` and ``dsco-lingxing sandbox``.

demo: both vendor sandboxes on local ports, seeded with orders, stores and warehouses; the daemon
(embedded PostgreSQL under ``var/demo``) pointed at them with every pipeline job enabled on fast
crons; and a small "warehouse" loop that reviews and ships what reaches Lingxing, so orders can
be watched moving 1 → 5 in the admin. Ctrl-C stops everything. Each demo starts from an
empty ``var/demo`` (its own embedded database), since the sandboxes start empty too.

A second demo must not wipe the first one's database: the demo holds ``var/demo.lock`` (an
exclusive ``flock``) before it touches ``var/demo``, and refuses to start while another holds
it. It writes ``var/demo/env.yaml`` (mode 0600: it holds the demo's password and sandbox
credentials) so that ``dsco-lingxing --config var/demo/env.yaml job run …`` joins the running
demo's database and sandboxes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import secrets
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from loguru import logger

from daemon.logging import configure_logging
from daemon.settings import Settings
from jobs.states import OrderStatus
from sdk.dsco.sandbox import SANDBOX_KEY as DSCO_KEY
from sdk.dsco.sandbox import DscoSandbox
from sdk.dsco.sandbox import create_app as create_dsco_app
from sdk.lingxing.sandbox import LingxingSandbox
from sdk.lingxing.sandbox import create_app as create_lingxing_app
from sdk.lingxing.sandbox.keys import SANDBOX_KEY as LINGXING_KEY
from sdk.lingxing.sandbox.lifecycle import ControlError

# Sandbox-only credentials: they open nothing but the local stand-ins.
DSCO_TOKEN = "demo-dsco-token"  # noqa: S105
LX_APP_ID = "ak_demo12345678x"  # 16 bytes: the AES-128 key of the sign
LX_APP_SECRET = "ZGVtby1zZWNyZXQ="  # noqa: S105
RETAILERS = {"1000023456": "1001", "1000078901": "1002"}  # DSCO retailer → Lingxing store/sid
WAREHOUSE = ("ACME-NJ", "26")  # DSCO warehouse code → Lingxing WID
SERVICE_LEVEL, LOGISTICS_TYPE = "FEHD", "9001"
PLATFORM_CODE = 10008
FAST_CRON = "*/15 * * * * *"
# Lingxing's own order statuses the demo warehouse moves orders out of.
LX_PENDING_REVIEW, LX_PENDING_SHIPMENT = 4, 5
DEMO_DIR = Path("var/demo")
LOCK_FILE = Path("var/demo.lock")


class DemoBusyError(Exception):
    """Another demo holds the lock on ``var/demo``."""


@contextlib.contextmanager
def demo_lock(path: Path = LOCK_FILE) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block; DemoBusyError when another has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DemoBusyError(f"another demo is running (it holds {path})") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


@asynccontextmanager
async def serve(app: web.Application, host: str, port: int) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def main(args: argparse.Namespace) -> int:
    configure_logging(level="INFO", fmt="text")
    try:
        if args.command == "sandbox":
            asyncio.run(_sandbox_forever(args.host, args.dsco_port, args.lingxing_port))
        else:
            with demo_lock():
                # Each demo starts clean: the sandboxes are fresh, so old local rows would
                # point nowhere. Only under the lock: a running demo's database stays put.
                state = DEMO_DIR.resolve()
                shutil.rmtree(state, ignore_errors=True)
                asyncio.run(_demo(args.orders, args.port, state))
    except DemoBusyError as exc:
        print(f"dsco-lingxing demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


async def _sandbox_forever(host: str, dsco_port: int, lx_port: int) -> None:
    async with AsyncExitStack() as stack:
        dsco_url = await stack.enter_async_context(
            serve(create_dsco_app(token=DSCO_TOKEN), host, dsco_port)
        )
        lx_url = await stack.enter_async_context(
            serve(create_lingxing_app(app_id=LX_APP_ID, app_secret=LX_APP_SECRET), host, lx_port)
        )
        print(f"DSCO sandbox:     {dsco_url}  (bearer token {DSCO_TOKEN})")
        print(f"Lingxing sandbox: {lx_url}  (appId {LX_APP_ID}, appSecret {LX_APP_SECRET})")
        print("control APIs under /__sandbox/ on both; Ctrl-C stops")
        await asyncio.Event().wait()


def demo_env(port: int, dsco_url: str, lx_url: str, password: str, state: Path) -> dict[str, Any]:
    """The demo's start-up settings as an ``env.yaml`` document."""
    return {
        "base": {"listen_addr": f"127.0.0.1:{port}", "state_dir": str(state)},
        "auth": {
            "dsco": {"token": DSCO_TOKEN},
            "lingxing": {"app_id": LX_APP_ID, "app_secret": LX_APP_SECRET},
        },
        "integration": {
            "dsco": {"base_url": dsco_url},
            "lingxing": {"base_url": lx_url, "platform_code": PLATFORM_CODE},
        },
        "admin": {"password": password},
        "log": {"format": "text"},
        "runtime": {"shutdown_grace_seconds": 5},
    }


def write_env_yaml(path: Path, env: dict[str, Any]) -> None:
    """``env`` as YAML, readable by its owner only (it holds the demo's secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Written by `dsco-lingxing demo`: the running demo's settings, for the CLI.\n")
        yaml.safe_dump(env, out, sort_keys=False)


def demo_runtime_config(base: dict[str, Any], pipeline: list[str]) -> dict[str, Any]:
    raw = dict(base)
    for name in pipeline:
        raw["jobs"][name].update(enable=True, cron=FAST_CRON)
    raw["jobs"]["sync_stock"].update(sync=True, cron="0 * * * * *")
    raw["mapping"] = {
        "shop": dict(RETAILERS),
        "warehouse": {WAREHOUSE[0]: WAREHOUSE[1]},
        "sku": {},
        "shipment": {f"{WAREHOUSE[0]}-{SERVICE_LEVEL}": LOGISTICS_TYPE},
    }
    return raw


def seed(dsco: DscoSandbox, lingxing: LingxingSandbox, orders: int) -> None:
    for retailer, store in RETAILERS.items():
        lingxing.add_store(
            store, store_name=f"DSCO retailer {retailer}", platform_code=PLATFORM_CODE
        )
    lingxing.add_warehouse(int(WAREHOUSE[1]), name="Demo NJ warehouse")
    lingxing.add_logistics_type(LOGISTICS_TYPE)
    dsco.add_warehouses([WAREHOUSE[0]])
    skus = [f"SKU-{i:04}" for i in range(1, 21)]  # the generator's default SKU pool
    dsco.seed_items({"sku": sku} for sku in skus)
    for i, sku in enumerate(skus, start=1):
        lingxing.add_inventory(int(WAREHOUSE[1]), sku, 10 * i)
    dsco.generate_orders(
        count=orders,
        min_lines=1,
        max_lines=3,
        max_quantity=2,
        retailer_ids=tuple(RETAILERS),
        warehouse_codes=(WAREHOUSE[0],),
        service_levels=(SERVICE_LEVEL,),
        created_start=datetime.now(UTC) - timedelta(hours=2),
        created_step_seconds=30,
    )


async def warehouse_loop(lingxing: LingxingSandbox, interval: float = 10.0) -> None:
    """Stand in for people in Lingxing: review new orders, ship reviewed ones a round later."""
    shipped = 0
    while True:
        await asyncio.sleep(interval)
        for order in list(lingxing.book.orders.values()):
            po, number = order.platform_order_nos[0], order.global_order_no
            try:
                if order.status == LX_PENDING_REVIEW:
                    lingxing.review(po, global_order_no=number)
                elif order.status == LX_PENDING_SHIPMENT:
                    shipped += 1
                    lingxing.ship(po, tracking_no=f"1ZDEMO{shipped:010}", global_order_no=number)
            except ControlError as exc:  # e.g. deleted meanwhile; the demo goes on
                logger.warning("demo warehouse could not move {}: {}", po, exc)


async def _demo(orders: int, port: int, state: Path) -> None:
    from daemon.app import Daemon, install_signal_handlers

    password = secrets.token_urlsafe(12)
    dsco_app = create_dsco_app(token=DSCO_TOKEN)
    lx_app = create_lingxing_app(app_id=LX_APP_ID, app_secret=LX_APP_SECRET)
    seed(dsco_app[DSCO_KEY], lx_app[LINGXING_KEY], orders)
    async with AsyncExitStack() as stack:
        dsco_url = await stack.enter_async_context(serve(dsco_app, "127.0.0.1", port + 1))
        lx_url = await stack.enter_async_context(serve(lx_app, "127.0.0.1", port + 2))
        env = demo_env(port, dsco_url, lx_url, password, state)
        env_file = state / "env.yaml"
        write_env_yaml(env_file, env)
        daemon = Daemon(Settings.model_validate(env), on_started=_enable_jobs)
        install_signal_handlers(daemon)
        warehouse = asyncio.create_task(warehouse_loop(lx_app[LINGXING_KEY]))
        print(f"\n  admin:    http://127.0.0.1:{port}/admin/   password: {password}")
        print(f"  health:   http://127.0.0.1:{port}/readyz   metrics: /metrics")
        print(f"  CLI:      dsco-lingxing --config {env_file} job run pull_dsco_orders")
        print(f"  DSCO sandbox {dsco_url}   Lingxing sandbox {lx_url}   Ctrl-C stops\n")
        try:
            await daemon.serve()
        finally:
            for task in (warehouse, *_background):
                task.cancel()
            await asyncio.gather(warehouse, *_background, return_exceptions=True)
    logger.info("demo stopped")


async def _enable_jobs(core: Any) -> None:
    from jobs.runtime_config import config_to_json

    raw = demo_runtime_config(
        config_to_json(core.config.snapshot.config), core.runner.registry.pipeline()
    )
    await core.config.save(raw, domain=core.config.domain)
    _background.add(asyncio.create_task(report_progress(core.pool)))


_background: set[asyncio.Task[None]] = set()


async def report_progress(pool: Any, interval: float = 15.0) -> None:
    """One console line per interval: how many orders sit in each state."""
    while True:
        await asyncio.sleep(interval)
        try:
            rows = await pool.fetch(
                "SELECT status, count(*) AS n FROM dsco_order_sync GROUP BY status ORDER BY status"
            )
        except Exception:  # the pool closes on shutdown: the report simply ends
            return
        counts = ", ".join(f"{OrderStatus(r['status']).label}={r['n']}" for r in rows)
        logger.info("demo orders: {}", counts or "none yet")
