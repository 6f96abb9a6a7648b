"""A deliberately small fake Lingxing server for the client's unit tests.

It checks what a real gateway checks (the four query params, token validity and rotation,
timestamp age, the sign over query + body) and serves the list endpoints from in-memory rows
with the vendor's paging and envelope styles. The full behavioural fake is the sandbox
(``sdk.lingxing.sandbox``); this one stays small so client tests do not depend on it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sdk.lingxing.signing import verify_sign

APP_ID = "ak_test123456789"
APP_SECRET = "BYKn4e/XVg+shbQPVbMjiQ=="
TOKEN_PATH = "/api/auth-server/oauth/access-token"
REFRESH_PATH = "/api/auth-server/oauth/refresh"

Rows = list[dict[str, Any]]


class Clock:
    """A settable clock shared by the fake and the client."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def g_envelope(code: str, msg: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def m_envelope(rows: Rows, total: int) -> dict[str, Any]:
    data = {"total": str(total), "list": rows}
    return {"code": 0, "message": "操作成功", "request_id": "r.1", "data": data}


def e_envelope(rows: Rows, total: int) -> dict[str, Any]:
    return {"code": 0, "message": "success", "error_details": [], "data": rows, "total": total}


@dataclass
class FakeLingxing:
    """State + aiohttp app. Tokens: ``token -> expires_at``; minting revokes older tokens."""

    clock: Clock = field(default_factory=Clock)
    latency: float = 0.0
    orders: Rows = field(default_factory=list)
    wms: Rows = field(default_factory=list)
    inventory: Rows = field(default_factory=list)
    pairs: Rows = field(default_factory=list)
    stores: Rows = field(default_factory=list)
    warehouses: Rows = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    mints: int = 0
    refreshes: int = 0
    refresh_fails: bool = False
    bodies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    signs: list[str] = field(default_factory=list)
    in_flight: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    script: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(TOKEN_PATH, self._mint)
        app.router.add_post(REFRESH_PATH, self._refresh)
        routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/pb/mp/order/v2/list": self._order_list,
            "/pb/mp/order/v2/create": self._create,
            "/erp/sc/routing/wms/order/wmsOrderList": self._wms_list,
            "/erp/sc/routing/data/local_inventory/inventoryDetails": self._inventory,
            "/pb/mp/listing/v2/getPairList": self._pairs,
            "/pb/mp/shop/v2/getSellerList": self._stores,
            "/erp/sc/data/local_inventory/warehouse": self._warehouses,
        }
        for path, handler in routes.items():
            app.router.add_post(path, self._business(path, handler))
        return app

    def revoke_all(self) -> None:
        """Make every issued token stale (as if another process minted a new one)."""
        self.revoked |= set(self.tokens)

    # --- auth ----------------------------------------------------------------------------

    def _issue(self) -> dict[str, Any]:
        n = next(self._ids)
        token, refresh = f"acc-{n:04d}-secret", f"ref-{n:04d}-secret"
        self.revoke_all()  # minting revokes older tokens
        self.tokens[token] = self.clock() + 7199
        self.refresh_tokens.add(refresh)
        data = {"access_token": token, "refresh_token": refresh, "expires_in": 7199}
        return g_envelope("200", "OK", data)

    async def _mint(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("appId") != APP_ID or form.get("appSecret") != APP_SECRET:
            return web.json_response(g_envelope("2001002", "app secret not correct"))
        self.mints += 1
        return web.json_response(self._issue())

    async def _refresh(self, request: web.Request) -> web.Response:
        form = await request.post()
        refresh = str(form.get("refreshToken"))
        if self.refresh_fails or refresh not in self.refresh_tokens:
            return web.json_response(g_envelope("2001009", "refresh token invalid"))
        self.refresh_tokens.discard(refresh)
        self.refreshes += 1
        return web.json_response(self._issue())

    def _gateway(self, query: Any, body: dict[str, Any]) -> dict[str, Any] | None:
        fixed = {k: query.get(k) for k in ("access_token", "app_key", "timestamp", "sign")}
        if any(not v for v in fixed.values()):
            return g_envelope("3001001", "missing param")
        token = fixed["access_token"]
        if token not in self.tokens or self.clock() > self.tokens[token]:
            return g_envelope("2001003", "access token is missing or expired")
        if token in self.revoked:
            return g_envelope("2001005", "access token not match")
        if abs(self.clock() - int(fixed["timestamp"])) > 120:
            return g_envelope("2001007", "api sign has expired")
        signed = {**body, "access_token": token, "app_key": APP_ID, "timestamp": fixed["timestamp"]}
        if fixed["app_key"] != APP_ID or not verify_sign(signed, APP_ID, fixed["sign"]):
            return g_envelope("2001006", " api sign not correct")
        self.signs.append(fixed["sign"])
        return None

    def _business(
        self, path: str, handler: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            body = json.loads(await request.read())
            self.in_flight[path] += 1
            self.peak[path] = max(self.peak[path], self.in_flight[path])
            try:
                await asyncio.sleep(self.latency)
                denied = self._gateway(request.query, body)
                if denied is not None:
                    return web.json_response(denied)
                self.bodies.setdefault(path, []).append(body)
                scripted = self.script.get(path)
                answer = scripted.pop(0) if scripted else handler(body)
                return web.json_response(answer)
            finally:
                self.in_flight[path] -= 1

        return handle

    # --- endpoints -----------------------------------------------------------------------

    def _order_list(self, body: dict[str, Any]) -> dict[str, Any]:
        wanted = set(body.get("platform_order_nos") or [])
        rows = [
            o
            for o in self.orders
            if wanted & {p["platform_order_no"] for p in o["platform_info"]}
            and (body.get("include_delete") or not o.get("is_delete"))
        ]
        offset, length = body["offset"], body["length"]
        return m_envelope(rows[offset : offset + length], len(rows))

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        success = [
            {"platform_order_no": o["platform_order_no"], "global_order_no": f"10{n:016d}"}
            for n, o in enumerate(body["orders"], start=1)
        ]
        data = {"success_details": success, "error_details": []}
        return {"code": 0, "message": "操作成功", "request_id": "r.2", "data": data}

    def _wms_list(self, body: dict[str, Any]) -> dict[str, Any]:
        wanted = set(body.get("platform_order_no_arr") or [])
        sids = body.get("sid_arr")
        statuses = body.get("status_arr")
        rows = [
            w
            for w in self.wms
            if wanted & set(w["platform_order_no"])
            and (not sids or int(w["sid"]) in sids)
            and (not statuses or int(w["status"]) in statuses)
        ]
        start = (body["page"] - 1) * body["page_size"]
        return e_envelope(rows[start : start + body["page_size"]], len(rows))

    def _inventory(self, body: dict[str, Any]) -> dict[str, Any]:
        wids = body["wid"].split(",")
        rows = [r for r in self.inventory if str(r["wid"]) in wids]
        offset, length = body["offset"], body["length"]
        return e_envelope(rows[offset : offset + length], len(rows))

    def _pairs(self, body: dict[str, Any]) -> dict[str, Any]:
        stores = set(body.get("store_ids") or [])
        rows = [p for p in self.pairs if not stores or p["store_id"] in stores]
        offset, length = body["offset"], body["length"]
        return m_envelope(rows[offset : offset + length], len(rows))

    def _stores(self, body: dict[str, Any]) -> dict[str, Any]:
        offset, length = body["offset"], body["length"]
        return m_envelope(self.stores[offset : offset + length], len(self.stores))

    def _warehouses(self, body: dict[str, Any]) -> dict[str, Any]:
        rows = [w for w in self.warehouses if w.get("type", 1) == body["type"]]
        offset, length = body["offset"], body["length"]
        return e_envelope(rows[offset : offset + length], len(rows))


def mp_order(po: str, n: int, **extra: Any) -> dict[str, Any]:
    """An MP order row the way the order list returns it (numbers partly as strings)."""
    return {
        "global_order_no": f"1033{n:014d}",
        "store_id": "110000000000000001",
        "status": "5",
        "split_type": "1",
        "amount_currency": "USD",
        "update_time": "1700000000",
        "global_delivery_time": None,
        "is_delete": 0,
        "platform_info": [{"platform_order_no": po, "platform_code": "10009"}],
        "item_info": [
            {"id": str(n), "msku": "MSKU-1", "quantity": "2", "unit_price_amount": "9.50"}
        ],
        "logistics_info": {"status": 2, "tracking_no": "", "logistics_type_name": None},
        **extra,
    }
