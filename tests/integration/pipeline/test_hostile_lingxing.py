"""One bad Lingxing row costs only itself: generated hostile WMS outbound orders and stock rows.

Outbound orders (ship and invoice): each order of status 3 has one shipped outbound order; some
are served with fields gone wrong (tests/hostile_data.py says which must still ship). After a
ship and an invoice run, exactly the usable orders are invoiced (5) and the others wait at 3,
DSCO holds shipments only for the usable ones, every run is ``ok`` and no log line carries a
raw control character.

Stock rows (sync_stock with writing on): exactly the usable SKUs are written to DSCO; every
other SKU gets a failed row saying why; the run is ``ok``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile_data import RowCase, outbound_case, raw_control_characters, stock_case
from tests.integration.pipeline.ship_support import Pipeline, setup
from tests.integration.pipeline.test_hostile_orders import log_texts
from tests.integration.vendors import Vendors

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WID = "26"
CODE = "ACME-NJ"


async def _fresh(vendors: Vendors, db_dsn: str) -> Pipeline:
    await vendors.pool.execute("TRUNCATE dsco_order_sync, dsco_warehouse_sync")
    vendors.dsco.reset()
    vendors.lingxing.reset()
    return await setup(vendors, db_dsn)


@SETTINGS
@given(cases=st.lists(outbound_case, min_size=3, max_size=12))
async def test_hostile_outbound_orders_cost_only_their_orders(
    vendors: Vendors, db_dsn: str, cases: list[RowCase]
) -> None:
    pipe = await _fresh(vendors, db_dsn)
    pos = await pipe.seed(len(cases), max_lines=2, max_quantity=2)
    for index, (po, case) in enumerate(zip(pos, cases, strict=True)):
        wo_number = pipe.full_outbound(po, f"TRK{index:04d}")
        outbound = vendors.lingxing.book.outbound[wo_number]
        outbound.extra = case.override(outbound.to_row())
    with log_texts() as texts:
        shipped = await pipe.runner.run("ship_to_dsco", trigger="manual")
        invoiced = await pipe.runner.run("invoice_to_dsco", trigger="manual")
    assert (shipped.status, invoiced.status) == ("ok", "ok"), (shipped, invoiced)
    expected = {po: 5 if case.usable else 3 for po, case in zip(pos, cases, strict=True)}
    assert {po: await pipe.status(po) for po in pos} == expected, [c.name for c in cases]
    for po, case in zip(pos, cases, strict=True):
        assert bool(pipe.packages(po)) == case.usable, (po, case.name)
    assert raw_control_characters(texts) == []


@SETTINGS
@given(cases=st.lists(stock_case, min_size=2, max_size=10))
async def test_hostile_stock_rows_cost_only_their_skus(
    vendors: Vendors, db_dsn: str, cases: list[RowCase]
) -> None:
    await _fresh(vendors, db_dsn)
    await vendors.configure(
        mapping={"warehouse": {CODE: WID}}, jobs={"sync_stock": {"sync": True, "size": 50}}
    )
    vendors.lingxing.add_warehouse(int(WID), name="W26")
    skus = [f"SKU-{i:03d}" for i in range(len(cases))]
    for sku, case in zip(skus, cases, strict=True):
        row = vendors.lingxing.add_inventory(int(WID), sku, 7)
        row.extra = case.override(row.to_row())
    vendors.dsco.seed_items(
        [{"sku": sku, "warehouses": [{"code": CODE, "quantity": 1}]} for sku in skus]
    )
    with log_texts() as texts:
        result = await vendors.run("sync_stock")
    assert result.status == "ok", result
    sent = {
        item["sku"]
        for call in vendors.dsco.calls("/inventory/batch/small", "POST")
        for item in call.body
    }
    assert sent == {sku for sku, case in zip(skus, cases, strict=True) if case.usable}
    failed = await vendors.pool.fetch("SELECT reason FROM dsco_warehouse_sync WHERE status = 2")
    unusable = [case for case in cases if not case.usable]
    assert len(failed) == len(unusable), ([r["reason"] for r in failed], [c.name for c in cases])
    assert raw_control_characters(texts) == []
