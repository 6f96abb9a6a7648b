"""Shared fixtures: a real PostgreSQL for every test that wants one.

``TEST_DATABASE_URL`` points at an existing server; otherwise an embedded server (pgserver)
starts once per session. The schema is migrated once into a template database, and each test
gets a fresh copy of it (``CREATE DATABASE … TEMPLATE``), so tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from db.migrate import migrate
from db.pool import connect, create_pool

# Whole-suite check that no token, sign or app secret reaches a log line or exception text.
pytest_plugins = ["tests.secret_audit"]

# Benchmarks run only on demand (`./dev bench`, which names tests/bench explicitly).
collect_ignore = ["bench"]

# The vendor stand-ins' test servers would log every request line, token and sign included
# (what the real vendors receive). The daemon's own listener runs without an access log.
logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = "dl_test_template"


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


def outside_pytest_tmp(prefix: str) -> Path:
    """A private directory for PostgreSQL data outside pytest's basetemp.

    Run as root, pgserver starts the server as a separate ``pgserver`` user and opens up the
    directories above the data for it; pytest re-tightens its own temp root to 0700 on every
    run, which would cut a running server off from its data.
    """
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    from pgserver.postgres_server import get_server

    base = outside_pytest_tmp("dl-test-pg-")
    server = get_server(base / "pgdata", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """A daemon ``base.state_dir`` (embedded PostgreSQL lives in it), removed afterwards."""
    base = outside_pytest_tmp("dl-test-state-")
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


async def _admin(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(with_database(dsn, "postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _build_template(dsn: str) -> None:
    await _admin(dsn, f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
    conn = await connect(with_database(dsn, TEMPLATE))
    try:
        await migrate(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_db(pg_server_dsn: str) -> str:
    asyncio.run(_build_template(pg_server_dsn))
    return TEMPLATE


@pytest.fixture
async def db_dsn(pg_server_dsn: str, template_db: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test only."""
    name = "dl_test_" + uuid.uuid4().hex[:12]
    await _admin(pg_server_dsn, f"CREATE DATABASE {name} TEMPLATE {template_db}")
    try:
        yield with_database(pg_server_dsn, name)
    finally:
        await _admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def empty_db_dsn(pg_server_dsn: str) -> AsyncIterator[str]:
    """A fresh database with no schema at all (for migration tests)."""
    name = "dl_empty_" + uuid.uuid4().hex[:12]
    await _admin(pg_server_dsn, f"CREATE DATABASE {name}")
    try:
        yield with_database(pg_server_dsn, name)
    finally:
        await _admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def pool(db_dsn: str) -> AsyncIterator[asyncpg.Pool[asyncpg.Record]]:
    p = await create_pool(db_dsn, min_size=1, max_size=10)
    try:
        yield p
    finally:
        await p.close()
