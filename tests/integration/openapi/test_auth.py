"""Open API switch and bearer authentication."""

from __future__ import annotations

import pytest

from tests.integration.openapi.conftest import AUTH, TOKEN, Api, ClientFactory, start_api
from tests.integration.vendors import Vendors, captured_logs

DIFF = "/api/v1/inventory/diff"
SYNC = "/api/v1/inventory/sync"


async def test_disabled_api_has_no_routes(vendors: Vendors, aiohttp_client: ClientFactory) -> None:
    api = await start_api(vendors, aiohttp_client, enable=False)
    for method, path in [("GET", DIFF), ("POST", SYNC)]:
        resp = await api.client.request(method, path, headers=AUTH)
        assert resp.status == 404
    assert (await api.client.get("/healthz")).status == 200  # the rest of the app is there
    assert vendors.runner.last_results == {}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer   ",
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        f"Bearer {TOKEN} extra",
        TOKEN,
    ],
)
async def test_missing_or_malformed_header_is_401(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    resp = await api.client.get(DIFF, headers=headers)
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    body = await resp.json()
    assert body["error"]["code"] == "unauthorized"
    assert set(body["error"]) == {"code", "message"}


@pytest.mark.parametrize("token", ["wrong", TOKEN + "x", TOKEN[:-1], TOKEN.upper()])
async def test_wrong_token_is_403(api: Api, token: str) -> None:
    for method, path in [("GET", DIFF), ("POST", SYNC)]:
        resp = await api.client.request(
            method, path, headers={"Authorization": f"Bearer {token}"}, json={"dry_run": False}
        )
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "forbidden"
    # Refused before the handler: no run, no vendor call.
    assert api.vendors.runner.last_results == {}
    assert api.vendors.dsco.calls() == []


async def test_right_token_works_and_is_never_logged(api: Api) -> None:
    with captured_logs() as lines:
        ok = await api.client.get(DIFF, headers=AUTH)
        lower = await api.client.get(DIFF, headers={"Authorization": f"bearer {TOKEN}"})
        wrong = await api.client.get(DIFF, headers={"Authorization": f"Bearer {TOKEN}0"})
        await api.client.get(DIFF, headers={"Authorization": TOKEN})
    assert (ok.status, lower.status, wrong.status) == (200, 200, 403)
    assert (await ok.json())["rows"] == []
    assert any("refused" in line for line in lines)  # refusals are logged…
    assert not any(TOKEN in line for line in lines)  # …without the credential


async def test_unknown_route_under_prefix_is_404(api: Api) -> None:
    resp = await api.client.get("/api/v1/nothing", headers=AUTH)
    assert resp.status == 404
