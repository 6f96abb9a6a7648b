"""Inventory streams (§2.10, §5.5): a bulk read of every item, and later changes as events.

Event ids are ``<UTC timestamp with ms>Z/<6-digit sequence>``: they sort by time and contain a
``/``, so the client's path encoding is exercised. A ``sync`` operation dumps every item with ids
built from the item's own last-update time, so they may sort *before* the partition's current
position, as DSCO's SDK authors observed. ``maxPosition`` is the newest id (no lag).
"""

from __future__ import annotations

import copy
import itertools
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .clock import format_ts, parse_ts

EventKey = tuple[datetime, int]
MAX_PARTITIONS = 20
MAX_OBJECT_COUNT = 10_000


class StreamError(ValueError):
    """A stream request DSCO would refuse (400)."""


def event_id(when: datetime, seq: int) -> str:
    stamp = when.astimezone(UTC)
    return f"{stamp:%Y-%m-%dT%H:%M:%S}.{stamp.microsecond // 1000:03d}Z/{seq:06d}"


def position_key(position: str) -> EventKey | None:
    """Sort key of a position: an event id, or a bare timestamp (before any event at it)."""
    stamp, _, seq = position.partition("/")
    when = parse_ts(stamp)
    if when is None or (seq and not seq.isdigit()):
        return None
    return when, int(seq) if seq else -1


@dataclass
class Partition:
    partition_id: int
    position: str
    events: list[tuple[EventKey, dict[str, Any]]] = field(default_factory=list)
    owner_id: str | None = None

    def to_json(self, now: datetime) -> dict[str, Any]:
        newest = max((e for e in self.events), default=None, key=lambda e: e[0])
        return {
            "partitionId": self.partition_id,
            "status": "active",
            "ownerId": self.owner_id,
            "position": self.position,
            "maxPosition": newest[1]["id"] if newest else self.position,
            "lastUpdate": format_ts(now),
        }


@dataclass
class Stream:
    stream_id: str
    definition: dict[str, Any]
    partitions: list[Partition]

    @property
    def object_count(self) -> int:
        limit = (self.definition.get("maxEvents") or {}).get("objectCount") or 1000
        return int(limit)

    def partition_for(self, sku: str) -> Partition:
        return self.partitions[zlib.crc32(sku.encode()) % len(self.partitions)]

    def to_json(self, now: datetime) -> dict[str, Any]:
        body = copy.deepcopy(self.definition)
        body.update(id=self.stream_id, partitions=[p.to_json(now) for p in self.partitions])
        return body


class StreamBook:
    """Open inventory streams; ``publish`` adds an event for an item to each of them."""

    def __init__(self) -> None:
        self._streams: dict[str, Stream] = {}
        self._seq = itertools.count(1)

    def create(self, definition: Any, now: datetime) -> Stream:
        if not isinstance(definition, dict) or definition.get("objectType") != "inventory":
            raise StreamError("objectType: the sandbox serves inventory streams only")
        if not isinstance(definition.get("query"), dict):
            raise StreamError("query: required object")
        partitions = definition.get("numPartitions") or 1
        if not isinstance(partitions, int) or not 1 <= partitions <= MAX_PARTITIONS:
            raise StreamError(f"numPartitions: 1 to {MAX_PARTITIONS}")
        count = (definition.get("maxEvents") or {}).get("objectCount", 1000)
        if not isinstance(count, int) or not 1 <= count <= MAX_OBJECT_COUNT:
            raise StreamError(f"maxEvents.objectCount: 1 to {MAX_OBJECT_COUNT}")
        start = event_id(now, 0)
        stream = Stream(
            uuid.uuid4().hex, dict(definition), [Partition(i, start) for i in range(partitions)]
        )
        self._streams[stream.stream_id] = stream
        return stream

    def all(self) -> list[Stream]:
        return list(self._streams.values())

    def get(self, stream_id: str) -> Stream | None:
        return self._streams.get(stream_id)

    def delete(self, stream_id: str) -> Stream | None:
        return self._streams.pop(stream_id, None)

    def publish(self, item: dict[str, Any], now: datetime) -> None:
        """A changed item: one ``source: stream`` event on every stream."""
        for stream in self._streams.values():
            self._append(stream, item, now, "stream", ["inventory_quantity_changed"])

    def sync(self, stream: Stream, items: Iterable[dict[str, Any]], skus: set[str] | None) -> None:
        """A full dump: one ``source: sync`` event per (matching) item, at its update time."""
        for item in items:
            if skus is not None and item["sku"] not in skus:
                continue
            when = parse_ts(str(item.get("dscoLastUpdateDate") or "")) or datetime(
                1970, 1, 1, tzinfo=UTC
            )
            self._append(stream, item, when, "sync", ["inventory_object_created"])

    def _append(
        self, stream: Stream, item: dict[str, Any], when: datetime, source: str, reasons: list[str]
    ) -> None:
        seq = next(self._seq)
        # Ids carry milliseconds: keep the sort key exactly what the id says.
        when = when.replace(microsecond=when.microsecond // 1000 * 1000)
        partition = stream.partition_for(item["sku"])
        event = {
            "id": event_id(when, seq),
            "payload": copy.deepcopy(item),
            "source": source,
            "eventReasons": reasons,
            "partitionId": partition.partition_id,
            "streamVersion": 1,
        }
        partition.events.append(((when, seq), event))
        partition.events.sort(key=lambda e: e[0])


def events_after(stream: Stream, partition: Partition, position: str) -> list[dict[str, Any]]:
    """Events strictly after ``position``, at most the stream's ``objectCount``."""
    key = position_key(position)
    if key is None:
        raise StreamError("position: an event id or an ISO 8601 timestamp")
    later = [event for event_key, event in partition.events if event_key > key]
    return later[: stream.object_count]
