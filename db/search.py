"""Shared pieces of the filtered listings: a WHERE builder, a counted page, a cursor walk."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import asyncpg

from db.types import Conn, Executor


class Where:
    """AND-ed conditions with ``$n`` parameters (values never enter the SQL text)."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.args: list[object] = []

    def add(self, template: str, value: object) -> None:
        """Add ``template`` with ``{p}`` standing for the next parameter."""
        self.args.append(value)
        self.clauses.append(template.format(p=f"${len(self.args)}"))

    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.clauses) if self.clauses else ""


async def fetch_page(
    db: Executor, select: str, where: Where, order: str, *, offset: int, limit: int
) -> tuple[int, list[asyncpg.Record]]:
    """``(total, rows)`` of ``select`` (``SELECT … FROM t``) under ``where``, one page."""
    total: int = await db.fetchval(
        f"SELECT count(*) FROM ({select}{where.sql()}) AS matching", *where.args
    )
    n = len(where.args)
    records = await db.fetch(
        f"{select}{where.sql()}{order} OFFSET ${n + 1} LIMIT ${n + 2}", *where.args, offset, limit
    )
    return total, list(records)


async def walk(
    conn: Conn, select: str, where: Where, order: str, *, prefetch: int
) -> AsyncGenerator[asyncpg.Record, None]:
    """Every matching row through a server-side cursor in a read-only transaction.

    Close the generator (``contextlib.aclosing``) when stopping early so the transaction ends.
    """
    async with conn.transaction(readonly=True):
        async for record in conn.cursor(
            f"{select}{where.sql()}{order}", *where.args, prefetch=prefetch
        ):
            yield record
