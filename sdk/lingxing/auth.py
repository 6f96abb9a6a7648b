"""One Lingxing access token per deployment, renewed single-flight across processes.

Minting a token revokes the app's previous one (fact sheet §1.3), so every caller of one appId
must share one token, and renewals must not race. A :class:`TokenManager` keeps the token in
memory for its process and goes to the :class:`~sdk.lingxing.token_store.TokenStore` only when
that copy is stale or was rejected: inside ``store.exclusive()`` (one renewal at a time in the
whole deployment) it reads the stored token and uses it if it is fresh and is not the token
that just failed; only otherwise does it renew and save. So any number of callers in any number
of processes that find the token stale cause one renewal, and a restarted process reuses the
stored token instead of minting.

* Proactive: a token with less than ``refresh_margin`` seconds (or half its lifetime) left
  is renewed — by the refresh endpoint while the single-use refresh token is still valid,
  else by minting.
* Reactive: when a business call is rejected with 2001003/2001005 the transport calls
  :meth:`TokenManager.invalidate` with the token that call used. The next renewal re-reads the
  store first (another process may have renewed already) and mints only when the stored token
  is the one that failed, so 200 rejected calls in 3 processes still lead to one new token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from sdk._http import Endpoint, HttpTransport, Prepared, RawResponse
from sdk._retry import Safety
from sdk.lingxing.envelope import parse_checked
from sdk.lingxing.errors import (
    ERRORS,
    LingxingConnectionError,
    LingxingDecodeError,
    LingxingError,
)
from sdk.lingxing.models import AccessTokenForm, RefreshTokenForm, TokenData
from sdk.lingxing.token_store import MemoryTokenStore, Token, TokenRecord, TokenStore

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
class _Cached:
    """This process's copy of the token and when to stop using it."""

    access_token: str = field(repr=False)
    renew_at: float


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
    """Holds the app's access token; :meth:`get` returns a usable one, renewing if needed.

    ``store`` is shared by every process of the deployment (default: this process only).
    ``mints``, ``refreshes`` and ``adoptions`` (fresh tokens taken from the store) count what
    this manager did.
    """

    def __init__(
        self,
        transport: HttpTransport,
        *,
        app_id: str,
        app_secret: str,
        store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = 300.0,
    ) -> None:
        self._transport = transport
        self._form = AccessTokenForm(appId=app_id, appSecret=app_secret)
        self._store: TokenStore = store or MemoryTokenStore()
        self._clock = clock
        self._margin = refresh_margin
        self._token: _Cached | None = None
        self._rejected: str | None = None
        self._lock = asyncio.Lock()
        self.mints = 0
        self.refreshes = 0
        self.adoptions = 0
        transport.redactor.add(app_secret, permanent=True)

    async def get(self) -> str:
        """A token with more than ``refresh_margin`` seconds left (renewed single-flight)."""
        token = self._usable()
        if token is not None:
            return token
        async with self._lock:
            token = self._usable()
            if token is None:
                token = await self._from_store()
            return token

    async def invalidate(self, token: str) -> None:
        """The vendor rejected ``token``: stop using it, and never adopt it from the store again.

        This is the transport's ``on_token_rejected`` hook; the next :meth:`get` renews.
        """
        self._rejected = token
        if self._token is not None and self._token.access_token == token:
            log.debug("lingxing token rejected; dropping it")
            self._token = None

    def _usable(self) -> str | None:
        token = self._token
        if token is not None and self._clock() < token.renew_at:
            return token.access_token
        return None

    def _renew_at(self, token: TokenRecord) -> float:
        # A short-lived token (sandboxes, tests) is renewed at half-life, never immediately.
        lifetime = token.expires_at - token.issued_at
        return token.expires_at - min(self._margin, lifetime / 2)

    def _adoptable(self, token: TokenRecord) -> bool:
        return token.access_token != self._rejected and self._clock() < self._renew_at(token)

    async def _from_store(self) -> str:
        """Inside the deployment-wide exclusive section: adopt the stored token if it is good,
        else renew it and store the new one."""
        try:
            async with self._store.exclusive() as slot:
                stored = await slot.load()
                if stored is not None and self._adoptable(stored):
                    self.adoptions += 1
                    return self._adopt(stored)
                fresh = await self._renew(stored)
                await slot.save(fresh)
                return self._adopt(fresh)
        except ConnectionError as exc:
            raise ERRORS.make(
                LingxingConnectionError,
                f"token store unreachable ({type(exc).__name__})",
                path=ACCESS_TOKEN.path,
                refused=True,
            ) from None

    async def _renew(self, stored: TokenRecord | None) -> Token:
        if stored is not None and self._refreshable(stored):
            try:
                return await self._refresh(stored.refresh_token)
            except LingxingError as err:
                log.debug(
                    "lingxing token refresh failed (%s); minting a new token", type(err).__name__
                )
        return await self._mint()

    def _refreshable(self, stored: TokenRecord) -> bool:
        # A rejected token is not refreshed: it may have been revoked by a mint elsewhere.
        valid_until = stored.issued_at + REFRESH_TOKEN_TTL - REFRESH_LEEWAY
        return (
            bool(stored.refresh_token)
            and stored.access_token != self._rejected
            and self._clock() < valid_until
        )

    async def _mint(self) -> Token:
        async def prepare() -> Prepared:
            return Prepared(data=_multipart(self._form.model_dump()))

        data = await self._transport.request(ACCESS_TOKEN, prepare, _token_data)
        self.mints += 1
        self._transport.stats.record_token_mint(self._transport.vendor)
        return self._issued(data)

    async def _refresh(self, refresh_token: str) -> Token:
        form = RefreshTokenForm(appId=self._form.appId, refreshToken=refresh_token)

        async def prepare() -> Prepared:
            return Prepared(data=_multipart(form.model_dump()))

        data = await self._transport.request(REFRESH, prepare, _token_data)
        self.refreshes += 1
        return self._issued(data)

    def _issued(self, data: TokenData) -> Token:
        now = int(self._clock())
        # Known secrets from the moment they exist, even if storing them fails next.
        self._transport.redactor.add(data.access_token)
        self._transport.redactor.add(data.refresh_token)
        log.debug("lingxing token renewed; valid for %ds", data.expires_in)
        return Token(data.access_token, data.refresh_token, now, now + data.expires_in)

    def _adopt(self, token: TokenRecord) -> str:
        self._transport.redactor.add(token.access_token)
        self._transport.redactor.add(token.refresh_token)
        self._token = _Cached(token.access_token, self._renew_at(token))
        return token.access_token
