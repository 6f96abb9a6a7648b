"""``push_to_lingxing``: local status 1 → Lingxing manual order → status 2 (D6).

1. Existence check first: one order-list read for the whole batch (≤ 200 POs per call, all
   pages, deleted orders included). A PO Lingxing already has → status 2 without creating.
2. Build each remaining order (:mod:`jobs.lingxing_order`); a skip leaves it at status 1.
3. Create per store in calls of ``ctx.env.lingxing_create_batch`` orders, concurrently (the SDK
   caps in-flight calls at the endpoint's limit). An order is created only if it is in
   ``success_details``. A call refused as a whole is retried order by order; when the outcome is
   unknown (timeout, 5xx, an order neither list mentions) the list is read again before deciding
   — an order is never re-sent blindly (the next run starts with the existence check anyway).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from db import orders as q
from jobs import pipeline_common as pc
from jobs.context import JobContext, JobError
from jobs.fanout import chunked, gather_bounded
from jobs.lingxing_order import BuiltOrder, build_order
from jobs.registry import JobSpec
from jobs.runtime_config import JobConfig, JobNeeds
from jobs.states import OrderStatus
from sdk._errors import SdkError
from sdk.dsco.responses import DscoOrder
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.models import LxOrder
from sdk.lingxing.paging import Rows

CREATE_CONCURRENCY = 10  # the create endpoint's in-flight cap
_MAX_MESSAGE = 200


@dataclass
class CreateOutcome:
    """What the create calls said: created POs, rejected POs with a reason, unknown POs."""

    created: set[str] = field(default_factory=set)
    rejected: dict[str, str] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)

    def merge(self, other: CreateOutcome) -> None:
        self.created |= other.created
        self.rejected.update(other.rejected)
        self.unknown |= other.unknown


async def run(ctx: JobContext) -> None:
    """Push the batch (or the single PO) of status-1 orders to Lingxing."""
    lx = ctx.clients.require_lingxing()
    platform_code = ctx.env.lingxing_platform_code
    if platform_code is None:
        raise JobError("integration.lingxing.platform_code is not configured")
    orders = pc.parse_payloads(ctx, await pc.select_rows(ctx, OrderStatus.PULLED))
    if not orders:
        return
    pending = await _advance_existing(ctx, lx, orders)
    if pending is None:
        return
    built = _build_all(ctx, pending)
    outcome = await _create_all(lx, platform_code, built, ctx.env.lingxing_create_batch)
    await _settle(ctx, lx, outcome)


async def _advance_existing(
    ctx: JobContext, lx: LingxingClient, orders: list[tuple[q.OrderRow, DscoOrder]]
) -> list[tuple[q.OrderRow, DscoOrder]] | None:
    """Step 1: move POs Lingxing already has to 2; the rest still need creating.
    None when Lingxing could not be read (then nothing is created this run)."""
    pos = [row.po_number for row, _ in orders]
    try:
        listing = await lx.list_orders(pos, include_deleted=True)
    except SdkError as exc:
        for po in pos:
            pc.fail(ctx, po, "lingxing_list_failed", type(exc).__name__)
        return None
    found = _by_po(listing, pos)
    for po, matches in found.items():
        await _advance_found(ctx, po, matches, "already_in_lingxing")
    # A Lingxing order we could not read may be this PO's: creating it could duplicate it.
    unreadable = _unreadable(ctx, listing, pos, found)
    return [(row, order) for row, order in orders if row.po_number not in found.keys() | unreadable]


def _unreadable(
    ctx: JobContext, listing: Rows[LxOrder], pos: Sequence[str], found: Mapping[str, object]
) -> set[str]:
    """POs named only by Lingxing rows our model refused: reported, left for a later run."""
    unreadable = (listing.rejected_keys() & set(pos)) - found.keys()
    for po in sorted(unreadable):
        pc.skip(ctx, po, "lingxing_row_unreadable")
    return unreadable


async def _advance_found(ctx: JobContext, po: str, matches: list[LxOrder], reason: str) -> None:
    detail = f"global_order_no={','.join(m.global_order_no for m in matches)}"
    if all(m.deleted for m in matches):
        # Kept at "exists" (D6: never a duplicate), but someone deleted it in Lingxing: a human
        # has to decide; ack will not find it (it ignores deleted orders).
        ctx.log.bind(po_number=po).warning("order exists in Lingxing only as a deleted order")
        detail += " only_deleted=true"
    await pc.advance(ctx, po, OrderStatus.PULLED, OrderStatus.PUSHED, reason, detail)


def _by_po(found: Iterable[LxOrder], wanted: Sequence[str]) -> dict[str, list[LxOrder]]:
    """Lingxing orders per wanted PO (a merged order counts for each PO it carries)."""
    keys = set(wanted)
    grouped: dict[str, list[LxOrder]] = defaultdict(list)
    for order in found:
        for po in set(order.platform_order_nos) & keys:
            grouped[po].append(order)
    return dict(grouped)


def _build_all(
    ctx: JobContext, orders: list[tuple[q.OrderRow, DscoOrder]]
) -> dict[str, list[BuiltOrder]]:
    """Step 2: the orders to create, grouped by store; skips are reported here."""
    per_store: dict[str, list[BuiltOrder]] = defaultdict(list)
    for row, order in orders:
        built = build_order(order, ctx.config.mapping)
        if isinstance(built, pc.Skip):
            pc.skip(ctx, row.po_number, built.reason, built.detail)
        else:
            per_store[built.store_id].append(built)
    return dict(per_store)


async def _create_all(
    lx: LingxingClient, platform_code: int, per_store: dict[str, list[BuiltOrder]], batch: int
) -> CreateOutcome:
    """Step 3: every create call of the run, concurrently."""
    chunks = [
        (store, chunk) for store, built in per_store.items() for chunk in chunked(built, batch)
    ]

    async def one(job: tuple[str, list[BuiltOrder]]) -> CreateOutcome:
        return await _create_chunk(lx, platform_code, *job)

    outcome = CreateOutcome()
    for part in await gather_bounded(chunks, one, limit=CREATE_CONCURRENCY):
        outcome.merge(part)
    return outcome


async def _create_chunk(
    lx: LingxingClient, platform_code: int, store_id: str, chunk: list[BuiltOrder]
) -> CreateOutcome:
    pos = [b.order.platform_order_no for b in chunk]
    try:
        result = await lx.create_orders(platform_code, store_id, [b.order for b in chunk])
    except SdkError as exc:
        if exc.refused and not exc.ambiguous:
            if len(chunk) > 1:  # refused as a whole: find the bad order by sending one by one
                return await _create_singly(lx, platform_code, store_id, chunk)
            return CreateOutcome(rejected={pos[0]: _message(exc)})
        return CreateOutcome(unknown=set(pos))
    created = set(result.created()) & set(pos)
    rejected = {po: msg for po, msg in result.failed().items() if po in pos and po not in created}
    return CreateOutcome(created, rejected, set(pos) - created - rejected.keys())


async def _create_singly(
    lx: LingxingClient, platform_code: int, store_id: str, chunk: list[BuiltOrder]
) -> CreateOutcome:
    outcome = CreateOutcome()
    for built in chunk:
        outcome.merge(await _create_chunk(lx, platform_code, store_id, [built]))
    return outcome


def _message(exc: SdkError) -> str:
    return f"{type(exc).__name__} code={exc.code}"


async def _settle(ctx: JobContext, lx: LingxingClient, outcome: CreateOutcome) -> None:
    """Advance the created orders, report the rejected ones, re-check the unknown ones."""
    for po in sorted(outcome.created):
        await pc.advance(ctx, po, OrderStatus.PULLED, OrderStatus.PUSHED, "created")
    for po, message in sorted(outcome.rejected.items()):
        pc.fail(ctx, po, "lingxing_rejected", f"message={message[:_MAX_MESSAGE]!r}")
    if outcome.unknown:
        await _recheck(ctx, lx, sorted(outcome.unknown))


async def _recheck(ctx: JobContext, lx: LingxingClient, pos: list[str]) -> None:
    """The create outcome is unknown: only what Lingxing now lists counts as created."""
    try:
        listing = await lx.list_orders(pos, include_deleted=True)
    except SdkError as exc:
        listing = Rows()
        ctx.log.warning("re-check after an unknown create outcome failed: {}", type(exc).__name__)
    found = _by_po(listing, pos)
    unreadable = _unreadable(ctx, listing, pos, found)
    for po in pos:
        if po in unreadable:
            continue
        if po in found:
            await _advance_found(ctx, po, found[po], "created_confirmed_by_recheck")
        else:
            # Possibly still being processed: the next run's existence check decides.
            pc.skip(ctx, po, "create_outcome_unknown", "not listed by Lingxing yet")


JOB = JobSpec(
    "push_to_lingxing",
    run,
    JobConfig,
    {"cron": "0 */5 * * * *", "size": 500},
    needs=JobNeeds(lingxing=True, platform_code=True, shop=True),
    input_status=OrderStatus.PULLED,
    in_pipeline=True,
)
