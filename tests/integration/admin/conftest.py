"""The admin API on the ``vendors`` harness: the daemon's web app + ``setup_admin``, driven
over HTTP by pytest-aiohttp's ``aiohttp_client``; a fake clock for sessions and rate limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from daemon.admin import ADMIN, AdminState
from daemon.core import Core
from daemon.settings import Settings
from daemon.web import create_web_app
from jobs.runner import Runner
from sdk._limits import CallStats
from tests.integration.vendors import Vendors, job_env, runner_with

PASSWORD = "correct horse battery staple"
DOMAIN = "dsco_lingxing"
MAX_RANGE_DAYS = 30

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Admin:
    """One browser-like admin client: cookie jar + the CSRF token from the last login."""

    client: TestClient[Any, Any]
    vendors: Vendors
    settings: Settings
    clock: FakeClock
    app: web.Application
    csrf: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> AdminState:
        return self.app[ADMIN]

    async def login(self, password: str = PASSWORD) -> ClientResponse:
        resp = await self.client.post("/admin/api/login", json={"password": password})
        if resp.status == 200:
            self.csrf = (await resp.json())["csrf_token"]
        return resp

    def _headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf, **self.extra_headers}

    async def get(self, path: str, **params: Any) -> ClientResponse:
        return await self.client.get(path, params={k: str(v) for k, v in params.items()})

    async def post(self, path: str, body: Any = None) -> ClientResponse:
        return await self.client.post(path, json=body or {}, headers=self._headers())

    async def put(self, path: str, body: Any) -> ClientResponse:
        return await self.client.put(path, json=body, headers=self._headers())

    async def ok(self, resp: ClientResponse) -> Any:
        assert resp.status == 200, await resp.text()
        return await resp.json()


def admin_settings(export_dir: Path, **admin: Any) -> Settings:
    return Settings.model_validate(
        {
            "admin": {
                "password": PASSWORD,
                "export": {"dir": str(export_dir), "max_range_days": MAX_RANGE_DAYS},
                **admin,
            }
        }
    )


def job_runner(vendors: Vendors, settings: Settings) -> Runner:
    """The daemon's runner on the vendors' database and clients, exporting where the admin's
    settings say."""
    env = job_env(export_dir=settings.export_dir)
    return runner_with(vendors, env=env)


async def make_admin(vendors: Vendors, aiohttp_client: ClientFactory, settings: Settings) -> Admin:
    vendors.runner = job_runner(vendors, settings)
    core = Core(
        settings,
        vendors.dsn,
        vendors.pool,
        vendors.config,
        vendors.clients,
        vendors.runner,
        CallStats(),
    )
    clock = FakeClock()
    app = create_web_app(core=core, scheduler=None, settings=settings, session_clock=clock)
    client = await aiohttp_client(app)
    return Admin(client=client, vendors=vendors, settings=settings, clock=clock, app=app)


@pytest.fixture
async def admin(vendors: Vendors, aiohttp_client: ClientFactory, tmp_path: Path) -> Admin:
    """A logged-in admin client."""
    a = await make_admin(vendors, aiohttp_client, admin_settings(tmp_path / "admin-exports"))
    resp = await a.login()
    assert resp.status == 200
    return a


@pytest.fixture
async def anonymous(vendors: Vendors, aiohttp_client: ClientFactory, tmp_path: Path) -> Admin:
    """An admin client that has not logged in."""
    return await make_admin(vendors, aiohttp_client, admin_settings(tmp_path / "admin-exports"))
