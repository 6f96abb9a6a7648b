"""Pure building blocks of ``sync_stock``: per-SKU sums, SKU mapping, rows, items.

Terms: a *code* is a DSCO warehouse code, a *wid* the Lingxing warehouse id it maps to; an
*lx_sku* is a Lingxing SKU and a *sku* the DSCO SKU it maps to (reverse ``mapping.sku``, same
name by default).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from db.warehouse_sync import STATUS_FAILED, STATUS_OK, SyncRow
from jobs.untrusted import MAX_IDENTIFIER, identifier_problem, printable
from sdk.dsco.models import InventoryWarehouse, ItemInventory

REASON_COMPARED = "compared"
REASON_UPDATED = "updated"
REASON_COLLISION = "dsco_sku_collision"
REASON_NOT_FOUND = "dsco_item_not_found"
REASON_UNREADABLE = "lingxing_row_unreadable"
# A warehouse holding more than a billion units of one SKU is a data error on either side.
MAX_STOCK = 1_000_000_000


def sum_by_sku(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """``(lx_sku, quantity)`` rows → total per SKU (Lingxing has one row per stock granularity)."""
    totals: dict[str, int] = {}
    for sku, quantity in rows:
        if sku:
            totals[sku] = totals.get(sku, 0) + max(quantity, 0)
    return totals


@dataclass
class SkuPlan:
    """Everything known about one DSCO SKU: the Lingxing SKU and quantity per warehouse code."""

    sku: str
    lx_sku: str
    lingxing: dict[str, int] = field(default_factory=dict)  # code → quantity
    dsco: dict[str, int] = field(default_factory=dict)  # code → quantity read from DSCO
    failure: str | None = None  # set: nothing is written for this SKU; every row is failed


def plan_skus(
    stock: Mapping[str, Mapping[str, int]],
    codes: Iterable[str],
    sku_reverse: Mapping[str, str],
    unreadable: Collection[str] = (),
) -> list[SkuPlan]:
    """One plan per DSCO SKU, carrying every code of ``codes`` (absent stock counts as 0).

    ``stock`` is code → lx_sku → quantity. Two Lingxing SKUs landing on one DSCO SKU (a mapped
    SKU and an unmapped one of the same name) make that SKU fail instead of mixing them, and
    so does a Lingxing SKU in ``unreadable`` (one of its stock rows could not be read).
    """
    codes = list(codes)
    plans: dict[str, SkuPlan] = {}
    per_code = {code: dict(stock.get(code, {})) for code in codes}
    for lx_sku in unreadable if codes else ():  # planned even with no readable row: shown failed
        per_code[codes[0]].setdefault(lx_sku, 0)
    for code in codes:
        for lx_sku, quantity in per_code[code].items():
            sku = sku_reverse.get(lx_sku, lx_sku)
            plan = plans.setdefault(sku, SkuPlan(sku=sku, lx_sku=lx_sku))
            if plan.lx_sku != lx_sku:
                plan.failure = f"{REASON_COLLISION}: {plan.lx_sku} and {lx_sku}"
            elif lx_sku in unreadable:
                plan.failure = REASON_UNREADABLE
            plan.lingxing[code] = plan.lingxing.get(code, 0) + quantity
    for plan in plans.values():
        for code in codes:
            plan.lingxing.setdefault(code, 0)
    return sorted(plans.values(), key=lambda p: p.sku)


def check_plausible(plan: SkuPlan) -> None:
    """Fail a plan whose SKU cannot be a vendor key or whose quantities are absurd: nothing of
    it is written to DSCO, and its rows say why."""
    if plan.failure:
        return
    problem = identifier_problem(plan.sku)
    if problem:
        plan.failure = f"bad_sku: {problem}"
    elif any(not 0 <= q <= MAX_STOCK for q in [*plan.lingxing.values(), *plan.dsco.values()]):
        plan.failure = f"implausible_quantity: above {MAX_STOCK}"


def dsco_quantities(item: Mapping[str, Any] | None) -> dict[str, int] | None:
    """Warehouse code → quantity of a raw DSCO inventory object (null counts as 0)."""
    if item is None:
        return None
    result: dict[str, int] = {}
    for warehouse in item.get("warehouses") or []:
        if isinstance(warehouse, Mapping) and warehouse.get("code"):
            result[str(warehouse["code"])] = _int(warehouse.get("quantity"))
    return result


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def build_rows(
    plan: SkuPlan, wids: Mapping[str, str], sync_time: int, ok_reason: str
) -> list[SyncRow]:
    """One ``dsco_warehouse_sync`` row per warehouse of ``plan``."""
    status = STATUS_FAILED if plan.failure else STATUS_OK
    return [
        SyncRow(
            sync_time=sync_time,
            dsco_warehouse_id=code,
            # Escaped: a refused SKU may hold characters PostgreSQL cannot store.
            dsco_warehouse_sku=printable(plan.sku, MAX_IDENTIFIER * 2),
            dsco_warehouse_num=_bounded(plan.dsco.get(code, 0)),
            lingxing_warehouse_id=wids.get(code, ""),
            lingxing_warehouse_sku=printable(plan.lx_sku, MAX_IDENTIFIER * 2),
            lingxing_warehouse_num=_bounded(quantity),
            status=status,
            reason=plan.failure or ok_reason,
        )
        for code, quantity in sorted(plan.lingxing.items())
    ]


def _bounded(quantity: int) -> int:
    # What the row records of an implausible quantity (the plan has failed already).
    return min(max(quantity, -MAX_STOCK), MAX_STOCK)


def build_item(plan: SkuPlan) -> ItemInventory:
    """One DSCO inventory item carrying every warehouse of the SKU; the total is their sum."""
    total = sum(plan.lingxing.values())
    return ItemInventory(
        sku=plan.sku,
        partner_sku=plan.sku,
        status="in-stock" if total > 0 else "out-of-stock",
        warehouses=[
            InventoryWarehouse(code=code, quantity=quantity)
            for code, quantity in sorted(plan.lingxing.items())
        ],
        quantity_available=total,
    )
