"""The people in Lingxing (and the retailer) between two pipeline rounds.

Each :meth:`WarehouseActor.step` looks at every scenario order and does what its story asks as
soon as the state allows it:

* pushed orders pending review (status 4) are reviewed (→ 5, with an outbound order);
  ``split`` orders are then split into one sub-order per line;
* ``cancel_after_push``: once the order is in Lingxing, the retailer cancels it in DSCO;
* once DSCO shows the order acknowledged (``shipment_pending``), the warehouse ships it:
  reviewed (sub-)orders ship under their own tracking number; ``partial`` orders get two
  outbound orders in two different rounds (one unit of the first line, then the rest);
  ``deleted_outbound``
  orders get an outbound order that is deleted and replaced by a live one.

Ship times are Beijing wall-clock text, as Lingxing shows them. The actor remembers what it did,
so a step never repeats an action; it returns how many actions it took.
"""

from __future__ import annotations

from tests.e2e.scenario_control import Json, SandboxControl
from tests.e2e.scenario_plan import (
    CANCEL_AFTER_PUSH,
    DELETED_OUTBOUND,
    FULFILLED,
    LX_WID,
    PARTIAL,
    SPLIT,
    STORE,
    OrderPlan,
)

ACTIVE = FULFILLED | {CANCEL_AFTER_PUSH}


class WarehouseActor:
    """Plays the Lingxing users and the warehouse for the scenario's orders."""

    def __init__(self, control: SandboxControl, plans: list[OrderPlan]) -> None:
        self.control = control
        self.plans = [p for p in plans if p.kind in ACTIVE]
        self.done: set[str] = set()
        self.parts: dict[str, int] = {}  # shipments made so far per PO
        self.dsco_changes = 0  # changes made in DSCO by the last step (cancellations)

    async def step(self) -> int:
        self.dsco_changes = 0
        actions = 0
        for plan in self.plans:
            if plan.po not in self.done:
                actions += await self._act(plan)
        return actions

    async def _act(self, plan: OrderPlan) -> int:
        live = await self._live(plan.po)
        if not live:
            return 0  # not in Lingxing yet
        actions = await self._review(plan, live)
        if plan.kind == CANCEL_AFTER_PUSH:
            await self.control.dsco_set_status(plan.po, "cancelled")
            self.done.add(plan.po)
            self.dsco_changes += 1
            return actions + 1
        dsco = await self.control.dsco_order(plan.po)
        if dsco is None or dsco.get("dscoStatus") != "shipment_pending":
            return actions  # not acknowledged yet
        return actions + await self._ship(plan)

    async def _live(self, po: str) -> list[Json]:
        return [o for o in await self.control.lx_orders(po) if not o["is_delete"]]

    async def _review(self, plan: OrderPlan, live: list[Json]) -> int:
        if not any(o["status"] == 4 for o in live):
            return 0
        await self.control.lx_review(plan.po)
        if plan.kind == SPLIT and not any(o["split_type"] == "3" for o in live):
            await self.control.lx_split(plan.po)
            return 2
        return 1

    async def _ship(self, plan: OrderPlan) -> int:
        if plan.kind == PARTIAL:
            return await self._ship_partial(plan)
        if plan.kind == DELETED_OUTBOUND:
            return await self._ship_after_deleted(plan)
        return await self._ship_orders(plan)

    async def _ship_orders(self, plan: OrderPlan) -> int:
        """Every reviewed (sub-)order ships under the next tracking number of the plan."""
        live = sorted(await self._live(plan.po), key=lambda o: int(o["global_order_no"]))
        actions = 0
        for number, order in enumerate(live):
            if order["status"] == 5:
                await self.control.lx_ship(
                    plan.po,
                    plan.tracking[number],
                    plan.ship_times[number],
                    order["global_order_no"],
                )
                actions += 1
        if all(o["status"] in (5, 6) for o in live):
            self.done.add(plan.po)
        return actions

    async def _outbound(self, plan: OrderPlan, lines: list[tuple[str, int]], n: int) -> Json:
        return await self.control.lx_add_outbound(
            plan.po,
            products=[{"sku": msku, "count": qty} for msku, qty in lines],
            tracking_no=plan.tracking[n],
            delivered_at=plan.ship_times[n],
            sid=int(STORE),
            wid=LX_WID,
        )

    async def _ship_partial(self, plan: OrderPlan) -> int:
        """One unit of the first line in one round, everything else in a later round (so a line
        of two or more units spans both parcels)."""
        made = self.parts.get(plan.po, 0)
        (first, quantity), rest = plan.lines[0], list(plan.lines[1:])
        later = [(first, quantity - 1)] if quantity > 1 else []
        part = [(first, 1)] if made == 0 else later + rest
        await self._outbound(plan, part, made)
        self.parts[plan.po] = made + 1
        if made + 1 == 2:
            self.done.add(plan.po)
        return 1

    async def _ship_after_deleted(self, plan: OrderPlan) -> int:
        """An outbound order with a tracking number is deleted; a new one ships the order."""
        stale = await self.control.lx_add_outbound(
            plan.po,
            products=[{"sku": msku, "count": qty} for msku, qty in plan.lines],
            tracking_no=plan.deleted_tracking,
            delivered_at=plan.ship_times[0],
            sid=int(STORE),
            wid=LX_WID,
        )
        await self.control.lx_delete_outbound(str(stale["wo_number"]))
        await self._outbound(plan, list(plan.lines), 0)
        self.done.add(plan.po)
        return 3
