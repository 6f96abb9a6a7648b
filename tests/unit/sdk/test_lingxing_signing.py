"""Known-answer and table tests for Lingxing request signing (fact sheet §2)."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from sdk.lingxing.signing import (
    InvalidAppIdError,
    body_sign_params,
    canonical_string,
    encode_body,
    make_sign,
    md5_upper,
    render_value,
    signed_query,
    verify_sign,
)

APP_ID = "ak_test123456789"
FIXED = {"access_token": "tok", "app_key": APP_ID, "timestamp": "1700000000"}
# The last AES block always encrypts the constant pad block, so every sign made with one appId
# shares this tail — a cheap sanity check on the cipher mode and padding.
PAD_TAIL = "wCpgLHg5dzZDMNuiTX/Va"


def test_vector_1_order_list() -> None:
    body = {"offset": 0, "length": 20, "platform_order_nos": ["PO1", "PO2"]}
    params = {**FIXED, **body}
    canonical = canonical_string(params)
    assert canonical == (
        "access_token=tok&app_key=ak_test123456789&length=20&offset=0"
        '&platform_order_nos=["PO1","PO2"]&timestamp=1700000000'
    )
    assert md5_upper(canonical) == "15F83C3F8BCC09460A89DD3EAE7C2F1F"
    sign = make_sign(params, APP_ID)
    assert sign == "yBHJGsNZOAMWCHZnNAwtVW6HjB2JqTfnsHobSEjsRgowCpgLHg5dzZDMNuiTX/Va"
    assert urlencode({"sign": sign}) == (
        "sign=yBHJGsNZOAMWCHZnNAwtVW6HjB2JqTfnsHobSEjsRgowCpgLHg5dzZDMNuiTX%2FVa"
    )


VECTOR_2_BODY_TEXT = (
    '{"platform_code":10009,"store_id":"110000000000000001","orders":[{"platform_order_no":"PO1",'
    '"receiver_country_code":"US","receiver_name":"Jane Doe","city":"Austin",'
    '"address_line1":"1 Main St","items":[{"msku":"MSKU-1","quantity":2,"unit_price":9.5}]}]}'
)


def test_vector_2_nested_sorted_keys() -> None:
    params = {**FIXED, **json.loads(VECTOR_2_BODY_TEXT)}
    canonical = canonical_string(params)
    assert canonical == (
        'access_token=tok&app_key=ak_test123456789&orders=[{"address_line1":"1 Main St",'
        '"city":"Austin","items":[{"msku":"MSKU-1","quantity":2,"unit_price":9.5}],'
        '"platform_order_no":"PO1","receiver_country_code":"US","receiver_name":"Jane Doe"}]'
        "&platform_code=10009&store_id=110000000000000001&timestamp=1700000000"
    )
    assert md5_upper(canonical) == "3C8DA2D7B599572AD43F6793420FE8F4"
    assert make_sign(params, APP_ID) == (
        "cKJtYJYulup93j8LfwqfInjKeqrdUaQzrL5g6+JLnJQwCpgLHg5dzZDMNuiTX/Va"
    )


def test_vector_2_nested_received_order() -> None:
    params = {**FIXED, **json.loads(VECTOR_2_BODY_TEXT)}
    canonical = canonical_string(params, sort_nested_keys=False)
    assert md5_upper(canonical) == "05405D9BAE6988AA03B3189693085AFF"
    sign_a = "V3wASMIU1qkW8cZOeP997VH+kpZCWQDWOFA3mr5SauMwCpgLHg5dzZDMNuiTX/Va"
    sign_b = "cKJtYJYulup93j8LfwqfInjKeqrdUaQzrL5g6+JLnJQwCpgLHg5dzZDMNuiTX/Va"
    # A verifier must accept both nested orders; a tampered sign matches neither.
    assert verify_sign(params, APP_ID, sign_a)
    assert verify_sign(params, APP_ID, sign_b)
    assert not verify_sign(params, APP_ID, sign_b.replace("cK", "cL"))


def test_vector_3_scalar_rules() -> None:
    params = {**FIXED, "include_delete": True, "sku": "", "remark": None}
    canonical = canonical_string(params)
    assert canonical == (
        "access_token=tok&app_key=ak_test123456789&include_delete=true&remark=null"
        "&timestamp=1700000000"
    )
    assert md5_upper(canonical) == "96FEF1D2B8A6301AA5610891F2F8A826"
    assert make_sign(params, APP_ID) == (
        "IOkA6cWA75xOdbfOybbmp7MFxw/SGvJzzfM+zJr1lR4wCpgLHg5dzZDMNuiTX/Va"
    )


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("", None),
        ("tok", "tok"),
        ("110418202566107648", "110418202566107648"),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (1700000000, "1700000000"),
        (9.5, "9.5"),
        (Decimal("10.00"), "10.00"),
        ([], "[]"),
        ({}, "{}"),
        (["a", 1, None, True], '["a",1,null,true]'),
        ({"b": 1, "a": [{"d": 2, "c": "x"}]}, '{"a":[{"c":"x","d":2}],"b":1}'),
        (["领星", "é"], '["领星","é"]'),
        (["<a&b>"], '["<a&b>"]'),
        ([""], '[""]'),
    ],
)
def test_render_value_table(value: object, rendered: str | None) -> None:
    assert render_value(value) == rendered


def test_render_value_keeps_nested_order_when_asked() -> None:
    assert render_value({"b": 1, "a": {"z": 0, "y": 1}}, sort_keys=False) == (
        '{"b":1,"a":{"z":0,"y":1}}'
    )


def test_canonical_string_sorts_by_byte_order_and_does_not_encode() -> None:
    params = {"b": "x y", "B": "1+2", "a_": "/=&", "a": "中文"}
    assert canonical_string(params) == "B=1+2&a=中文&a_=/=&&b=x y"


def test_canonical_string_empty_string_omitted_but_empty_list_kept() -> None:
    assert canonical_string({"x": "", "y": [], "z": None}) == "y=[]&z=null"


def test_sign_shape_is_64_base64_chars_without_padding() -> None:
    for n in range(5):
        sign = make_sign({**FIXED, "offset": n}, APP_ID)
        assert len(sign) == 64
        assert "=" not in sign
        assert sign.endswith(PAD_TAIL)


@pytest.mark.parametrize("app_id", ["ak_" + "x" * 21, "k" * 32])
def test_longer_aes_keys_work(app_id: str) -> None:
    sign = make_sign(FIXED, app_id)
    assert len(sign) == 64
    assert verify_sign(FIXED, app_id, sign)
    assert not verify_sign(FIXED, APP_ID, sign)


@pytest.mark.parametrize("app_id", ["", "short", "ak_test12345678", "ak_test1234567890", "é" * 8])
def test_bad_app_id_length_fails_loudly(app_id: str) -> None:
    # "é" * 8 is 8 characters but 16 bytes: the key length counts bytes, so that one is valid.
    if len(app_id.encode()) == 16:
        assert len(make_sign(FIXED, app_id)) == 64
        return
    with pytest.raises(InvalidAppIdError, match="16, 24 or 32 bytes"):
        make_sign(FIXED, app_id)


def test_encode_body_is_what_is_signed() -> None:
    body = {"z": "领星", "orders": [{"b": 1, "a": 2}], "length": 20}
    raw = encode_body(body)
    assert raw == '{"length":20,"orders":[{"a":2,"b":1}],"z":"领星"}'.encode()
    received = json.loads(raw)
    query = signed_query(body, access_token="tok", app_id=APP_ID, timestamp="1700000000")
    assert set(query) == {"access_token", "app_key", "timestamp", "sign"}
    assert verify_sign({**received, **FIXED}, APP_ID, query["sign"])
    assert query["sign"] == make_sign({**FIXED, **body}, APP_ID)


def test_body_cannot_override_fixed_params() -> None:
    with pytest.raises(ValueError, match="clash"):
        body_sign_params({"timestamp": 1}, access_token="t", app_id=APP_ID, timestamp="1")


def test_encode_body_rejects_nan() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        encode_body({"x": float("nan")})
