"""Embedded PostgreSQL for a first run, the demo and the tests (D1).

When ``db.dsn`` is empty the daemon starts a private PostgreSQL server (from the ``pgserver``
wheel, so nothing has to be installed and no root is needed) with its data under the state
directory, and stops it when the last process using it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

_log = logging.getLogger("db.embedded")
# pgserver narrates every command it runs at INFO; only its warnings matter to an operator.
logging.getLogger("pgserver").setLevel(logging.WARNING)


def _start(pgdata: Path) -> Any:
    # Imported lazily: production deployments with a real DSN never load it. pgserver warns
    # at import when XDG_RUNTIME_DIR is unset (as under systemd); its fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

    pgdata.mkdir(parents=True, exist_ok=True)
    return get_server(pgdata, cleanup_mode="stop")


@contextlib.asynccontextmanager
async def embedded_postgres(pgdata: Path) -> AsyncIterator[str]:
    """Start (or join) the embedded server under ``pgdata``; yield its DSN; stop on exit."""
    server = await asyncio.to_thread(_start, pgdata)
    _log.info("embedded PostgreSQL ready under %s", pgdata)
    try:
        yield str(server.get_uri())
    finally:
        await asyncio.to_thread(server.cleanup)
