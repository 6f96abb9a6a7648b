"""Request input rules shared by the admin API and the open API (daemon/inputs.py)."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import MultiDict

from daemon.admin.models import OrderListQuery, RunJobsBody, StatusBody
from daemon.inputs import MAX_DEPTH, InputError, parse_body, parse_json, parse_query


def _refused(raw: bytes) -> InputError:
    with pytest.raises(InputError) as info:
        parse_json(raw)
    return info.value


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (b'{"a": 1, "a": 2}', "body", "duplicate key 'a'"),
        (b'{"m": {"k": "1", "k": "2"}}', "body", "duplicate key 'k'"),
        (b"\xff\xfe{}", "body", "UTF-8"),
        (b'{"a": NaN}', "body", "NaN"),
        (b'{"a": -Infinity}', "body", "Infinity"),
        (b'{"a": 9223372036854775808}', "a", "out of range"),
        (b'{"a": [1, -9223372036854775809]}', "a[1]", "out of range"),
        (b'{"a": 1e309}', "a", "out of range"),
        (b'{"a": 1e30}', "a", "out of range"),
        (b'{"a": "x\\u0000y"}', "a", "NUL"),
        (b'{"a\\u0000": 1}', "a\x00", "NUL"),
        (b'{"a": "\\ud800"}', "a", "surrogate"),
        (b"{" * 5 + b"}" * 5, "body", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "body", "nested"),
        (b"1" * 5000, "body", "not valid JSON"),
    ],
)
def test_bad_json_is_refused_naming_where(raw: bytes, field: str, words: str) -> None:
    error = _refused(raw)
    assert error.field == field
    assert words in error.reason


def test_depth_is_bounded_and_measured_without_recursion() -> None:
    ok = b'{"a": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    assert parse_json(ok)
    deep = b'{"a": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}"
    assert "nested deeper" in _refused(deep).reason


def test_ordinary_json_passes_unchanged() -> None:
    raw = '{"po": "PO-✓", "n": -9223372036854775808, "x": 1.5, "l": [true, null]}'
    assert parse_json(raw.encode()) == {
        "po": "PO-✓",
        "n": -(2**63),
        "x": 1.5,
        "l": [True, None],
    }
    assert parse_json(b"  ") == {}


def _query(**params: Any) -> MultiDict[str]:
    out: MultiDict[str] = MultiDict()
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            out.add(key, item)
    return out


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"po_number": "a\x00b"}, "po_number", "control characters"),
        ({"tracking": "\x1b[2J"}, "tracking", "control characters"),
        ({"po_number": "x" * 257}, "po_number", "at most 256"),
        ({"start": "99999999999999999999"}, "start", "integer"),
        ({"start": "253402300800"}, "start", "at most 253402300799"),
        ({"offset": "2147483648"}, "offset", "at most"),
        ({"offset": "1_000"}, "offset", "integer"),
        ({"offset": "1.0"}, "offset", "integer"),
        ({"status": "1,9"}, "status", "entry 2: must be at most 6"),
        ({"status": ["1", "x"]}, "status", "entry 2"),
        ({"limit": ["10", "20"]}, "limit", "more than once"),
        ({"stauts": "1"}, "stauts", "unknown parameter"),
    ],
)
def test_bad_query_parameters_are_refused_naming_them(
    params: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InputError) as info:
        parse_query(OrderListQuery, _query(**params))
    assert info.value.field == field
    assert words in info.value.reason


def test_query_lists_blanks_and_whitespace() -> None:
    q = parse_query(
        OrderListQuery, _query(status=["1, 2", "2,3"], po_number="  PO-1 ", tracking="")
    )
    assert q.status == (1, 2, 3)
    assert q.po_number == "PO-1"
    assert q.tracking == ""
    assert (q.offset, q.limit) == (0, 50)


def test_bodies_are_strict_and_name_the_field() -> None:
    for data, field in (
        ({"jobs": 0}, "jobs"),
        ({"jobs": "pull_dsco_orders"}, "jobs"),
        ({"jobs": [""]}, "jobs[0]"),
        ({"jobs": [], "extra": 1}, "extra"),
    ):
        with pytest.raises(InputError) as info:
            parse_body(RunJobsBody, data)
        assert info.value.field == field
    for data, field in (
        ({"status": True, "reason": "r"}, "status"),
        ({"status": 1.0, "reason": "r"}, "status"),
        ({"status": 1, "reason": " "}, "reason"),
    ):
        with pytest.raises(InputError) as info:
            parse_body(StatusBody, data)
        assert info.value.field == field
    with pytest.raises(InputError) as info:
        parse_body(StatusBody, [1])
    assert info.value.field == "body"
    assert parse_body(RunJobsBody, {}).jobs == []
