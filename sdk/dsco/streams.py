"""DSCO inventory streams: a bulk read of current inventory (``dsco_api.md`` §2.10, D10).

DSCO recommends streams over per-item ``GET /inventory`` for bulk reads. A full read ("dump")
creates a one-partition inventory stream, asks DSCO to ``sync`` every item into it, reads the
events from the epoch (sync events carry ids based on each item's update time, so they may sort
*before* the stream's own position) and deletes the stream.  Use it through
:attr:`DscoClient.streams <sdk.dsco.client.DscoClient.streams>`::

    async with contextlib.aclosing(dsco.streams.read_inventory_dump(skus=skus)) as dump:
        async for item in dump:          # raw ItemInventory dicts; duplicates may occur
            ...

Event ids contain ``/`` and may arrive already percent-encoded: :func:`encode_position` turns
any of them into exactly one path segment.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote, unquote

from pydantic import BaseModel, BeforeValidator, Field

from sdk._errors import SdkError
from sdk._http import Endpoint, HttpTransport, Prepared, RawResponse
from sdk.dsco import endpoints as ep
from sdk.dsco.errors import DscoNotFoundError
from sdk.dsco.models import Sku, WireModel, to_wire
from sdk.dsco.responses import LenientModel

__all__ = [
    "EPOCH",
    "DscoStreams",
    "DumpClock",
    "InventoryQuery",
    "MaxEvents",
    "StreamDefinition",
    "StreamEvent",
    "StreamEvents",
    "StreamInfo",
    "StreamOperation",
    "StreamPartition",
    "SyncOperation",
    "encode_position",
]

EPOCH = "1970-01-01T00:00:00Z"
"""Where a dump is read from: before every possible event id."""

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
_log = logging.getLogger("sdk.dsco")


def encode_position(position: str) -> str:
    """One path segment for an event id or timestamp: decoded once, then encoded once, so an
    id that arrives as ``…Z%2F000042`` is sent as it is and never as ``%252F``."""
    return quote(unquote(position), safe="")


# --- what we send (strict) ---------------------------------------------------------------------


class InventoryQuery(WireModel):
    query_type: Literal["inventory"] = "inventory"


class MaxEvents(WireModel):
    object_count: int = Field(1000, ge=1, le=10_000)


class StreamDefinition(WireModel):
    """Body of ``POST /stream``: an inventory stream (the only kind this project reads)."""

    object_type: Literal["inventory"] = "inventory"
    description: str | None = None
    num_partitions: int = Field(1, ge=1, le=20)
    max_events: MaxEvents = MaxEvents()
    query: InventoryQuery = InventoryQuery()


class SyncOperation(WireModel):
    """Body of ``POST /stream/{id}`` starting a full dump, optionally of some SKUs only."""

    operation_type: Literal["sync"] = "sync"
    sku: list[Sku] | None = None


# --- what we receive (lenient) -----------------------------------------------------------------


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


class StreamPartition(LenientModel):
    partition_id: str = "0"
    status: str | None = None
    owner_id: str | None = None
    position: str | None = None
    max_position: str | None = None


class StreamInfo(LenientModel):
    """A stream as DSCO describes it (create, list, delete answers)."""

    id: str
    object_type: str | None = None
    partitions: Annotated[list[StreamPartition], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )


class StreamEvent(LenientModel):
    id: str
    payload: Any = None
    source: str | None = None
    event_reasons: list[str] | None = None


class StreamEvents(LenientModel):
    """One read: the events strictly after the given position, oldest first."""

    partition_id: str | None = None
    events: Annotated[list[StreamEvent], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )


class StreamOperation(LenientModel):
    operation_type: str | None = None
    operation_uuid: str | None = None


def _model(cls: type[M]) -> Callable[[RawResponse], M]:
    def parse(raw: RawResponse) -> M:
        return cls.model_validate(raw.json())

    return parse


def _first_stream(raw: RawResponse) -> StreamInfo | None:
    body = raw.json()
    found = body[0] if isinstance(body, list) and body else body
    return StreamInfo.model_validate(found) if isinstance(found, dict) else None


# --- the end of a dump -------------------------------------------------------------------------


@dataclass
class DumpClock:
    """When a dump is finished (DSCO SDK's rule): never before ``first_event_wait`` without any
    event; then after ``idle_timeout`` without new events, or once the reader sits at the
    partition's ``maxPosition`` and that has not moved for ``settle`` seconds."""

    started: float
    first_event_wait: float
    idle_timeout: float
    settle: float
    last_event: float | None = None
    max_position: str | None = None
    max_since: float = 0.0

    def saw_events(self, now: float) -> None:
        self.last_event = now

    def idle(self, now: float) -> bool:
        if self.last_event is None:
            waited = now - self.started
            return waited >= self.first_event_wait and waited >= self.idle_timeout
        return now - self.last_event >= self.idle_timeout

    def caught_up(self, position: str, max_position: str | None, now: float) -> bool:
        if max_position is None or self.last_event is None:
            return False
        if unquote(max_position) != self.max_position:
            self.max_position, self.max_since = unquote(max_position), now
        return unquote(position) == self.max_position and now - self.max_since >= self.settle


# --- the endpoints -----------------------------------------------------------------------------


class DscoStreams:
    """The ``/stream`` calls, on the DSCO client's transport (its rate limits and retries)."""

    def __init__(
        self,
        transport: HttpTransport,
        headers: dict[str, str],
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._transport, self._headers = transport, headers
        self._clock, self._sleep = clock, sleep

    async def create(self, definition: StreamDefinition | None = None) -> StreamInfo:
        """``POST /stream`` (an inventory stream with one partition by default)."""
        body = to_wire(definition or StreamDefinition())
        return await self._call(ep.STREAM_CREATE, _model(StreamInfo), body=body)

    async def sync(self, stream_id: str, *, skus: Collection[str] | None = None) -> StreamOperation:
        """``POST /stream/{id}`` ``sync``: DSCO dumps every (or every given) item into it."""
        body = to_wire(SyncOperation(sku=sorted(skus) if skus is not None else None))
        path = f"/stream/{_segment(stream_id)}"
        return await self._call(ep.STREAM_OPERATION, _model(StreamOperation), path, body=body)

    async def read(self, stream_id: str, partition_id: str, position: str) -> StreamEvents:
        """``GET /stream/{id}/{partitionId}/{position}``: events strictly after ``position``."""
        path = _events_path(stream_id, partition_id, position)
        return await self._call(ep.STREAM_EVENTS, _model(StreamEvents), path)

    async def checkpoint(self, stream_id: str, partition_id: str, position: str) -> None:
        """``PUT /stream/{id}/{partitionId}/{position}``: the partition's read position."""
        path = _events_path(stream_id, partition_id, position)
        await self._call(ep.STREAM_POSITION, lambda raw: None, path)

    async def get(self, stream_id: str) -> StreamInfo | None:
        """``GET /stream?id=``: the stream with its partitions' positions, or None."""
        try:
            return await self._call(ep.STREAMS, _first_stream, params={"id": stream_id})
        except DscoNotFoundError as exc:
            _raise_unless_dsco_answer(exc)
            return None

    async def delete(self, stream_id: str) -> bool:
        """``DELETE /stream/{id}``; False when DSCO no longer knows the stream."""
        path = f"/stream/{_segment(stream_id)}"
        try:
            await self._call(ep.STREAM_DELETE, lambda raw: None, path)
        except DscoNotFoundError as exc:
            _raise_unless_dsco_answer(exc)
            return False
        return True

    async def read_inventory_dump(
        self,
        *,
        skus: Collection[str] | None = None,
        first_event_wait: float = 120.0,
        idle_timeout: float = 120.0,
        poll_interval: float = 5.0,
        settle: float = 60.0,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Every current ``ItemInventory`` (of ``skus`` when given) as raw dicts.

        Creates a stream, starts a sync dump and reads it until it is finished; the stream is
        deleted afterwards, also on errors (iterate inside ``contextlib.aclosing`` so an early
        exit deletes it too).  A dump of given ``skus`` is finished as soon as every one of them
        has arrived: that is the only end the stream itself proves (``maxPosition`` may lag by a
        minute).  Otherwise — the whole catalogue, or a SKU DSCO does not have — the
        :class:`DumpClock` rules decide, and their waits are the dump's floor.  An item may come
        more than once: the later one is the newer.  Raises the SDK's DSCO errors.
        """
        if skus is not None and not skus:
            return
        stream = await self.create(StreamDefinition(description="sync_stock inventory dump"))
        try:
            partition = stream.partitions[0].partition_id if stream.partitions else "0"
            await self.sync(stream.id, skus=skus)
            clock = DumpClock(self._clock(), first_event_wait, idle_timeout, settle)
            missing = set(skus) if skus is not None else None
            drain = self._drain(stream.id, partition, clock, poll_interval, missing)
            async for payload in drain:
                yield payload
        finally:
            await self._delete_quietly(stream.id)

    async def _drain(
        self,
        stream_id: str,
        partition: str,
        clock: DumpClock,
        poll_interval: float,
        missing: set[str] | None,
    ) -> AsyncIterator[dict[str, Any]]:
        """The events' payloads until the dump is finished; ``missing`` (the SKUs asked for and
        not seen yet) shrinks as they arrive, and the dump is complete once it is empty."""
        position, seen = EPOCH, set[str]()
        while True:
            page = await self.read(stream_id, partition, position)
            fresh = [e for e in page.events if e.id not in seen]
            position = page.events[-1].id if page.events else position
            if fresh:
                clock.saw_events(self._clock())
                seen.update(e.id for e in fresh)
                for event in fresh:
                    if isinstance(event.payload, dict):
                        if missing is not None:
                            missing.discard(str(event.payload.get("sku")))
                        yield event.payload
                if missing is not None and not missing:
                    return  # every SKU asked for has arrived: nothing left to wait for
                continue  # more may be waiting: read again at once
            if await self._finished(stream_id, partition, position, clock):
                return
            await self._sleep(poll_interval)

    async def _finished(
        self, stream_id: str, partition: str, position: str, clock: DumpClock
    ) -> bool:
        if clock.idle(self._clock()):
            return True
        if clock.last_event is None:
            return False  # maxPosition only matters once the dump has started arriving
        stream = await self.get(stream_id)
        parts = [p for p in stream.partitions if p.partition_id == partition] if stream else []
        newest = parts[0].max_position if parts else None
        return clock.caught_up(position, newest, self._clock())

    async def _delete_quietly(self, stream_id: str) -> None:
        # Runs in ``finally``: an error here must not hide the one that ended the read.
        try:
            await self.delete(stream_id)
        except SdkError as exc:
            _log.warning("dsco stream %s could not be deleted: %s", stream_id, exc)

    async def _call(
        self,
        endpoint: Endpoint,
        parse: Callable[[RawResponse], T],
        path: str | None = None,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> T:
        async def prepare() -> Prepared:
            return Prepared(params=params, headers=self._headers, json=body, path=path)

        return await self._transport.request(endpoint, prepare, parse)


def _raise_unless_dsco_answer(exc: DscoNotFoundError) -> None:
    # DSCO's "no such stream" is a JSON envelope; a bare 404 means a wrong URL.
    if exc.code is None and exc.request_id is None:
        raise exc


def _segment(value: str) -> str:
    return quote(value, safe="")


def _events_path(stream_id: str, partition_id: str, position: str) -> str:
    # The transport sends a str URL; yarl keeps valid %XX escapes (so %2F stays one segment).
    return f"/stream/{_segment(stream_id)}/{_segment(partition_id)}/{encode_position(position)}"
