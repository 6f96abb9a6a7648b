"""What the pull logs: one INFO line per page with its counts, a DEBUG line per order (with
its PO number), warnings about an order still warnings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from loguru import logger

from tests.integration.vendors import Vendors


@contextmanager
def records() -> Iterator[list[dict[str, Any]]]:
    """Every log record written inside the block: level, message, bound fields."""
    seen: list[dict[str, Any]] = []
    sink = logger.add(
        lambda m: seen.append(
            {
                "level": m.record["level"].name,
                "message": m.record["message"],
                "po_number": m.record["extra"].get("po_number", ""),
            }
        ),
        level="DEBUG",
    )
    try:
        yield seen
    finally:
        logger.remove(sink)


async def test_a_pull_logs_a_line_per_page_at_info_and_per_order_at_debug(
    vendors: Vendors,
) -> None:
    await vendors.configure(jobs={"pull_dsco_orders": {"size": 10}})
    pos = vendors.dsco.generate_orders(count=25)
    with records() as seen:
        result = await vendors.run("pull_dsco_orders")
    assert result.status == "ok", result
    pages = [r for r in seen if r["message"].startswith("page stored:")]
    assert [r["level"] for r in pages] == ["INFO"] * len(pages)
    assert [r["message"] for r in pages][:3] == [
        "page stored: orders=10 new=10 changed=0 unchanged=0 skipped=0 failed=0 seen_this_run=0",
        "page stored: orders=10 new=10 changed=0 unchanged=0 skipped=0 failed=0 seen_this_run=0",
        "page stored: orders=5 new=5 changed=0 unchanged=0 skipped=0 failed=0 seen_this_run=0",
    ]
    per_order = [r for r in seen if r["message"].startswith("order ok")]
    assert sorted(r["po_number"] for r in per_order) == sorted(pos)
    assert {r["level"] for r in per_order} == {"DEBUG"}
    info = [r["message"] for r in seen if r["level"] == "INFO"]
    assert len(info) <= len(pages) + 2, info  # the pages, the run's start and end


async def test_warnings_about_an_order_stay_warnings(vendors: Vendors) -> None:
    [po] = vendors.dsco.generate_orders(count=1)
    await vendors.run("pull_dsco_orders")
    await vendors.pool.execute("UPDATE dsco_order_sync SET status = 3 WHERE po_number = $1", po)
    vendors.dsco.set_order_status(po, "cancelled")
    with records() as seen:
        # Single-PO mode reads the order's current state at once.
        result = await vendors.run("pull_dsco_orders", po_number=po)
    assert result.status == "ok", result
    [warning] = [r for r in seen if r["level"] == "WARNING"]
    assert warning["po_number"] == po
    assert "cancelled in DSCO after it reached Lingxing" in warning["message"]
    assert any(r["message"].startswith("page stored: orders=1 ") for r in seen)
