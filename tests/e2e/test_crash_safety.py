"""Crash safety: SIGKILL the real daemon again and again while it drains a workload.

One sandbox process (both vendors) outlives every daemon. The daemon runs the five order jobs
every second against the test database; it is killed at random moments (seeded RNG, the seed is
printed), and between kills a "warehouse" reviews and ships what reached Lingxing. A final
daemon then drains everything and stops on SIGTERM with exit code 0. The end state must be what
a run without crashes gives: every order done, exactly one Lingxing order, ACK, shipment per
tracking number and invoice per PO (docs/design.md, "The order state machine", D6, D7).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.e2e.crash_harness import (
    RECOVERY_REASONS,
    Control,
    DaemonProcess,
    SandboxProcess,
    free_port,
    interrupted_runs,
    order_reasons,
    save_runtime_config,
    tracking_for,
    warehouse_step,
    write_env_yaml,
)

ORDERS, CANCELLED = 100, 10  # live orders; orders already cancelled in DSCO when first pulled
KILLS = 20
BATCH = 5  # rows per run for push/ack/ship/invoice: runs are short, kills land in every phase
RETAILER, STORE = "1000023456", "1001"
WAREHOUSE, WID = "ACME-NJ", "26"
LEVEL, LOGISTICS = "FEHD", "9001"
MAPPING = {
    "shop": {RETAILER: STORE},
    "warehouse": {WAREHOUSE: WID},
    "sku": {},
    "shipment": {f"{WAREHOUSE}-{LEVEL}": LOGISTICS},
}
DRAIN_TIMEOUT = 150.0
CREATE_PATH = "/pb/mp/order/v2/create"
LOG_PATHS = ("/order/log", "/invoice/log")
DONE, CANCELLED_STATUS = 5, 6


@dataclass
class World:
    ctl: Control
    daemon: DaemonProcess
    dsn: str
    expected: dict[str, int]  # PO → the terminal status a run without crashes gives it
    seed: int
    log: Path  # the daemons' JSON log lines

    @property
    def live(self) -> list[str]:
        return sorted(po for po, status in self.expected.items() if status == DONE)


def _generate(count: int, seed: int, status: str) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(minutes=30)
    return {
        "generate": {
            "count": count,
            "min_lines": 1,
            "max_lines": 1,
            "max_quantity": 1,
            "retailer_ids": [RETAILER],
            "warehouse_codes": [WAREHOUSE],
            "service_levels": [LEVEL],
            "created_start": start.isoformat(),
            "created_step_seconds": 1,
            "status": status,
            "seed": seed,
        }
    }


async def seed_workload(ctl: Control, seed: int) -> dict[str, int]:
    """Single-line, single-unit orders, all mapped, plus some already cancelled in DSCO."""
    await ctl.call("lingxing", "POST", "/stores", {"store_id": STORE, "platform_code": 10008})
    await ctl.call("lingxing", "POST", "/warehouses", {"wid": int(WID), "name": "crash NJ"})
    await ctl.call("lingxing", "POST", "/logistics-types", {"type_id": LOGISTICS})
    await ctl.call("dsco", "POST", "/warehouses", {"codes": [WAREHOUSE]})
    live = await ctl.call("dsco", "POST", "/orders", _generate(ORDERS, seed, "created"))
    gone = await ctl.call("dsco", "POST", "/orders", _generate(CANCELLED, seed + 1, "cancelled"))
    # A repeated ACK would otherwise pass unnoticed (DSCO answers success by default).
    await ctl.call("dsco", "PATCH", "/switches", {"ack_repeat_fails": True})
    # A slow change log widens the window "written to DSCO, not yet recorded locally", where
    # a kill hurts most.
    for path in LOG_PATHS:
        await ctl.call("dsco", "PUT", "/latency", {"seconds": 0.3, "path": path})
    expected = dict.fromkeys(live["poNumbers"], DONE)
    expected.update(dict.fromkeys(gone["poNumbers"], CANCELLED_STATUS))
    return expected


@pytest.fixture
async def world(db_dsn: str, tmp_path: Path) -> AsyncIterator[World]:
    seed = int(os.environ.get("CRASH_SEED", random.SystemRandom().randrange(1 << 30)))
    print(f"crash-safety seed: {seed} (rerun with CRASH_SEED={seed})")
    async with (
        SandboxProcess(tmp_path / "sandbox.log") as sandbox,
        aiohttp.ClientSession() as http,
    ):
        ctl = Control(http, sandbox)
        expected = await seed_workload(ctl, seed)
        await save_runtime_config(db_dsn, MAPPING, size=BATCH)
        port = free_port()
        write_env_yaml(tmp_path / "env.yaml", dsn=db_dsn, sandbox=sandbox, port=port)
        daemon = DaemonProcess(tmp_path / "env.yaml", port, tmp_path / "daemon.log")
        try:
            yield World(ctl, daemon, db_dsn, expected, seed, daemon.log)
        finally:
            await daemon.ensure_dead()


async def local_rows(dsn: str) -> dict[str, dict[str, Any]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT po_number, status, shipped_tracking_no, dsco_invoice_id FROM dsco_order_sync"
        )
    finally:
        await conn.close()
    return {r["po_number"]: dict(r) for r in rows}


def progress(rows: dict[str, dict[str, Any]]) -> dict[int, int]:
    return dict(sorted(Counter(r["status"] for r in rows.values()).items()))


async def kill_loop(w: World, rng: random.Random) -> list[dict[int, int]]:
    """Start, wait 0.3–3 s once the listener is up, SIGKILL; the warehouse works in between."""
    seen = []
    for i in range(KILLS):
        await w.daemon.start()
        await asyncio.sleep(rng.uniform(0.3, 3.0))
        code = await w.daemon.kill()
        assert code == -9, f"kill {i + 1}: the daemon had already exited with {code}"
        await warehouse_step(w.ctl)
        seen.append(progress(await local_rows(w.dsn)))
        print(f"kill {i + 1}/{KILLS}: statuses {seen[-1]}")
    return seen


async def drain(w: World) -> dict[str, dict[str, Any]]:
    """One last daemon until every order is terminal (bounded), then SIGTERM → exit 0."""
    await w.daemon.start()
    deadline = time.monotonic() + DRAIN_TIMEOUT
    rows = await local_rows(w.dsn)
    while time.monotonic() < deadline:
        await warehouse_step(w.ctl)
        rows = await local_rows(w.dsn)
        if len(rows) == len(w.expected) and all(r["status"] in (5, 6) for r in rows.values()):
            break
        await asyncio.sleep(0.5)
    code = await w.daemon.stop()
    assert code == 0, f"SIGTERM must end the daemon with 0, got {code}"
    return rows


# -- what a run without crashes gives ----------------------------------------------------------


def check_local(rows: dict[str, dict[str, Any]], expected: dict[str, int]) -> None:
    """Every order pulled and terminal as predicted, with its tracking number and invoice id."""
    assert set(rows) == set(expected), "every DSCO order pulled, nothing else"
    wrong = {po: r["status"] for po, r in rows.items() if r["status"] != expected[po]}
    assert not wrong, f"orders not in their predicted terminal status: {wrong}"
    for po, row in rows.items():
        done = expected[po] == DONE
        assert row["shipped_tracking_no"] == (tracking_for(po) if done else ""), po
        assert row["dsco_invoice_id"] == (po if done else ""), po


def check_lingxing(
    orders: list[dict[str, Any]], calls: list[dict[str, Any]], live: list[str]
) -> None:
    """One Lingxing order per live PO, each PO sent to the create endpoint once."""
    per_po = Counter(po for o in orders for po in o["platform_order_nos"])
    assert per_po == Counter(live), "exactly one Lingxing order per live PO, none for others"
    assert all(o["status"] == 6 and not o["is_delete"] for o in orders)
    # Calls the gateway turned away (outcome other than "0") never reached the order book.
    created = Counter(
        po for c in calls if c["outcome"] == "0" for po in c["summary"].get("orders", [])
    )
    twice = {po: n for po, n in created.items() if n > 1}
    assert not twice, f"POs sent to the create endpoint more than once: {twice}"


def _entries(state: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    return [e for r in state["requests"] if r["operation"] == operation for e in r["entries"]]


# A write repeated after a crash is refused by its key; nothing else may be refused.
REPEAT_REFUSED = {
    "acknowledgeOrders": "ALREADY_ACKNOWLEDGED",
    "createShipmentSmallBatch": "DUPLICATE_TRACKING_NUMBER",
    "createInvoiceSmallBatch": "DUPLICATE_INVOICE_ID",
}


def _accepted(state: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    return [e["payload"] for e in _entries(state, operation) if e["status"] == "success"]


def check_dsco(state: dict[str, Any], live: list[str]) -> None:
    """One ACK, one shipment per tracking number, one invoice per live PO accepted by DSCO. A
    write is never repeated blindly, but a repeat after a crash (the keyed writes are not read
    first, D13) is allowed when DSCO refused it by its key; nothing else may be rejected."""
    acks = Counter(p["id"] for p in _accepted(state, "acknowledgeOrders"))
    assert acks == Counter(live), f"ACKs not exactly one per PO: {acks - Counter(live)}"
    want_tracking = Counter((po, tracking_for(po)) for po in live)
    shipped = Counter(
        (p["poNumber"], s["trackingNumber"])
        for p in _accepted(state, "createShipmentSmallBatch")
        for s in p["shipments"]
    )
    assert shipped == want_tracking, f"shipments taken twice: {shipped - want_tracking}"
    invoiced = Counter(p["invoiceId"] for p in _accepted(state, "createInvoiceSmallBatch"))
    assert invoiced == Counter(live), f"invoices taken twice: {invoiced - Counter(live)}"
    assert Counter((p["poNumber"], p["trackingNumber"]) for p in state["packages"]) == want_tracking
    assert Counter(i["invoiceId"] for i in state["invoices"]) == Counter(live)
    failed = [
        e
        for r in state["requests"]
        for e in r["entries"]
        if e["status"] != "success"
        and REPEAT_REFUSED.get(r["operation"]) not in {m.get("code") for m in e.get("results", [])}
    ]
    assert not failed, f"vendor writes DSCO rejected: {failed[:3]}"


@pytest.mark.slow
async def test_sigkill_loop_converges_to_the_no_crash_result(world: World) -> None:
    seen = await kill_loop(world, random.Random(world.seed))
    assert seen[-1].get(DONE, 0) > 0, "orders reached status 5 between kills"
    hit = interrupted_runs(world.log)
    print(f"runs cut short by SIGKILL: {dict(hit)}")
    assert sum(hit.values()) > 0, "the kills must interrupt running jobs to prove anything"
    rows = await drain(world)
    check_local(rows, world.expected)
    check_lingxing(
        await world.ctl.call("lingxing", "GET", "/orders"),
        await world.ctl.call("lingxing", "GET", f"/calls?path={CREATE_PATH}"),
        world.live,
    )
    check_dsco(await world.ctl.call("dsco", "GET", "/state"), world.live)
    recovered = order_reasons(world.log, RECOVERY_REASONS)
    print(f"writes found done after a kill (checked, not repeated): {dict(recovered)}")
    assert sum(recovered.values()) > 0, "some kill must land between a vendor write and its record"


# -- the checks themselves must catch what they look for --------------------------------------


def _clean_dsco_state(pos: list[str]) -> dict[str, Any]:
    def entry(payload: dict[str, Any]) -> dict[str, Any]:
        return {"payload": payload, "status": "success"}

    def request(operation: str, payloads: list[dict[str, Any]]) -> dict[str, Any]:
        return {"operation": operation, "entries": [entry(p) for p in payloads]}

    ships = [{"poNumber": po, "shipments": [{"trackingNumber": tracking_for(po)}]} for po in pos]
    return {
        "requests": [
            request("acknowledgeOrders", [{"id": po, "type": "PO_NUMBER"} for po in pos]),
            request("createShipmentSmallBatch", ships),
            request("createInvoiceSmallBatch", [{"invoiceId": po, "poNumber": po} for po in pos]),
        ],
        "packages": [{"poNumber": po, "trackingNumber": tracking_for(po)} for po in pos],
        "invoices": [{"invoiceId": po} for po in pos],
    }


def test_checks_catch_duplicate_or_missing_writes() -> None:
    pos = ["PO-A", "PO-B"]
    check_dsco(_clean_dsco_state(pos), pos)
    for operation, code in REPEAT_REFUSED.items():
        state = _clean_dsco_state(pos)
        request = next(r for r in state["requests"] if r["operation"] == operation)
        state["requests"].append({**request, "entries": request["entries"][:1]})
        with pytest.raises(AssertionError):
            check_dsco(state, pos)  # the same write taken twice
        repeat = {**request["entries"][0], "status": "failure", "results": [{"code": code}]}
        state["requests"][-1] = {**request, "entries": [repeat]}
        check_dsco(state, pos)  # a repeat refused by its key is fine
        state["requests"][-1] = {
            **request,
            "entries": [{**repeat, "results": [{"code": "VALIDATION_FAILED"}]}],
        }
        with pytest.raises(AssertionError):
            check_dsco(state, pos)  # any other refusal is not
    lx_orders = [{"platform_order_nos": [po], "status": 6, "is_delete": 0} for po in pos]
    create = [{"outcome": "0", "summary": {"orders": [po]}} for po in pos]
    check_lingxing(lx_orders, create, pos)
    with pytest.raises(AssertionError):
        check_lingxing(lx_orders, [*create, create[0]], pos)
    with pytest.raises(AssertionError):
        check_lingxing([*lx_orders, lx_orders[0]], create, pos)
    rows = {
        po: {"status": 5, "shipped_tracking_no": tracking_for(po), "dsco_invoice_id": po}
        for po in pos
    }
    check_local(rows, dict.fromkeys(pos, DONE))
    with pytest.raises(AssertionError):
        check_local({**rows, "PO-B": {**rows["PO-B"], "status": 4}}, dict.fromkeys(pos, DONE))
