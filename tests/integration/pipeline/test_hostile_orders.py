"""One bad order never stops the pipeline: generated hostile DSCO feeds through pull and push.

Each example mixes well-formed orders with mutated ones (tests/hostile_data.py) into pages of
ten, serves them from the DSCO sandbox, and runs the real pull and push jobs against both
sandboxes. Whatever the mix: every run ends ``ok``, exactly the orders that must be stored
are stored, exactly the orders that must reach Lingxing are sent there (nothing else is ever
put in a create call), and no log line carries a raw control character.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loguru import logger

from tests.hostile_data import Case, any_case, raw_control_characters
from tests.integration.vendors import Vendors

STORE = "111"
RETAILER = "1000023456"
CREATE_PATH = "/pb/mp/order/v2/create"


@contextmanager
def log_texts() -> Iterator[list[str]]:
    """Every message and every bound field value logged inside the block."""
    texts: list[str] = []

    def sink(message: Any) -> None:
        record = message.record
        texts.append(record["message"])
        texts.extend(str(v) for v in record["extra"].values())

    handle = logger.add(sink, level="DEBUG")
    try:
        yield texts
    finally:
        logger.remove(handle)


async def _fresh(vendors: Vendors) -> None:
    """A clean slate for one example: no rows, empty sandboxes, the store and mappings."""
    await vendors.pool.execute("TRUNCATE dsco_order_sync")
    vendors.dsco.reset()
    vendors.lingxing.reset()
    vendors.lingxing.add_store(STORE, store_name="DSCO test store", platform_code=10008)


def _serve(vendors: Vendors, cases: list[Case]) -> dict[str, Case]:
    pos = vendors.dsco.generate_orders(
        count=len(cases), retailer_ids=(RETAILER,), max_lines=3, max_quantity=3
    )
    for po, case in zip(pos, cases, strict=True):
        original = vendors.dsco.order(po)
        assert original is not None
        vendors.dsco.serve_as(po, case.apply(original))
    return dict(zip(pos, cases, strict=True))


def _sent_to_lingxing(vendors: Vendors) -> list[str]:
    """Every PO that appeared in any create call (accepted or not)."""
    return [po for call in vendors.lingxing.call_log(CREATE_PATH) for po in call.summary["orders"]]


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=st.lists(any_case, min_size=5, max_size=30))
async def test_hostile_feed_costs_only_the_bad_orders(vendors: Vendors, cases: list[Case]) -> None:
    await _fresh(vendors)
    await vendors.configure(
        mapping={"shop": {RETAILER: STORE}},
        jobs={"pull_dsco_orders": {"size": 10}, "push_to_lingxing": {"size": 500}},
    )
    fate = _serve(vendors, cases)
    with log_texts() as texts:
        pulled = await vendors.run("pull_dsco_orders")
        pushed = await vendors.run("push_to_lingxing")
    assert (pulled.status, pushed.status) == ("ok", "ok"), (pulled, pushed)
    assert pulled.counters["total"] == len(cases)

    stored = {
        r["po_number"] for r in await vendors.pool.fetch("SELECT po_number FROM dsco_order_sync")
    }
    assert stored == {po for po, case in fate.items() if case.stored}, _names(fate, stored)

    must_push = {po for po, case in fate.items() if case.pushed}
    sent = _sent_to_lingxing(vendors)
    assert set(sent) == must_push, _names(fate, set(sent))
    assert len(sent) == len(set(sent)), "an order was sent twice"
    in_status_2 = {
        r["po_number"]
        for r in await vendors.pool.fetch("SELECT po_number FROM dsco_order_sync WHERE status = 2")
    }
    assert in_status_2 == must_push
    assert raw_control_characters(texts) == []


def _names(fate: dict[str, Case], got: set[str]) -> list[tuple[str, str, bool]]:
    """For a failure message: every case, and whether it ended up in ``got``."""
    return [(po, case.name, po in got) for po, case in fate.items()]
