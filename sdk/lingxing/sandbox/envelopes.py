"""The three response envelope families of Lingxing (fact sheet §3).

* G (gateway / auth-server): ``code`` is a string, message key ``msg``.
* E (``/erp/...``): ``code`` int 0, rows in ``data``, ``total`` at top level.
* M (``/pb/...``): ``code`` int 0, ``data`` object with ``total`` as a string inside.

Every builder returns an ``aiohttp`` response tagged with its outcome (the code) so that the
call recorder can read it without parsing the body again.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from aiohttp import web

from .keys import OUTCOME_KEY
from .timefmt import beijing_text

Family = Literal["G", "E", "M"]

GATEWAY_MESSAGES: dict[str, str] = {
    "0001001": "rsa private decrypt error",
    "2001001": "app not exist",
    "2001002": "app secret not correct",
    "2001003": "access token is missing or expired",
    "2001004": "api not authorized",
    "2001005": "access token not match",
    "2001006": " api sign not correct",
    "2001007": "api sign has expired",
    "2001008": "refresh token expired",
    "2001009": "refresh token invalid",
    "3001001": "missing query param access_token, sign, timestamp or app_key",
    "3001002": "ip not on whitelist",
    "3001008": "requests too frequently",
    "500": "404 NOT_FOUND",
}
BUSINESS_MESSAGES: dict[int, str] = {
    1: "参数检验不通过",
    102: "参数不合法",
    103: "请求过于频繁,请稍后再试",
    400: "服务不存在",
    500: "程序内部错误",
}


def family_of(path: str) -> Family:
    """Which envelope family a path answers in."""
    if path.startswith("/erp/"):
        return "E"
    if path.startswith("/pb/"):
        return "M"
    return "G"


def json_response(payload: dict[str, Any], outcome: str, status: int = 200) -> web.Response:
    """A JSON response (raw UTF-8, like Lingxing) tagged with ``outcome``."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    resp = web.Response(text=text, status=status, content_type="application/json")
    resp[OUTCOME_KEY] = outcome
    return resp


def gateway_error(code: str, now: float) -> web.Response:
    """A gateway rejection (envelope G, HTTP 200)."""
    msg = GATEWAY_MESSAGES.get(code, "error")
    data: dict[str, Any] = {
        "throwable": msg,
        "throwTime": beijing_text(now),
        "message": None,
        "stackTrace": None,
        "metadata": {},
    }
    return json_response({"code": code, "msg": msg, "data": data}, code)


def auth_success(data: dict[str, Any]) -> web.Response:
    """A successful token answer (envelope G, ``code`` ``"200"``)."""
    return json_response({"code": "200", "msg": "OK", "data": data}, "200")


def _meta(family: Family, now: float) -> dict[str, Any]:
    # E style: an upper-case GUID; M style: "<uuid>.<epoch millis>".
    guid = str(uuid.uuid4())
    request_id = guid.upper() if family == "E" else f"{guid}.{int(now * 1000)}"
    return {"request_id": request_id, "response_time": beijing_text(now)}


def erp_success(rows: list[dict[str, Any]], total: int, now: float) -> web.Response:
    """Envelope E success: rows in ``data``, int ``total`` at top level."""
    payload = {"code": 0, "message": "success", "error_details": [], **_meta("E", now)}
    return json_response({**payload, "data": rows, "total": total}, "0")


def mp_success(data: dict[str, Any], now: float) -> web.Response:
    """Envelope M success: ``data`` is an object (``total`` inside, usually a string)."""
    payload = {"code": 0, "message": "操作成功", **_meta("M", now), "data": data}
    return json_response(payload, "0")


def business_error(family: Family, code: int, details: list[str], now: float) -> web.Response:
    """A business-level failure in the E or M envelope (HTTP 200)."""
    message = BUSINESS_MESSAGES.get(code, "error")
    payload: dict[str, Any] = {
        "code": code,
        "message": message,
        "error_details": details,
        **_meta(family, now),
    }
    if family == "E":
        payload.update(data=[] if code == 103 else None, total=0)
    else:
        payload["data"] = None
    return json_response(payload, str(code))


class BadRequest(Exception):
    """A request parameter problem a handler reports as a business error."""

    def __init__(self, code: int, *details: str) -> None:
        super().__init__(code, *details)
        self.code = code
        self.details = list(details)
