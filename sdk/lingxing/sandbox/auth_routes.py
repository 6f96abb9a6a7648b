"""Token endpoints (fact sheet §1): multipart, urlencoded or query-string parameters."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from . import paths
from .envelopes import auth_success, gateway_error
from .keys import FORM_KEY, SANDBOX_KEY, SUMMARY_KEY


async def read_params(request: web.Request) -> None:
    """Store the form fields (multipart or urlencoded) over query-string ones, as text."""
    merged = dict(request.query.items())
    if request.can_read_body:
        form = await request.post()
        merged.update({k: v for k, v in form.items() if isinstance(v, str)})
    # Record only the app id: the secret and refresh token must never be kept.
    request[SUMMARY_KEY] = {"appId": merged.get("appId", "")}
    request[FORM_KEY] = merged


def _is_mangled(secret: str) -> bool:
    """A secret whose ``+`` became a space (or that is not Base64) cannot be RSA-decrypted."""
    if " " in secret:
        return True
    try:
        base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return True
    return False


async def access_token(request: web.Request) -> web.Response:
    """POST /api/auth-server/oauth/access-token."""
    sb = request.app[SANDBOX_KEY]
    params = request[FORM_KEY]
    if params.get("appId") != sb.app_id:
        return gateway_error("2001001", sb.clock())
    secret = params.get("appSecret", "")
    if secret != sb.app_secret:
        return gateway_error("0001001" if _is_mangled(secret) else "2001002", sb.clock())
    return auth_success(sb.tokens.issue())


async def refresh(request: web.Request) -> web.Response:
    """POST /api/auth-server/oauth/refresh (refresh tokens are single-use)."""
    sb = request.app[SANDBOX_KEY]
    params = request[FORM_KEY]
    if params.get("appId") != sb.app_id:
        return gateway_error("2001001", sb.clock())
    result = sb.tokens.refresh(params.get("refreshToken", ""))
    if isinstance(result, str):
        return gateway_error(result, sb.clock())
    return auth_success(result)


AUTH_ROUTES = {paths.TOKEN: access_token, paths.REFRESH: refresh}
