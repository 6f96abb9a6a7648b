"""Compare a finished scenario with its predictions; every difference as a readable line.

Local side: each PO's row (status, recorded tracking numbers, invoice id). Vendor side, from the
sandboxes' own state and records (never from what the daemon believes):

* Lingxing: order lineages per PO (a split order counts once) and processed create calls naming
  the PO (a second processed create for a PO would be a duplicate attempt);
* DSCO: successful ACK elements per PO, packages per tracking number on the order and in the
  successful shipment elements, ship dates (Beijing time sent as UTC), invoices per invoiceId.
  Keyed writes are not read first (D13), so DSCO may refuse a repeat by its key (a lost change
  log entry, a stored state seconds behind DSCO's) or an ACK/shipment for an order cancelled in
  the last seconds; those refusals are expected. Any other refused element is a difference.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from tests.e2e.scenario_control import Json, SandboxControl
from tests.e2e.scenario_plan import OrderPlan

CREATE_PATH = "/pb/mp/order/v2/create"
_LX_OK = "0"


@dataclass(frozen=True)
class LocalRow:
    """What the scenario checks of one ``dsco_order_sync`` row."""

    status: int
    tracking: tuple[str, ...]
    invoice_id: str


async def db_rows(
    db: asyncpg.Pool[asyncpg.Record] | asyncpg.Connection[asyncpg.Record],
) -> dict[str, LocalRow]:
    records = await db.fetch(
        "SELECT po_number, status, shipped_tracking_no, dsco_invoice_id FROM dsco_order_sync"
    )
    return {
        r["po_number"]: LocalRow(
            r["status"],
            tuple(t for t in r["shipped_tracking_no"].split(",") if t),
            r["dsco_invoice_id"],
        )
        for r in records
    }


def _local(plan: OrderPlan, row: LocalRow | None) -> list[str]:
    want = plan.prediction
    if row is None:
        return [f"{plan.po} [{plan.kind}]: no local row"]
    diffs = []
    if row.status != want.status:
        diffs.append(f"{plan.po} [{plan.kind}]: status {row.status}, predicted {want.status}")
    if len(set(row.tracking)) != len(row.tracking) or set(row.tracking) != set(want.tracking):
        diffs.append(
            f"{plan.po} [{plan.kind}]: shipped_tracking_no {list(row.tracking)},"
            f" predicted {sorted(want.tracking)}"
        )
    invoice = plan.po if want.invoiced else ""
    if row.invoice_id != invoice:
        diffs.append(
            f"{plan.po} [{plan.kind}]: dsco_invoice_id {row.invoice_id!r}, predicted {invoice!r}"
        )
    return diffs


def _lineages(orders: list[Json]) -> int:
    originals = sum(1 for o in orders if o["split_type"] != "3")
    return originals + (1 if any(o["split_type"] == "3" for o in orders) else 0)


async def _lingxing(control: SandboxControl, plans: list[OrderPlan]) -> list[str]:
    creates: Counter[str] = Counter()
    for call in await control.lx_calls(CREATE_PATH):
        if call["outcome"] == _LX_OK:
            creates.update(str(po) for po in call["summary"].get("orders") or [])
    diffs = []
    for plan in plans:
        want = plan.prediction
        lineages = _lineages(await control.lx_orders(plan.po))
        if lineages != want.lx_orders:
            diffs.append(
                f"{plan.po} [{plan.kind}]: {lineages} Lingxing orders, predicted {want.lx_orders}"
            )
        if creates[plan.po] != want.lx_creates:
            diffs.append(
                f"{plan.po} [{plan.kind}]: {creates[plan.po]} processed Lingxing creates,"
                f" predicted {want.lx_creates}"
            )
    return diffs


@dataclass
class _DscoWrites:
    acks: Counter[str]
    shipped: dict[str, Counter[str]]  # po -> tracking -> successful elements carrying it
    invoices: Counter[str]
    failures: list[str]


def _dsco_writes(state: Json, strict_failures: bool) -> _DscoWrites:
    writes = _DscoWrites(Counter(), defaultdict(Counter), Counter(), [])
    for request in state["requests"]:
        for entry in request["entries"]:
            _count_entry(writes, request["operation"], entry, strict_failures)
    return writes


# What DSCO may refuse without anything being wrong (see the module docstring).
EXPECTED_REFUSALS = {
    "acknowledgeOrders": {"ALREADY_ACKNOWLEDGED", "INVALID_ORDER_STATE"},
    "createShipmentSmallBatch": {"DUPLICATE_TRACKING_NUMBER", "INVALID_ORDER_STATE"},
    "createInvoiceSmallBatch": {"DUPLICATE_INVOICE_ID"},
}


def _count_entry(writes: _DscoWrites, operation: str, entry: Json, strict: bool) -> None:
    payload: Any = entry["payload"]
    if entry["status"] != "success":
        codes = [str(r.get("code", "")) for r in entry.get("results") or [] if isinstance(r, dict)]
        expected = bool(codes) and set(codes) <= EXPECTED_REFUSALS.get(operation, set())
        if strict and not expected:
            writes.failures.append(f"{operation} {_key(operation, payload)} failed: {codes}")
        return
    if operation == "acknowledgeOrders":
        writes.acks[str(payload["id"])] += 1
    elif operation == "createShipmentSmallBatch":
        for shipment in payload.get("shipments") or []:
            writes.shipped[str(payload["poNumber"])][str(shipment["trackingNumber"])] += 1
    elif operation == "createInvoiceSmallBatch":
        writes.invoices[str(payload["invoiceId"])] += 1


def _key(operation: str, payload: Any) -> str:
    if not isinstance(payload, dict):
        return "?"
    return str(payload.get("id") or payload.get("poNumber") or payload.get("invoiceId") or "?")


def _dsco_order(plan: OrderPlan, order: Json | None, writes: _DscoWrites) -> list[str]:
    want, tag = plan.prediction, f"{plan.po} [{plan.kind}]"
    diffs = []
    if writes.acks[plan.po] != want.acks:
        diffs.append(f"{tag}: {writes.acks[plan.po]} DSCO ACKs, predicted {want.acks}")
    sent = writes.shipped.get(plan.po, Counter())
    if sorted(sent.elements()) != sorted(want.tracking):
        diffs.append(f"{tag}: shipments sent {dict(sent)}, predicted {sorted(want.tracking)}")
    packages = [p["trackingNumber"] for p in (order or {}).get("packages") or []]
    if sorted(packages) != sorted(want.tracking):
        diffs.append(f"{tag}: DSCO packages {packages}, predicted {sorted(want.tracking)}")
    dates = {p["trackingNumber"]: p.get("shipDate") for p in (order or {}).get("packages") or []}
    for tracking, date in plan.ship_dates_utc().items():
        if tracking in dates and dates[tracking] != date:
            diffs.append(f"{tag}: shipDate of {tracking} is {dates[tracking]}, predicted {date}")
    invoices = writes.invoices[plan.po]
    if invoices != int(want.invoiced):
        diffs.append(f"{tag}: {invoices} DSCO invoices, predicted {int(want.invoiced)}")
    return diffs


def _invoice(plan: OrderPlan, invoice: Json) -> list[str]:
    """The one invoice of a fully shipped PO: shipped quantities, price rule, total, date."""
    tag, diffs = f"{plan.po} [{plan.kind}]", []
    billed: Counter[str] = Counter()
    for line in invoice.get("lineItems") or []:
        billed[str(line.get("partnerSku") or line.get("sku"))] += int(line["quantity"])
    ordered: Counter[str] = Counter()
    for msku, quantity in plan.lines:
        ordered[msku] += quantity
    if billed != ordered:
        diffs.append(f"{tag}: invoice quantities {dict(billed)}, predicted {dict(ordered)}")
    total = Decimal(str(invoice.get("totalAmount")))
    if total != plan.invoice_total():
        diffs.append(f"{tag}: invoice totalAmount {total}, predicted {plan.invoice_total()}")
    date, want = invoice.get("invoiceDate"), plan.last_ship_date_utc()
    if date != want:
        diffs.append(f"{tag}: invoiceDate {date}, predicted {want}")
    return diffs


async def verify(
    control: SandboxControl,
    plans: list[OrderPlan],
    rows: dict[str, LocalRow],
    *,
    strict_failures: bool = True,
) -> list[str]:
    """Every difference between the predictions and the final state (empty: all as predicted).

    ``strict_failures`` reports every failed DSCO element; without it (fault injection, poison
    orders) only ``DUPLICATE…`` failures are reported."""
    diffs = [d for plan in plans for d in _local(plan, rows.get(plan.po))]
    diffs += await _lingxing(control, plans)
    state = await control.dsco_state()
    writes = _dsco_writes(state, strict_failures)
    orders = {o["poNumber"]: o for o in state["orders"]}
    for plan in plans:
        diffs += _dsco_order(plan, orders.get(plan.po), writes)
    in_dsco = Counter(str(i.get("invoiceId")) for i in state["invoices"])
    invoices = {str(i.get("invoiceId")): i for i in state["invoices"]}
    for plan in plans:
        if in_dsco[plan.po] != int(plan.prediction.invoiced):
            diffs.append(f"{plan.po} [{plan.kind}]: DSCO holds {in_dsco[plan.po]} invoices")
        elif plan.po in invoices:
            diffs += _invoice(plan, invoices[plan.po])
    return diffs + writes.failures
