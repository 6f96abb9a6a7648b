"""The whole order pipeline end to end against both sandboxes.

The five jobs run through the real runner and registry, round after round with the warehouse
actor in between, until a round changes nothing; the final DB rows and the sandboxes' own
records must match what :mod:`tests.e2e.scenario` predicts from the design, order by order.
The harness (clients without rate limits, 3 s timeouts) is :mod:`tests.e2e.scenario_harness`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from jobs.context import RunResult
from tests.e2e.scenario_harness import E2E, HANG_SECONDS
from tests.e2e.scenario_plan import CANCEL_BEFORE_PUSH, KINDS, PARTIAL, PLAIN, SPLIT
from tests.e2e.scenario_verify import LocalRow


def _report(diffs: list[str], limit: int = 40) -> str:
    more = f"\n... and {len(diffs) - limit} more" if len(diffs) > limit else ""
    return "\n".join(diffs[:limit]) + more


async def _repull_everything(e2e: E2E) -> RunResult:
    start = int((datetime(2026, 2, 10, tzinfo=UTC) - timedelta(days=1)).timestamp())
    end = int(datetime.now(UTC).timestamp())
    return await e2e.run_job("pull_dsco_orders", overrides={"start": start, "end": end})


async def test_500_orders_end_in_the_predicted_state_with_exactly_the_expected_writes(
    e2e: E2E,
) -> None:
    # The strictest DSCO account policies the sandbox knows: every write must still pass.
    e2e.vendors.dsco.update_switches(
        strict_total=True,
        require_invoice_date=True,
        invoice_must_cover_whole_order=True,
        reject_invoice_tracking_number=True,
        require_carrier_and_method=True,
        require_warehouse_code=True,
        require_line_number=True,
        ack_repeat_fails=True,
    )
    scenario = await e2e.scenario(500, size=200)
    assert len(scenario.plans) == 500
    assert {p.kind for p in scenario.plans} == set(KINDS)
    reports = await e2e.play(scenario, max_rounds=12)
    assert reports[-1].changed_rows == reports[-1].actions == 0, reports
    for report in reports:
        failed = {job: r for job, r in report.job_results.items() if r.status != "ok"}
        assert not failed, failed
    assert len(reports) >= 5, "review, ack, ship, second partial shipment, quiet round"

    rows = await e2e.rows()
    diffs = await scenario.verify(rows)
    assert not diffs, _report(diffs)

    # A manual re-pull of the whole range changes no status and clears nothing (D3).
    result = await _repull_everything(e2e)
    assert result.status == "ok", result
    assert result.counters["total"] == 500
    assert await e2e.rows() == rows
    assert not await scenario.verify(rows)


async def test_the_story_needs_several_rounds(e2e: E2E) -> None:
    """The scenario really exercises partial shipments and splits: intermediate states show."""
    scenario = await e2e.scenario(40, size=50, seed=3)
    await e2e.play(scenario, max_rounds=2)
    rows = await e2e.rows()
    partial = scenario.of_kind(PARTIAL)[0]
    # Round 1 reviews, round 2 acknowledges and the first half ships in the actor's step.
    assert rows[partial.po].status == 3
    for plan in scenario.of_kind(CANCEL_BEFORE_PUSH):
        assert rows[plan.po].status == 6
        assert not vendors_orders(e2e, plan.po)
    split = scenario.of_kind(SPLIT)[0]
    children = [o for o in e2e.vendors.lingxing.orders_for(split.po) if o.split_type == "3"]
    assert len(children) == len(split.lines) >= 2
    plain = scenario.of_kind(PLAIN)[0]
    assert rows[plain.po].status == 3  # acknowledged in round 2, shipped by the actor after it

    # verify() reports unfinished orders and a duplicate write, readably.
    accepted = await e2e.vendors.clients.require_dsco().acknowledge([plain.po])
    await e2e.vendors.clients.require_dsco().wait_for_request(
        "order", accepted.request_id, [plain.po], timeout=5, poll_interval=0.2
    )
    diffs = await scenario.verify(rows)
    assert f"{plain.po} [plain]: status 3, predicted 5" in diffs
    assert f"{plain.po} [plain]: 2 DSCO ACKs, predicted 1" in diffs


def vendors_orders(e2e: E2E, po: str) -> list[Any]:
    return e2e.vendors.lingxing.orders_for(po, include_deleted=True)


async def _inject_faults(e2e: E2E) -> None:
    """5xx, timeouts (hangs longer than the client waits), 3001008 storms, token expiry and
    dropped change-log entries, on every vendor path the pipeline writes or reads."""
    dsco, lx = e2e.vendors.dsco, e2e.vendors.lingxing
    # The order pages are how pull, ack and ship learn DSCO's state (D13).
    dsco.add_fault(path="/order/page", kind="status", status=503, count=6)
    dsco.add_fault(path="/order/page", kind="rate_limit", count=3)
    dsco.add_fault(path="/order/acknowledge", kind="status", status=502, count=1)
    dsco.add_fault(path="/order/acknowledge", kind="drop_log", count=1)
    dsco.add_fault(path="/order/shipment/batch/small", kind="status", status=503, count=1)
    dsco.add_fault(
        path="/order/shipment/batch/small", kind="status", status=504, after_processing=True
    )
    dsco.add_fault(path="/order/shipment/batch/small", kind="drop_log", count=1)
    dsco.add_fault(path="/order/shipment/batch/small", kind="hang", seconds=HANG_SECONDS)
    dsco.add_fault(path="/invoice/batch/small", kind="hang", seconds=HANG_SECONDS)
    dsco.add_fault(path="/invoice/batch/small", kind="drop_log", count=1)
    dsco.add_fault(path="/invoice", kind="status", status=500, count=2)
    create, listing = "/pb/mp/order/v2/create", "/pb/mp/order/v2/list"
    lx.inject(create, "timeout", seconds=HANG_SECONDS)
    lx.inject(create, "http_error", status=502)
    lx.inject(listing, "rate_limit", count=9)  # a storm: more than one call's retries
    lx.inject(listing, "server_error")
    lx.inject("/erp/sc/routing/wms/order/wmsOrderList", "rate_limit", count=5)
    lx.inject("*", "token_expired")
    lx.expire_tokens()


class HangWatch:
    """Between rounds: when an injected hang fired, give the vendor the time to finish the
    held call before the next round, as the 15 minutes between scheduled runs would. (Without
    it the next run's existence check can run while Lingxing is still processing the timed-out
    create, and the order is sent a second time: see the report of this test module.)"""

    def __init__(self, e2e: E2E) -> None:
        self.e2e = e2e
        self.armed = self._hangs()

    def _hangs(self) -> int:
        dsco = sum(1 for f in self.e2e.vendors.dsco.faults.active() if f.spec.kind == "hang")
        queues = self.e2e.vendors.lingxing.faults.pending().values()
        return dsco + sum(1 for queue in queues for f in queue if f["kind"] == "hang")

    async def __call__(self) -> None:
        now = self._hangs()
        if now < self.armed:
            await asyncio.sleep(HANG_SECONDS + 0.5)
        self.armed = now


async def test_vendor_faults_delay_but_never_duplicate(e2e: E2E) -> None:
    scenario = await e2e.scenario(60, size=25, seed=11)
    watch: HangWatch | None = None

    async def faults() -> None:
        nonlocal watch
        await _inject_faults(e2e)
        watch = HangWatch(e2e)

    async def between() -> None:
        assert watch is not None
        await watch()

    reports = await e2e.play(
        scenario,
        max_rounds=20,
        quiet_rounds=2,
        before_rounds=faults,
        between_rounds=between,
    )
    assert reports[-1].changed_rows == reports[-1].actions == 0, reports
    rows = await e2e.rows()
    diffs = await scenario.verify(rows, strict_failures=False)
    assert not diffs, _report(diffs)
    # The faults really happened (each rule is consumed when it fires).
    assert not e2e.vendors.dsco.faults.active()
    assert not e2e.vendors.lingxing.faults.pending()
    outcomes = {c.outcome for c in e2e.vendors.lingxing.call_log()}
    assert {"3001008", "2001003"} <= outcomes, outcomes


async def test_one_poisoned_order_never_stops_the_rest_of_its_batch(e2e: E2E) -> None:
    """DSCO rejects one order's ACK, another's shipment, a third one's invoice, every time;
    every other order of the same batches still ends as predicted."""
    scenario = await e2e.scenario(30, size=50, seed=5)
    ack_po, ship_po, invoice_po = (p.po for p in scenario.of_kind(PLAIN)[:3])
    rejected = {"kind": "fail_elements", "count": None, "code": "VALIDATION_FAILED"}
    e2e.vendors.dsco.add_fault(path="/order/acknowledge", keys=(ack_po,), **rejected)
    e2e.vendors.dsco.add_fault(path="/order/shipment/batch/small", keys=(ship_po,), **rejected)
    e2e.vendors.dsco.add_fault(path="/invoice/batch/small", keys=(invoice_po,), **rejected)

    reports = await e2e.play(scenario, max_rounds=6)
    assert all(r.failures for r in reports[1:]), "the poisoned orders fail in every round"
    rows = await e2e.rows()
    assert (rows[ack_po].status, rows[ship_po].status, rows[invoice_po].status) == (2, 3, 4)
    poisoned = (ack_po, ship_po, invoice_po)
    diffs = await scenario.verify(rows, strict_failures=False)
    others = [d for d in diffs if not d.startswith(poisoned)]
    assert not others, _report(others)
    assert any(d.startswith(ack_po) for d in diffs)  # the poisoned ones are reported


async def test_scenario_over_the_http_control_apis(e2e_http: E2E) -> None:
    """The scenario driven through ``/__sandbox/...`` only ends exactly as predicted too."""
    scenario = await e2e_http.scenario(30, size=50, seed=9)
    await e2e_http.control.dsco_rate_limits(False)
    reports = await e2e_http.play(scenario, max_rounds=10)
    assert reports[-1].quiet, reports
    diffs = await scenario.verify(await e2e_http.rows())
    assert not diffs, _report(diffs)


async def test_an_order_dsco_starts_serving_unreadable_ships_from_its_stored_copy(
    e2e: E2E,
) -> None:
    """DSCO starts serving one acknowledged order as something that is not an order at all (a
    string). The sweep cannot read it, so it refreshes nothing for it; the order ships and is
    invoiced from the copy stored when it was pulled, and nothing else is held up."""
    scenario = await e2e.scenario(30, size=50, seed=5)
    await e2e.play(scenario, max_rounds=2)
    bad = scenario.of_kind(PLAIN)[0]
    assert (await e2e.rows())[bad.po].status == 3  # acknowledged, shipped in Lingxing
    e2e.vendors.dsco.serve_as(bad.po, "unusable")

    for number in range(3, 8):
        await scenario.round(e2e.run_job, e2e.rows, number)
    rows = await e2e.rows()
    assert rows[bad.po].status == 5
    diffs = await scenario.verify(rows, strict_failures=False)
    others = [d for d in diffs if not d.startswith(bad.po)]
    assert not others, _report(others)


async def test_merged_lingxing_order_ships_and_invoices_each_po(e2e: E2E) -> None:
    """Lingxing users merge two pending orders of one store into one order (one parcel). The
    outbound order carries both POs (``jobs.wms.group_by_po`` hands it to each PO), so each
    PO's shipment and invoice must take its own lines and leave the other PO's lines alone."""
    scenario = await e2e.scenario(20, size=50, seed=5)
    await e2e.play(scenario, max_rounds=0, pull_margin=0)
    await e2e.run_job("push_to_lingxing")
    first, second = scenario.of_kind(PLAIN)[:2]
    lingxing = e2e.vendors.lingxing
    lingxing.merge([first.po, second.po])
    lingxing.review(first.po)
    await e2e.run_job("ack_to_dsco")
    lingxing.ship(first.po, tracking_no="1ZMERGED", at="2026-03-01 10:00:00")
    await e2e.run_job("ship_to_dsco")
    await e2e.run_job("invoice_to_dsco")
    rows = await e2e.rows()
    for plan in (first, second):
        assert rows[plan.po] == LocalRow(5, ("1ZMERGED",), plan.po), plan.kind
        order = e2e.vendors.dsco.order(plan.po)
        assert order is not None
        [package] = order["packages"]
        assert [item["quantity"] for item in package["items"]] == [q for _, q in plan.lines]
