"""Shared helpers for the DSCO sandbox tests: start the app, talk to it, read change logs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from sdk.dsco.sandbox import SANDBOX_KEY, DscoSandbox, FakeClock, create_app

TOKEN = "sandbox-token-0001"
AUTH = {"Authorization": f"bearer {TOKEN}"}
WINDOW = {"ordersCreatedSince": "2026-01-01T00:00:00Z", "until": "2026-02-11T11:00:00Z"}

ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]
Client = TestClient[web.Request, web.Application]


async def start(
    aiohttp_client: ClientFactory, *, clock: FakeClock | None = None, **kwargs: Any
) -> tuple[Client, DscoSandbox, FakeClock]:
    """A sandbox on a fake clock behind a real server, and a client that sends the token."""
    clock = clock or FakeClock()
    app = create_app(token=TOKEN, clock=clock, **kwargs)
    client = await aiohttp_client(app, headers=AUTH)
    return client, app[SANDBOX_KEY], clock


async def get_json(client: Client, path: str, *, expect: int = 200, **params: Any) -> Any:
    """GET with query ``params``; asserts the HTTP status is ``expect``."""
    async with client.get(path, params=params) as resp:
        assert resp.status == expect, await resp.text()
        return await resp.json()


async def post_json(client: Client, path: str, body: Any, *, expect: int = 202) -> Any:
    """POST a JSON body; asserts the HTTP status is ``expect``."""
    async with client.post(path, json=body) as resp:
        assert resp.status == expect, await resp.text()
        return await resp.json()


async def submit_and_read(client: Client, path: str, body: Any, log: str) -> dict[str, Any]:
    """POST a batch, then read its whole change log for that requestId (one page)."""
    accepted = await post_json(client, path, body)
    assert accepted["status"] == "pending"
    page: dict[str, Any] = await get_json(client, log, requestId=accepted["requestId"])
    return page


def results_by_key(page: dict[str, Any], key: str) -> dict[str, tuple[str, list[str]]]:
    """``{payload[key]: (status, [message codes])}`` of one change-log page."""
    return {
        str(e["payload"][key]): (e["status"], [m["code"] for m in e["results"]])
        for e in page["logs"]
    }


def seed_order(sandbox: DscoSandbox, quantity: int, **fields: Any) -> str:
    """One order: line 1 SKU-A x ``quantity``, line 2 SKU-B x 1 (``po`` picks the PO)."""
    order = {
        "poNumber": fields.pop("po", "R7K4Q2ZP9M3XW8DN5TLA"),
        "dscoCreateDate": "2026-02-10T14:22:05+00:00",
        "requestedWarehouseCode": "ACME-NJ",
        "dscoRetailerId": "1000023456",
        "shipping": {"name": "Maria Lopez", "city": "Boise", "region": "ID", "postal": "83704"},
        "lineItems": [
            {"lineNumber": 1, "quantity": quantity, "sku": "SKU-A", "dscoItemId": "111"},
            {"lineNumber": 2, "quantity": 1, "sku": "SKU-B", "dscoItemId": "222"},
        ],
        **fields,
    }
    return sandbox.seed_orders([order])[0]


def shipment(po: str, tracking: str, *lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
    """A shipments element: one package ``tracking`` with ``(sku, quantity)`` lines."""
    return {
        "poNumber": po,
        "shipments": [
            {
                "trackingNumber": tracking,
                "shipDate": "2026-02-11T18:40:00Z",
                "shippingServiceLevelCode": "FEHD",
                "warehouseCode": "ACME-NJ",
                "lineItems": [{"sku": sku, "quantity": qty, **extra} for sku, qty in lines],
            }
        ],
    }


def invoice(po: str, *lines: tuple[str, int], invoice_id: str | None = None) -> dict[str, Any]:
    """An invoice of ``(sku, quantity)`` lines at 10.00 each (invoiceId = PO by default)."""
    items = [{"sku": sku, "quantity": qty, "unitPrice": 10.0} for sku, qty in lines]
    total = sum(qty * 10.0 for _, qty in lines)
    return {"invoiceId": invoice_id or po, "poNumber": po, "totalAmount": total, "lineItems": items}
