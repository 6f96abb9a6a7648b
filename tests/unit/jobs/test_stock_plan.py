"""Pure parts of sync_stock and cleanup_exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.cleanup_exports import ExportFile, choose_deletions, is_in_progress
from jobs.stock_plan import (
    SkuPlan,
    build_item,
    build_rows,
    dsco_quantities,
    plan_skus,
    sum_by_sku,
)
from sdk.dsco.models import to_wire


def test_sum_by_sku_adds_duplicate_rows_and_ignores_blank_and_negative() -> None:
    rows = [("A", 3), ("B", 1), ("A", 4), ("", 9), ("B", -2)]
    assert sum_by_sku(rows) == {"A": 7, "B": 1}


def test_plan_skus_maps_in_reverse_and_fills_every_warehouse() -> None:
    stock = {"W1": {"LX-A": 5, "B": 2}, "W2": {"LX-A": 1}}
    plans = plan_skus(stock, ["W1", "W2", "W3"], {"LX-A": "A"})
    assert [(p.sku, p.lx_sku, p.lingxing, p.failure) for p in plans] == [
        ("A", "LX-A", {"W1": 5, "W2": 1, "W3": 0}, None),
        ("B", "B", {"W1": 2, "W2": 0, "W3": 0}, None),
    ]


def test_plan_skus_two_lingxing_skus_on_one_dsco_sku_fail() -> None:
    # DSCO "A" maps to Lingxing "LX-A", and an unmapped Lingxing "A" also lands on "A".
    plans = plan_skus({"W1": {"LX-A": 1, "A": 2}}, ["W1"], {"LX-A": "A"})
    assert len(plans) == 1
    assert plans[0].failure is not None
    assert plans[0].failure.startswith("dsco_sku_collision")


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (None, None),
        ({"warehouses": []}, {}),
        (
            {"warehouses": [{"code": "W1", "quantity": 3}, {"code": "W2", "quantity": None}]},
            {"W1": 3, "W2": 0},
        ),
        ({"warehouses": [{"code": "W1", "quantity": "4"}, {"quantity": 1}]}, {"W1": 4}),
    ],
)
def test_dsco_quantities(item: dict[str, object] | None, expected: dict[str, int] | None) -> None:
    assert dsco_quantities(item) == expected


def test_build_rows_diff_and_status() -> None:
    plan = SkuPlan("A", "LX-A", lingxing={"W1": 5, "W2": 0}, dsco={"W1": 7})
    rows = build_rows(plan, {"W1": "11", "W2": "12"}, 1000, "compared")
    assert [(r.dsco_warehouse_id, r.lingxing_warehouse_id, r.diff, r.status) for r in rows] == [
        ("W1", "11", -2, 1),
        ("W2", "12", 0, 1),
    ]
    plan.failure = "dsco_read_failed: boom"
    assert {(r.status, r.reason) for r in build_rows(plan, {}, 1, "x")} == {
        (2, "dsco_read_failed: boom")
    }


def test_build_item_carries_all_warehouses_and_their_sum() -> None:
    wire = to_wire(build_item(SkuPlan("A", "LX-A", lingxing={"W2": 3, "W1": 4})))
    assert wire == {
        "sku": "A",
        "partnerSku": "A",
        "status": "in-stock",
        "warehouses": [{"code": "W1", "quantity": 4}, {"code": "W2", "quantity": 3}],
        "quantityAvailable": 7,
    }
    assert to_wire(build_item(SkuPlan("Z", "Z", lingxing={"W1": 0})))["status"] == "out-of-stock"


NOW = 1_000_000.0


def _f(name: str, size: int, age: float) -> ExportFile:
    return ExportFile(Path("/x") / name, size, NOW - age)


@pytest.mark.parametrize(
    ("name", "age", "expected"),
    [
        ("a.csv", 3600, False),
        ("a.csv.tmp", 3600, True),
        (".a.csv.part", 3600, True),
        ("a.csv.part", 3600, False),
        ("a.csv", 59, True),
        ("a.csv", 61, False),
    ],
)
def test_is_in_progress(name: str, age: float, expected: bool) -> None:
    assert is_in_progress(_f(name, 1, age), NOW) is expected


def test_choose_deletions_oldest_first_until_under_threshold() -> None:
    files = [_f("new.csv", 50, 100), _f("old.csv", 50, 300), _f("mid.csv", 50, 200)]
    assert [f.path.name for f in choose_deletions(files, 100, NOW)] == ["old.csv"]
    assert [f.path.name for f in choose_deletions(files, 0, NOW)] == [
        "old.csv",
        "mid.csv",
        "new.csv",
    ]
    assert choose_deletions(files, 150, NOW) == []


def test_choose_deletions_skips_in_progress() -> None:
    files = [_f("old.csv.tmp", 100, 900), _f("busy.csv", 100, 5), _f("done.csv", 100, 300)]
    assert [f.path.name for f in choose_deletions(files, 0, NOW)] == ["done.csv"]
