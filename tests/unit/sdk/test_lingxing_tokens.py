"""The shared token: single-flight renewal, proactive refresh, reactive renewal on 2001003/5."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sdk._retry import RetryPolicy
from sdk.lingxing import LingxingAuthenticationError, LingxingClient
from tests.unit.sdk.lingxing_fake import APP_ID, APP_SECRET, FakeLingxing

STORES = "/pb/mp/shop/v2/getSellerList"
CALLS = 200


@pytest.fixture
async def fake() -> FakeLingxing:
    fake = FakeLingxing()
    fake.stores = [{"store_id": "110000000000000001", "store_name": "DSCO"}]
    return fake


@pytest.fixture
async def client(aiohttp_server: Any, fake: FakeLingxing) -> AsyncIterator[LingxingClient]:
    server = await aiohttp_server(fake.app())
    # Enough connections and in-flight slots that all calls really run at the same time.
    connector = aiohttp.TCPConnector(limit=CALLS + 10)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield LingxingClient(
            session,
            base_url=str(server.make_url("/")),
            app_id=APP_ID,
            app_secret=APP_SECRET,
            retry=RetryPolicy.instant(),
            clock=fake.clock,
            caps={STORES: CALLS},
        )


async def many_calls(client: LingxingClient) -> list[Any]:
    return await asyncio.gather(*(client.list_stores() for _ in range(CALLS)))


async def test_first_calls_share_one_token(client: LingxingClient, fake: FakeLingxing) -> None:
    results = await many_calls(client)
    assert all(len(r) == 1 for r in results)
    assert fake.mints == 1
    assert client.tokens.mints == 1
    assert client.stats.token_mints == {"lingxing": 1}


async def test_200_calls_after_expiry_cause_exactly_one_token_fetch(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    await client.list_stores()
    fake.clock.now += 3 * 3600  # past the access token AND the refresh token lifetimes
    results = await many_calls(client)
    assert all(len(r) == 1 for r in results)
    assert fake.mints == 2
    assert fake.refreshes == 0
    assert client.stats.token_mints == {"lingxing": 2}


async def test_200_calls_rejected_with_2001005_cause_exactly_one_token_fetch(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    await client.list_stores()
    fake.revoke_all()  # another process minted a token: ours now gets 2001005
    fake.latency = 0.05  # all 200 are sent with the stale token before any answer
    results = await many_calls(client)
    assert all(len(r) == 1 for r in results)
    assert fake.mints == 2
    retries = client.stats.retries[("lingxing", STORES, "token_rejected")]
    assert retries == CALLS  # every call was rejected once and renewed once


async def test_expired_token_2001003_is_renewed_once(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    await client.list_stores()
    fake.tokens = dict.fromkeys(fake.tokens, 0.0)  # server-side expiry the client did not see
    assert len(await client.list_stores()) == 1
    assert fake.mints == 2


async def test_repeated_rejection_is_raised_not_looped(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    await client.list_stores()
    reject = {"code": "2001005", "msg": "access token not match", "data": None}
    fake.script[STORES] = [reject, reject, reject]
    with pytest.raises(LingxingAuthenticationError) as info:
        await client.list_stores()
    assert info.value.token_rejected
    assert info.value.code == "2001005"
    assert fake.mints == 2  # one renewal per call, no more
    assert len(fake.script[STORES]) == 1


async def test_token_is_refreshed_before_it_expires(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    await client.list_stores()
    fake.clock.now += 7199 - 120  # two minutes left: inside the 5-minute margin
    await client.list_stores()
    assert (fake.mints, fake.refreshes) == (1, 1)
    fake.clock.now += 60
    await client.list_stores()  # the refreshed token is good for another two hours
    assert (fake.mints, fake.refreshes) == (1, 1)


async def test_failed_refresh_falls_back_to_a_new_token(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    await client.list_stores()
    fake.refresh_fails = True
    fake.clock.now += 7199 - 120
    assert len(await client.list_stores()) == 1
    assert (fake.mints, fake.refreshes) == (2, 0)
    assert client.tokens.refreshes == 0


async def test_token_requests_are_multipart_with_raw_secret(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    # The fake reads the form with aiohttp's parser and compares the secret byte for byte,
    # so a "+" turned into a space (urlencoding mistakes) would fail here.
    assert "+" in APP_SECRET
    await client.list_stores()
    assert fake.mints == 1


async def test_short_lived_tokens_are_renewed_at_half_life(
    client: LingxingClient, fake: FakeLingxing
) -> None:
    # A 60 s token (sandboxes do this) would always be "inside" a 5-minute margin.
    original = fake._issue

    def short_lived() -> dict[str, Any]:
        answer = original()
        answer["data"]["expires_in"] = 60
        return answer

    fake._issue = short_lived  # type: ignore[method-assign]
    for _ in range(5):
        await client.list_stores()
    assert fake.mints == 1
    fake.clock.now += 31
    await client.list_stores()
    assert (fake.mints, fake.refreshes) == (1, 1)
