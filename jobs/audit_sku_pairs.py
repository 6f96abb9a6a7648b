"""Pure checks of ``pull_sku_pair``: pair-list conflicts, the new ``mapping.sku``, shrink, diff.

Direction (docs/design.md, "Runtime configuration"): a Lingxing pair links a store's MSKU — the
SKU as the DSCO retailer lists it, i.e. the DSCO SKU — to a Lingxing local SKU. ``mapping.sku``
is DSCO SKU → Lingxing SKU, so every pair becomes ``mapping.sku[msku] = sku``; pairs whose two
sides are equal are kept too (harmless: a missing key means the same name anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jobs.untrusted import identifier_problem
from sdk.lingxing.paging import Rejected

MAX_LISTED = 50  # conflicts listed in the log/report; the count is always complete


@dataclass(frozen=True)
class PairRow:
    store_id: str
    msku: str
    sku: str


def find_conflicts(
    pairs: Iterable[PairRow], stores: Iterable[str], rejected: Iterable[Rejected] = ()
) -> list[str]:
    """Every reason the pair list cannot become ``mapping.sku`` (empty: it can). A pair row
    Lingxing sent that our model refused is one: the mapping would miss it silently."""
    wanted = set(stores)
    problems = [f"pair row {r.index} unreadable (fields {','.join(r.fields)})" for r in rejected]
    sku_of: dict[str, set[str]] = {}
    msku_of: dict[str, set[str]] = {}
    for pair in pairs:
        if pair.store_id not in wanted:
            problems.append(f"store {pair.store_id!r} was not asked for (msku {pair.msku!r})")
        elif problem := identifier_problem(pair.msku) or identifier_problem(pair.sku):
            problems.append(f"store {pair.store_id}: unusable msku or sku ({problem})")
        else:
            sku_of.setdefault(pair.msku, set()).add(pair.sku)
            msku_of.setdefault(pair.sku, set()).add(pair.msku)
    problems += [f"msku {m!r} → skus {sorted(s)}" for m, s in sku_of.items() if len(s) > 1]
    problems += [f"sku {s!r} ← mskus {sorted(m)}" for s, m in msku_of.items() if len(m) > 1]
    return problems


def new_mapping(pairs: Iterable[PairRow]) -> dict[str, str]:
    """DSCO SKU (MSKU) → Lingxing SKU, sorted by key; call after :func:`find_conflicts`."""
    return dict(sorted({p.msku: p.sku for p in pairs}.items()))


def shrink_fraction(old: Mapping[str, str], new: Mapping[str, str]) -> float:
    """Share of the old keys the new mapping drops (0 for an empty old mapping)."""
    if not old:
        return 0.0
    return len(old.keys() - new.keys()) / len(old)


def diff(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, Any]:
    """Added, removed and changed keys between two mappings."""
    return {
        "added": {k: new[k] for k in sorted(new.keys() - old.keys())},
        "removed": {k: old[k] for k in sorted(old.keys() - new.keys())},
        "changed": {
            k: {"old": old[k], "new": new[k]}
            for k in sorted(old.keys() & new.keys())
            if old[k] != new[k]
        },
    }
