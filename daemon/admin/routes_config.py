"""``GET/PUT /admin/api/config/runtime?domain=…``: read, validate-and-save the runtime config.

PUT body: ``{"config": {…the whole document…}, "expected_version": N}`` (``expected_version``
optional: when given, a save by someone else since N is a 409 instead of an overwrite).
A rejected document is a 400 listing every broken field (``errors: [{path, reason}]``); nothing
is stored then (the store validates before it writes).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from loguru import logger

from daemon.admin.context import admin_state
from daemon.admin.errors import ApiError, invalid, not_found
from daemon.admin.params import body_int, json_body
from jobs.config_store import ConfigSnapshot, RuntimeConfigStore, VersionConflictError
from jobs.runtime_config import RuntimeConfigError, config_to_json

PATH = "/admin/api/config/runtime"


def _store(request: web.Request) -> RuntimeConfigStore:
    store = admin_state(request).core.config
    domain = request.query.get("domain", "").strip()
    if not domain:
        raise invalid("domain", "required (query parameter)")
    if domain != store.domain:
        raise not_found(f"runtime config domain {domain!r}")
    return store


def _answer(store: RuntimeConfigStore, snapshot: ConfigSnapshot) -> web.Response:
    return web.json_response(
        {
            "domain": store.domain,
            "version": snapshot.version,
            "updated_at": snapshot.updated_at,
            "config": config_to_json(snapshot.config),
        }
    )


async def get_config(request: web.Request) -> web.Response:
    store = _store(request)
    return _answer(store, store.snapshot)


async def put_config(request: web.Request) -> web.Response:
    store = _store(request)
    body = await json_body(request)
    if "config" not in body:
        raise invalid("config", "required (the whole runtime-config document)")
    expected = body_int(body, "expected_version", required=False)
    snapshot = await _save(store, body["config"], expected)
    logger.info("runtime config saved by admin: version {}", snapshot.version)
    return _answer(store, snapshot)


async def _save(store: RuntimeConfigStore, raw: Any, expected: int | None) -> ConfigSnapshot:
    try:
        return await store.save(raw, domain=store.domain, expected_version=expected)
    except RuntimeConfigError as exc:
        errors = [{"path": e.path, "reason": e.reason} for e in exc.errors]
        raise ApiError(400, "invalid_config", str(exc), errors=errors) from None
    except VersionConflictError as exc:
        raise ApiError(409, "version_conflict", str(exc)) from None


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, get_config)
    app.router.add_put(PATH, put_config)
