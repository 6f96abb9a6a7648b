from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.untrusted import _clean, identifier_problem, plain_text, printable, storable


def test_storable_replaces_only_what_postgresql_cannot_hold() -> None:
    raw = {
        "poNumber": "PO-1",
        "giftMessage": "a\x00b",
        "lineItems": [{"sku": "S\ud800", "price": math.nan}, {"n": math.inf}],
        "bad\x00key": 1,
        "esc": "\x1b[31mred",
    }
    clean, changed = storable(raw)
    assert clean["giftMessage"] == "a\ufffdb"
    assert clean["lineItems"][0] == {"sku": "S\ufffd", "price": "nan"}
    assert clean["lineItems"][1] == {"n": "inf"}
    assert clean["bad\ufffdkey"] == 1
    assert clean["esc"] == "\x1b[31mred"  # storable as is: only escaped when logged
    assert set(changed) == {
        "giftMessage",
        "lineItems[0].sku",
        "lineItems[0].price",
        "lineItems[1].n",
        "<key>",
    }
    json.dumps(clean, allow_nan=False)  # valid JSON for jsonb


def test_storable_leaves_a_clean_payload_equal_and_reports_nothing() -> None:
    raw = {"poNumber": "PO-1", "lines": [{"q": 1, "p": 2.5, "ok": True, "none": None}]}
    assert storable(raw) == (raw, [])
    assert storable(raw)[0] is raw  # and not even a copy of it


def test_storable_reports_at_most_ten_paths() -> None:
    _, changed = storable({f"k{i}": "\x00" for i in range(50)})
    assert len(changed) == 10


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("PO-123", None),
        ("ÄÖÜ-订单-1", None),
        (None, "not_a_string"),
        (123, "not_a_string"),
        ("", "blank"),
        (" ", "blank"),
        ("\u3000", "blank"),
        (" PO", "surrounding_whitespace"),
        ("PO\n", "surrounding_whitespace"),
        ("P\x00O", "control_character"),
        ("P\x1fO", "control_character"),
        ("P\u202eO", "control_character"),
        ("P\ud800O", "control_character"),
        ("P\ufffdO", "replaced_character"),
        ("P" * 101, "too_long"),
    ],
)
def test_identifier_problem(value: object, problem: str | None) -> None:
    assert identifier_problem(value) == problem


def test_printable_escapes_controls_and_bidi_and_bounds_length() -> None:
    assert printable("a\x1b[31mb\x07c\x00\u202e\x85") == "a\\x1b[31mb\\x07c\\x00\\u202e\\x85"
    assert printable("x" * 300, 10) == "xxxxxxxxxx...(+290 chars)"
    assert printable(42) == "42"
    assert printable("\ud800") == "\ufffd"
    assert printable("订单 ok") == "订单 ok"


def test_plain_text_turns_controls_into_single_spaces() -> None:
    assert plain_text("  Maria\x00\x1b Lopez\u202e  ") == "Maria Lopez"


_HOSTILE_TEXT = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(["\x00", "\ud800", "\udfff", "\\", "u", "0", '"', "\x1b", "订"]),
            st.characters(codec="utf-8"),
        ),
        max_size=12,
    ),
    st.sampled_from(["\\u0000", "a\\u0000b"]),  # spells the escape: a false alarm only
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | _HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_HOSTILE_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_storable_decides_like_the_careful_walk(value: object) -> None:
    """The quick JSON-text check never lets through what the walk would change."""
    changed: list[str] = []
    walked = _clean(value, "", changed)
    clean, reported = storable(value)
    assert reported == changed[:10]
    assert json.dumps(clean, sort_keys=True) == json.dumps(walked, sort_keys=True)
