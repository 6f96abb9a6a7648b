"""The ``/stream`` endpoints of the sandbox (inventory streams only; range reads unsupported)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from .keys import SANDBOX_KEY
from .messages import NOT_FOUND, VALIDATION_FAILED, error_response
from .state import DscoSandbox
from .streams import Partition, Stream, StreamError, events_after, position_key

EVENTS_PATH = "/stream/{id}/{partitionId}/{position:.+}"


def add_stream_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/stream", create_stream)
    router.add_get("/stream", list_streams)
    router.add_post("/stream/{id}", stream_operation)
    router.add_delete("/stream/{id}", delete_stream)
    router.add_get(EVENTS_PATH, get_events)
    router.add_put(EVENTS_PATH, set_position)


def _bad(sandbox: DscoSandbox, description: str) -> web.Response:
    return error_response(400, VALIDATION_FAILED, description, sandbox.now())


def _missing(sandbox: DscoSandbox) -> web.Response:
    return error_response(404, NOT_FOUND, "no such stream or partition", sandbox.now())


async def _json(request: web.Request) -> Any:
    try:
        return json.loads(await request.read())
    except ValueError:
        return None


async def create_stream(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    try:
        stream = sandbox.streams.create(await _json(request), sandbox.now())
    except StreamError as exc:
        return _bad(sandbox, str(exc))
    return web.json_response(stream.to_json(sandbox.now()), status=201)


async def list_streams(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    wanted = request.query.get("id")
    streams = [sandbox.streams.get(wanted)] if wanted else sandbox.streams.all()
    found = [s for s in streams if s is not None]
    if wanted and not found:
        return _missing(sandbox)
    return web.json_response([s.to_json(sandbox.now()) for s in found])


async def stream_operation(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    stream = sandbox.streams.get(request.match_info["id"])
    if stream is None:
        return _missing(sandbox)
    body = await _json(request)
    kind = body.get("operationType") if isinstance(body, dict) else None
    if kind == "sync":
        skus = body.get("sku")
        wanted = {str(s) for s in skus} if isinstance(skus, list) else None
        sandbox.streams.sync(stream, sandbox.inventory.items(), wanted)
    elif kind == "setpartitionowner":
        partition = _partition(stream, str(body.get("partitionId")))
        if partition is None:
            return _missing(sandbox)
        partition.owner_id = body.get("ownerId")
    else:
        return _bad(sandbox, "operationType: sync or setpartitionowner")
    answer = {"operationType": kind, "operationUuid": str(uuid.uuid4())}
    return web.json_response(answer, status=202)


async def delete_stream(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    stream = sandbox.streams.delete(request.match_info["id"])
    if stream is None:
        return _missing(sandbox)
    return web.json_response(stream.to_json(sandbox.now()))


def _partition(stream: Stream, partition_id: str) -> Partition | None:
    return next((p for p in stream.partitions if str(p.partition_id) == partition_id), None)


def _located(request: web.Request) -> tuple[Stream, Partition] | None:
    stream = request.app[SANDBOX_KEY].streams.get(request.match_info["id"])
    partition = _partition(stream, request.match_info["partitionId"]) if stream else None
    return (stream, partition) if stream and partition else None


async def get_events(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    located = _located(request)
    if located is None:
        return _missing(sandbox)
    stream, partition = located
    try:
        events = events_after(stream, partition, request.match_info["position"])
    except StreamError as exc:
        return _bad(sandbox, str(exc))
    body = {"partitionId": partition.partition_id, "ownerId": partition.owner_id, "events": events}
    return web.json_response(body)


async def set_position(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    located = _located(request)
    if located is None:
        return _missing(sandbox)
    position = request.match_info["position"]
    if position_key(position) is None:
        return _bad(sandbox, "position: an event id or an ISO 8601 timestamp")
    located[1].position = position
    return web.json_response({"success": True})
