"""The small control surface the end-to-end scenario needs from the two vendor sandboxes.

Two implementations of :class:`SandboxControl`:

* :class:`InProcessControl` drives the sandboxes' Python state objects (the ``vendors``
  fixture runs both apps in the test's own event loop);
* :class:`HttpControl` drives sandboxes running in another process through their JSON control
  APIs under ``/__sandbox/...`` (the crash-safety tests run the sandboxes in a subprocess).

Both answer with plain JSON-shaped values (the control API's own shapes), so the scenario code
never needs to know which one it talks to.
"""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp

from sdk.dsco.sandbox import DscoSandbox
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.models import CreateOrder
from sdk.lingxing.sandbox import LingxingSandbox
from sdk.lingxing.sandbox.create import create_orders
from sdk.lingxing.sandbox.lifecycle import describe

Json = dict[str, Any]


class SandboxControl(Protocol):
    """What the scenario does to / reads from the sandboxes (never through the daemon)."""

    async def dsco_seed(self, orders: list[Json]) -> list[str]: ...
    async def dsco_order(self, po: str) -> Json | None: ...
    async def dsco_set_status(self, po: str, status: str) -> None: ...
    async def dsco_state(self) -> Json: ...
    async def dsco_clear_calls(self) -> None: ...
    async def dsco_fault(self, spec: Json) -> None: ...
    async def dsco_rate_limits(self, enabled: bool) -> None: ...
    async def lx_store(self, store_id: str, **fields: Any) -> None: ...
    async def lx_warehouse(self, wid: int, **fields: Any) -> None: ...
    async def lx_precreate(self, platform_code: int, store_id: str, order: Json) -> None: ...
    async def lx_orders(self, po: str) -> list[Json]: ...
    async def lx_review(self, po: str) -> None: ...
    async def lx_split(self, po: str) -> None: ...
    async def lx_ship(self, po: str, tracking_no: str, at: str, global_order_no: str) -> None: ...
    async def lx_add_outbound(self, po: str, **fields: Any) -> Json: ...
    async def lx_delete_outbound(self, wo_number: str) -> None: ...
    async def lx_calls(self, path: str | None = None) -> list[Json]: ...
    async def lx_reset_stats(self) -> None: ...
    async def lx_fault(self, path: str, kind: str, count: int = 1, **params: Any) -> None: ...
    async def lx_expire_tokens(self) -> None: ...


class InProcessControl:
    """:class:`SandboxControl` over the sandboxes' state objects (same process)."""

    def __init__(self, dsco: DscoSandbox, lingxing: LingxingSandbox) -> None:
        self.dsco, self.lx = dsco, lingxing

    async def dsco_seed(self, orders: list[Json]) -> list[str]:
        return self.dsco.seed_orders(orders)

    async def dsco_order(self, po: str) -> Json | None:
        return self.dsco.order(po)

    async def dsco_set_status(self, po: str, status: str) -> None:
        self.dsco.set_order_status(po, status)

    async def dsco_state(self) -> Json:
        return self.dsco.snapshot()

    async def dsco_clear_calls(self) -> None:
        self.dsco.clear_calls()

    async def dsco_fault(self, spec: Json) -> None:
        self.dsco.add_fault(**spec)

    async def dsco_rate_limits(self, enabled: bool) -> None:
        self.dsco.set_rate_limits(enabled)

    async def lx_store(self, store_id: str, **fields: Any) -> None:
        self.lx.add_store(store_id, **fields)

    async def lx_warehouse(self, wid: int, **fields: Any) -> None:
        self.lx.add_warehouse(wid, **fields)

    async def lx_precreate(self, platform_code: int, store_id: str, order: Json) -> None:
        body = {"platform_code": platform_code, "store_id": store_id, "orders": [order]}
        result = create_orders(self.lx, body)
        if result["error_details"]:
            raise RuntimeError(f"pre-create refused: {result['error_details']}")

    async def lx_orders(self, po: str) -> list[Json]:
        return [describe(o) for o in self.lx.orders_for(po, include_deleted=True)]

    async def lx_review(self, po: str) -> None:
        self.lx.review(po)

    async def lx_split(self, po: str) -> None:
        self.lx.split(po)

    async def lx_ship(self, po: str, tracking_no: str, at: str, global_order_no: str) -> None:
        self.lx.ship(po, tracking_no=tracking_no, at=at, global_order_no=global_order_no)

    async def lx_add_outbound(self, po: str, **fields: Any) -> Json:
        return self.lx.add_outbound(po, **fields).to_row()

    async def lx_delete_outbound(self, wo_number: str) -> None:
        self.lx.delete_outbound(wo_number)

    async def lx_calls(self, path: str | None = None) -> list[Json]:
        return [c.as_dict() for c in self.lx.call_log(path)]

    async def lx_reset_stats(self) -> None:
        self.lx.reset_stats()

    async def lx_fault(self, path: str, kind: str, count: int = 1, **params: Any) -> None:
        self.lx.inject(path, kind, count, **params)

    async def lx_expire_tokens(self) -> None:
        self.lx.expire_tokens()


class HttpControl:
    """:class:`SandboxControl` over the ``/__sandbox/...`` control APIs (another process).

    ``lingxing`` (a client for the Lingxing sandbox) is only needed for :meth:`lx_precreate`:
    the Lingxing control API has no "create order" route, so the order is created through the
    public API, as a person using the Lingxing web UI would."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        dsco_url: str,
        lingxing_url: str,
        lingxing: LingxingClient | None = None,
    ) -> None:
        self.http = session
        self.dsco_url, self.lx_url = dsco_url.rstrip("/"), lingxing_url.rstrip("/")
        self.lingxing = lingxing

    async def _call(
        self, method: str, url: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        async with self.http.request(method, url, json=body, params=params) as resp:
            data = await resp.json(content_type=None)
            if resp.status == 404 and method == "GET":
                return None
            if resp.status >= 400:
                raise RuntimeError(f"{method} {url} -> {resp.status}: {data}")
            return data

    async def _dsco(self, method: str, route: str, body: Any = None) -> Any:
        return await self._call(method, f"{self.dsco_url}/__sandbox{route}", body)

    async def _lx(
        self, method: str, route: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        return await self._call(method, f"{self.lx_url}/__sandbox{route}", body, params)

    async def dsco_seed(self, orders: list[Json]) -> list[str]:
        result: list[str] = (await self._dsco("POST", "/orders", {"orders": orders}))["poNumbers"]
        return result

    async def dsco_order(self, po: str) -> Json | None:
        found: Json | None = await self._dsco("GET", f"/orders/{po}")
        return found

    async def dsco_set_status(self, po: str, status: str) -> None:
        await self._dsco("PUT", f"/orders/{po}/status", {"dscoStatus": status})

    async def dsco_state(self) -> Json:
        state: Json = await self._dsco("GET", "/state")
        return state

    async def dsco_clear_calls(self) -> None:
        await self._dsco("DELETE", "/calls")

    async def dsco_fault(self, spec: Json) -> None:
        await self._dsco("POST", "/faults", spec)

    async def dsco_rate_limits(self, enabled: bool) -> None:
        await self._dsco("PUT", "/rate-limits", {"enabled": enabled})

    async def lx_store(self, store_id: str, **fields: Any) -> None:
        await self._lx("POST", "/stores", {"store_id": store_id, **fields})

    async def lx_warehouse(self, wid: int, **fields: Any) -> None:
        await self._lx("POST", "/warehouses", {"wid": wid, **fields})

    async def lx_precreate(self, platform_code: int, store_id: str, order: Json) -> None:
        if self.lingxing is None:
            raise RuntimeError("HttpControl needs a LingxingClient to pre-create orders")
        result = await self.lingxing.create_orders(
            platform_code, store_id, [CreateOrder.model_validate(order)]
        )
        if result.failed():
            raise RuntimeError(f"pre-create refused: {result.failed()}")

    async def lx_orders(self, po: str) -> list[Json]:
        orders: list[Json] = await self._lx("GET", "/orders", params={"po": po})
        return orders

    async def lx_review(self, po: str) -> None:
        await self._lx("POST", f"/orders/{po}/review", {})

    async def lx_split(self, po: str) -> None:
        await self._lx("POST", f"/orders/{po}/split", {})

    async def lx_ship(self, po: str, tracking_no: str, at: str, global_order_no: str) -> None:
        body = {"tracking_no": tracking_no, "at": at, "global_order_no": global_order_no}
        await self._lx("POST", f"/orders/{po}/ship", body)

    async def lx_add_outbound(self, po: str, **fields: Any) -> Json:
        row: Json = await self._lx("POST", "/outbound", {"po": po, **fields})
        return row

    async def lx_delete_outbound(self, wo_number: str) -> None:
        await self._lx("DELETE", f"/outbound/{wo_number}")

    async def lx_calls(self, path: str | None = None) -> list[Json]:
        calls: list[Json] = await self._lx("GET", "/calls", params={"path": path} if path else None)
        return calls

    async def lx_reset_stats(self) -> None:
        await self._lx("POST", "/stats/reset")

    async def lx_fault(self, path: str, kind: str, count: int = 1, **params: Any) -> None:
        await self._lx("POST", "/faults", {"path": path, "kind": kind, "count": count, **params})

    async def lx_expire_tokens(self) -> None:
        await self._lx("POST", "/tokens/expire")
