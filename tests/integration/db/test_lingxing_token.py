"""The deployment's one Lingxing token in PostgreSQL (db.lingxing_token) with the real client
and the Lingxing sandbox: every "process" below has its own connections, session and client,
and only the database in common."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from db.lingxing_token import PgTokenStore, StoredToken
from db.pool import connect
from sdk._retry import RetryPolicy
from sdk.lingxing import LingxingClient
from sdk.lingxing.sandbox import SANDBOX_KEY, LingxingSandbox
from sdk.lingxing.token_store import Token, app_fingerprint
from tests.integration.sdk.lingxing_sandbox_kit import APP_ID, APP_SECRET, make_app

CALLS = 30


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def store_for(dsn: str, secret: str = APP_SECRET) -> PgTokenStore:
    return PgTokenStore(lambda: connect(dsn), app_key=app_fingerprint(APP_ID), app_secret=secret)


async def test_the_stored_row_reveals_neither_the_token_nor_the_app(db_dsn: str) -> None:
    store = store_for(db_dsn)
    async with store.exclusive() as slot:
        assert await slot.load() is None
        await slot.save(Token("acc-7f3c2b1a-visible?", "ref-9e8d-visible?", 100, 7300))
    async with store.exclusive() as slot:
        assert await slot.load() == StoredToken(
            "acc-7f3c2b1a-visible?", "ref-9e8d-visible?", 100, 7300
        )
    conn = await connect(db_dsn)
    try:
        row = await conn.fetchrow("SELECT * FROM lingxing_token")
    finally:
        await conn.close()
    assert row is not None
    assert APP_ID not in row["app_key"]
    assert b"visible" not in row["sealed"]
    assert (row["issued_at"], row["expires_at"]) == (100, 7300)
    assert "visible" not in repr(StoredToken("acc-visible", "ref-visible", 1, 2))


async def test_a_row_sealed_under_another_app_secret_reads_as_no_token(db_dsn: str) -> None:
    async with store_for(db_dsn, secret="b2xkLXNlY3JldA==").exclusive() as slot:
        await slot.save(Token("old-access", "old-refresh", 1, 7201))
    async with store_for(db_dsn).exclusive() as slot:
        assert await slot.load() is None


async def test_exclusive_sections_of_two_processes_never_overlap(db_dsn: str) -> None:
    first, second = store_for(db_dsn), store_for(db_dsn)
    entered = asyncio.Event()
    order: list[str] = []

    async def hold() -> None:
        async with first.exclusive():
            entered.set()
            await asyncio.sleep(0.3)
            order.append("first out")

    async def wait_turn() -> None:
        await entered.wait()
        async with second.exclusive():
            order.append("second in")

    await asyncio.gather(hold(), wait_turn())
    assert order == ["first out", "second in"]


async def test_a_holder_whose_connection_dies_frees_the_store(db_dsn: str) -> None:
    first, second = store_for(db_dsn), store_for(db_dsn)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(first.exclusive())
        admin = await connect(db_dsn)
        stack.push_async_callback(admin.close)
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks"
            " WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
        )
        async with asyncio.timeout(10), second.exclusive() as slot:
            assert await slot.load() is None
        with pytest.raises(ConnectionError):
            await stack.aclose()  # the dead holder's own exit reports the lost connection


async def test_an_unreachable_database_is_a_connection_error(db_dsn: str) -> None:
    async def refuse() -> asyncpg.Connection[Any]:
        raise OSError("connection refused")

    store = PgTokenStore(refuse, app_key="k", app_secret=APP_SECRET)
    with pytest.raises(ConnectionError, match="OSError"):
        async with store.exclusive():
            pytest.fail("no exclusive section without a database")


# -- the real client, several processes, one database ----------------------------------------


Process = Callable[[], LingxingClient]


@pytest.fixture
async def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sandbox(clock: Clock) -> AsyncIterator[tuple[LingxingSandbox, str]]:
    server = TestServer(make_app(clock=clock))
    await server.start_server()
    try:
        app = server.app
        assert app is not None
        yield app[SANDBOX_KEY], str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def process(
    db_dsn: str, sandbox: tuple[LingxingSandbox, str], clock: Clock
) -> AsyncIterator[Process]:
    """Builds one "process": its own session, client, token store and connections."""
    sb, url = sandbox
    sb.add_store("110000000000000001", store_name="DSCO")
    async with contextlib.AsyncExitStack() as stack:

        def start() -> LingxingClient:
            session = aiohttp.ClientSession()
            stack.push_async_callback(session.close)
            return LingxingClient(
                session,
                base_url=url,
                app_id=APP_ID,
                app_secret=APP_SECRET,
                retry=RetryPolicy.instant(),
                clock=clock,
                token_store=store_for(db_dsn),
            )

        yield start


async def calls(client: LingxingClient, n: int = CALLS) -> None:
    answers = await asyncio.gather(*(client.list_stores() for _ in range(n)))
    assert all(len(a) == 1 for a in answers)


async def test_a_restart_reuses_the_stored_token(
    process: Process, sandbox: tuple[LingxingSandbox, str]
) -> None:
    sb, _ = sandbox
    await calls(process(), 1)
    restarted = process()
    await calls(restarted)
    assert sb.tokens.issued == 1
    assert (restarted.tokens.mints, restarted.tokens.adoptions) == (0, 1)


async def test_concurrent_renewals_from_several_processes_mint_once(
    process: Process, sandbox: tuple[LingxingSandbox, str]
) -> None:
    sb, _ = sandbox
    clients = [process() for _ in range(3)]
    await asyncio.gather(*(calls(c) for c in clients))
    assert sb.tokens.issued == 1
    sb.expire_tokens()  # every process's calls now get 2001003 with the stored token
    await asyncio.gather(*(calls(c) for c in clients))
    assert sb.tokens.issued == 2
    assert sum(c.tokens.mints for c in clients) == 2
    assert sb.tokens.refreshed == 0


async def test_a_proactive_refresh_happens_once_for_the_deployment(
    process: Process, sandbox: tuple[LingxingSandbox, str], clock: Clock
) -> None:
    sb, _ = sandbox
    clients = [process() for _ in range(3)]
    await asyncio.gather(*(calls(c, 1) for c in clients))
    clock.now += 7199 - 120  # inside the 5-minute margin: refresh, do not mint
    await asyncio.gather(*(calls(c) for c in clients))
    assert (sb.tokens.issued, sb.tokens.refreshed) == (1, 1)
    rejected = sum(1 for call in sb.call_log() if call.outcome in ("2001003", "2001005"))
    assert rejected == 0, "no process kept using the token that the refresh replaced"
