"""No input makes the admin API or the open API answer 500.

Hypothesis drives every declared route of the real web app (real PostgreSQL, real runner) with
random query strings (any bytes, percent-encoded, so invalid UTF-8 and NUL included), random
path segments and random bodies: raw bytes, any JSON (deep, huge integers, odd strings) and JSON
shaped like the route's own model with random values. Every answer must be a JSON 4xx or a 2xx.
The runner has no vendor clients, so runs a fuzzed request starts fail fast instead of calling
the sandboxes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.admin import ROUTES as ADMIN_ROUTES
from daemon.core import Core
from daemon.openapi.routes import ROUTES as API_ROUTES
from daemon.routing import ROUTES, Route
from daemon.settings import Settings
from daemon.web import create_web_app
from db.pool import connect
from jobs.catalog import SCHEMA, build_registry
from jobs.config_store import RuntimeConfigStore
from jobs.context import Clients, JobEnv
from jobs.runner import Runner
from jobs.runtime_config import Capabilities
from sdk._limits import CallStats
from tests.integration.admin.conftest import PASSWORD, ClientFactory

TOKEN = "fuzz-open-api-token-0123"
OPEN_API = "/api/v1"
# Logging out would end the fuzzing session; its only input (none) is covered elsewhere.
SKIPPED = {("POST", "/admin/api/logout")}
EXAMPLES = 40


@dataclass
class Target:
    client: TestClient[Any, Any]
    csrf: str
    admin_routes: list[Route]
    api_routes: list[Route]


@pytest.fixture
async def target(
    pool: asyncpg.Pool[asyncpg.Record],
    db_dsn: str,
    aiohttp_client: ClientFactory,
    tmp_path: Path,
) -> Target:
    cfg = Settings.model_validate(
        {
            "admin": {"password": PASSWORD, "export": {"dir": str(tmp_path / "exports")}},
            "api": {"enable": True, "token": TOKEN},
        }
    )
    config = RuntimeConfigStore(pool, schema=SCHEMA, capabilities=Capabilities.everything())
    await config.load()
    runner = Runner(
        registry=build_registry(),
        pool=pool,
        connect=lambda: connect(db_dsn),
        config=config,
        clients=Clients(),
        env=JobEnv(export_dir=tmp_path / "exports"),
    )
    core = Core(cfg, db_dsn, pool, config, Clients(), runner, CallStats())
    app = create_web_app(core=core, scheduler=None, settings=cfg)
    client = await aiohttp_client(app)
    resp = await client.post("/admin/api/login", json={"password": PASSWORD})
    csrf = (await resp.json())["csrf_token"]
    return Target(
        client=client,
        csrf=csrf,
        admin_routes=[r for r in app[ROUTES] if (r.method, r.path) not in SKIPPED],
        api_routes=list(API_ROUTES),
    )


def _route_ids(kind: str) -> list[str]:
    """Route names known before the app exists (for test ids): method + path."""
    if kind == "api":
        return [f"{r.method} {r.path}" for r in API_ROUTES]
    return [f"{r.method} {r.path}" for r in ADMIN_ROUTES if (r.method, r.path) not in SKIPPED]


# --- strategies ---------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)
raw_values = (
    st.binary(max_size=40)
    | st.text(max_size=40).map(str.encode)
    | st.integers().map(lambda n: str(n).encode())
)


def _field_names(route: Route) -> list[str]:
    names = set()
    for model in (route.query, route.body):
        if model is not None:
            names |= set(model.model_fields)
    return sorted(names) or ["x"]


@st.composite
def query_strings(draw: st.DrawFn, route: Route) -> str:
    names = st.sampled_from(_field_names(route)).map(str.encode) | st.binary(max_size=10)
    pairs = draw(st.lists(st.tuples(names, raw_values), max_size=6))
    return "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)


@st.composite
def bodies(draw: st.DrawFn, route: Route) -> bytes:
    names = _field_names(route)
    shaped = st.fixed_dictionaries({}, optional=dict.fromkeys(names, json_values)).map(
        lambda d: json.dumps(d).encode()
    )
    deep = st.integers(min_value=30, max_value=5000).map(lambda n: b"[" * n + b"]" * n)
    any_json = json_values.map(lambda v: json.dumps(v).encode())
    strategy = shaped | any_json | st.binary(max_size=200) | deep
    body: bytes = draw(strategy)
    return body


@st.composite
def requests(draw: st.DrawFn, route: Route) -> tuple[str, bytes | None]:
    path = route.path
    if "{po_number}" in path:
        po = draw(st.text(min_size=1, max_size=30))
        path = path.replace("{po_number}", quote(po, safe=""))
    query = draw(query_strings(route))
    body = draw(bodies(route)) if route.method in ("POST", "PUT") else None
    return (f"{path}?{query}" if query else path), body


async def _send(target: Target, route: Route, url: str, body: bytes | None, prefix: str) -> None:
    headers = {"Content-Type": "application/json", "X-CSRF-Token": target.csrf}
    if prefix:
        headers["Authorization"] = f"Bearer {TOKEN}"
    resp = await target.client.request(
        route.method, prefix + url, data=body, headers=headers, allow_redirects=False
    )
    text = await resp.text()
    assert resp.status < 500, (route.method, url, body, resp.status, text)
    if resp.content_type == "application/json" and resp.status >= 400:
        assert "error" in json.loads(text)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("route_id", _route_ids("admin"))
@FUZZ
@given(data=st.data())
async def test_no_admin_input_is_a_500(target: Target, route_id: str, data: st.DataObject) -> None:
    route = next(r for r in target.admin_routes if f"{r.method} {r.path}" == route_id)
    url, body = data.draw(requests(route))
    await _send(target, route, url, body, "")


@pytest.mark.parametrize("route_id", _route_ids("api"))
@FUZZ
@given(data=st.data())
async def test_no_open_api_input_is_a_500(
    target: Target, route_id: str, data: st.DataObject
) -> None:
    route = next(r for r in target.api_routes if f"{r.method} {r.path}" == route_id)
    url, body = data.draw(requests(route))
    await _send(target, route, url, body, OPEN_API)


def test_every_route_is_fuzzed() -> None:
    assert len(_route_ids("admin")) >= 20
    assert len(_route_ids("api")) == 3
