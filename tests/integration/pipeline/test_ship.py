"""``ship_to_dsco`` against both sandboxes through the real runner."""

from __future__ import annotations

import pytest

from db import orders as q
from sdk.dsco.models import Shipment, ShipmentForOrder, ShipmentLineItem
from tests.integration.pipeline.ship_support import (
    MAPPING,
    RETAILER,
    SHIP_PATH,
    STORE,
    WMS_PATH,
    Pipeline,
    reasons,
    setup,
)
from tests.integration.vendors import Vendors, captured_logs


@pytest.fixture
async def p(vendors: Vendors, db_dsn: str) -> Pipeline:
    return await setup(vendors, db_dsn)


async def test_full_batch_ships_in_one_call_and_advances(p: Pipeline) -> None:
    sb = p.vendors
    pos = await p.seed(3, max_lines=2, max_quantity=2)
    for i, po in enumerate(pos):
        p.full_outbound(po, f"1Z{i:06d}")
    result = await p.run("ship_to_dsco")
    assert [await p.status(po) for po in pos] == [4, 4, 4]
    assert result.counters["advanced"] == 3
    assert p.dsco_calls(SHIP_PATH) == 1
    assert len(sb.lingxing.call_log(WMS_PATH)) == 1  # one WMS read for the whole batch
    for i, po in enumerate(pos):
        assert p.packages(po) == [f"1Z{i:06d}"]
        assert (await p.row(po)).tracking_numbers == [f"1Z{i:06d}"]
        assert sb.dsco.order(po)["dscoStatus"] == "shipped"  # type: ignore[index]


async def test_ship_date_is_beijing_time_sent_as_utc(p: Pipeline) -> None:
    sb = p.vendors
    [po] = await p.seed()
    p.full_outbound(po, "TRK-TZ", delivered_at="2026-03-01 08:30:00")
    await p.run("ship_to_dsco")
    [package] = sb.dsco.order(po)["packages"]  # type: ignore[index]
    assert package["shipDate"] == "2026-03-01T00:30:00Z"
    assert package["shipMethod"]
    assert package["shippingServiceLevelCode"] == "FEHD"


async def test_partial_shipments_across_two_outbound_orders(p: Pipeline) -> None:
    [po] = await p.seed(min_lines=2, max_lines=2)
    first, second = p.lines(po)
    p.outbound(po, "TRK-A", [(first["sku"], first["quantity"])])
    with captured_logs() as logs:
        await p.run("ship_to_dsco")
    assert "partial_shipment_sent" in reasons(logs, po)
    assert await p.status(po) == 3
    assert p.packages(po) == ["TRK-A"]

    p.outbound(po, "TRK-B", [(second["sku"], second["quantity"])])
    await p.run("ship_to_dsco")
    assert await p.status(po) == 4
    assert p.packages(po) == ["TRK-A", "TRK-B"]  # TRK-A was not sent twice
    assert (await p.row(po)).tracking_numbers == ["TRK-A", "TRK-B"]
    assert p.dsco_calls(SHIP_PATH) == 2


async def test_line_spanning_packages_is_flagged(p: Pipeline) -> None:
    sb = p.vendors
    pos = await p.seed(8, max_quantity=4)
    po = next(po for po in pos if p.lines(po)[0]["quantity"] >= 2)
    [line] = p.lines(po)
    p.outbound(po, "TRK-1", [(line["sku"], 1)], delivered_at="2026-03-01 08:00:00")
    p.outbound(
        po, "TRK-2", [(line["sku"], line["quantity"] - 1)], delivered_at="2026-03-01 09:00:00"
    )
    await p.run("ship_to_dsco", po_number=po)  # the sandbox refuses a span without the flag
    assert await p.status(po) == 4
    packages = sb.dsco.order(po)["packages"]  # type: ignore[index]
    assert [pkg["trackingNumber"] for pkg in packages] == ["TRK-1", "TRK-2"]
    assert all(pkg["items"][0]["packageSpanFlag"] is True for pkg in packages)


async def test_deleted_outbound_order_is_ignored(p: Pipeline) -> None:
    sb = p.vendors
    [po] = await p.seed()
    stale = p.full_outbound(po, "TRK-DELETED")
    sb.lingxing.delete_outbound(stale)
    p.full_outbound(po, "TRK-LIVE")
    await p.run("ship_to_dsco")
    assert p.packages(po) == ["TRK-LIVE"]
    assert await p.status(po) == 4


async def test_only_deleted_or_no_outbound_is_not_shipped_yet(p: Pipeline) -> None:
    sb = p.vendors
    gone, nothing = await p.seed(2)
    sb.lingxing.delete_outbound(p.full_outbound(gone, "TRK-X"))
    with captured_logs() as logs:
        result = await p.run("ship_to_dsco")
    assert reasons(logs, gone) == ["not_shipped_yet"]
    assert reasons(logs, nothing) == ["not_shipped_yet"]
    assert result.counters["skip"] == 2
    assert p.dsco_calls(SHIP_PATH) == 0
    assert [await p.status(gone), await p.status(nothing)] == [3, 3]


async def test_unmatched_sku_skips_the_order_only(p: Pipeline) -> None:
    bad, good = await p.seed(2)
    p.outbound(bad, "TRK-BAD", [("NOT-ON-THE-ORDER", 1)])
    p.full_outbound(good, "TRK-GOOD")
    with captured_logs() as logs:
        await p.run("ship_to_dsco")
    assert reasons(logs, bad) == ["unmatched_sku"]
    assert p.packages(bad) == []
    assert await p.status(bad) == 3
    assert await p.status(good) == 4


async def test_sku_mapping_is_read_backwards(p: Pipeline) -> None:
    sb = p.vendors
    [po] = await p.seed()
    [line] = p.lines(po)
    await sb.configure(mapping={"sku": {line["partnerSku"]: "LX-LOCAL-1"}})
    p.outbound(po, "TRK-MAP", [("LX-LOCAL-1", line["quantity"])])
    await p.run("ship_to_dsco")
    assert p.packages(po) == ["TRK-MAP"]
    assert await p.status(po) == 4


async def test_tracking_in_dsco_but_not_local_is_not_resent(p: Pipeline) -> None:
    """A crash after DSCO accepted the shipment but before the row was updated."""
    sb = p.vendors
    [po] = await p.seed()
    [line] = p.lines(po)
    p.full_outbound(po, "TRK-CRASH")
    element = ShipmentForOrder(
        po_number=po,
        shipments=[
            Shipment(
                tracking_number="TRK-CRASH",
                shipping_service_level_code="FEHD",
                line_items=[ShipmentLineItem(sku=line["sku"], quantity=line["quantity"])],
            )
        ],
    )
    assert sb.clients.dsco is not None
    await sb.clients.dsco.create_shipments([element])
    sb.dsco.settle()
    assert p.packages(po) == ["TRK-CRASH"]
    await p.run("ship_to_dsco")
    assert p.dsco_calls(SHIP_PATH) == 1  # only the "crashed" one
    assert p.packages(po) == ["TRK-CRASH"]
    assert (await p.row(po)).tracking_numbers == ["TRK-CRASH"]
    assert await p.status(po) == 4


async def test_tracking_recorded_locally_is_not_resent(p: Pipeline) -> None:
    sb = p.vendors
    [po] = await p.seed(min_lines=2, max_lines=2)
    first, second = p.lines(po)
    p.outbound(po, "TRK-OLD", [(first["sku"], first["quantity"])])
    await q.add_tracking(sb.pool, po, ["TRK-OLD"], 1)
    p.outbound(po, "TRK-NEW", [(second["sku"], second["quantity"])])
    await p.run("ship_to_dsco")
    assert p.packages(po) == ["TRK-NEW"]
    assert await p.status(po) == 4


async def test_over_shipping_rejected_does_not_stop_the_rest(p: Pipeline) -> None:
    over, fine = await p.seed(2)
    [line] = p.lines(over)
    p.outbound(over, "TRK-OVER", [(line["sku"], line["quantity"] + 5)])
    p.full_outbound(fine, "TRK-FINE")
    with captured_logs() as logs:
        result = await p.run("ship_to_dsco")
    assert reasons(logs, over) == ["shipment_rejected"]
    assert p.packages(over) == []
    assert await p.status(over) == 3
    assert (await p.row(over)).tracking_numbers == []
    assert await p.status(fine) == 4
    assert result.counters["fail"] == 1
    assert result.counters["advanced"] == 1
    assert p.dsco_calls(SHIP_PATH) == 1


async def test_whole_batch_refused_is_split_per_order(p: Pipeline) -> None:
    sb = p.vendors
    pos = await p.seed(2)
    for i, po in enumerate(pos):
        p.full_outbound(po, f"TRK-SPLIT-{i}")
    sb.dsco.add_fault(path=SHIP_PATH, kind="status", status=400, count=1)
    await p.run("ship_to_dsco")
    assert [await p.status(po) for po in pos] == [4, 4]
    assert p.dsco_calls(SHIP_PATH) == 3  # the refused batch, then one call per order


async def test_dropped_change_log_entry_advances_on_a_later_run(p: Pipeline) -> None:
    sb = p.vendors
    [po] = await p.seed()
    p.full_outbound(po, "TRK-DROP")
    sb.dsco.add_fault(path=SHIP_PATH, kind="drop_log")
    with captured_logs() as logs:
        await p.run("ship_to_dsco")
    assert reasons(logs, po) == ["shipment_unconfirmed"]
    assert await p.status(po) == 3
    await p.run("ship_to_dsco")
    assert await p.status(po) == 4
    assert p.packages(po) == ["TRK-DROP"]
    assert (await p.row(po)).tracking_numbers == ["TRK-DROP"]
    assert p.dsco_calls(SHIP_PATH) == 1


async def test_dsco_state_comes_from_one_sweep_not_one_read_per_order(p: Pipeline) -> None:
    sb = p.vendors
    cancelled, unacked, ok = await p.seed(3)
    sb.dsco.set_order_status(cancelled, "cancelled")
    sb.dsco.set_order_status(unacked, "created")
    for po in (cancelled, unacked, ok):
        p.full_outbound(po, f"TRK-{po}")
    with captured_logs() as logs:
        await p.run("ship_to_dsco")
    assert await p.status(cancelled) == 6
    assert p.packages(cancelled) == []
    assert await p.status(ok) == 4
    # A stored "created" does not block (local status 3 proves our ACK): the shipment is sent
    # and DSCO's own answer decides (this sandbox, like DSCO, takes it).
    assert reasons(logs, unacked) == ["shipped"]
    assert await p.status(unacked) == 4
    assert p.dsco_reads("/order/") == 0
    sweeps = [c for c in sb.dsco.calls("/order/page") if "ordersUpdatedSince" in c.query]
    assert len(sweeps) == 1


async def test_nothing_shipped_costs_no_dsco_call(p: Pipeline) -> None:
    sb = p.vendors
    await p.seed(3)
    sb.dsco.clear_calls()
    result = await p.run("ship_to_dsco")
    assert result.counters["skip"] == 3
    assert sb.dsco.calls() == []


async def test_wms_sid_is_sent_only_where_configured(p: Pipeline) -> None:
    """The sandbox's WMS sid differs from the store_id (as Lingxing documents sid for Amazon
    stores only): outbound orders are found through their Lingxing order instead."""
    sb = p.vendors
    [first] = await p.seed(po_prefix="A")
    p.full_outbound(first, "TRK-A", sid=None)
    await p.run("ship_to_dsco")
    assert await p.status(first) == 4
    assert "sid_arr" not in sb.lingxing.call_log(WMS_PATH)[-1].summary
    sid = sb.lingxing.stores[STORE].wms_sid
    assert sid != int(STORE)
    await sb.configure(mapping={**MAPPING, "wms_sid": {RETAILER: str(sid)}})
    [second] = await p.seed(po_prefix="B")
    p.full_outbound(second, "TRK-B", sid=None)
    await p.run("ship_to_dsco")
    assert await p.status(second) == 4
    assert sb.lingxing.call_log(WMS_PATH)[-1].summary["sid_arr"]["first"] == [sid]


async def test_multi_ban_skips_multi_unit_orders(p: Pipeline) -> None:
    sb = p.vendors
    await sb.configure(jobs={"ship_to_dsco": {"multi_ban": True}})
    [multi] = await p.seed(min_lines=2, max_lines=2, po_prefix="M")
    [single] = await p.seed(po_prefix="S")
    p.full_outbound(multi, "TRK-M")
    p.full_outbound(single, "TRK-S")
    with captured_logs() as logs:
        await p.run("ship_to_dsco")
    assert reasons(logs, multi) == ["multi_ban"]
    assert await p.status(multi) == 3
    assert await p.status(single) == 4


async def test_single_po_mode(p: Pipeline) -> None:
    one, other = await p.seed(2)
    p.full_outbound(one, "TRK-ONE")
    p.full_outbound(other, "TRK-OTHER")
    result = await p.run("ship_to_dsco", po_number=one)
    assert result.counters["total"] == 1
    assert await p.status(one) == 4
    assert await p.status(other) == 3
