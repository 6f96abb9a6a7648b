"""Hypothesis strategies for vendor data gone wrong, each case knowing what must happen to it.

A *case* mutates one well-formed DSCO order (from the sandbox's generator) the way real feeds go
wrong and says, independently of the code under test, whether the order must still be stored by
the pull and whether it must still reach Lingxing. The tests then compare the daemon's outcome
with these expectations, so the oracle is the mutation itself, not the implementation.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

# Control characters, terminal escapes, bidi overrides, a lone surrogate, and NUL, which
# PostgreSQL cannot store at all.
NASTY = ("\x00", "\x1b[2J\x1b[31m", "\x07", "\u202e", "\x1f", "\x85", "\ud800", "\u200b")
HUGE = "Z" * 10_000
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")

Mutate = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Case:
    """One order's fate: the mutation, and whether it must be stored and must be pushed."""

    name: str
    stored: bool
    pushed: bool
    mutate: Mutate

    def apply(self, order: dict[str, Any]) -> Any:
        return self.mutate(copy.deepcopy(order))


def _set(path: tuple[str | int, ...], value: Any) -> Mutate:
    def mutate(order: dict[str, Any]) -> Any:
        target: Any = order
        for step in path[:-1]:
            target = target[step]
        if value is _DELETE:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = copy.deepcopy(value)
        return order

    return mutate


def _all_prices(value: Any) -> Mutate:
    def mutate(order: dict[str, Any]) -> Any:
        for key in ("consumerPriceWithTax", "consumerPrice", "retailPrice", "expectedCost"):
            order["lineItems"][0][key] = value
        return order

    return mutate


def _merge(extra: dict[str, Any]) -> Mutate:
    def mutate(order: dict[str, Any]) -> Any:
        return order | copy.deepcopy(extra)

    return mutate


_DELETE = object()
_ADDRESS = (("shipping", "name"), ("shipping", "address1"), ("shipping", "city"))
_HARMLESS_TEXT = (("giftMessage",), ("lineItems", 0, "title"), ("shipping", "company"))

ok = st.just(Case("well_formed", True, True, lambda order: order))


@st.composite
def junk_in_text(draw: st.DrawFn) -> Case:
    """Control characters or a huge string in a free-text field. Only an address field that
    becomes implausibly long stops the push; the rest is cleaned or irrelevant."""
    path = draw(st.sampled_from(_ADDRESS + _HARMLESS_TEXT))
    junk = draw(st.sampled_from((*NASTY, HUGE)))
    pushed = not (junk == HUGE and path in _ADDRESS)
    return Case(f"junk_text:{path[-1]}", True, pushed, _set(path, f"Maria{junk}Lopez"))


unknown_status = st.builds(
    lambda v: Case("unknown_status", True, True, _set(("dscoStatus",), v)),
    st.sampled_from(("", "weird", "SHIPPED", 42, None, {"a": 1}, ["created"], True)),
)
snake_case_keys = st.builds(
    lambda v: Case("snake_case_keys", True, True, _merge(v)),
    st.sampled_from(
        (
            {"dsco_status": {"x": 1}},
            {"dsco_status": "cancelled", "po_number": "OTHER-PO"},
            {"line_items": 5, "dsco_create_date": "garbage"},
        )
    ),
)
bad_po = st.builds(
    lambda v: Case("bad_po", False, False, _set(("poNumber",), v)),
    st.sampled_from(
        (_DELETE, None, "", " ", "\u3000", "PO\x00X", " PO-1", "PO\u202e1", "P" * 101, ["PO"])
    ),
)
bad_create_date = st.builds(
    lambda v: Case("bad_create_date", False, False, _set(("dscoCreateDate",), v)),
    st.sampled_from(
        (_DELETE, None, "garbage", "0001-01-01T00:00:00Z", "2026-13-45T00:00:00Z", 12345)
    ),
)
bad_lines = st.builds(
    lambda v: Case("bad_lines", True, False, _set(("lineItems",), v)),
    st.sampled_from((_DELETE, None, "x", [], [5], [None], [{}], {"a": 1})),
)
bad_quantity = st.builds(
    lambda v: Case("bad_quantity", True, False, _set(("lineItems", 0, "quantity"), v)),
    st.sampled_from((0, -1, 1.5, "abc", None, True, 10**9, "1e400", math.nan, math.inf)),
)
bad_price = st.builds(
    lambda v: Case("bad_price", True, False, _all_prices(v)),
    st.sampled_from(("NaN", "Infinity", 1e308, -5, 0, "abc", None, math.inf, "1e400", [1])),
)
bad_shipping = st.builds(
    lambda v: Case("bad_shipping", True, False, _set(("shipping",), v)),
    st.sampled_from((None, "4821 Willow Creek", [], {}, {"name": "X"})),
)
bad_country = st.builds(
    lambda v: Case("bad_country", True, False, _set(("shipping", "country"), v)),
    st.sampled_from(("USA", "1X", "ÄÖ", 5)),
)
bad_sku = st.builds(
    lambda v: Case("bad_sku", True, False, _set(("lineItems", 0, "partnerSku"), v)),
    st.sampled_from(("A\x1fB", "A\x00B", "X" * 300, "A\u202eB")),
)
not_an_object = st.builds(
    lambda v: Case("not_an_object", False, False, lambda order: copy.deepcopy(v)),
    st.sampled_from((None, 5, "order", [1, 2], [])),
)

any_case = st.one_of(
    ok,
    junk_in_text(),
    unknown_status,
    snake_case_keys,
    bad_po,
    bad_create_date,
    bad_lines,
    bad_quantity,
    bad_price,
    bad_shipping,
    bad_country,
    bad_sku,
    not_an_object,
)


def raw_control_characters(texts: list[str]) -> list[str]:
    """The texts that carry a raw control / bidi character (each shortened for the report)."""
    return [repr(t[:120]) for t in texts if UNSAFE.search(t)]


# --- Lingxing rows ------------------------------------------------------------------------

Override = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class RowCase:
    """A Lingxing row served with ``override(row)`` on top of its own fields, and whether the
    order (outbound rows) or SKU (stock rows) it belongs to must still go through."""

    name: str
    usable: bool
    override: Override


def _fixed(extra: dict[str, Any]) -> Override:
    return lambda row: copy.deepcopy(extra)


def _counts(value: Any) -> Override:
    return lambda row: {"product_info": [p | {"count": value} for p in row["product_info"]]}


row_ok = st.just(RowCase("well_formed", True, _fixed({})))

outbound_case = st.one_of(
    row_ok,
    st.builds(
        lambda extra: RowCase("harmless_outbound", True, _fixed(extra)),
        st.sampled_from(({"foo": {"\x00": [1]}}, {"waybill_no": "\x1b[2J"}, {"remark": HUGE})),
    ),
    st.just(
        RowCase(
            "single_po_not_a_list",
            True,
            lambda row: {"platform_order_no": row["platform_order_no"][0]},
        )
    ),
    st.builds(
        lambda v: RowCase("bad_count", False, _counts(v)),
        st.sampled_from(("abc", -5, 10**9, "1.5", [1])),
    ),
    st.builds(
        lambda v: RowCase("bad_products", False, _fixed({"product_info": v})),
        st.sampled_from(("junk", [5], [{"sku": {"a": 1}, "count": 1}])),
    ),
    st.builds(
        lambda v: RowCase("bad_tracking", False, _fixed({"tracking_no": v})),
        st.sampled_from(("T\x00K", "T\x1b[2JK", "T" * 300, " T1", "T\u202e1", {"t": 1})),
    ),
    st.just(
        RowCase(
            "unreadable_ship_time",
            False,
            _fixed({"delivered_at": "garbage", "stock_delivered_at": "0000-00-00 00:00:00"}),
        )
    ),
    st.builds(
        lambda v: RowCase("bad_status", False, _fixed({"status": v})),
        st.sampled_from(("shipped?", {"s": 3}, 1.5)),
    ),
    st.just(RowCase("no_po", False, _fixed({"platform_order_no": []}))),
)

stock_case = st.one_of(
    row_ok,
    st.builds(
        lambda extra: RowCase("harmless_stock", True, _fixed(extra)),
        st.sampled_from(({"fnsku": "\x00\x1b"}, {"product_valid_num": -5}, {"extra": [None]})),
    ),
    st.builds(
        lambda v: RowCase("bad_quantity", False, _fixed({"product_valid_num": v})),
        st.sampled_from(("abc", 10**12, 1.5, [3])),
    ),
    st.builds(
        lambda v: RowCase("bad_sku", False, lambda row: {"sku": row["sku"] + v}),
        st.sampled_from(("\x00", "\x1f", "\u202e", "X" * 300, " ")),
    ),
)
