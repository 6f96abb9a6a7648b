"""The deployment's one Lingxing token, table ``lingxing_token`` (docs/deployment.md).

:class:`PgTokenStore` is the token store the Lingxing client takes (its protocol lives in the
SDK; this module only matches it). ``exclusive()`` opens a connection of its own — never one
from the pool, whose connections the caller's job may all be holding while it waits for a
token — starts a transaction and takes a transaction-scoped advisory lock: one renewal at a
time across every process, released by commit, rollback or the connection's death alike.

The row is keyed by a fingerprint of the appId and the tokens are sealed with AES-GCM under a
key derived from the app secret (the row key is the associated data). A row that cannot be
opened — the app secret changed — reads as "no token", so the next renewal mints a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["PgTokenStore", "StoredToken"]

Connect = Callable[[], Awaitable["asyncpg.Connection[Any]"]]
DB_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
_NONCE = 12
_log = logging.getLogger("db.lingxing_token")


class TokenFields(Protocol):
    """What a token to store must have (the SDK's records match this)."""

    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> str: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def expires_at(self) -> int: ...


@dataclass(frozen=True)
class StoredToken:
    """A token pair read back from the table (the tokens never appear in its ``repr``)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    issued_at: int
    expires_at: int


class _Sealer:
    """AES-GCM with a key derived from the app secret; the row key is authenticated too."""

    def __init__(self, secret: str, app_key: str) -> None:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lingxing token")
        self._aead = AESGCM(hkdf.derive(secret.encode()))
        self._aad = app_key.encode()

    def seal(self, access_token: str, refresh_token: str) -> bytes:
        nonce = os.urandom(_NONCE)
        plain = json.dumps({"access": access_token, "refresh": refresh_token}).encode()
        return nonce + self._aead.encrypt(nonce, plain, self._aad)

    def open(self, sealed: bytes) -> tuple[str, str] | None:
        try:
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], self._aad)
        except (InvalidTag, ValueError):
            return None
        data = json.loads(plain)
        return str(data["access"]), str(data["refresh"])


class PgTokenStore:
    """The token store of the deployment, for one app (see the module docstring)."""

    def __init__(
        self,
        connect: Connect,
        *,
        app_key: str,
        app_secret: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._connect = connect
        self.app_key = app_key
        self._sealer = _Sealer(app_secret, app_key)
        self._clock = clock
        digest = hashlib.blake2b(f"lingxing-token:{app_key}".encode(), digest_size=8).digest()
        self.lock_key = int.from_bytes(digest, "big", signed=True)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[_Exclusive]:
        """The token row, held exclusively until the block ends (commit on success)."""
        try:
            conn = await self._connect()
        except DB_ERRORS as exc:
            raise ConnectionError(f"token store: {type(exc).__name__}") from None
        try:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", self.lock_key)
                yield _Exclusive(conn, self)
        except DB_ERRORS as exc:
            raise ConnectionError(f"token store: {type(exc).__name__}") from None
        finally:
            with contextlib.suppress(*DB_ERRORS):
                await conn.close(timeout=5)

    async def _load(self, conn: asyncpg.Connection[Any]) -> StoredToken | None:
        row = await conn.fetchrow(
            "SELECT sealed, issued_at, expires_at FROM lingxing_token WHERE app_key = $1",
            self.app_key,
        )
        if row is None:
            return None
        opened = self._sealer.open(row["sealed"])
        if opened is None:
            _log.warning("stored Lingxing token cannot be opened (app secret changed?); ignored")
            return None
        return StoredToken(opened[0], opened[1], row["issued_at"], row["expires_at"])

    async def _save(self, conn: asyncpg.Connection[Any], token: TokenFields) -> None:
        await conn.execute(
            "INSERT INTO lingxing_token (app_key, sealed, issued_at, expires_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (app_key) DO UPDATE SET sealed = EXCLUDED.sealed,"
            " issued_at = EXCLUDED.issued_at, expires_at = EXCLUDED.expires_at,"
            " updated_at = EXCLUDED.updated_at",
            self.app_key,
            self._sealer.seal(token.access_token, token.refresh_token),
            int(token.issued_at),
            int(token.expires_at),
            int(self._clock()),
        )


class _Exclusive:
    """Read and replace the row inside :meth:`PgTokenStore.exclusive`."""

    def __init__(self, conn: asyncpg.Connection[Any], store: PgTokenStore) -> None:
        self._conn = conn
        self._store = store

    async def load(self) -> StoredToken | None:
        return await self._store._load(self._conn)

    async def save(self, token: TokenFields) -> None:
        await self._store._save(self._conn, token)
