"""Both APIs keep to their OpenAPI descriptions: schemathesis fuzzes every described operation.

The daemon's web app (admin API + open API) runs on a local port over the real database and
both sandboxes, seeded with pulled orders, a last run and today's inventory rows. For each
operation of the description the app serves, one known-good request (``GOOD``) must succeed,
then schemathesis draws requests from the operation's parameter and body schemas — valid ones
and ones the description calls invalid — and sends them as a logged-in admin (session cookie +
CSRF header) or with the open API's bearer token. Every answer must be no 500, a status the
operation lists, its content type, a body that matches the status's schema (the error
envelope for 4xx/5xx) with the headers it promises.

schemathesis sends with ``requests`` (blocking), so each operation's examples run in a worker
thread while the event loop serves the app. Hypothesis runs a bounded number of examples per
operation, derandomized (the same requests every run), and writes no example database.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from daemon.admin import ROUTES as ADMIN_ROUTES
from daemon.admin.auth import COOKIE, CSRF_HEADER, LOGIN_PATH
from daemon.admin.description import PATH as ADMIN_DESCRIPTION
from daemon.admin.description import PROFILE as ADMIN_PROFILE
from daemon.api_description import describe
from daemon.core import Core
from daemon.openapi import PREFIX
from daemon.openapi.description import profile as open_profile
from daemon.openapi.routes import ROUTES as OPEN_ROUTES
from daemon.settings import Settings
from daemon.web import create_web_app
from jobs.catalog import SCHEMA
from jobs.runtime_config import config_to_json
from sdk._limits import CallStats
from tests.integration.admin.conftest import PASSWORD, job_runner
from tests.integration.admin.orders_support import insert_order
from tests.integration.openapi.conftest import DAY, NOW, row, seed
from tests.integration.vendors import Vendors

TOKEN = "contract-open-api-token-7f3a"
EXAMPLES = 40
OPEN_DESCRIPTION = f"{PREFIX}/openapi.json"
# Not ``negative_data_rejection``: the schemas are the models' own, so the only invalid data
# the app accepts is what its input rules tidy first, which JSON Schema cannot say (a blank
# parameter is absent, blank entries of a comma list are dropped, a blank body is ``{}``).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# The credentials are the test's own (a logged-in admin, the API token), never generated:
# a request that lost them would be refused for that, not for its data.
SCHEMATHESIS = {"generation": {"with-security-parameters": False}, "cache": {"enabled": False}}
# Ending the session or failing to log in is what these operations do.
REFUSALS_EXPECTED = {("POST", LOGIN_PATH), ("POST", "/admin/api/logout")}

ServerFactory = Callable[[Any], Any]


def _operations(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, ops in doc["paths"].items() for method in ops]


ADMIN_OPERATIONS = _operations(describe(ADMIN_ROUTES, ADMIN_PROFILE))
OPEN_OPERATIONS = _operations(describe(OPEN_ROUTES, open_profile(PREFIX)))


@dataclass
class Contract:
    """The running app, how to authenticate to each API, and the descriptions it serves."""

    url: str
    admin_headers: dict[str, str]
    open_headers: dict[str, str]
    schemas: dict[str, schemathesis.BaseSchema] = field(default_factory=dict)

    def headers(self, path: str) -> dict[str, str]:
        return self.open_headers if path.startswith(PREFIX + "/") else self.admin_headers

    def load(self, path: str, doc: dict[str, Any]) -> None:
        config = schemathesis.Config.from_dict(SCHEMATHESIS)
        self.schemas[path] = schemathesis.openapi.from_dict(doc, config=config)

    def fetch(self, path: str) -> dict[str, Any]:
        answer = requests.get(self.url + path, headers=self.headers(path), timeout=30)
        assert answer.status_code == 200, answer.text
        doc: dict[str, Any] = answer.json()
        return doc


def _settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "admin": {"password": PASSWORD, "export": {"dir": str(tmp_path / "exports")}},
            "api": {"enable": True, "token": TOKEN},
        }
    )


async def _seed(vendors: Vendors) -> None:
    """Orders pulled from the DSCO sandbox (real payloads, and a last run on the dashboard),
    one order in each later status, and today's inventory comparisons."""
    vendors.dsco.generate_orders(count=3)
    result = await vendors.run("pull_dsco_orders")
    assert result.status == "ok", result.error
    for status in range(2, 7):
        await insert_order(vendors.pool, f"CONTRACT-{status}", status=status)
    await vendors.configure(mapping={"warehouse": {"W1": "1"}})
    await seed(
        vendors,
        row(DAY + 3600, "W1", "SKU-1", dsco=4, lx=6),
        row(DAY + 7200, "W1", "SKU-2", dsco=1, lx=1),
    )


async def _login(url: str) -> dict[str, str]:
    def post() -> requests.Response:
        return requests.post(url + LOGIN_PATH, json={"password": PASSWORD}, timeout=30)

    answer = await asyncio.to_thread(post)
    assert answer.status_code == 200, answer.text
    return {
        "Cookie": f"{COOKIE}={answer.cookies[COOKIE]}",
        CSRF_HEADER: answer.json()["csrf_token"],
    }


@pytest.fixture
async def contract(vendors: Vendors, aiohttp_server: ServerFactory, tmp_path: Path) -> Contract:
    cfg = _settings(tmp_path)
    vendors.runner = job_runner(vendors, cfg)
    core = Core(
        cfg, vendors.dsn, vendors.pool, vendors.config, vendors.clients, vendors.runner, CallStats()
    )
    app = create_web_app(core=core, scheduler=None, settings=cfg, wall_clock=lambda: float(NOW))
    server: TestServer = await aiohttp_server(app)
    await _seed(vendors)
    url = str(server.make_url("")).rstrip("/")
    contract = Contract(
        url=url,
        admin_headers=await _login(url),
        open_headers={"Authorization": f"Bearer {TOKEN}"},
    )
    for path in (ADMIN_DESCRIPTION, OPEN_DESCRIPTION):
        contract.load(path, await asyncio.to_thread(contract.fetch, path))
    return contract


def fuzz(contract: Contract, description: str, method: str, path: str) -> Counter[int]:
    """Send ``EXAMPLES`` generated requests to one operation and check every answer; returns
    how often each status came back. Blocking: run it in a thread."""
    operation = contract.schemas[description][path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    headers = contract.headers(path)
    seen: Counter[int] = Counter()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: Case) -> None:
        response = case.call(base_url=contract.url, headers=headers, timeout=30)
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    return seen


# One request per operation that the operation accepts, on the seeded data: every success
# answer is checked against its schema too, not only the ones random data happens to reach.
STATUS_REASON = {"status": 2, "reason": "contract check"}
GOOD: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/admin/api/config/runtime"): {"query": {"domain": "dsco_lingxing"}},
    ("PUT", "/admin/api/config/runtime"): {
        "query": {"domain": "dsco_lingxing"},
        "body": {"config": config_to_json(SCHEMA.default())},
    },
    ("GET", "/admin/api/cron/next"): {"query": {"cron": "0 */15 * * * *", "count": 2}},
    ("GET", "/admin/api/dashboard"): {},
    ("POST", "/admin/api/jobs/run"): {"body": {"jobs": ["cleanup_exports"]}},
    ("POST", "/admin/api/jobs/run_one"): {"body": {"job": "cleanup_exports"}},
    ("POST", "/admin/api/orders/pull"): {"body": {"start": DAY, "end": DAY + 86400}},
    ("POST", "/admin/api/orders/check"): {"body": {"po_number": "CONTRACT-2"}},
    ("GET", "/admin/api/orders"): {"query": {"status": "1,2", "limit": 5}},
    ("GET", "/admin/api/order"): {"query": {"po_number": "CONTRACT-2"}},
    ("GET", "/admin/api/order/history"): {"query": {"po_number": "CONTRACT-2"}},
    ("PUT", "/admin/api/order/status"): {"body": {"po_number": "CONTRACT-3", **STATUS_REASON}},
    ("POST", "/admin/api/order/run"): {"body": {"po_number": "CONTRACT-2"}},
    ("GET", "/admin/api/orders/{po_number}"): {"path": {"po_number": "CONTRACT-4"}},
    ("PUT", "/admin/api/orders/{po_number}/status"): {
        "path": {"po_number": "CONTRACT-5"},
        "body": STATUS_REASON,
    },
    ("POST", "/admin/api/orders/{po_number}/run"): {
        "path": {"po_number": "CONTRACT-2"},
        "body": {},
    },
    ("GET", "/admin/api/warehouse-sync"): {"query": {"diff_range": "nonzero"}},
    ("GET", "/admin/api/warehouse-sync/options"): {},
    ("GET", "/admin/api/export/orders.csv"): {"query": {"status": "1"}},
    ("GET", "/admin/api/export/warehouse-sync.csv"): {"query": {"start": DAY, "end": DAY + 86400}},
    ("POST", LOGIN_PATH): {"body": {"password": PASSWORD}},
    ("POST", "/admin/api/logout"): {"body": {}},
    ("GET", "/admin/api/session"): {},
    ("GET", ADMIN_DESCRIPTION): {},
    ("GET", "/api/v1/inventory/diff"): {"query": {"date": "2024-05-01", "diff_only": "true"}},
    ("POST", "/api/v1/inventory/sync"): {
        "body": {"items": [{"sku": "SKU-1", "warehouse": "W1", "quantity": 3}]}
    },
    ("GET", OPEN_DESCRIPTION): {},
}


def send_good(contract: Contract, description: str, method: str, path: str) -> int:
    """Send the operation's good request and check the answer; its status. Blocking."""
    request = GOOD[(method, path)]
    case = contract.schemas[description][path][method].Case(
        path_parameters=request.get("path"),
        query=request.get("query"),
        body=request.get("body", NOT_SET),
        media_type="application/json" if "body" in request else None,
    )
    headers = contract.headers(path)
    response = case.call(base_url=contract.url, headers=headers, timeout=30)
    case.validate_response(response, checks=CHECKS, headers=headers)
    return response.status_code


async def _check(contract: Contract, description: str, method: str, path: str) -> None:
    status = await asyncio.to_thread(send_good, contract, description, method, path)
    assert status == 200
    seen = await asyncio.to_thread(fuzz, contract, description, method, path)
    if (method, path) not in REFUSALS_EXPECTED:
        # The credentials held: the operation itself answered every request.
        assert not seen.keys() & {401, 403}, seen


@pytest.mark.parametrize(("method", "path"), ADMIN_OPERATIONS, ids=map(" ".join, ADMIN_OPERATIONS))
async def test_admin_api_keeps_to_its_description(
    contract: Contract, method: str, path: str
) -> None:
    await _check(contract, ADMIN_DESCRIPTION, method, path)


@pytest.mark.parametrize(("method", "path"), OPEN_OPERATIONS, ids=map(" ".join, OPEN_OPERATIONS))
async def test_open_api_keeps_to_its_description(
    contract: Contract, method: str, path: str
) -> None:
    await _check(contract, OPEN_DESCRIPTION, method, path)


async def test_an_answer_the_description_does_not_allow_is_caught(contract: Contract) -> None:
    """The harness can fail: against a description whose dashboard promises one more field,
    the real dashboard answer is reported as violating its schema."""
    doc = await asyncio.to_thread(contract.fetch, ADMIN_DESCRIPTION)
    dashboard = doc["components"]["schemas"]["DashboardAnswer"]
    dashboard["properties"]["surprise"] = {"type": "integer"}
    dashboard["required"].append("surprise")
    contract.load(ADMIN_DESCRIPTION, doc)
    with pytest.raises(FailureGroup, match="Response violates schema"):
        await asyncio.to_thread(fuzz, contract, ADMIN_DESCRIPTION, "GET", "/admin/api/dashboard")
