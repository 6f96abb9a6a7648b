"""Verdicts of check_orders."""

from __future__ import annotations

import pytest

from jobs.audit_orders import MAX_PROBLEMS, Tally, status_mismatch, verdict


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"local_status": None, "dsco_status": "created"}, "missing_local_record"),
        ({"local_status": 1, "dsco_status": None}, "dsco_order_not_found"),
        ({"local_status": 3, "dsco_status": "cancelled"}, "dsco_status_mismatch"),
        (
            {"local_status": 2, "dsco_status": "created", "in_lingxing": False},
            "lingxing_order_missing",
        ),
        (
            {"local_status": 5, "dsco_status": "shipped", "invoice_found": False},
            "dsco_invoice_missing",
        ),
        ({"local_status": 2, "dsco_status": "created", "in_lingxing": True}, "ok"),
        ({"local_status": 1, "dsco_status": "shipment_pending"}, "ok"),
    ],
)
def test_verdict(kwargs: dict[str, object], code: str) -> None:
    assert verdict(**kwargs) == code  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("local", "dsco", "expected"),
    [
        (6, "cancelled", False),
        (6, "created", True),
        (2, "cancelled", True),
        (3, "created", True),
        (2, "created", False),
        (5, "shipment_pending", True),
        (5, "shipped", False),
        (4, "shipment_pending", False),
    ],
)
def test_status_mismatch(local: int, dsco: str, expected: bool) -> None:
    assert status_mismatch(local, dsco) is expected


def test_tally_bounds_the_problem_list() -> None:
    tally = Tally()
    for i in range(MAX_PROBLEMS + 5):
        tally.add(f"PO{i}", "dsco_order_not_found")
    tally.add("GOOD", "ok")
    report = tally.report()
    assert report["checked"] == MAX_PROBLEMS + 6
    assert len(report["problems"]) == MAX_PROBLEMS
    assert report["problems_truncated"] is True
    assert report["counts"]["ok"] == 1
