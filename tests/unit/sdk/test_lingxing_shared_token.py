"""One token per deployment: several clients ("processes") sharing one token store.

Each :class:`LingxingClient` here stands for one process of a deployment: its own session,
transport and token manager, and only the :class:`MemoryTokenStore` in common (the daemon puts a
PostgreSQL-backed store in its place; ``tests/integration/db/test_lingxing_token.py`` runs the
same stories on it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from sdk._retry import RetryPolicy
from sdk.lingxing import LingxingClient, LingxingConnectionError
from sdk.lingxing.token_store import MemoryTokenStore, Token, TokenStore, app_fingerprint
from tests.unit.sdk.lingxing_fake import APP_ID, APP_SECRET, FakeLingxing

STORES = "/pb/mp/shop/v2/getSellerList"
CALLS = 50

Process = Callable[..., LingxingClient]


@pytest.fixture
async def fake() -> FakeLingxing:
    fake = FakeLingxing()
    fake.stores = [{"store_id": "110000000000000001", "store_name": "DSCO"}]
    return fake


@pytest.fixture
async def process(aiohttp_server: Any, fake: FakeLingxing) -> AsyncIterator[Process]:
    """Builds a client that shares nothing with the others but the store it is given."""
    server = await aiohttp_server(fake.app())
    async with contextlib.AsyncExitStack() as stack:

        def start(store: TokenStore) -> LingxingClient:
            connector = aiohttp.TCPConnector(limit=CALLS + 10)
            session = aiohttp.ClientSession(connector=connector)
            stack.push_async_callback(session.close)
            return LingxingClient(
                session,
                base_url=str(server.make_url("/")),
                app_id=APP_ID,
                app_secret=APP_SECRET,
                retry=RetryPolicy.instant(),
                clock=fake.clock,
                caps={STORES: CALLS},
                token_store=store,
            )

        yield start


async def calls(client: LingxingClient, n: int = CALLS) -> None:
    results = await asyncio.gather(*(client.list_stores() for _ in range(n)))
    assert all(len(r) == 1 for r in results)


async def test_a_restarted_process_reuses_the_stored_token(
    process: Process, fake: FakeLingxing
) -> None:
    store = MemoryTokenStore()
    await calls(process(store), 1)
    restarted = process(store)
    await calls(restarted)
    assert fake.mints == 1
    assert (restarted.tokens.mints, restarted.tokens.adoptions) == (0, 1)


async def test_concurrent_renewals_from_several_processes_mint_once(
    process: Process, fake: FakeLingxing
) -> None:
    store = MemoryTokenStore()
    clients = [process(store) for _ in range(3)]
    await asyncio.gather(*(calls(c, 1) for c in clients))
    assert fake.mints == 1
    fake.clock.now += 3 * 3600  # past the access token AND the refresh token lifetimes
    await asyncio.gather(*(calls(c) for c in clients))
    assert fake.mints == 2
    assert sum(c.tokens.mints for c in clients) == 2


async def test_a_proactive_refresh_happens_once_for_the_deployment(
    process: Process, fake: FakeLingxing
) -> None:
    store = MemoryTokenStore()
    clients = [process(store) for _ in range(3)]
    await asyncio.gather(*(calls(c, 1) for c in clients))
    fake.clock.now += 7199 - 120  # inside the 5-minute margin, refresh token still valid
    await asyncio.gather(*(calls(c) for c in clients))
    assert (fake.mints, fake.refreshes) == (1, 1)


async def test_a_token_renewed_by_another_process_is_adopted_after_2001005(
    process: Process, fake: FakeLingxing
) -> None:
    store = MemoryTokenStore()
    first, second = process(store), process(store)
    await calls(first, 1)
    await calls(second, 1)
    stale = await first.tokens.get()
    await second.tokens.invalidate(stale)  # second's call was refused: it renews and stores
    await calls(second, 1)
    assert fake.mints == 2
    # first still holds the revoked token: its calls are refused once, then it re-reads the
    # store, finds the token second stored and adopts it instead of minting a third one.
    await calls(first)
    assert fake.mints == 2
    assert first.stats.retries[("lingxing", STORES, "token_rejected")] == CALLS
    assert first.tokens.adoptions == 1


async def test_the_stored_token_that_failed_is_replaced_once_for_everyone(
    process: Process, fake: FakeLingxing
) -> None:
    store = MemoryTokenStore()
    clients = [process(store) for _ in range(3)]
    await asyncio.gather(*(calls(c, 1) for c in clients))
    fake.revoke_all()  # an outsider minted a token: the stored one is now refused
    fake.latency = 0.02  # every call is sent with the stale token before any answer
    await asyncio.gather(*(calls(c) for c in clients))
    assert fake.mints == 2
    assert sum(c.tokens.mints for c in clients) == 2  # the first token and its one successor


class _Unreachable:
    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[MemoryTokenStore]:
        raise ConnectionError("database down")
        yield MemoryTokenStore()  # pragma: no cover


async def test_an_unreachable_store_fails_the_call_before_anything_is_sent(
    process: Process, fake: FakeLingxing
) -> None:
    client = process(_Unreachable())
    with pytest.raises(LingxingConnectionError) as info:
        await client.list_stores()
    assert info.value.refused
    assert not info.value.ambiguous
    assert "token store unreachable" in str(info.value)
    assert fake.mints == 0
    assert not fake.bodies


def test_the_sdk_token_hides_its_secrets_and_the_fingerprint_hides_the_app() -> None:
    token = Token("acc-secret-value", "ref-secret-value", 1, 7200)
    assert "secret" not in repr(token)
    assert APP_ID not in app_fingerprint(APP_ID)
    assert app_fingerprint(APP_ID) == app_fingerprint(APP_ID) != app_fingerprint("ak_other1234567")
