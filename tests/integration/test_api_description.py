"""The descriptions the daemon serves cover exactly the API routes its web app has.

The app is the daemon's own (``create_web_app`` with the open API enabled); its routes are read
from aiohttp's router, not from the route declarations the descriptions are written from, so a
route added some other way, or a declaration left out of the app, shows here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from daemon.admin import ROUTES as ADMIN_ROUTES
from daemon.admin.description import PATH as ADMIN_DESCRIPTION
from daemon.admin.description import PROFILE as ADMIN_PROFILE
from daemon.api_description import describe
from daemon.core import Core
from daemon.openapi import PREFIX
from daemon.openapi.description import profile as open_profile
from daemon.openapi.routes import ROUTES as OPEN_ROUTES
from daemon.settings import Settings
from daemon.web import create_web_app
from sdk._limits import CallStats
from tests.integration.admin.conftest import PASSWORD, ClientFactory, job_runner
from tests.integration.vendors import Vendors

TOKEN = "description-test-token-91c2"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
OPEN_DESCRIPTION = f"{PREFIX}/openapi.json"
API_PREFIXES = ("/admin/api/", PREFIX + "/")


def _app(vendors: Vendors, tmp_path: Path) -> web.Application:
    cfg = Settings.model_validate(
        {
            "admin": {"password": PASSWORD, "export": {"dir": str(tmp_path / "exports")}},
            "api": {"enable": True, "token": TOKEN},
        }
    )
    runner = job_runner(vendors, cfg)
    core = Core(
        cfg, vendors.dsn, vendors.pool, vendors.config, vendors.clients, runner, CallStats()
    )
    return create_web_app(core=core, scheduler=None, settings=cfg)


def _routed(app: web.Application) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route of ``app`` and its sub-apps (whose paths
    already carry their prefix)."""
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            yield from _routed(resource.get_info()["app"])
            continue
        for route in resource:
            yield route.method, resource.canonical


def _described(*docs: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for doc in docs
        for path, operations in doc["paths"].items()
        for method in operations
    }


def mismatch(app: web.Application, *docs: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """API routes the descriptions miss, and described operations no route serves."""
    routed = {r for r in _routed(app) if r[1].startswith(API_PREFIXES)}
    described = _described(*docs)
    return {"undescribed": routed - described, "unrouted": described - routed}


async def _served(
    vendors: Vendors, aiohttp_client: ClientFactory, app: web.Application
) -> tuple[dict[str, Any], dict[str, Any]]:
    client = await aiohttp_client(app)
    login = await client.post("/admin/api/login", json={"password": PASSWORD})
    assert login.status == 200
    admin = await client.get(ADMIN_DESCRIPTION)
    assert admin.status == 200, await admin.text()
    open_api = await client.get(OPEN_DESCRIPTION, headers=BEARER)
    assert open_api.status == 200, await open_api.text()
    return await admin.json(), await open_api.json()


async def test_every_api_route_is_described_and_every_description_is_routed(
    vendors: Vendors, aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    app = _app(vendors, tmp_path)
    admin, open_api = await _served(vendors, aiohttp_client, app)
    assert mismatch(app, admin, open_api) == {"undescribed": set(), "unrouted": set()}
    assert len(_described(admin)) == len(ADMIN_ROUTES)
    assert len(_described(open_api)) == len(OPEN_ROUTES)


async def test_the_served_descriptions_are_the_ones_written_from_the_routes(
    vendors: Vendors, aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    admin, open_api = await _served(vendors, aiohttp_client, _app(vendors, tmp_path))
    assert admin == describe(ADMIN_ROUTES, ADMIN_PROFILE)
    assert open_api == describe(OPEN_ROUTES, open_profile(PREFIX))


async def test_a_route_added_beside_the_declarations_is_noticed(
    vendors: Vendors, tmp_path: Path
) -> None:
    async def extra(_request: web.Request) -> web.Response:
        return web.json_response({})

    app = _app(vendors, tmp_path)
    app.router.add_get("/admin/api/extra", extra)
    doc = describe(ADMIN_ROUTES, ADMIN_PROFILE)
    del doc["paths"]["/admin/api/dashboard"]
    found = mismatch(app, doc, describe(OPEN_ROUTES, open_profile(PREFIX)))
    assert found == {
        "undescribed": {
            ("GET", "/admin/api/extra"),
            ("HEAD", "/admin/api/extra"),
            ("GET", "/admin/api/dashboard"),
        },
        "unrouted": set(),
    }
    found = mismatch(_app(vendors, tmp_path), {"paths": {"/api/v1/gone": {"get": {}}}})
    assert ("GET", "/api/v1/gone") in found["unrouted"]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        (ADMIN_DESCRIPTION, {}, 401),
        (OPEN_DESCRIPTION, {}, 401),
        (OPEN_DESCRIPTION, {"Authorization": "Bearer wrong-token"}, 403),
    ],
)
async def test_a_description_needs_its_apis_credentials(
    vendors: Vendors,
    aiohttp_client: ClientFactory,
    tmp_path: Path,
    path: str,
    headers: dict[str, str],
    status: int,
) -> None:
    client = await aiohttp_client(_app(vendors, tmp_path))
    resp = await client.get(path, headers=headers)
    assert resp.status == status
    assert set((await resp.json())["error"]) >= {"code", "message"}
