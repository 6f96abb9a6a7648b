"""Helpers for the Lingxing sandbox tests: start the app, get a token, make signed raw calls.

Raw calls sign with the project's ``sdk.lingxing.signing`` (which has its own known-answer
tests) so these tests exercise the sandbox, not the client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient

from sdk.lingxing.sandbox import SANDBOX_KEY, LingxingSandbox, SandboxOptions, create_app
from sdk.lingxing.signing import encode_body, signed_query

APP_ID = "ak_test123456789"
APP_SECRET = "BYKn4e/XVg+shbQPVbMjiQ=="
STORE_ID = "110000000000000001"
OTHER_STORE_ID = "110000000000000002"
TOKEN_PATH = "/api/auth-server/oauth/access-token"
REFRESH_PATH = "/api/auth-server/oauth/refresh"
CREATE = "/pb/mp/order/v2/create"
ORDER_LIST = "/pb/mp/order/v2/list"
WMS_LIST = "/erp/sc/routing/wms/order/wmsOrderList"
INVENTORY = "/erp/sc/routing/data/local_inventory/inventoryDetails"
PAIRS = "/pb/mp/listing/v2/getPairList"
STORES = "/pb/mp/shop/v2/getSellerList"
WAREHOUSES = "/erp/sc/data/local_inventory/warehouse"

ClientFactory = Callable[..., Any]


def make_app(
    *, token_ttl: float = 7200.0, clock: Callable[[], float] = time.time, **options: Any
) -> web.Application:
    """A sandbox app with the test credentials and ``options`` switches."""
    return create_app(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        token_ttl=token_ttl,
        clock=clock,
        options=SandboxOptions(**options),
    )


class Raw:
    """A test client that talks to the sandbox the way Lingxing's docs describe."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.token = ""
        self.refresh_token = ""

    @property
    def sandbox(self) -> LingxingSandbox:
        app = self.client.app
        assert app is not None
        sandbox: LingxingSandbox = app[SANDBOX_KEY]
        return sandbox

    async def fetch_token(self) -> dict[str, Any]:
        """Multipart token request; remembers the tokens on success."""
        form = aiohttp.FormData(
            {"appId": APP_ID, "appSecret": APP_SECRET}, default_to_multipart=True
        )
        answer = await self.post_form(TOKEN_PATH, form)
        if answer["code"] == "200":
            self.token = answer["data"]["access_token"]
            self.refresh_token = answer["data"]["refresh_token"]
        return answer

    async def post_form(self, path: str, data: Any = None, **params: str) -> dict[str, Any]:
        resp = await self.client.post(path, data=data, params=params or None)
        assert resp.status == 200
        answer: dict[str, Any] = await resp.json()
        return answer

    def query(self, body: dict[str, Any], *, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return signed_query(body, access_token=self.token, app_id=APP_ID, timestamp=ts)

    async def call(
        self,
        path: str,
        body: dict[str, Any],
        *,
        query: dict[str, str] | None = None,
        raw_body: bytes | None = None,
    ) -> dict[str, Any]:
        """Signed POST with a compact JSON body; returns the decoded answer."""
        params = self.query(body) if query is None else query
        data = encode_body(body) if raw_body is None else raw_body
        resp = await self.client.post(
            path, params=params, data=data, headers={"Content-Type": "application/json"}
        )
        assert resp.status == 200, await resp.text()
        answer: dict[str, Any] = json.loads(await resp.read())
        return answer

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        resp = await self.client.request(method, "/__sandbox" + path, json=body)
        payload = await resp.json()
        assert resp.status == 200, payload
        return payload


async def start(aiohttp_client: ClientFactory, **kwargs: Any) -> Raw:
    """Serve a sandbox (``make_app(**kwargs)``) and fetch a token."""
    raw = Raw(await aiohttp_client(make_app(**kwargs)))
    answer = await raw.fetch_token()
    assert answer["code"] == "200", answer
    return raw


def seed_basics(sb: LingxingSandbox) -> None:
    """Two stores, two warehouses and a pairing: enough for orders to be created."""
    sb.add_store(STORE_ID, store_name="DSCO Chewy", platform_code=10009)
    sb.add_store(OTHER_STORE_ID, store_name="Other", platform_code=10008, is_sync=0)
    sb.add_warehouse(1, name="Main")
    sb.add_warehouse(2, name="Overseas", type=3, sub_type=2)
    sb.add_pair(STORE_ID, "MSKU-1", "SKU-1", "Widget")


def order(po: str, *items: tuple[str, int], **extra: Any) -> dict[str, Any]:
    """One create-order entry (fake buyer data)."""
    lines = [{"msku": m, "quantity": q, "unit_price": "10.00"} for m, q in items or [("MSKU-1", 1)]]
    return {
        "platform_order_no": po,
        "receiver_country_code": "US",
        "receiver_name": "Test Buyer",
        "city": "Austin",
        "address_line1": "1 Test St",
        "items": lines,
        **extra,
    }


async def create(raw: Raw, *orders: dict[str, Any], store_id: str = STORE_ID) -> dict[str, Any]:
    body = {"platform_code": 10009, "store_id": store_id, "orders": list(orders)}
    return await raw.call(CREATE, body)


async def list_by_po(raw: Raw, *pos: str, **extra: Any) -> dict[str, Any]:
    body = {"offset": 0, "length": 20, "platform_order_nos": list(pos), **extra}
    return await raw.call(ORDER_LIST, body)
