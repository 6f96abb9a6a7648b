"""What a drain costs at DSCO: calls grow with what changed, not with open orders × runs (D13).

N orders go through all five order jobs against both sandboxes with DSCO's rate limits on (the
sandbox answers 429 past them, the client keeps under them) and a warehouse that reviews and
ships between the runs. Counted from the DSCO sandbox's own record of the calls it answered:
the whole drain stays within a quarter of a call per order, single-order reads within one in
twenty orders, no call is refused with 429, and runs with nothing to do make no DSCO call.
"""

from __future__ import annotations

from collections import Counter

from jobs.states import OrderStatus
from tests.integration.vendors import Vendors

N = 200
STORE, RETAILER, WAREHOUSE, WID = "111", "1000023456", "ACME-NJ", 26
JOBS = ("pull_dsco_orders", "push_to_lingxing", "ack_to_dsco", "ship_to_dsco", "invoice_to_dsco")
SINGLE_READS = {("GET", "/order/"), ("GET", "/invoice")}


async def _setup(vendors: Vendors) -> list[str]:
    vendors.lingxing.add_store(STORE, store_name="DSCO store", platform_code=10008)
    vendors.lingxing.add_warehouse(WID, name="NJ")
    await vendors.configure(
        mapping={
            "shop": {RETAILER: STORE},
            "warehouse": {WAREHOUSE: str(WID)},
            "shipment": {f"{WAREHOUSE}-FEHD": "900"},
        }
    )
    return vendors.dsco.generate_orders(
        count=N, retailer_ids=(RETAILER,), warehouse_codes=(WAREHOUSE,), max_lines=2,
        max_quantity=2,
    )  # fmt: skip


async def _run(vendors: Vendors, job: str) -> int:
    """Run ``job`` (it must end ok); the DSCO calls it made."""
    before = len(vendors.dsco.calls())
    result = await vendors.run(job)
    assert result.status == "ok", result
    return len(vendors.dsco.calls()) - before


def _warehouse(vendors: Vendors, pos: list[str], round_no: int) -> None:
    """Review what waits for review, ship what was reviewed (one tracking number each)."""
    for po in pos:
        for order in vendors.lingxing.orders_for(po, include_deleted=False):
            if order.status == 4:
                vendors.lingxing.review(po, global_order_no=order.global_order_no)
            elif order.status == 5:
                vendors.lingxing.ship(
                    po, tracking_no=f"1Z{round_no}{po}", global_order_no=order.global_order_no
                )


async def _statuses(vendors: Vendors) -> Counter[int]:
    rows = await vendors.pool.fetch("SELECT status FROM dsco_order_sync")
    return Counter(int(r["status"]) for r in rows)


async def test_a_drain_costs_a_quarter_dsco_call_per_order(vendors: Vendors) -> None:
    pos = await _setup(vendors)
    idle: dict[str, int] = {}
    for round_no in range(6):
        for job in JOBS:
            calls = await _run(vendors, job)
            if round_no == 0 and job in ("ack_to_dsco", "ship_to_dsco"):
                idle[job] = calls  # nothing reviewed or shipped in Lingxing yet
        if (await _statuses(vendors))[OrderStatus.DONE] == N:
            break
        _warehouse(vendors, pos, round_no)
    assert (await _statuses(vendors))[OrderStatus.DONE] == N
    calls = vendors.dsco.calls()
    by_kind = Counter((c.method, c.path) for c in calls)
    print(f"\nDSCO calls for {N} orders: {len(calls)} ({len(calls) / N:.3f}/order) {by_kind}")
    assert idle == {"ack_to_dsco": 0, "ship_to_dsco": 0}
    assert len(calls) <= 0.25 * N
    assert sum(by_kind[kind] for kind in SINGLE_READS) <= 0.05 * N
    assert [c for c in calls if c.status == 429] == []
    # Exactly the writes the drain needs: one ACK, one shipment and one invoice per order.
    assert len(vendors.dsco.snapshot()["invoices"]) == N
