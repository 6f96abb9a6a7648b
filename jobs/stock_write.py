"""The DSCO write of ``sync_stock``: inventory small batches confirmed through ``/inventory/log``.

Each chunk of ``size`` SKUs is one ``POST /inventory/batch/small`` (one item per SKU carrying
all its warehouses). Quantities are absolute, so re-sending them next run is harmless; an
ambiguous failure therefore just fails the chunk's rows (no retry here). A chunk DSCO rejects
as a whole (400) is re-sent item by item so one bad item cannot block the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import pydantic

from db import warehouse_sync as q
from db.warehouse_sync import Outcome, SyncRow
from jobs.context import JobContext
from jobs.fanout import chunked, gather_bounded
from jobs.stock_plan import REASON_UPDATED, SkuPlan, build_item
from sdk._errors import SdkError
from sdk.dsco.client import DscoClient
from sdk.dsco.errors import DscoValidationError
from sdk.dsco.models import ItemInventory

WRITE_CONCURRENCY = 4
LOG_TIMEOUT = 120.0
LOG_POLL_INTERVAL = 2.0
MAX_REASON = 500


async def write_inventory(
    ctx: JobContext,
    dsco: DscoClient,
    plans: Sequence[SkuPlan],
    rows: Sequence[SyncRow],
    ids: Sequence[int],
) -> int:
    """Send every plan without a failure; mark each plan's rows updated or failed.

    Returns the number of ``POST /inventory/batch/small`` calls made.
    """
    todo = [p for p in plans if not p.failure]
    items = {p.sku: item for p in todo if (item := _item(p)) is not None}

    async def send(chunk: list[SkuPlan]) -> int:
        return await _send_chunk(dsco, [p for p in chunk if p.sku in items], items)

    sent = await gather_bounded(chunked(todo, ctx.size), send, limit=WRITE_CONCURRENCY)
    calls = sum(sent)
    await q.set_outcomes(ctx.pool, _outcomes(todo, rows, ids), ctx.now())
    return calls


def _item(plan: SkuPlan) -> ItemInventory | None:
    try:
        return build_item(plan)
    except pydantic.ValidationError as exc:
        plan.failure = f"invalid_item: {exc.errors()[0]['msg']}"[:MAX_REASON]
        return None


async def _send_chunk(
    dsco: DscoClient, chunk: list[SkuPlan], items: dict[str, ItemInventory]
) -> int:
    if not chunk:
        return 0
    try:
        accepted = await dsco.update_inventory([items[p.sku] for p in chunk])
    except DscoValidationError as exc:
        if len(chunk) == 1:
            _fail(chunk, f"dsco_update_rejected: {exc}")
            return 1
        split = [await _send_chunk(dsco, [plan], items) for plan in chunk]
        return 1 + sum(split)
    except SdkError as exc:
        _fail(chunk, f"dsco_update_error: {exc}")
        return 1
    await _confirm(dsco, chunk, accepted.request_id)
    return 1


async def _confirm(dsco: DscoClient, chunk: list[SkuPlan], request_id: str) -> None:
    try:
        outcome = await dsco.wait_for_request(
            "inventory",
            request_id,
            [p.sku for p in chunk],
            timeout=LOG_TIMEOUT,
            poll_interval=LOG_POLL_INTERVAL,
        )
    except SdkError as exc:
        _fail(chunk, f"dsco_log_unreadable: {exc}")
        return
    for plan in chunk:
        if plan.sku in outcome.failed:
            plan.failure = ("dsco_update_failed: " + "; ".join(outcome.failed[plan.sku]))[
                :MAX_REASON
            ]
        elif plan.sku in outcome.pending:
            plan.failure = "dsco_update_unconfirmed"


def _fail(chunk: list[SkuPlan], reason: str) -> None:
    for plan in chunk:
        plan.failure = reason[:MAX_REASON]


def _outcomes(
    plans: Sequence[SkuPlan], rows: Sequence[SyncRow], ids: Sequence[int]
) -> list[Outcome]:
    verdict = {
        p.sku: (q.STATUS_FAILED, p.failure) if p.failure else (q.STATUS_OK, REASON_UPDATED)
        for p in plans
    }
    return [
        Outcome(row_id, *verdict[row.dsco_warehouse_sku])
        for row, row_id in zip(rows, ids, strict=True)
        if row.dsco_warehouse_sku in verdict
    ]
