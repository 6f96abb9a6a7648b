"""Pure checks of pull_sku_pair."""

from __future__ import annotations

from jobs.audit_sku_pairs import PairRow, diff, find_conflicts, new_mapping, shrink_fraction


def _p(store: str, msku: str, sku: str) -> PairRow:
    return PairRow(store, msku, sku)


def test_no_conflict_for_a_clean_list_and_repeated_pair() -> None:
    pairs = [_p("1", "A", "a"), _p("2", "A", "a"), _p("1", "B", "b")]
    assert find_conflicts(pairs, ["1", "2"]) == []
    assert new_mapping(pairs) == {"A": "a", "B": "b"}


def test_conflicts() -> None:
    assert len(find_conflicts([_p("1", "A", "a"), _p("2", "A", "b")], ["1", "2"])) == 1
    assert len(find_conflicts([_p("1", "A", "a"), _p("1", "B", "a")], ["1"])) == 1
    assert len(find_conflicts([_p("3", "A", "a")], ["1"])) == 1
    assert len(find_conflicts([_p("1", "", "a"), _p("1", "B", " ")], ["1"])) == 2


def test_shrink_and_diff() -> None:
    old = {"A": "a", "B": "b", "C": "c", "D": "d"}
    new = {"A": "a", "B": "x", "E": "e"}
    assert shrink_fraction(old, new) == 0.5
    assert shrink_fraction({}, new) == 0.0
    assert diff(old, new) == {
        "added": {"E": "e"},
        "removed": {"C": "c", "D": "d"},
        "changed": {"B": {"old": "b", "new": "x"}},
    }
