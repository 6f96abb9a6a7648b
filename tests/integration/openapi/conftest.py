"""The daemon's web app with the open API mounted, on the shared sandboxes and test database.

The API's clock is fixed at ``NOW`` (2024-05-01 12:00 UTC) so "today" is a known day; rows
are seeded around it with :func:`seed`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from daemon.core import Core
from daemon.settings import ApiSettings, Settings
from daemon.web import create_web_app
from db import warehouse_sync
from db.warehouse_sync import SyncRow
from jobs.context import Clients
from sdk._limits import CallStats
from tests.integration.vendors import Vendors, runner_with

TOKEN = "oa-test-token-5b1e9c7d2f"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAY = 1_714_521_600  # 2024-05-01 00:00:00 UTC
NOW = DAY + 12 * 3600

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@dataclass
class Api:
    client: TestClient[Any, Any]
    vendors: Vendors
    core: Core

    async def diff(self, **params: Any) -> tuple[int, dict[str, Any]]:
        query = {k: str(v) for k, v in params.items()}
        resp = await self.client.get("/api/v1/inventory/diff", params=query, headers=AUTH)
        return resp.status, await resp.json()

    async def sync(self, body: Any) -> tuple[int, dict[str, Any]]:
        resp = await self.client.post("/api/v1/inventory/sync", json=body, headers=AUTH)
        return resp.status, await resp.json()


def settings(*, enable: bool = True) -> Settings:
    return Settings(api=ApiSettings(enable=enable, token=SecretStr(TOKEN) if enable else None))


def make_core(vendors: Vendors, cfg: Settings, clients: Clients | None = None) -> Core:
    """A Core on the shared sandboxes; other ``clients`` get a runner of their own."""
    runner = runner_with(vendors, clients=clients) if clients else vendors.runner
    return Core(
        cfg,
        vendors.dsn,
        vendors.pool,
        vendors.config,
        clients or vendors.clients,
        runner,
        CallStats(),
    )


async def start_api(
    vendors: Vendors,
    client_factory: ClientFactory,
    *,
    enable: bool = True,
    clients: Clients | None = None,
) -> Api:
    cfg = settings(enable=enable)
    core = make_core(vendors, cfg, clients)
    app = create_web_app(core=core, scheduler=None, settings=cfg, wall_clock=lambda: float(NOW))
    return Api(client=await client_factory(app), vendors=vendors, core=core)


@pytest.fixture
async def api(vendors: Vendors, aiohttp_client: ClientFactory) -> Api:
    return await start_api(vendors, aiohttp_client, enable=True)


def row(
    at: int,
    wid: str,
    sku: str,
    *,
    dsco: int = 0,
    lx: int = 0,
    lx_wid: str | None = None,
    lx_sku: str | None = None,
    status: int = 1,
) -> SyncRow:
    return SyncRow(
        sync_time=at,
        dsco_warehouse_id=wid,
        dsco_warehouse_sku=sku,
        dsco_warehouse_num=dsco,
        lingxing_warehouse_id=lx_wid or f"L{wid}",
        lingxing_warehouse_sku=lx_sku or f"LX-{sku}",
        lingxing_warehouse_num=lx,
        status=status,
        reason="compared",
    )


async def seed(vendors: Vendors, *rows: SyncRow) -> list[int]:
    return await warehouse_sync.insert_rows(vendors.pool, list(rows), NOW)
