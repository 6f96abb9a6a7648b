"""``pull_sku_pair``: Lingxing MSKU↔SKU pairs → ``mapping.sku`` (docs/design.md, "Every job").

Reads the pair list of every store in ``mapping.shop`` (all pages; limited to the env's
platform code when one is set). Nothing is changed when the list has any conflict (see
:func:`jobs.audit_sku_pairs.find_conflicts`), or when it would drop more than
``jobs.pull_sku_pair.max_shrink_fraction`` of the current keys. Otherwise the new mapping is
validated like an admin save and stored with a compare-and-swap on the config version this
run started from (a concurrent edit wins; run again); the scheduler notices the new version by
its poll. Audit files ``<HHMMSS>-<run_id>-{old,new,diff}.json`` go to
``<export_dir>/sku-mapping-pull/<UTC date>/`` (written as ``.*.part`` and renamed).
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from db import runtime_config as stored_config
from jobs.audit_sku_pairs import (
    MAX_LISTED,
    PairRow,
    diff,
    find_conflicts,
    new_mapping,
    shrink_fraction,
)
from jobs.context import JobContext, JobError
from jobs.registry import JobSpec
from jobs.runtime_config import (
    Capabilities,
    JobConfig,
    JobNeeds,
    RuntimeConfigError,
    config_to_json,
)
from jobs.untrusted import printable
from sdk.lingxing.paging import Rejected

AUDIT_FOLDER = "sku-mapping-pull"
MAX_PAGE = 1000


async def run(ctx: JobContext) -> None:
    """Entry point registered as ``pull_sku_pair``."""
    lingxing = ctx.clients.require_lingxing()
    stores = sorted(set(ctx.config.mapping.shop.values()))
    if not stores:
        raise JobError("mapping.shop is empty: no store to read pairs from")
    codes = [ctx.env.lingxing_platform_code] if ctx.env.lingxing_platform_code else None
    raw = await lingxing.list_pairs(stores, platform_codes=codes, page_size=_page(ctx.size))
    pairs = [PairRow(p.store_id, p.msku, p.sku) for p in raw]
    ctx.counters.total = len(pairs)
    old = dict(ctx.config.mapping.sku)
    new = _checked_mapping(ctx, pairs, stores, old, raw.rejected)
    if new is None:
        return
    if new == old:
        ctx.counters.ok = len(pairs)
        _report(ctx, pairs, old, new, saved=False, reason="unchanged")
        ctx.log.info("sku mapping unchanged pairs={}", len(pairs))
        return
    version = await _save(ctx, new)
    folder = await asyncio.to_thread(_write_audit, ctx, old, new, version)
    ctx.counters.ok = ctx.counters.advanced = len(pairs)
    _report(ctx, pairs, old, new, saved=True, reason="saved", version=version, audit=str(folder))
    ctx.log.info("sku mapping saved version={} keys={} audit={}", version, len(new), folder)


def _page(size: int) -> int:
    return min(max(size, 20), MAX_PAGE)


def _checked_mapping(
    ctx: JobContext,
    pairs: list[PairRow],
    stores: list[str],
    old: dict[str, str],
    rejected: list[Rejected],
) -> dict[str, str] | None:
    """The new mapping, or None (logged, reported) when it must not be saved."""
    conflicts = find_conflicts(pairs, stores, rejected)
    if conflicts:
        ctx.counters.fail = len(pairs)
        for line in conflicts[:MAX_LISTED]:
            ctx.log.warning("sku pair conflict: {}", printable(line))
        ctx.log.error("sku mapping NOT changed: {} conflict(s) in the pair list", len(conflicts))
        _report(ctx, pairs, old, old, saved=False, reason="conflict", conflicts=conflicts)
        return None
    new = new_mapping(pairs)
    limit = JOB.settings(ctx).max_shrink_fraction
    shrink = shrink_fraction(old, new)
    if shrink > limit:
        ctx.counters.fail = len(pairs)
        ctx.log.error(
            "sku mapping NOT changed: it would drop {:.0%} of {} keys (limit {:.0%})",
            shrink,
            len(old),
            limit,
        )
        _report(ctx, pairs, old, new, saved=False, reason="shrink_limit")
        return None
    return new


async def _save(ctx: JobContext, new: dict[str, str]) -> int:
    raw = config_to_json(ctx.config)
    raw["mapping"]["sku"] = new
    try:
        # Capabilities are not this job's concern: it changes no job's enable flag.
        config = ctx.schema.validate(
            raw, domain=ctx.schema.domain, capabilities=Capabilities.everything()
        )
    except RuntimeConfigError as exc:
        raise JobError(f"pulled sku mapping is invalid, not saved: {exc}") from None
    saved = await stored_config.save(
        ctx.pool,
        ctx.schema.domain,
        config_to_json(config),
        ctx.now(),
        expected_version=ctx.config_version,
    )
    if saved is None:
        raise JobError(
            f"runtime config changed after this run started (version {ctx.config_version});"
            " sku mapping not saved, run the job again"
        )
    return saved.version


def _write_audit(ctx: JobContext, old: dict[str, str], new: dict[str, str], version: int) -> Path:
    moment = datetime.fromtimestamp(ctx.clock(), UTC)
    folder = ctx.env.export_dir / AUDIT_FOLDER / moment.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{moment.strftime('%H%M%S')}-{ctx.run_id}"
    head = {"run_id": ctx.run_id, "from_version": ctx.config_version, "to_version": version}
    _write_json(folder / f"{stem}-old.json", {**head, "sku": old})
    _write_json(folder / f"{stem}-new.json", {**head, "sku": new})
    _write_json(folder / f"{stem}-diff.json", {**head, **diff(old, new)})
    return folder


def _write_json(path: Path, document: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.part")
    with partial.open("w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _report(
    ctx: JobContext,
    pairs: list[PairRow],
    old: dict[str, str],
    new: dict[str, str],
    *,
    saved: bool,
    reason: str,
    conflicts: list[str] | None = None,
    version: int | None = None,
    audit: str | None = None,
) -> None:
    changes = diff(old, new)
    ctx.report = {
        "saved": saved,
        "reason": reason,
        "pairs": len(pairs),
        "keys_before": len(old),
        "keys_after": len(new),
        "added": len(changes["added"]),
        "removed": len(changes["removed"]),
        "changed": len(changes["changed"]),
        "conflicts": len(conflicts or []),
        "conflict_examples": (conflicts or [])[:MAX_LISTED],
        "version": version,
        "audit_dir": audit,
    }


class PullSkuPairSettings(JobConfig):
    """Refuse a pull that would remove more than this fraction of ``mapping.sku``."""

    max_shrink_fraction: float = Field(default=0.5, ge=0.0, le=1.0, allow_inf_nan=False)


JOB = JobSpec(
    "pull_sku_pair",
    run,
    PullSkuPairSettings,
    {"cron": "0 0 3 * * *", "size": 1000},
    needs=JobNeeds(lingxing=True),
)
