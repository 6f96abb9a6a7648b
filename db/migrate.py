"""Numbered SQL migrations.

Files ``db/migrations/NNNN_name.sql`` are applied in order, each in its own transaction, under a
session advisory lock so that two processes starting at once never apply the same file twice.
Applied versions are recorded in ``schema_migrations``; a file is never edited once it has landed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import asyncpg

_log = logging.getLogger("db.migrate")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# An arbitrary constant that no job lock key can equal (job keys hash "<domain>:<job>").
MIGRATION_LOCK_KEY = 0x64736C6D6967  # "dslmig"
MIGRATION_TIMEOUT = 3600.0  # seconds one migration file may take


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Every migration shipped with the package, in version order."""
    found = []
    for entry in resources.files("db.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers: {versions}")
    return found


async def migrate(conn: asyncpg.Connection[Any], *, up_to: int | None = None) -> list[str]:
    """Apply pending migrations (those numbered up to ``up_to`` only, when given: tests and
    benchmarks put data in an older schema and then upgrade it); return the names applied."""
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY, timeout=MIGRATION_TIMEOUT)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        applied = []
        for migration in load_migrations():
            if migration.version in done or (up_to is not None and migration.version > up_to):
                continue
            async with conn.transaction():
                # No per-statement limit of the connection here: a migration that builds the
                # indexes of a year of orders runs for minutes (docs/performance.md).
                await conn.execute(migration.sql, timeout=MIGRATION_TIMEOUT)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES ($1, $2, extract(epoch FROM now())::bigint)",
                    migration.version,
                    migration.name,
                )
            _log.info("applied migration %s", migration.name)
            applied.append(migration.name)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
