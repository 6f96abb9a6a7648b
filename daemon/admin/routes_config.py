"""``GET/PUT /admin/api/config/runtime?domain=…``: read, validate-and-save the runtime config;
``GET /admin/api/cron/next?cron=…``: when a cron expression fires next (the config form).

PUT body: ``{"config": {…the whole document…}, "expected_version": N}`` (``expected_version``
optional: when given, a save by someone else since N is a 409 instead of an overwrite).
A rejected document is a 400 listing every broken field (``errors: [{path, reason}]``); nothing
is stored then (the store validates before it writes). Duplicate keys anywhere in the body are
refused while it is parsed, so a mapping entry can never silently replace another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from loguru import logger

from daemon.admin.answers import ConfigAnswer, CronAnswer
from daemon.admin.context import AdminState, admin_state
from daemon.admin.errors import ApiError, invalid, not_found
from daemon.admin.models import ConfigBody, CronQuery, DomainQuery
from daemon.routing import Route
from jobs.config_store import ConfigSnapshot, RuntimeConfigStore, VersionConflictError
from jobs.cron import CronError, parse_cron
from jobs.runtime_config import RuntimeConfigError

PATH = "/admin/api/config/runtime"


def _store(state: AdminState, query: DomainQuery) -> RuntimeConfigStore:
    store = state.core.config
    if query.domain != store.domain:
        raise not_found(f"runtime config domain {query.domain!r}")
    return store


def _answer(store: RuntimeConfigStore, snapshot: ConfigSnapshot) -> ConfigAnswer:
    return ConfigAnswer(
        domain=store.domain,
        version=snapshot.version,
        updated_at=snapshot.updated_at,
        config=snapshot.config,
    )


async def get_config(request: web.Request, query: DomainQuery) -> ConfigAnswer:
    """The runtime config in force, with its version."""
    store = _store(admin_state(request), query)
    return _answer(store, store.snapshot)


async def put_config(request: web.Request, query: DomainQuery, body: ConfigBody) -> ConfigAnswer:
    """Validate and save the whole runtime config; every broken field is listed in a 400."""
    state = admin_state(request)
    store = _store(state, query)
    async with state.config_lock:
        snapshot = await _save(store, body.config, body.expected_version)
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


async def cron_next(_request: web.Request, query: CronQuery) -> CronAnswer:
    """The next ``count`` fire times (UTC unix seconds) of a 6-field cron expression."""
    try:
        spec = parse_cron(query.cron)
    except CronError as exc:
        raise invalid("cron", str(exc)) from None
    at, fires = datetime.now(UTC), []
    for _ in range(query.count):
        at = spec.next_fire(at)
        fires.append(int(at.timestamp()))
    return CronAnswer(cron=spec.expr, next=fires)


ROUTES = (
    Route("GET", PATH, get_config, query=DomainQuery, answer=ConfigAnswer, errors=(404,)),
    Route(
        "PUT",
        PATH,
        put_config,
        query=DomainQuery,
        body=ConfigBody,
        answer=ConfigAnswer,
        errors=(404, 409),
    ),
    Route("GET", "/admin/api/cron/next", cron_next, query=CronQuery, answer=CronAnswer),
)
