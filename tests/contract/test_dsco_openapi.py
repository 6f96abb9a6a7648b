"""Contract: what the DSCO client sends matches DSCO's official OpenAPI file.

The file lives next to the repository (``../shared/reference``) and is never copied into it.
Its schemas are inline under ``paths`` (``components`` is empty) and need normalising before a
JSON-Schema 2020-12 validator can use them: ``nullable`` is OpenAPI 3.0 vocabulary, and the
``pattern`` strings are double-escaped (``\\\\d``), which would reject every valid UPC.

Besides validating bodies, the tests walk every key the client sends through the schema: the
spec never sets ``additionalProperties: false``, so a misspelt field would otherwise pass.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from sdk._retry import RetryPolicy
from sdk.dsco import (
    DscoClient,
    InventoryWarehouse,
    Invoice,
    InvoiceCharge,
    InvoiceLineItem,
    InvoiceShip,
    ItemInventory,
    OrderAck,
    Shipment,
    ShipmentForOrder,
    ShipmentLineItem,
    to_wire,
)

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared/reference/dsco-api-v3.openapi.yaml"
JSON = "application/json"
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SHIP_TIME = datetime(2026, 2, 11, 18, 40, tzinfo=UTC)

BATCH_PATHS = {
    "ack": "/order/acknowledge",
    "shipment": "/order/shipment/batch/small",
    "invoice": "/invoice/batch/small",
    "inventory": "/inventory/batch/small",
}


# --- loading and normalising the spec ----------------------------------------------------------


def _normalise(node: Any, memo: dict[int, Any], *, names: bool = False) -> Any:
    """OpenAPI 3.0-isms -> JSON Schema 2020-12; shared YAML anchors are converted once.

    ``names`` marks a ``properties`` map: its keys are field names (a field may well be called
    ``description``), so nothing is dropped there.
    """
    if id(node) in memo:
        return memo[id(node)]
    if isinstance(node, list):
        out_list: list[Any] = []
        memo[id(node)] = out_list
        out_list.extend(_normalise(item, memo) for item in node)
        return out_list
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    memo[id(node)] = out
    for key, value in node.items():
        if names or key not in ("example", "examples", "description"):
            out[key] = _normalise(value, memo, names=key == "properties" and not names)
    if isinstance(out.get("pattern"), str):
        out["pattern"] = out["pattern"].replace("\\\\", "\\")
    if out.pop("nullable", False) is True:
        inner = dict(out)
        out.clear()
        out["anyOf"] = [inner, {"type": "null"}]
    return out


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        message = "DSCO OpenAPI file not found at ../shared/reference (contract tests need it)"
        if os.environ.get("CI") == "true":  # CI always has it: a silent skip would hide a gap
            pytest.fail(message)
        pytest.skip(message)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader
    return _normalise(raw, {})  # type: ignore[no-any-return]


def _body_schema(spec: dict[str, Any], path: str) -> dict[str, Any]:
    return spec["paths"][path]["post"]["requestBody"]["content"][JSON]["schema"]  # type: ignore[no-any-return]


def _errors(schema: dict[str, Any], data: Any) -> list[str]:
    validator = Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    """All properties a (possibly allOf/anyOf-wrapped) object schema declares."""
    props = dict(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key, []):
            props.update(_properties(branch))
    return props


def _array_items(schema: dict[str, Any]) -> dict[str, Any]:
    if "items" in schema:
        return schema["items"]  # type: ignore[no-any-return]
    branch = next(b for b in schema.get("anyOf", []) if "items" in b)
    return branch["items"]  # type: ignore[no-any-return]


def _unknown_keys(data: Any, schema: dict[str, Any], where: str = "$") -> Iterator[str]:
    """Keys in ``data`` that the schema does not declare (a typo DSCO would silently drop)."""
    if isinstance(data, dict):
        props = _properties(schema)
        for key, value in data.items():
            if key not in props:
                yield f"{where}.{key}"
            else:
                yield from _unknown_keys(value, props[key], f"{where}.{key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _unknown_keys(item, _array_items(schema), f"{where}[{i}]")


def assert_valid_body(spec: dict[str, Any], path: str, body: Any) -> None:
    schema = _body_schema(spec, path)
    assert _errors(schema, body) == []
    assert list(_unknown_keys(body, schema)) == []


# --- representative bodies: minimal and with every field our models have ---------------------


def _fields_used(model: BaseModel, used: dict[type[BaseModel], set[str]]) -> None:
    """Record, per model class, which fields ``model`` (recursively) has set."""
    used.setdefault(type(model), set()).update(model.model_fields_set)
    for value in dict(model).values():
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, BaseModel):
                _fields_used(child, used)


def full_shipment() -> ShipmentForOrder:
    line = ShipmentLineItem(
        dsco_item_id="1310500123",
        sku="ACM-BED-L-GRY",
        partner_sku="4412087",
        upc="860001234567",
        ean="0860001234567",
        quantity=1,
        line_number=1,
        package_span_flag=True,
    )
    return ShipmentForOrder(
        po_number="R7K4Q2ZP9M3XW8DN5TLA",
        shipments=[
            Shipment(
                tracking_number="794612345678",
                line_items=[line],
                ship_date=SHIP_TIME,
                ship_carrier="FedEx",
                ship_method="Home Delivery",
                shipping_service_level_code="FEHD",
                warehouse_code="ACME-NJ",
                tracking_url="https://tracking.example/794612345678",
            )
        ],
    )


def minimal_shipment() -> ShipmentForOrder:
    line = ShipmentLineItem(quantity=2, sku="ACM-TOY-ROPE-3")
    return ShipmentForOrder(
        dsco_order_id="1075300217",
        shipments=[Shipment(tracking_number="9400111", line_items=[line])],
    )


def full_invoice() -> Invoice:
    line = InvoiceLineItem(
        dsco_item_id="1310500123",
        sku="ACM-BED-L-GRY",
        partner_sku="4412087",
        upc="860001234567",
        ean="0860001234567",
        quantity=2,
        unit_price=Decimal("74.54"),
        line_number=1,
        tracking_number="794612345678",
        ship_date=SHIP_TIME,
        ship_carrier="FedEx",
        ship_method="Home Delivery",
        shipping_service_level_code="FEHD",
        warehouse_code="ACME-NJ",
    )
    ship = InvoiceShip(
        tracking_number="794612345678",
        date=SHIP_TIME,
        carrier="FedEx",
        method="Home Delivery",
        service_level_code="FEHD",
        warehouse_code="ACME-NJ",
        number_of_units_shipped=2,
    )
    return Invoice(
        po_number="R7K4Q2ZP9M3XW8DN5TLA",
        invoice_id="R7K4Q2ZP9M3XW8DN5TLA",
        total_amount=Decimal("159.08"),
        invoice_date=SHIP_TIME,
        currency_code="USD",
        consumer_order_number="5107743921",
        line_items=[line],
        ship=ship,
        charges=[InvoiceCharge(title="Handling", amount=Decimal("10.00"))],
        line_items_subtotal=Decimal("149.08"),
        freight_amount=Decimal("0"),
        handling_amount=Decimal("10.00"),
        sales_tax_amount=Decimal("0.00"),
    )


def minimal_invoice() -> Invoice:
    # A zero total must still be sent: DSCO requires totalAmount.
    return Invoice(supplier_order_number="SO-1", invoice_id="INV-1", total_amount=Decimal(0))


def full_inventory() -> ItemInventory:
    return ItemInventory(
        sku="ACM-BED-L-GRY",
        status="in-stock",
        warehouses=[
            InventoryWarehouse(code="ACME-NJ", quantity=30, status="in-stock"),
            InventoryWarehouse(code="ACME-CA", quantity=7, status="in-stock"),
        ],
        partner_sku="ACM-BED-L-GRY",
        dsco_item_id="1310500123",
        upc="860001234567",
        ean="0860001234567",
        quantity_available=37,
    )


def minimal_inventory() -> ItemInventory:
    return ItemInventory(
        sku="ACM-TOY-ROPE-3",
        status="out-of-stock",
        warehouses=[InventoryWarehouse(code="ACME-NJ", quantity=0)],
    )


def full_ack() -> OrderAck:
    return OrderAck(id="1075300217", type="DSCO_ORDER_ID", supplier_order_number="SO-77")


def body_fixtures() -> dict[str, list[BaseModel]]:
    """Per batch kind, the elements the client is made to send (all request-model fields)."""
    return {
        "ack": [
            full_ack(),
            OrderAck(id="R7K4Q2ZP9M3XW8DN5TLA"),
            OrderAck(id=1075300217, type="DSCO_ORDER_ID"),
        ],
        "shipment": [
            full_shipment(),
            minimal_shipment(),
            minimal_shipment().model_copy(
                update={"dsco_order_id": None, "supplier_order_number": "SO-9"}
            ),
        ],
        "invoice": [
            full_invoice(),
            minimal_invoice(),
            Invoice(dsco_order_id="1075300217", invoice_id="INV-2", total_amount=Decimal("1.5")),
        ],
        "inventory": [full_inventory(), minimal_inventory()],
    }


def test_fixtures_cover_every_request_model_field() -> None:
    # Keeps the key walk honest: a field added to a model must appear in some fixture.
    used: dict[type[BaseModel], set[str]] = {}
    for models in body_fixtures().values():
        for model in models:
            _fields_used(model, used)
    assert {cls: set(cls.model_fields) - names for cls, names in used.items()} == {
        cls: set() for cls in used
    }
    assert set(used) == {
        OrderAck,
        ShipmentForOrder,
        Shipment,
        ShipmentLineItem,
        Invoice,
        InvoiceLineItem,
        InvoiceShip,
        InvoiceCharge,
        ItemInventory,
        InventoryWarehouse,
    }


@pytest.mark.parametrize("kind", list(BATCH_PATHS))
def test_model_bodies_validate(spec: dict[str, Any], kind: str) -> None:
    assert_valid_body(spec, BATCH_PATHS[kind], [to_wire(m) for m in body_fixtures()[kind]])


def test_normalised_spec_still_rejects_bad_bodies(spec: dict[str, Any]) -> None:
    """The validator is not vacuous: known-bad bodies fail, and the pattern fix works."""
    shipment = to_wire(minimal_shipment())
    del shipment["shipments"][0]["trackingNumber"]
    assert _errors(_body_schema(spec, BATCH_PATHS["shipment"]), [shipment])
    invoice = to_wire(minimal_invoice())
    del invoice["totalAmount"]
    assert _errors(_body_schema(spec, BATCH_PATHS["invoice"]), [invoice])
    item = to_wire(minimal_inventory()) | {"upc": "12345"}
    assert _errors(_body_schema(spec, BATCH_PATHS["inventory"]), [item])
    assert not _errors(_body_schema(spec, BATCH_PATHS["inventory"]), [item | {"upc": "123456"}])
    assert _errors(_body_schema(spec, BATCH_PATHS["ack"]), [{"id": "X", "type": "PO"}])
    typo = to_wire(minimal_inventory()) | {"quantityAvailible": 1}
    assert list(_unknown_keys([typo], _body_schema(spec, BATCH_PATHS["inventory"])))


# --- what the client really puts on the wire ----------------------------------------------------


class Capture:
    """A stand-in DSCO that records every request and gives well-formed answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, list[tuple[str, str]], Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        self.requests.append((request.method, request.path, list(request.query.items()), body))
        path = request.path.removeprefix("/api/v3")
        if request.method == "POST":
            return web.json_response(
                {
                    "status": "pending",
                    "requestId": "req-1",
                    "eventDate": "2026-02-11T15:01:12+00:00",
                },
                status=202,
            )
        return web.json_response(self._answer(path, request.query))

    @staticmethod
    def _answer(path: str, query: Any) -> Any:
        if path == "/order/page":
            more = "scrollId" not in query
            orders = [{"poNumber": "PO1", "lineItems": [], "shipping": {}}] if more else []
            return {"scrollId": "s-1", "orders": orders}
        if path.endswith("/log"):
            return {"status": "COMPLETED", "logs": []}
        if path == "/invoice":
            return {"invoices": []}
        return {"poNumber": "PO1", "sku": "A", "warehouses": []}


@pytest.fixture
async def captured() -> AsyncIterator[tuple[DscoClient, Capture]]:
    capture = Capture()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", capture.handle)
    server = TestServer(app)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        client = DscoClient(
            session,
            base_url=str(server.make_url("/api/v3")),
            token="contract-token",
            retry=RetryPolicy.never(),
        )
        yield client, capture
    await server.close()


async def _drive_every_call(client: DscoClient) -> None:
    until = datetime(2026, 2, 11, 18, 0, tzinfo=UTC)
    async for _ in client.iter_order_pages(
        created_since=datetime(2026, 2, 1, tzinfo=UTC),
        until=until,
        per_page=5,
        statuses=["created", "shipment_pending"],
        include_test_orders=True,
    ):
        pass
    async for _ in client.iter_order_pages(
        updated_since=datetime(2026, 2, 1, tzinfo=UTC), until=until
    ):
        pass
    await client.get_order("R7K4Q2ZP9M3XW8DN5TLA")
    await client.get_order("1075300217", key="dscoOrderId")
    await client.get_invoice("R7K4Q2ZP9M3XW8DN5TLA")
    await client.get_invoices("R7K4Q2ZP9M3XW8DN5TLA", key="poNumber")
    await client.get_inventory("ACM-BED-L-GRY")
    await client.get_inventory("4412087", item_key="partnerSku", dsco_retailer_id="1000023456")
    bodies = body_fixtures()
    await client.acknowledge(["R7K4Q2ZP9M3XW8DN5TLA", *bodies["ack"]])  # type: ignore[list-item]
    await client.create_shipments(bodies["shipment"])  # type: ignore[arg-type]
    await client.create_invoices(bodies["invoice"])  # type: ignore[arg-type]
    await client.update_inventory(bodies["inventory"])  # type: ignore[arg-type]
    await client.update_inventory([minimal_inventory()], skip_items_that_dont_exist=True)
    for kind in ("order", "invoice", "inventory"):
        await client.wait_for_request(kind, "req-1", ["PO1"], timeout=0, poll_interval=0)  # type: ignore[arg-type]
        async for _ in client.iter_change_log(
            kind,  # type: ignore[arg-type]
            start=datetime(2026, 2, 1, tzinfo=UTC),
            end=until,
            status="failure",
        ):
            pass


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean":
        assert value in ("true", "false")
        return value == "true"
    if kind in ("integer", "number"):
        return int(value)
    if schema.get("format") == "date-time":
        assert INSTANT.match(value), value
    return value


def assert_valid_query(
    spec: dict[str, Any], method: str, path: str, query: list[tuple[str, str]]
) -> None:
    params = {p["name"]: p for p in spec["paths"][path][method.lower()].get("parameters", [])}
    names = {name for name, _ in query}
    assert names <= params.keys(), (
        f"{method} {path}: unknown query parameters {names - params.keys()}"
    )
    if "scrollId" not in names:
        required = {n for n, p in params.items() if p.get("required")}
        assert required <= names, f"{method} {path}: missing {required - names}"
    for name in names:
        schema = params[name]["schema"]
        values = [v for n, v in query if n == name]
        if schema.get("type") == "array":
            data: Any = [_coerce(v, schema["items"]) for v in values]
        else:
            assert len(values) == 1, f"{name} repeated"
            data = _coerce(values[0], schema)
        assert _errors(schema, data) == [], f"{method} {path} {name}={values}"


async def test_everything_the_client_sends_matches_the_spec(
    spec: dict[str, Any], captured: tuple[DscoClient, Capture]
) -> None:
    client, capture = captured
    await _drive_every_call(client)

    seen = set()
    for method, full_path, query, body in capture.requests:
        path = full_path.removeprefix("/api/v3")
        seen.add(f"{method} {path}")
        assert path in spec["paths"], f"{path} is not a DSCO path"
        assert_valid_query(spec, method, path, query)
        if method == "POST":
            assert_valid_body(spec, path, body)
        else:
            assert body is None
    assert seen == {
        "GET /order/page",
        "GET /order/",
        "GET /invoice",
        "GET /inventory",
        "POST /order/acknowledge",
        "POST /order/shipment/batch/small",
        "POST /invoice/batch/small",
        "POST /inventory/batch/small",
        "GET /order/log",
        "GET /invoice/log",
        "GET /inventory/log",
    }
    # The scroll was followed with the scrollId alone.
    assert ("GET", "/api/v3/order/page", [("scrollId", "s-1")], None) in capture.requests
