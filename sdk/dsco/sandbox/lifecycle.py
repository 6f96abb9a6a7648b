"""Order lifecycle rules (§5.2): acknowledgements, shipments and status changes.

Each ``apply_*`` processes one already well-formed batch element against the current state. It
returns the failure messages (empty = success) and changes nothing when it fails: an element is
all-or-nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from .clock import format_ts
from .messages import (
    ALREADY_ACKNOWLEDGED,
    DUPLICATE_TRACKING_NUMBER,
    INVALID_ORDER_STATE,
    ITEM_NOT_ON_ORDER,
    ORDER_NOT_FOUND,
    PACKAGE_SPAN_FLAG_REQUIRED,
    QUANTITY_EXCEEDS_REMAINING,
    UNKNOWN_WAREHOUSE,
    VALIDATION_FAILED,
    Message,
    message,
)
from .orders import ORDER_KEYS, OrderBook, OrderRecord
from .switches import SandboxSwitches
from .validation import ITEM_IDS, present

ACK_KEYS = {
    "DSCO_ORDER_ID": "dscoOrderId",
    "PO_NUMBER": "poNumber",
    "SUPPLIER_ORDER_NUMBER": "supplierOrderNumber",
}
_PACKAGE_ITEM_IDS = ("lineNumber", "sku", "partnerSku", "dscoItemId")


def resolve_order(book: OrderBook, element: dict[str, Any]) -> OrderRecord | Message:
    """The order named by ``dscoOrderId``/``poNumber``/``supplierOrderNumber`` (all must agree)."""
    found = {key: book.find(key, element[key]) for key in ORDER_KEYS if present(element.get(key))}
    records = list(found.values())
    if not records or any(r is None for r in records):
        return message(ORDER_NOT_FOUND, "no order of this supplier matches the reference")
    first = records[0]
    assert first is not None
    if any(r is not first for r in records):
        return message(VALIDATION_FAILED, "the order references name different orders")
    return first


def resolve_line(rec: OrderRecord, item: dict[str, Any]) -> int | None:
    """Index of the order line ``item`` names: first identifier present wins, lineNumber agrees."""
    key = next((k for k in ITEM_IDS if present(item.get(k))), None)
    if key is None:
        return None
    wanted = str(item[key])
    candidates = [i for i, line in enumerate(rec.lines) if str(line.get(key)) == wanted]
    number = item.get("lineNumber")
    if number is not None:
        candidates = [i for i in candidates if rec.lines[i].get("lineNumber") == number]
    return candidates[0] if candidates else None


def apply_ack(
    book: OrderBook, element: dict[str, Any], sw: SandboxSwitches, now: datetime
) -> list[Message]:
    rec = book.find(ACK_KEYS[element["type"]], str(element["id"]))
    if rec is None:
        return [message(ORDER_NOT_FOUND, "no order of this supplier matches the id")]
    if rec.status == "shipment_pending":
        return (
            [message(ALREADY_ACKNOWLEDGED, "order already acknowledged")]
            if sw.ack_repeat_fails
            else []
        )
    if rec.status != "created":
        return [message(INVALID_ORDER_STATE, f"cannot acknowledge an order in status {rec.status}")]
    if present(element.get("supplierOrderNumber")):
        rec.data["supplierOrderNumber"] = element["supplierOrderNumber"]
    rec.set_status("shipment_pending", now)
    return []


def change_status(rec: OrderRecord, status: str, now: datetime) -> None:
    """Move an order to ``status`` outside any API call (control API: cancel, ack, ship)."""
    for i, line in enumerate(rec.lines):
        if status == "cancelled":
            rec.cancelled[i] = rec.ordered(i) - rec.shipped[i]
            if rec.cancelled[i] and not rec.shipped[i]:
                line["status"] = "cancelled"
        elif status == "shipped":
            # Shipped outside the API (no packages): the units become invoiceable.
            rec.shipped[i] = rec.ordered(i) - rec.cancelled[i]
        else:
            continue
        rec.sync_line_quantities(i)
    rec.set_status(status, now)


class _ShipmentPlan:
    """What one shipments element would do, gathered before anything changes."""

    def __init__(self) -> None:
        self.problems: list[Message] = []
        self.packages: list[tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]] = []
        self.units: Counter[int] = Counter()
        self.trackings_per_line: defaultdict[int, set[str]] = defaultdict(set)
        self.unflagged_lines: set[int] = set()


def apply_shipments(
    book: OrderBook,
    element: dict[str, Any],
    sw: SandboxSwitches,
    warehouses: set[str],
    now: datetime,
) -> list[Message]:
    rec = resolve_order(book, element)
    if isinstance(rec, dict):
        return [rec]
    if rec.status == "cancelled" or (rec.status == "created" and not sw.allow_ship_unacknowledged):
        return [message(INVALID_ORDER_STATE, f"cannot ship an order in status {rec.status}")]
    plan = _plan_shipments(rec, element["shipments"], sw, warehouses)
    plan.problems += _quantity_problems(rec, plan, sw)
    if plan.problems:
        return plan.problems
    for shipment, lines in plan.packages:
        _add_package(rec, shipment, lines, now)
    if plan.packages:
        _advance_after_shipment(rec, sw, now)
    return []


def _plan_shipments(
    rec: OrderRecord, shipments: list[dict[str, Any]], sw: SandboxSwitches, warehouses: set[str]
) -> _ShipmentPlan:
    plan = _ShipmentPlan()
    known = {p.get("trackingNumber") for p in rec.data.get("packages") or []}
    seen: set[str] = set()
    for shipment in shipments:
        tracking = shipment["trackingNumber"]
        if tracking in known and sw.duplicate_tracking_idempotent:
            continue
        if tracking in known or tracking in seen:
            plan.problems.append(
                message(DUPLICATE_TRACKING_NUMBER, f"tracking {tracking} already used")
            )
            continue
        seen.add(tracking)
        code = shipment.get("warehouseCode")
        if present(code) and sw.check_warehouses and code not in warehouses:
            plan.problems.append(message(UNKNOWN_WAREHOUSE, f"unknown warehouse code {code}"))
        plan.packages.append((shipment, _plan_lines(rec, shipment, plan)))
    return plan


def _plan_lines(
    rec: OrderRecord, shipment: dict[str, Any], plan: _ShipmentPlan
) -> list[tuple[int, dict[str, Any]]]:
    resolved: list[tuple[int, dict[str, Any]]] = []
    for item in shipment["lineItems"]:
        index = resolve_line(rec, item)
        if index is None:
            plan.problems.append(
                message(ITEM_NOT_ON_ORDER, "a shipment line matches no order line")
            )
            continue
        plan.units[index] += item["quantity"]
        plan.trackings_per_line[index].add(shipment["trackingNumber"])
        if item.get("packageSpanFlag") is not True:
            plan.unflagged_lines.add(index)
        resolved.append((index, item))
    return resolved


def _quantity_problems(rec: OrderRecord, plan: _ShipmentPlan, sw: SandboxSwitches) -> list[Message]:
    problems: list[Message] = []
    if plan.packages and rec.total_remaining() == 0:
        return [message(INVALID_ORDER_STATE, "nothing left to ship on this order")]
    for index, units in sorted(plan.units.items()):
        if units > rec.remaining(index):
            text = f"line {index + 1}: {units} units exceed the {rec.remaining(index)} remaining"
            problems.append(message(QUANTITY_EXCEEDS_REMAINING, text))
    if sw.enforce_package_span:
        for index, trackings in sorted(plan.trackings_per_line.items()):
            if len(trackings) > 1 and index in plan.unflagged_lines:
                text = f"line {index + 1} spans packages without packageSpanFlag"
                problems.append(message(PACKAGE_SPAN_FLAG_REQUIRED, text))
    return problems


def _add_package(
    rec: OrderRecord,
    shipment: dict[str, Any],
    lines: list[tuple[int, dict[str, Any]]],
    now: datetime,
) -> None:
    package = {k: v for k, v in shipment.items() if k != "lineItems"}
    package["items"] = [_package_item(rec, index, item) for index, item in lines]
    rec.data["packages"] = [*(rec.data.get("packages") or []), package]
    for index, item in lines:
        rec.shipped[index] += item["quantity"]
        line = rec.lines[index]
        activity = {
            "action": "ship",
            "quantity": item["quantity"],
            "reason": shipment["trackingNumber"],
            "uuid": uuid.uuid4().hex,
            "activityDate": format_ts(now),
            "updateDate": format_ts(now),
        }
        line["activity"] = [*(line.get("activity") or []), activity]
        rec.sync_line_quantities(index)


def _package_item(rec: OrderRecord, index: int, item: dict[str, Any]) -> dict[str, Any]:
    line = rec.lines[index]
    out: dict[str, Any] = {"quantity": item["quantity"]}
    out.update({k: line[k] for k in _PACKAGE_ITEM_IDS if line.get(k) is not None})
    if item.get("packageSpanFlag") is not None:
        out["packageSpanFlag"] = item["packageSpanFlag"]
    return out


def _advance_after_shipment(rec: OrderRecord, sw: SandboxSwitches, now: datetime) -> None:
    if rec.total_remaining() == 0 or sw.ship_complete_when == "first_shipment":
        rec.set_status("shipped", now)
    else:
        rec.touch(now)
