"""The live runtime config: load (or create) it, save through validation, notice others' saves.

A save validates first, then stores (bumping ``version``), then swaps the in-memory snapshot and
tells subscribers (the scheduler) — so nothing invalid is ever stored or activated. Other
processes poll ``version``, which also catches two saves within the same second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from db import runtime_config as queries
from jobs.runtime_config import Capabilities, ConfigSchema, RuntimeConfig, config_to_json

# Loading what is already stored must not fail because a credential was removed from env.yaml
# since: the affected jobs fail their runs with a clear error instead.
_ALL = Capabilities.everything()


class VersionConflictError(Exception):
    """The config was saved by someone else since the version the caller read."""


@dataclass(frozen=True)
class ConfigSnapshot:
    config: RuntimeConfig
    version: int
    updated_at: int


Listener = Callable[[ConfigSnapshot], None]


class RuntimeConfigStore:
    def __init__(
        self,
        pool: asyncpg.Pool[asyncpg.Record],
        *,
        schema: ConfigSchema,
        capabilities: Capabilities,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._pool = pool
        self.schema = schema
        self.domain = schema.domain
        self._capabilities = capabilities
        self._clock = clock
        self._snapshot: ConfigSnapshot | None = None
        self._listeners: list[Listener] = []

    @property
    def snapshot(self) -> ConfigSnapshot:
        if self._snapshot is None:
            raise RuntimeError("runtime config not loaded yet")
        return self._snapshot

    @property
    def loaded(self) -> bool:
        return self._snapshot is not None

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def load(self) -> ConfigSnapshot:
        """Read the stored config, inserting the default row on first start."""
        default = config_to_json(self.schema.default())
        stored = await queries.insert_if_absent(self._pool, self.domain, default, self._now())
        return self._activate(stored)

    async def save(
        self, raw: Any, *, domain: str, expected_version: int | None = None
    ) -> ConfigSnapshot:
        """Validate ``raw`` for ``domain``, store it, activate it. Raises RuntimeConfigError."""
        config = self.schema.validate(raw, domain=domain, capabilities=self._capabilities)
        stored = await queries.save(
            self._pool,
            self.domain,
            config_to_json(config),
            self._now(),
            expected_version=expected_version,
        )
        if stored is None:
            raise VersionConflictError(
                f"runtime config changed since version {expected_version}; reload and retry"
            )
        return self._activate(stored)

    async def poll(self) -> bool:
        """Reload when another process saved; return whether the snapshot changed."""
        current = await queries.version(self._pool, self.domain)
        if current is None or (self._snapshot and current == self._snapshot.version):
            return False
        stored = await queries.load(self._pool, self.domain)
        if stored is None:
            return False
        self._activate(stored)
        return True

    def _activate(self, stored: queries.StoredConfig) -> ConfigSnapshot:
        current = self._snapshot
        if current is not None and stored.version < current.version:
            # A slow poll's read can land after a newer save was activated: never go back.
            return current
        config = self.schema.validate(stored.config, domain=self.domain, capabilities=_ALL)
        self._snapshot = ConfigSnapshot(config, stored.version, stored.updated_at)
        for listener in self._listeners:
            listener(self._snapshot)
        return self._snapshot

    def _now(self) -> int:
        return int(self._clock())
