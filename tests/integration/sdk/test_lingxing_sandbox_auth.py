"""Lingxing sandbox: token endpoints and gateway checks (fact sheet §1, §2, §10.3)."""

from __future__ import annotations

import time
import urllib.parse

import aiohttp
import pytest
from yarl import URL

from sdk.lingxing.sandbox.options import SignVariant
from sdk.lingxing.sandbox.signcheck import parse_for_sign, sign_matches
from sdk.lingxing.signing import encode_body, sign_canonical

from .lingxing_sandbox_kit import (
    APP_ID,
    APP_SECRET,
    REFRESH_PATH,
    STORES,
    TOKEN_PATH,
    ClientFactory,
    Raw,
    make_app,
    start,
)

STORE_BODY = {"offset": 0, "length": 20}


class FakeClock:
    """Real time plus an adjustable offset (sign timestamps still come from real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def test_token_by_multipart_urlencoded_and_query(aiohttp_client: ClientFactory) -> None:
    raw = Raw(await aiohttp_client(make_app()))
    multipart = await raw.fetch_token()
    encoded = urllib.parse.urlencode({"appId": APP_ID, "appSecret": APP_SECRET})
    resp = await raw.client.post(
        TOKEN_PATH, data=encoded, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    urlencoded = await resp.json()
    by_query = await raw.post_form(TOKEN_PATH, appId=APP_ID, appSecret=APP_SECRET)
    for answer in (multipart, urlencoded, by_query):
        assert answer["code"] == "200"
        assert answer["msg"] == "OK"
        assert answer["data"]["expires_in"] == 7199
    assert raw.sandbox.tokens.issued == 3


async def test_token_errors(aiohttp_client: ClientFactory) -> None:
    raw = Raw(await aiohttp_client(make_app()))
    unknown = await raw.post_form(TOKEN_PATH, appId="ak_nobody12345678", appSecret=APP_SECRET)
    wrong = await raw.post_form(TOKEN_PATH, appId=APP_ID, appSecret="AAAAAAAAAAAAAAAAAAAAAA==")
    # A raw "+" in a query string arrives as a space: the secret cannot be decrypted.
    url = URL(f"{TOKEN_PATH}?appId={APP_ID}&appSecret={APP_SECRET}", encoded=True)
    resp = await raw.client.post(url)
    mangled = await resp.json()
    assert [unknown["code"], wrong["code"], mangled["code"]] == ["2001001", "2001002", "0001001"]
    assert mangled["msg"] == "rsa private decrypt error"
    assert raw.sandbox.tokens.issued == 0


async def test_business_call_with_token_and_sign(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    answer = await raw.call(STORES, STORE_BODY)
    assert answer["code"] == 0
    assert answer["data"] == {"total": "0", "list": []}


async def test_refresh_is_single_use_and_revokes_old_access_token(
    aiohttp_client: ClientFactory,
) -> None:
    raw = await start(aiohttp_client)
    old_access, old_refresh = raw.token, raw.refresh_token
    form = aiohttp.FormData(
        {"appId": APP_ID, "refreshToken": old_refresh}, default_to_multipart=True
    )
    first = await raw.post_form(REFRESH_PATH, form)
    again = await raw.post_form(REFRESH_PATH, appId=APP_ID, refreshToken=old_refresh)
    assert first["code"] == "200"
    assert first["data"]["refresh_token"] != old_refresh
    assert first["data"]["access_token"] != old_access
    assert again["code"] == "2001009"
    assert (await raw.call(STORES, STORE_BODY))["code"] == "2001005"
    raw.token = first["data"]["access_token"]
    assert (await raw.call(STORES, STORE_BODY))["code"] == 0
    assert raw.sandbox.stats()["token_refreshed"] == 1


async def test_refresh_can_keep_the_access_token(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client, refresh_keeps_access_token=True)
    answer = await raw.post_form(REFRESH_PATH, appId=APP_ID, refreshToken=raw.refresh_token)
    assert answer["data"]["access_token"] == raw.token
    assert (await raw.call(STORES, STORE_BODY))["code"] == 0


async def test_expired_refresh_token(aiohttp_client: ClientFactory) -> None:
    clock = FakeClock()
    raw = await start(aiohttp_client, clock=clock)
    clock.offset = 7300
    answer = await raw.post_form(REFRESH_PATH, appId=APP_ID, refreshToken=raw.refresh_token)
    assert answer["code"] == "2001008"


async def test_minting_a_token_revokes_the_previous_one(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    first = raw.token
    await raw.fetch_token()
    assert (await raw.call(STORES, STORE_BODY))["code"] == 0
    raw.token = first
    answer = await raw.call(STORES, STORE_BODY)
    assert answer["code"] == "2001005"
    assert answer["msg"] == "access token not match"
    assert set(answer["data"]) == {"throwable", "throwTime", "message", "stackTrace", "metadata"}


async def test_rotation_switch_off_keeps_old_tokens(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client, rotate_on_issue=False)
    first = raw.token
    await raw.fetch_token()
    raw.token = first
    assert (await raw.call(STORES, STORE_BODY))["code"] == 0


async def test_expired_and_unknown_tokens_get_2001003(aiohttp_client: ClientFactory) -> None:
    clock = FakeClock()
    raw = await start(aiohttp_client, token_ttl=60, clock=clock)
    assert (await raw.call(STORES, STORE_BODY))["code"] == 0
    clock.offset = 61
    assert (await raw.call(STORES, STORE_BODY))["code"] == "2001003"
    raw.token = "not-a-token"
    assert (await raw.call(STORES, STORE_BODY))["code"] == "2001003"


async def test_control_expire_and_revoke(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    raw.sandbox.expire_tokens()
    assert (await raw.call(STORES, STORE_BODY))["code"] == "2001003"
    await raw.fetch_token()
    await raw.control("POST", "/tokens/revoke")
    assert (await raw.call(STORES, STORE_BODY))["code"] == "2001005"


@pytest.mark.parametrize("missing", ["access_token", "app_key", "timestamp", "sign"])
async def test_missing_query_param(aiohttp_client: ClientFactory, missing: str) -> None:
    raw = await start(aiohttp_client)
    query = raw.query(STORE_BODY)
    del query[missing]
    assert (await raw.call(STORES, STORE_BODY, query=query))["code"] == "3001001"


async def test_wrong_sign_expired_timestamp_and_unknown_app(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    tampered = raw.query(STORE_BODY)
    tampered["sign"] = raw.query({"offset": 1, "length": 20})["sign"]
    old = raw.query(STORE_BODY, timestamp=int(time.time()) - 200)
    other_app = {**raw.query(STORE_BODY), "app_key": "ak_other12345678"}
    bad_ts = {**raw.query(STORE_BODY), "timestamp": "soon"}
    wrong = await raw.call(STORES, STORE_BODY, query=tampered)
    assert wrong["code"] == "2001006"
    assert wrong["msg"] == " api sign not correct"
    assert (await raw.call(STORES, STORE_BODY, query=old))["code"] == "2001007"
    assert (await raw.call(STORES, STORE_BODY, query=other_app))["code"] == "2001001"
    assert (await raw.call(STORES, STORE_BODY, query=bad_ts))["code"] == "2001007"
    # The body must be the one that was signed.
    changed = await raw.call(STORES, STORE_BODY, raw_body=b'{"offset":0,"length":21}')
    assert changed["code"] == "2001006"


async def test_unencoded_plus_in_sign_is_rejected(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    body = STORE_BODY
    for _ in range(200):  # find a sign containing "+" (about 3 in 4 do)
        query = raw.query(body)
        if "+" in query["sign"]:
            break
        body = {**body, "offset": body["offset"] + 1}
    assert "+" in query["sign"]
    text = "&".join(f"{k}={v}" for k, v in query.items())  # "+" left raw: decodes as a space
    resp = await raw.client.post(
        URL(f"{STORES}?{text}", encoded=True),
        data=encode_body(body),
        headers={"Content-Type": "application/json"},
    )
    assert (await resp.json())["code"] == "2001006"


async def test_future_timestamp_switch(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    future = raw.query(STORE_BODY, timestamp=int(time.time()) + 600)
    assert (await raw.call(STORES, STORE_BODY, query=future))["code"] == 0
    raw.sandbox.options.sign_max_future = 60
    assert (await raw.call(STORES, STORE_BODY, query=future))["code"] == "2001007"


async def test_ip_whitelist_and_path_permission(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client, ip_whitelist=["10.9.9.9"])
    assert (await raw.call(STORES, STORE_BODY))["code"] == "3001002"
    raw.sandbox.options.update({"ip_whitelist": None, "permitted_paths": ["/pb/mp/order/v2/list"]})
    assert (await raw.call(STORES, STORE_BODY))["code"] == "2001004"


# Known-answer vectors of lingxing_api.md §2.7, checked against the sandbox's verifier.
VECTOR_QUERY = {"access_token": "tok", "app_key": APP_ID, "timestamp": "1700000000"}
VECTOR_2_BODY = (
    b'{"platform_code":10009,"store_id":"110000000000000001","orders":[{"platform_order_no":"PO1",'
    b'"receiver_country_code":"US","receiver_name":"Jane Doe","city":"Austin",'
    b'"address_line1":"1 Main St","items":[{"msku":"MSKU-1","quantity":2,"unit_price":9.5}]}]}'
)
SIGN_SORTED = "cKJtYJYulup93j8LfwqfInjKeqrdUaQzrL5g6+JLnJQwCpgLHg5dzZDMNuiTX/Va"
SIGN_AS_SENT = "V3wASMIU1qkW8cZOeP997VH+kpZCWQDWOFA3mr5SauMwCpgLHg5dzZDMNuiTX/Va"


def test_sign_vectors_1_and_3() -> None:
    body1 = parse_for_sign(b'{"offset":0,"length":20,"platform_order_nos":["PO1","PO2"]}')
    sign1 = "yBHJGsNZOAMWCHZnNAwtVW6HjB2JqTfnsHobSEjsRgowCpgLHg5dzZDMNuiTX/Va"
    assert sign_matches({**VECTOR_QUERY, "sign": sign1}, body1, APP_ID, "either")
    body3 = parse_for_sign(b'{"include_delete":true,"sku":"","remark":null}')
    sign3 = "IOkA6cWA75xOdbfOybbmp7MFxw/SGvJzzfM+zJr1lR4wCpgLHg5dzZDMNuiTX/Va"
    assert sign_matches({**VECTOR_QUERY, "sign": sign3}, body3, APP_ID, "either")
    assert not sign_matches({**VECTOR_QUERY, "sign": sign3}, body1, APP_ID, "either")


@pytest.mark.parametrize(
    ("variant", "sorted_ok", "as_sent_ok"),
    [("either", True, True), ("sorted", True, False), ("received", False, True)],
)
def test_sign_vector_2_variants(variant: SignVariant, sorted_ok: bool, as_sent_ok: bool) -> None:
    body = parse_for_sign(VECTOR_2_BODY)
    ok_sorted = sign_matches({**VECTOR_QUERY, "sign": SIGN_SORTED}, body, APP_ID, variant)
    ok_sent = sign_matches({**VECTOR_QUERY, "sign": SIGN_AS_SENT}, body, APP_ID, variant)
    assert (ok_sorted, ok_sent) == (sorted_ok, as_sent_ok)


def test_number_literals_are_signed_as_received() -> None:
    # "10.50" re-serialised by a float round-trip would be "10.5" and break the sign.
    body_text = b'{"items":[{"unit_price":10.50}]}'
    canonical = "access_token=tok&app_key=" + APP_ID + '&items=[{"unit_price":10.50}]'
    sign = sign_canonical(canonical + "&timestamp=1700000000", APP_ID)
    assert sign_matches({**VECTOR_QUERY, "sign": sign}, parse_for_sign(body_text), APP_ID, "either")
