"""One shared Lingxing access token per app, renewed single-flight.

Minting a token revokes the app's previous one (fact sheet §1.3), so every caller of one appId
must share one :class:`TokenManager`, and renewals must not race: :meth:`TokenManager.get`
renews behind an ``asyncio.Lock`` and re-checks after acquiring it, so any number of callers
that find the token stale cause exactly one renewal.

* Proactive: a token with less than ``refresh_margin`` seconds (or half its lifetime) left
  is renewed — by the refresh endpoint while the single-use refresh token is still valid,
  else by minting.
* Reactive: when a business call is rejected with 2001003/2001005 the transport calls
  :meth:`invalidate` with the token that call used; only if that is still the current token is
  it dropped, so 200 rejected calls still lead to one new token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from sdk._http import Endpoint, HttpTransport, Prepared, RawResponse
from sdk._retry import Safety
from sdk.lingxing.envelope import parse_checked
from sdk.lingxing.errors import ERRORS, LingxingDecodeError, LingxingError
from sdk.lingxing.models import AccessTokenForm, RefreshTokenForm, TokenData

__all__ = ["ACCESS_TOKEN", "REFRESH", "TokenManager"]

# Minting is safe to repeat (we adopt whatever token came last); a refresh token is single-use,
# so a refresh is a write — on any failure we fall back to minting instead of retrying it.
ACCESS_TOKEN = Endpoint("/api/auth-server/oauth/access-token", safety=Safety.IDEMPOTENT)
REFRESH = Endpoint("/api/auth-server/oauth/refresh", safety=Safety.WRITE)
REFRESH_TOKEN_TTL = 7200.0
# A refresh token only has to be valid when the refresh request arrives.
REFRESH_LEEWAY = 30.0

log = logging.getLogger("sdk.lingxing")


@dataclass(frozen=True)
class _Token:
    access_token: str
    refresh_token: str
    renew_at: float
    refresh_expires_at: float


def _multipart(fields: dict[str, str]) -> aiohttp.MultipartWriter:
    # Multipart needs no escaping of the base64 secret ("+" would become a space in a
    # urlencoded form and the server answers 0001001).
    writer = aiohttp.MultipartWriter("form-data")
    for name, value in fields.items():
        part = writer.append(value)
        part.set_content_disposition("form-data", name=name)
    return writer


def _token_data(raw: RawResponse) -> TokenData:
    envelope = parse_checked(raw)
    if not isinstance(envelope.data, dict):
        raise ERRORS.make(LingxingDecodeError, "token answer without data", path=raw.path)
    return TokenData.model_validate(envelope.data)


class TokenManager:
    """Holds the app's access token; :meth:`get` returns a usable one, renewing if needed."""

    def __init__(
        self,
        transport: HttpTransport,
        *,
        app_id: str,
        app_secret: str,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = 300.0,
    ) -> None:
        self._transport = transport
        self._form = AccessTokenForm(appId=app_id, appSecret=app_secret)
        self._clock = clock
        self._margin = refresh_margin
        self._token: _Token | None = None
        self._lock = asyncio.Lock()
        self.mints = 0
        self.refreshes = 0
        transport.redactor.add(app_secret, permanent=True)

    async def get(self) -> str:
        """A token with more than ``refresh_margin`` seconds left (renewed single-flight)."""
        token = self._usable()
        if token is not None:
            return token
        async with self._lock:
            token = self._usable()
            if token is None:
                token = await self._renew()
            return token

    async def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is still the current one (the vendor rejected it).

        This is the transport's ``on_token_rejected`` hook; the next :meth:`get` renews.
        """
        if self._token is not None and self._token.access_token == token:
            log.debug("lingxing token rejected; dropping it")
            self._token = None

    def _usable(self) -> str | None:
        token = self._token
        if token is not None and self._clock() < token.renew_at:
            return token.access_token
        return None

    async def _renew(self) -> str:
        current = self._token
        if current is not None and self._clock() < current.refresh_expires_at - REFRESH_LEEWAY:
            try:
                return await self._refresh(current.refresh_token)
            except LingxingError as err:
                log.debug(
                    "lingxing token refresh failed (%s); minting a new token", type(err).__name__
                )
        return await self._mint()

    async def _mint(self) -> str:
        async def prepare() -> Prepared:
            return Prepared(data=_multipart(self._form.model_dump()))

        data = await self._transport.request(ACCESS_TOKEN, prepare, _token_data)
        self.mints += 1
        self._transport.stats.record_token_mint(self._transport.vendor)
        return self._adopt(data)

    async def _refresh(self, refresh_token: str) -> str:
        form = RefreshTokenForm(appId=self._form.appId, refreshToken=refresh_token)

        async def prepare() -> Prepared:
            return Prepared(data=_multipart(form.model_dump()))

        data = await self._transport.request(REFRESH, prepare, _token_data)
        self.refreshes += 1
        return self._adopt(data)

    def _adopt(self, data: TokenData) -> str:
        now = self._clock()
        # A short-lived token (sandboxes, tests) is renewed at half-life, never immediately.
        margin = min(self._margin, data.expires_in / 2)
        self._transport.redactor.add(data.access_token)
        self._transport.redactor.add(data.refresh_token)
        self._token = _Token(
            access_token=data.access_token,
            refresh_token=data.refresh_token,
            renew_at=now + data.expires_in - margin,
            refresh_expires_at=now + REFRESH_TOKEN_TTL if data.refresh_token else now,
        )
        log.debug("lingxing token renewed; valid for %ds", data.expires_in)
        return data.access_token
