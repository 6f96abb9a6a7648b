"""Queries on ``runtime_config``: one row per domain, ``version`` bumped on every save."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from db.types import Executor


@dataclass(frozen=True)
class StoredConfig:
    domain: str
    config: dict[str, Any]
    version: int
    updated_at: int


def _row(record: asyncpg.Record | None) -> StoredConfig | None:
    if record is None:
        return None
    return StoredConfig(record["domain"], record["config"], record["version"], record["updated_at"])


async def load(db: Executor, domain: str) -> StoredConfig | None:
    record = await db.fetchrow(
        "SELECT domain, config, version, updated_at FROM runtime_config WHERE domain = $1", domain
    )
    return _row(record)


async def version(db: Executor, domain: str) -> int | None:
    """The cheap poll other processes use to notice a change (even within one second)."""
    value: int | None = await db.fetchval(
        "SELECT version FROM runtime_config WHERE domain = $1", domain
    )
    return value


async def insert_if_absent(
    db: Executor, domain: str, config: dict[str, Any], now: int
) -> StoredConfig:
    """Store ``config`` unless the domain already has a row; return whatever is stored."""
    await db.execute(
        "INSERT INTO runtime_config (domain, config, updated_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (domain) DO NOTHING",
        domain,
        config,
        now,
    )
    stored = await load(db, domain)
    assert stored is not None
    return stored


async def save(
    db: Executor,
    domain: str,
    config: dict[str, Any],
    now: int,
    *,
    expected_version: int | None = None,
) -> StoredConfig | None:
    """Replace the config and bump ``version``.

    With ``expected_version`` this is a compare-and-swap: it returns ``None`` (and changes
    nothing) when someone else saved in between.
    """
    record = await db.fetchrow(
        "UPDATE runtime_config SET config = $2, updated_at = $3, version = version + 1"
        " WHERE domain = $1 AND ($4::bigint IS NULL OR version = $4)"
        " RETURNING domain, config, version, updated_at",
        domain,
        config,
        now,
        expected_version,
    )
    return _row(record)
