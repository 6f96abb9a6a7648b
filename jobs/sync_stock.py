"""``sync_stock``: Lingxing warehouse inventory → DSCO inventory (docs/design.md, "Every job", D10).

1. Per ``mapping.warehouse`` pair (DSCO code → WID) every page of Lingxing's inventory details
   (the SDK keeps that endpoint at one request in flight), ``product_valid_num`` SUMMED per SKU.
2. Lingxing SKU → DSCO SKU through the reverse ``mapping.sku`` (same name by default).
3. DSCO's current quantities (D10), by one of two paths chosen per run (:func:`read_path`):
   one ``GET /inventory`` per SKU (bounded concurrency; the SDK enforces DSCO's rates; a failed
   read fails that SKU's rows only), or one stream dump of the needed SKUs (a SKU missing from
   the dump counts as not found, and a failed dump fails the rows of every SKU it was to read).
   Per SKU while the reads fit in one minute of DSCO's budget, by stream above that or when
   ``use_stream`` is on; the run result says which and why (docs/performance.md, "sync_stock").
4. One ``dsco_warehouse_sync`` row per (warehouse, SKU) — every mapped warehouse of a SKU, 0
   where Lingxing has none — inserted in bulk.
5. When writing: ``POST /inventory/batch/small`` in chunks of ``size`` items, ONE item per SKU
   with ALL its warehouses and ``quantityAvailable`` = their sum (see :mod:`jobs.stock_write`).

Per-run overrides (``ctx.overrides``, for the open API):
- ``dry_run`` (bool): True never writes to DSCO; False writes even when ``sync`` is off.
  Absent: the job's ``sync`` option decides.
- ``items`` (list of ``{"sku", "warehouse", "quantity"}``): use these instead of reading
  Lingxing. ``sku`` is the DSCO SKU, ``warehouse`` a DSCO warehouse code of
  ``mapping.warehouse``, ``quantity`` an integer ≥ 0; only the given warehouses are sent for
  each SKU; the same (sku, warehouse) twice is refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import Field

from db import warehouse_sync as q
from jobs.context import JobContext, JobError
from jobs.fanout import gather_bounded
from jobs.registry import JobSpec
from jobs.runtime_config import JobConfig, JobNeeds, ReverseMappingConflictError, reverse_mapping
from jobs.stock_plan import (
    REASON_COMPARED,
    REASON_NOT_FOUND,
    SkuPlan,
    build_rows,
    check_plausible,
    dsco_quantities,
    plan_skus,
    sum_by_sku,
)
from jobs.stock_write import write_inventory
from jobs.untrusted import printable
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.lingxing.client import LingxingClient

READ_CONCURRENCY = 10
LINGXING_PAGE = 800  # the endpoint's maximum
PER_SKU, STREAM = "per_sku", "stream"
# DSCO's per-minute allowance of GET /inventory: as many SKUs as one minute's budget reads.
STREAM_ABOVE_SKUS = 300


async def run(ctx: JobContext) -> None:
    """Entry point registered as ``sync_stock``."""
    dsco = ctx.clients.require_dsco()
    codes = dict(ctx.config.mapping.warehouse)  # DSCO code → Lingxing WID
    if not codes:
        raise JobError("mapping.warehouse is empty: nothing to sync")
    write = _should_write(ctx)
    if "items" in ctx.overrides:
        plans = _plans_from_items(ctx, codes)
    else:
        stock, unreadable = await _read_lingxing(ctx, ctx.clients.require_lingxing(), codes)
        plans = plan_skus(stock, codes, _sku_reverse(ctx), unreadable)
    path = read_path(sum(1 for p in plans if not p.failure), JOB.settings(ctx))
    ctx.log.info("dsco stock read path={} why={}", path.path, path.why)
    if path.path == STREAM:
        await _read_dsco_stream(ctx, dsco, plans)
    else:
        await _read_dsco(ctx, dsco, plans)
    now = ctx.now()
    for plan in plans:
        check_plausible(plan)
    rows = [row for plan in plans for row in build_rows(plan, codes, now, REASON_COMPARED)]
    ids = await q.insert_rows(ctx.pool, rows, now)
    calls = await write_inventory(ctx, dsco, plans, rows, ids) if write else 0
    _finish(ctx, plans, len(rows), write, calls, path)


@dataclass(frozen=True)
class ReadPath:
    """How this run reads DSCO's current stock, and why (said in the run result)."""

    path: str  # PER_SKU or STREAM
    why: str
    skus: int


def read_path(skus: int, settings: SyncStockSettings) -> ReadPath:
    """Per SKU for up to ``stream_above_skus`` SKUs, else (or with ``use_stream``) by stream.

    One ``GET /inventory`` per SKU costs a call each, and DSCO allows 300 of them a minute:
    up to 300 SKUs are read within a minute's budget (about 20 s), each further 300 take a
    whole minute more. A stream dump costs a handful of calls whatever the count, but when a
    SKU never arrives (DSCO does not have it) it waits out its settle time (a minute) before
    it may end. So the per-SKU path is quicker up to one minute's budget, the stream above it.
    """
    limit = settings.stream_above_skus
    if settings.use_stream:
        return ReadPath(STREAM, "use_stream is on", skus)
    if skus > limit:
        return ReadPath(STREAM, f"{skus} SKUs to read, more than stream_above_skus={limit}", skus)
    return ReadPath(PER_SKU, f"{skus} SKUs to read, at most stream_above_skus={limit}", skus)


def _should_write(ctx: JobContext) -> bool:
    dry_run = ctx.overrides.get("dry_run")
    if dry_run is None:
        return JOB.settings(ctx).sync
    if not isinstance(dry_run, bool):
        raise JobError("overrides.dry_run must be true or false")
    return not dry_run


def _sku_reverse(ctx: JobContext) -> dict[str, str]:
    try:
        return reverse_mapping(ctx.config.mapping.sku)
    except ReverseMappingConflictError as exc:  # validation on save prevents it (D11)
        raise JobError(f"mapping.sku cannot be reversed: {exc}") from None


async def _read_lingxing(
    ctx: JobContext, lingxing: LingxingClient, codes: Mapping[str, str]
) -> tuple[dict[str, dict[str, int]], set[str]]:
    """DSCO code → Lingxing SKU → summed available quantity (warehouses one after another:
    the endpoint allows one request in flight anyway), and the Lingxing SKUs named by a stock
    row our model refused (their sum would be wrong, so they are not synced)."""
    stock: dict[str, dict[str, int]] = {}
    unreadable: set[str] = set()
    for code, wid in codes.items():
        pairs: list[tuple[str, int]] = []
        async for page in lingxing.iter_inventory_details(wid, page_size=LINGXING_PAGE):
            pairs += [(r.sku, r.product_valid_num) for r in page if str(r.wid) == wid]
            unreadable |= page.rejected_keys()
        stock[code] = sum_by_sku(pairs)
        ctx.log.info("lingxing stock read warehouse={} wid={} rows={}", code, wid, len(pairs))
    return stock, unreadable


async def _read_dsco(ctx: JobContext, dsco: DscoClient, plans: list[SkuPlan]) -> None:
    async def read(plan: SkuPlan) -> None:
        try:
            item = await dsco.get_inventory(plan.sku, item_key="sku")
        except SdkError as exc:
            plan.failure = f"dsco_read_failed: {exc}"[:500]
            return
        found = dsco_quantities(item)
        if found is None:
            plan.failure = REASON_NOT_FOUND
        else:
            plan.dsco = found

    await gather_bounded([p for p in plans if not p.failure], read, limit=READ_CONCURRENCY)


async def _read_dsco_stream(ctx: JobContext, dsco: DscoClient, plans: list[SkuPlan]) -> None:
    todo = {plan.sku: plan for plan in plans if not plan.failure}
    found: dict[str, dict[str, int] | None] = {}
    try:
        dump = dsco.streams.read_inventory_dump(skus=list(todo), **asdict(ctx.env.stream_waits))
        async with contextlib.aclosing(dump) as items:
            async for item in items:
                if item.get("sku") in todo:  # a later duplicate is the newer state
                    found[str(item["sku"])] = dsco_quantities(item)
    except SdkError as exc:
        for plan in todo.values():
            plan.failure = f"dsco_stream_failed: {exc}"[:500]
        ctx.log.warning("dsco stream read failed skus={} error={}", len(todo), exc)
        return
    for sku, plan in todo.items():
        quantities = found.get(sku)
        if quantities is None:
            plan.failure = REASON_NOT_FOUND
        else:
            plan.dsco = quantities
    ctx.log.info("dsco stream read skus={} found={}", len(todo), len(found))


def _plans_from_items(ctx: JobContext, codes: Mapping[str, str]) -> list[SkuPlan]:
    items = ctx.overrides["items"]
    if not isinstance(items, list):
        raise JobError("overrides.items must be a list of {sku, warehouse, quantity}")
    plans: dict[str, SkuPlan] = {}
    for index, item in enumerate(items):
        sku, code, quantity = _item_fields(item, index, codes)
        plan = plans.setdefault(sku, SkuPlan(sku=sku, lx_sku=ctx.config.mapping.sku.get(sku, sku)))
        if code in plan.lingxing:
            raise JobError(f"overrides.items[{index}]: {sku} / {code} given twice")
        plan.lingxing[code] = quantity
    return sorted(plans.values(), key=lambda p: p.sku)


def _item_fields(item: Any, index: int, codes: Mapping[str, str]) -> tuple[str, str, int]:
    where = f"overrides.items[{index}]"
    if not isinstance(item, Mapping):
        raise JobError(f"{where}: expected an object")
    sku, code, quantity = item.get("sku"), item.get("warehouse"), item.get("quantity")
    if not isinstance(sku, str) or not sku:
        raise JobError(f"{where}.sku: expected a non-empty string")
    if not isinstance(code, str) or code not in codes:
        raise JobError(f"{where}.warehouse: not a warehouse code of mapping.warehouse")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise JobError(f"{where}.quantity: expected an integer >= 0")
    return sku, code, quantity


def _finish(
    ctx: JobContext, plans: list[SkuPlan], rows: int, write: bool, calls: int, path: ReadPath
) -> None:
    failed = [p for p in plans if p.failure]
    for plan in failed:
        ctx.log.warning("sku failed sku={} reason={}", printable(plan.sku), printable(plan.failure))
    ctx.counters.total = len(plans)
    ctx.counters.fail = len(failed)
    ctx.counters.ok = len(plans) - len(failed)
    if write:
        ctx.counters.advanced = ctx.counters.ok
    ctx.report = {
        "skus": len(plans),
        "rows": rows,
        "failed_skus": len(failed),
        "written": write,
        "update_calls": calls,
        "dsco_read": {"path": path.path, "why": path.why, "skus": path.skus},
    }
    ctx.log.info(
        "stock sync done skus={} rows={} failed={} written={} update_calls={}",
        len(plans),
        rows,
        len(failed),
        write,
        calls,
    )


class SyncStockSettings(JobConfig):
    """``sync`` also writes to DSCO (else read and record only). DSCO's current inventory is
    read one SKU at a time for up to ``stream_above_skus`` SKUs and by one stream dump above
    that; ``use_stream`` always reads by stream (see :func:`read_path`)."""

    sync: bool = False
    use_stream: bool = False
    stream_above_skus: int = Field(STREAM_ABOVE_SKUS, ge=0)


JOB = JobSpec(
    "sync_stock",
    run,
    SyncStockSettings,
    {
        "cron": "0 0 1 * * *",
        "size": 200,
        "sync": False,
        "use_stream": False,
        "stream_above_skus": STREAM_ABOVE_SKUS,
    },
    needs=JobNeeds(dsco=True, lingxing=True, warehouse=True),
    in_pipeline=True,
)
