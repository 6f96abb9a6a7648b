"""Lingxing error paths with mocked HTTP: code table, write safety, envelopes, redaction."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest

from sdk._errors import (
    APIStatusError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    SdkError,
    ServerError,
    ValidationError,
)
from sdk._retry import RetryPolicy
from sdk.lingxing import (
    LingxingAuthenticationError,
    LingxingClient,
    LingxingConnectionError,
    LingxingDecodeError,
    LingxingError,
    LingxingNotFoundError,
    LingxingRateLimitError,
    LingxingServerError,
    LingxingStatusError,
    LingxingTimeoutError,
    LingxingValidationError,
)
from sdk.lingxing.envelope import normalize_code
from sdk.lingxing.models import CreateOrder, CreateOrderItem
from tests.unit.sdk.mock_http import MockHttp, sent_count

BASE = "https://lx.test"
APP_ID = "ak_test123456789"
APP_SECRET = "BYKn4e/XVg+shbQPVbMjiQ=="
TOKEN_1, TOKEN_2 = "4dcaa78e-b52d-4325-bc35-571021bb0787", "5ebbb89f-c63e-5436-cd46-682132cc1898"
REFRESH_1 = "da5b5047-e6d1-496c-ab4d-d5425a6a66e4"


def url(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(BASE + path) + r"(\?.*)?$")


TOKEN_URL = url("/api/auth-server/oauth/access-token")
STORES_URL = url("/pb/mp/shop/v2/getSellerList")
CREATE_URL = url("/pb/mp/order/v2/create")
WAREHOUSE_URL = url("/erp/sc/data/local_inventory/warehouse")

STORES_OK = {"code": 0, "message": "ok", "data": {"total": "1", "list": [{"store_id": "1"}]}}
CREATED = {
    "code": 0,
    "message": "操作成功",
    "data": {
        "error_details": [],
        "success_details": [{"platform_order_no": "PO-1", "global_order_no": 103336708973801472}],
    },
}


def gateway(code: str, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": None}


def token_answer(token: str = TOKEN_1) -> dict[str, Any]:
    data = {"access_token": token, "refresh_token": REFRESH_1, "expires_in": "7199"}
    return {"code": "200", "msg": "OK", "data": data}


@pytest.fixture
def mocked() -> Iterator[MockHttp]:
    with MockHttp() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[LingxingClient]:
    async with aiohttp.ClientSession() as session:
        yield LingxingClient(
            session,
            base_url=BASE,
            app_id=APP_ID,
            app_secret=APP_SECRET,
            retry=RetryPolicy.instant(max_attempts=3),
        )


def calls_to(mocked: MockHttp, pattern: re.Pattern[str]) -> list[str]:
    return [
        str(u) for (_, u), calls in mocked.requests.items() if pattern.match(str(u)) for _ in calls
    ]


def an_order() -> CreateOrder:
    item = CreateOrderItem(msku="MSKU-1", quantity=1, unit_price=Decimal("5"))
    return CreateOrder(
        platform_order_no="PO-1",
        receiver_country_code="US",
        receiver_name="Jane Doe",
        city="Austin",
        address_line1="1 Main St",
        items=[item],
    )


# --- code -> error class table ------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status", "vendor_cls", "shared_cls", "sends"),
    [
        (
            gateway("3001008", "requests too frequently"),
            200,
            LingxingRateLimitError,
            RateLimitError,
            3,
        ),
        (
            {"code": 103, "message": "请求过于频繁", "data": []},
            200,
            LingxingRateLimitError,
            RateLimitError,
            3,
        ),
        (
            gateway("2001006", " api sign not correct"),
            200,
            LingxingAuthenticationError,
            AuthenticationError,
            1,
        ),
        (
            gateway("2001007", "api sign has expired"),
            200,
            LingxingAuthenticationError,
            AuthenticationError,
            2,  # signed afresh once, however many attempts the policy allows
        ),
        (
            gateway("2001004", "api not authorized"),
            200,
            LingxingAuthenticationError,
            AuthenticationError,
            1,
        ),
        (
            gateway("3001002", "ip not permitted"),
            200,
            LingxingAuthenticationError,
            AuthenticationError,
            1,
        ),
        (gateway("3001001", "missing param"), 200, LingxingValidationError, ValidationError, 1),
        (
            {"code": 1, "message": "参数检验不通过", "error_details": ["length: 最大值200"]},
            200,
            LingxingValidationError,
            ValidationError,
            1,
        ),
        ({"code": 102, "message": "参数不合法"}, 200, LingxingValidationError, ValidationError, 1),
        ({"code": 400, "message": "服务不存在"}, 200, LingxingNotFoundError, NotFoundError, 1),
        (
            {"code": 500, "message": "程序内部错误", "error_details": ["x [请求码:1]"]},
            200,
            LingxingServerError,
            ServerError,
            3,
        ),
        (gateway("500", "404 NOT_FOUND"), 200, LingxingServerError, ServerError, 3),
        ({"code": 10000, "message": "failed"}, 200, LingxingStatusError, APIStatusError, 1),
        (
            {"code": 0.0, "message": "ok", "data": {"list": "not a list"}},
            200,
            LingxingDecodeError,
            None,
            1,
        ),
        ({"code": 0.0, "message": "ok", "data": {"total": "x"}}, 200, None, None, 1),
        ("<html>405 Not Allowed</html>", 405, LingxingValidationError, ValidationError, 1),
        ("<html>bad gateway</html>", 502, LingxingServerError, ServerError, 3),
        (gateway("2001003", "token expired"), 404, LingxingNotFoundError, NotFoundError, 1),
        ("not json at all", 200, LingxingDecodeError, None, 1),
    ],
)
async def test_code_to_error_class_table(
    client: LingxingClient,
    mocked: MockHttp,
    answer: dict[str, Any] | str,
    status: int,
    vendor_cls: type[SdkError] | None,
    shared_cls: type[SdkError] | None,
    sends: int,
) -> None:
    mocked.post(TOKEN_URL, payload=token_answer(), repeat=True)
    if isinstance(answer, str):
        mocked.post(STORES_URL, status=status, body=answer, content_type="text/html", repeat=True)
    else:
        mocked.post(STORES_URL, status=status, payload=answer, repeat=True)
    if vendor_cls is None:  # a success code with an unusable body: lenient, empty result
        assert await client.list_stores() == []
        return
    with pytest.raises(vendor_cls) as info:
        await client.list_stores()
    err = info.value
    assert isinstance(err, LingxingError)
    if shared_cls is not None:
        assert isinstance(err, shared_cls)
    assert err.path == "/pb/mp/shop/v2/getSellerList"
    assert err.ambiguous is False  # reads are never ambiguous
    assert len(calls_to(mocked, STORES_URL)) == sends


async def test_error_details_and_request_id_are_kept(
    client: LingxingClient, mocked: MockHttp
) -> None:
    mocked.post(TOKEN_URL, payload=token_answer())
    answer = {
        "code": 1,
        "message": "参数检验不通过",
        "error_details": ["length: length 最大值200"],
        "requestId": "532e9175.1695004631603",
    }
    mocked.post(STORES_URL, payload=answer)
    with pytest.raises(LingxingValidationError) as info:
        await client.list_stores()
    assert info.value.code == "1"
    assert info.value.request_id == "532e9175.1695004631603"
    assert "length 最大值200" in str(info.value)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (0, "0"),
        ("0", "0"),
        (0.0, "0"),
        ("0.0", "0"),
        ("200", "200"),
        (200, "200"),
        ("0001001", "0001001"),
        (" 2001005 ", "2001005"),
        (None, ""),
        (True, "1"),
    ],
)
def test_normalize_code(raw: object, code: str) -> None:
    assert normalize_code(raw) == code


async def test_all_three_envelope_styles_succeed(client: LingxingClient, mocked: MockHttp) -> None:
    mocked.post(TOKEN_URL, payload=token_answer())  # G style, code "200"
    mocked.post(
        STORES_URL,
        payload={"code": "0", "msg": "ok", "data": {"total": 1, "list": [{"store_id": 7}]}},
    )
    e_style = {
        "code": 0,
        "message": "success",
        "error_details": [],
        "data": [{"wid": "3", "name": "A"}],
        "total": 1,
    }
    mocked.post(WAREHOUSE_URL, payload=e_style)
    assert [s.store_id for s in await client.list_stores()] == ["7"]
    assert [w.wid for w in await client.list_warehouses()] == [3]


# --- write safety on create ----------------------------------------------------------------


async def test_create_is_retried_on_3001008(client: LingxingClient, mocked: MockHttp) -> None:
    mocked.post(TOKEN_URL, payload=token_answer())
    mocked.post(CREATE_URL, payload=gateway("3001008", "requests too frequently"))
    mocked.post(CREATE_URL, payload=CREATED)
    result = await client.create_orders(10009, "110000000000000001", [an_order()])
    assert result.created() == {"PO-1": "103336708973801472"}
    assert len(calls_to(mocked, CREATE_URL)) == 2
    assert client.stats.retries[("lingxing", "/pb/mp/order/v2/create", "rate_limited")] == 1
    assert client.stats.throttled == {("lingxing", "/pb/mp/order/v2/create", "3001008"): 1}


@pytest.mark.parametrize(
    ("failure", "error_cls"),
    [
        ({"timeout": True}, LingxingTimeoutError),
        ({"exception": aiohttp.ServerDisconnectedError()}, LingxingConnectionError),
        ({"status": 502, "body": "<html>bad gateway</html>"}, LingxingServerError),
        ({"payload": {"code": 500, "message": "程序内部错误"}}, LingxingServerError),
        ({"payload": {"code": 0, "message": "ok", "data": "???"}}, LingxingDecodeError),
        ({"payload": {"code": 103, "message": "too frequent"}}, LingxingRateLimitError),
    ],
    ids=["timeout", "disconnect", "http-502", "code-500", "unreadable", "code-103"],
)
async def test_ambiguous_create_is_raised_not_retried(
    client: LingxingClient,
    mocked: MockHttp,
    failure: dict[str, Any],
    error_cls: type[LingxingError],
) -> None:
    mocked.post(TOKEN_URL, payload=token_answer())
    mocked.post(CREATE_URL, repeat=True, **failure)
    with pytest.raises(error_cls) as info:
        await client.create_orders(10009, "110000000000000001", [an_order()])
    assert info.value.ambiguous is True
    assert len(calls_to(mocked, CREATE_URL)) == 1


@pytest.mark.parametrize(
    "answer",
    [gateway("2001006", "api sign not correct"), {"code": 1, "message": "参数检验不通过"}],
)
async def test_rejected_create_is_not_ambiguous(
    client: LingxingClient, mocked: MockHttp, answer: dict[str, Any]
) -> None:
    mocked.post(TOKEN_URL, payload=token_answer())
    mocked.post(CREATE_URL, payload=answer)
    with pytest.raises(LingxingError) as info:
        await client.create_orders(10009, "110000000000000001", [an_order()])
    assert info.value.ambiguous is False


async def test_create_renews_token_once_on_2001005_then_succeeds(
    client: LingxingClient, mocked: MockHttp
) -> None:
    mocked.post(TOKEN_URL, payload=token_answer(TOKEN_1))
    mocked.post(TOKEN_URL, payload=token_answer(TOKEN_2))
    mocked.post(CREATE_URL, payload=gateway("2001005", "access token not match"))
    mocked.post(CREATE_URL, payload=CREATED)
    result = await client.create_orders(10009, "110000000000000001", [an_order()])
    assert result.created() == {"PO-1": "103336708973801472"}
    creates = calls_to(mocked, CREATE_URL)
    assert len(calls_to(mocked, TOKEN_URL)) == 2
    assert [f"access_token={t}" in u for u, t in zip(creates, (TOKEN_1, TOKEN_2), strict=True)] == [
        True,
        True,
    ]
    # Re-signed: a different sign (and the fresh token) on the second send.
    signs = [re.search(r"sign=([^&]+)", u).group(1) for u in creates]  # type: ignore[union-attr]
    assert signs[0] != signs[1]


async def test_token_failure_surfaces_as_non_ambiguous_create_error(
    client: LingxingClient, mocked: MockHttp
) -> None:
    mocked.post(TOKEN_URL, timeout=True, repeat=True)
    with pytest.raises(LingxingTimeoutError) as info:
        await client.create_orders(10009, "110000000000000001", [an_order()])
    assert info.value.ambiguous is False  # the create itself was never sent
    assert info.value.path == "/api/auth-server/oauth/access-token"
    assert calls_to(mocked, CREATE_URL) == []
    assert len(calls_to(mocked, TOKEN_URL)) == 3  # the token call's own bounded retries


# --- redaction ----------------------------------------------------------------------------


async def test_no_token_sign_or_secret_in_logs_or_errors(
    client: LingxingClient, mocked: MockHttp, caplog: pytest.LogCaptureFixture
) -> None:
    mocked.post(TOKEN_URL, payload=token_answer(TOKEN_1))
    mocked.post(TOKEN_URL, payload=token_answer(TOKEN_2))
    echo = f"access_token={TOKEN_1} app secret {APP_SECRET} rejected"
    scenarios: list[dict[str, Any]] = [
        {"payload": gateway("2001006", f"sign not correct for {TOKEN_1}")},
        {"payload": gateway("2001005", echo)},
        {"payload": gateway("2001005", f"still {TOKEN_2} not match")},
        {"payload": {"code": 1, "message": "bad", "error_details": [f"appSecret={APP_SECRET}"]}},
        {"timeout": True},
        {"status": 500, "body": f"<html>{TOKEN_2}</html>"},
    ]
    for scenario in scenarios:
        mocked.post(CREATE_URL, **scenario)
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="sdk"):
        for _ in range(5):  # the 2001005 pair is one call (renew once, then raise)
            with pytest.raises(LingxingError) as info:
                await client.create_orders(10009, "110000000000000001", [an_order()])
            err = info.value
            texts += [str(err), repr(err), err.message, err.path, *map(str, err.args)]
    texts += [r.getMessage() for r in caplog.records]
    assert len(caplog.records) >= 5
    sent_urls = calls_to(mocked, CREATE_URL)
    encoded = [re.search(r"sign=([^&]+)", u).group(1) for u in sent_urls]  # type: ignore[union-attr]
    signs = encoded + [unquote(s) for s in encoded]
    assert len(encoded) == 6
    joined = "\n".join(texts)
    for secret in [TOKEN_1, TOKEN_2, REFRESH_1, APP_SECRET, *signs]:
        assert secret not in joined
    assert "access_token=" not in joined.replace("access_token=***", "")
    assert sent_count(mocked) == 8
