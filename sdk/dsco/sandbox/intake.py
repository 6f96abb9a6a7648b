"""Turning a batch POST body into element plans: key, validation problems, injected faults.

Structural problems come from the hand rules (``validation``) first; when those pass and the
``validate_with_models`` switch is on, the element must also satisfy the DSCO client's strict
request models (``sdk.dsco.models``), so the sandbox rejects anything our own client would not
be allowed to send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from sdk.dsco.models import Invoice, ItemInventory, OrderAck, ShipmentForOrder

from .batches import ElementPlan
from .faults import FaultSpec, applies_to
from .messages import VALIDATION_FAILED, Message, message
from .switches import SandboxSwitches
from .validation import ORDER_REFS, check_ack, check_inventory, check_invoice, check_shipments

OPERATION_OF_PATH = {
    "/order/acknowledge": "acknowledgeOrders",
    "/order/shipment/batch/small": "createShipmentSmallBatch",
    "/invoice/batch/small": "createInvoiceSmallBatch",
    "/inventory/batch/small": "updateInventorySmallBatch",
}
REQUEST_MODELS: dict[str, type[BaseModel]] = {
    "acknowledgeOrders": OrderAck,
    "createShipmentSmallBatch": ShipmentForOrder,
    "createInvoiceSmallBatch": Invoice,
    "updateInventorySmallBatch": ItemInventory,
}
_HAND_RULES: dict[str, Callable[[Any, SandboxSwitches], list[Message]]] = {
    "acknowledgeOrders": lambda e, _sw: check_ack(e),
    "createShipmentSmallBatch": check_shipments,
    "createInvoiceSmallBatch": check_invoice,
    "updateInventorySmallBatch": lambda e, _sw: check_inventory(e),
}


def element_key(operation: str, element: Any) -> str | None:
    """How a caller finds this element's result: ACK id, order reference, invoiceId or sku."""
    if not isinstance(element, dict):
        return None
    if operation == "acknowledgeOrders":
        value = element.get("id")
    elif operation == "createShipmentSmallBatch":
        value = next((element[k] for k in ORDER_REFS if element.get(k)), None)
    elif operation == "createInvoiceSmallBatch":
        value = element.get("invoiceId")
    else:
        value = element.get("sku")
    return None if value is None else str(value)


def element_problems(operation: str, element: Any, sw: SandboxSwitches) -> list[Message]:
    problems = _HAND_RULES[operation](element, sw)
    if problems or not sw.validate_with_models:
        return problems
    try:
        REQUEST_MODELS[operation].model_validate(element)
    except ValidationError as exc:
        return [
            message(VALIDATION_FAILED, f"$.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
            for err in exc.errors(include_url=False, include_input=False)
        ]
    return []


def logged_payload(operation: str, element: Any) -> Any:
    """The entry payload: the element as submitted (an ACK's ``id`` always as a string)."""
    if operation == "acknowledgeOrders" and isinstance(element, dict) and "id" in element:
        return {**element, "id": str(element["id"])}
    return element


def plan_elements(operation: str, elements: list[Any], sw: SandboxSwitches) -> list[ElementPlan]:
    """One plan per element, in order, with its key and validation problems."""
    return [
        ElementPlan(
            logged_payload(operation, element),
            element_key(operation, element),
            problems=element_problems(operation, element, sw),
        )
        for element in elements
    ]


def apply_faults(plans: list[ElementPlan], faults: list[FaultSpec]) -> None:
    """Mark the elements the taken element faults apply to."""
    for fault in faults:
        for plan in plans:
            if applies_to(fault, plan.key):
                _apply_fault(plan, fault)


def _apply_fault(plan: ElementPlan, fault: FaultSpec) -> None:
    if fault.kind == "drop_log":
        plan.drop_log = True
    elif fault.kind == "delay_log":
        plan.log_delay = fault.seconds
    elif fault.kind == "fail_elements":
        plan.injected = [message(fault.code, fault.description)]
