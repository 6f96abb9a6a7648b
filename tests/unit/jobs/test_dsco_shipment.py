"""Table tests for the pure shipment builder (docs/design.md, "Every job", D9)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jobs.dsco_shipment import (
    Allocation,
    Skip,
    allocate,
    allocate_all,
    build_shipment,
    lingxing_time,
    ship_method,
)
from sdk.dsco.models import to_wire
from sdk.dsco.responses import DscoOrder, parse_order
from sdk.lingxing.models import WmsOrder

BEIJING = ZoneInfo("Asia/Shanghai")


def order(lines: list[tuple[str, int]], **fields: Any) -> DscoOrder:
    raw = {
        "poNumber": "PO1",
        "shipWarehouseCode": "NJ",
        "shippingServiceLevelCode": "FEHD",
        "lineItems": [
            {
                "lineNumber": n,
                "sku": f"D-{sku}",
                "partnerSku": sku,
                "dscoItemId": f"9{n}",
                "quantity": qty,
            }
            for n, (sku, qty) in enumerate(lines, 1)
        ],
        **fields,
    }
    return parse_order(raw)


def wo(
    tracking: str,
    items: list[tuple[str, int]],
    *,
    at: str = "2026-03-01 08:30:00",
    status: int = 3,
    stock_at: str = "",
) -> WmsOrder:
    return WmsOrder.model_validate(
        {
            "wo_number": f"WO-{tracking}-{status}",
            "platform_order_no": ["PO1"],
            "status": status,
            "tracking_no": tracking,
            "delivered_at": at,
            "stock_delivered_at": stock_at,
            "product_info": [{"sku": s, "count": c} for s, c in items],
        }
    )


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-03-01 08:30:00", BEIJING, datetime(2026, 3, 1, 0, 30, tzinfo=UTC)),
        ("2026-03-01 02:00:00", BEIJING, datetime(2026, 2, 28, 18, 0, tzinfo=UTC)),
        ("2026-03-01 02:00:00", UTC, datetime(2026, 3, 1, 2, 0, tzinfo=UTC)),
        ("", BEIJING, None),
        ("0000-00-00 00:00:00", BEIJING, None),
        ("yesterday", BEIJING, None),
    ],
)
def test_lingxing_time_to_utc(text: str, zone: ZoneInfo, expected: datetime | None) -> None:
    assert lingxing_time(text, zone) == expected


def allocated(
    o: DscoOrder, outbound: list[WmsOrder], sku_map: dict[str, str] | None = None
) -> Allocation:
    result = allocate(o, outbound, sku_map or {}, BEIJING)
    assert isinstance(result, Allocation), result
    return result


def test_ship_date_falls_back_to_stock_delivered_at_and_is_sent_as_utc_z() -> None:
    o = order([("A", 1)])
    alloc = allocated(o, [wo("T1", [("A", 1)], at="", stock_at="2026-03-01 07:00:05")])
    element = build_shipment(o, alloc, already_sent=())
    assert element is not None
    wire = to_wire(element)
    assert wire["shipments"][0]["shipDate"] == "2026-02-28T23:00:05Z"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"shipMethod": "Home", "requestedShipMethod": "Req"}, "Home"),
        ({"requestedShipMethod": "Req"}, "Req"),
        ({}, "FEHD"),
    ],
)
def test_ship_method_rule(fields: dict[str, str], expected: str) -> None:
    assert ship_method(order([("A", 1)], **fields)) == expected


def test_shipment_fields_and_line_identifiers() -> None:
    o = order([("A", 1), ("B", 2)], shipCarrier="FedEx", shipMethod="Home Delivery")
    alloc = allocated(o, [wo("T1", [("A", 1), ("B", 2)])])
    element = build_shipment(o, alloc, already_sent=())
    assert element is not None
    [shipment] = to_wire(element)["shipments"]
    assert shipment["trackingNumber"] == "T1"
    assert shipment["shipCarrier"] == "FedEx"
    assert shipment["shipMethod"] == "Home Delivery"
    assert shipment["shippingServiceLevelCode"] == "FEHD"
    assert shipment["warehouseCode"] == "NJ"
    assert shipment["lineItems"] == [
        {"dscoItemId": "91", "partnerSku": "A", "lineNumber": 1, "quantity": 1},
        {"dscoItemId": "92", "partnerSku": "B", "lineNumber": 2, "quantity": 2},
    ]


def test_one_shipment_per_tracking_and_span_flag() -> None:
    o = order([("A", 3)])
    alloc = allocated(o, [wo("T1", [("A", 1)]), wo("T2", [("A", 2)], at="2026-03-02 08:00:00")])
    element = build_shipment(o, alloc, already_sent=())
    assert element is not None
    shipments = to_wire(element)["shipments"]
    assert [s["trackingNumber"] for s in shipments] == ["T1", "T2"]
    assert all(s["lineItems"][0]["packageSpanFlag"] is True for s in shipments)
    assert alloc.covered({"T1", "T2"})
    assert not alloc.covered({"T1"})


def test_already_sent_tracking_is_left_out() -> None:
    o = order([("A", 1), ("B", 1)])
    alloc = allocated(o, [wo("T1", [("A", 1)]), wo("T2", [("B", 1)])])
    element = build_shipment(o, alloc, already_sent={"T1"})
    assert element is not None
    assert [s.tracking_number for s in element.shipments] == ["T2"]
    assert build_shipment(o, alloc, already_sent={"T1", "T2"}) is None


def test_deleted_and_untracked_outbound_orders_are_ignored() -> None:
    o = order([("A", 1)])
    result = allocate(o, [wo("T1", [("A", 1)], status=4), wo("", [("A", 1)])], {}, BEIJING)
    assert result == Skip("not_shipped_yet", "live_outbound_orders=1 shipped_with_tracking=0")


def test_unmatched_sku_skips_the_order() -> None:
    o = order([("A", 1)])
    result = allocate(o, [wo("T1", [("A", 1), ("ZZZ", 1)])], {}, BEIJING)
    assert isinstance(result, Skip)
    assert result.reason == "unmatched_sku"


@pytest.mark.parametrize(
    ("lingxing_sku", "sku_map", "matched"),
    [
        ("A", {}, True),  # default: same name
        ("LX-A", {"LX-A": "A"}, True),  # mapping.sku read backwards (Lingxing → DSCO)
        ("D-A", {}, True),  # DSCO sku when partnerSku differs
        ("LX-A", {}, False),
    ],
)
def test_sku_matching(lingxing_sku: str, sku_map: dict[str, str], matched: bool) -> None:
    o = order([("A", 1)])
    result = allocate(o, [wo("T1", [(lingxing_sku, 1)])], sku_map, BEIJING)
    assert isinstance(result, Allocation) is matched


def test_duplicate_lines_are_filled_in_order_and_excess_goes_to_the_last() -> None:
    o = order([("A", 1), ("A", 2)])
    alloc = allocated(o, [wo("T1", [("A", 2)]), wo("T2", [("A", 3)], at="2026-03-03 00:00:00")])
    assert [dict(p.units) for p in alloc.packages] == [{0: 1, 1: 1}, {1: 3}]
    assert alloc.units_in({"T1", "T2"}) == [1, 4]  # 1 over: DSCO decides (it rejects)


def merged(tracking: str, items: list[tuple[str, int]], pos: list[str]) -> WmsOrder:
    """One outbound order made from a Lingxing order that merged ``pos``."""
    return wo(tracking, items).model_copy(update={"platform_order_no": pos})


def test_a_merged_outbound_order_shares_a_common_sku_between_its_pos() -> None:
    # PO1 ordered 2 of A, PO2 ordered 3 of A; one merged outbound order shipped all 5 of A.
    first = order([("A", 2)]).model_copy(update={"po_number": "PO1"})
    second = order([("A", 3), ("B", 1)]).model_copy(update={"po_number": "PO2"})
    shipped = merged("T1", [("A", 5), ("B", 1)], ["PO1", "PO2"])
    results = allocate_all(
        {"PO1": first, "PO2": second}, {"PO1": [shipped], "PO2": [shipped]}, {}, BEIJING
    )
    one, two = results["PO1"], results["PO2"]
    assert isinstance(one, Allocation)
    assert isinstance(two, Allocation)
    # Each PO gets the shared tracking number with its own share, never the merged total.
    assert (one.tracking_numbers, one.units_in({"T1"})) == (["T1"], [2])
    assert (two.tracking_numbers, two.units_in({"T1"})) == (["T1"], [3, 1])
    assert one.covered({"T1"})
    assert two.covered({"T1"})


def test_merged_shares_follow_what_each_po_still_needs_and_are_deterministic() -> None:
    # PO1 already got its A in an earlier package of its own; the merged package's A all go
    # to PO2, whatever order the outbound orders arrive in.
    first = order([("A", 2)]).model_copy(update={"po_number": "PO1"})
    second = order([("A", 3)]).model_copy(update={"po_number": "PO2"})
    own = wo("T0", [("A", 2)], at="2026-03-01 08:00:00")
    shared = merged("T1", [("A", 3)], ["PO1", "PO2"])
    for outbound in ([own, shared], [shared, own]):
        results = allocate_all(
            {"PO1": first, "PO2": second},
            {"PO1": outbound, "PO2": [shared]},
            {},
            BEIJING,
        )
        one, two = results["PO1"], results["PO2"]
        assert isinstance(one, Allocation)
        assert isinstance(two, Allocation)
        assert one.units_in({"T0"}) == [2]
        assert one.units_in({"T1"}) == [0]
        assert two.units_in({"T1"}) == [3]


def test_a_product_nobody_in_the_merge_ordered_skips_every_po_of_it() -> None:
    first = order([("A", 1)]).model_copy(update={"po_number": "PO1"})
    second = order([("B", 1)]).model_copy(update={"po_number": "PO2"})
    shipped = merged("T1", [("A", 1), ("B", 1), ("Z", 1)], ["PO1", "PO2"])
    results = allocate_all(
        {"PO1": first, "PO2": second}, {"PO1": [shipped], "PO2": [shipped]}, {}, BEIJING
    )
    assert all(isinstance(r, Skip) and r.reason == "unmatched_sku" for r in results.values())
