"""Shared pieces of the filtered listings: a WHERE builder, keyset pages with bounded totals,
and a walk over every matching row (the CSV exports) through a server-side cursor.

A listing shows a table newest first, by ``(<time column> DESC, id DESC)``. Pages follow a
:class:`Cursor` (the sort key of the last row shown), so page 1,000 costs what page 1 costs;
``OFFSET`` stays for short jumps and is bounded by :data:`MAX_OFFSET`. The total is exact up to
:data:`COUNT_BOUND` matching rows; past that it is the planner's estimate and says so
(:class:`Total`), because counting a million rows exactly on every page is what made the
listing slow.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from db.types import Conn, Executor

COUNT_BOUND = 1_000  # totals up to this many rows are exact
MAX_OFFSET = 10_000  # deeper pages go by cursor
_BIGINT = 2**63


class Where:
    """AND-ed conditions with ``$n`` parameters (values never enter the SQL text)."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.args: list[object] = []

    def add(self, template: str, *values: object) -> None:
        """Add ``template``; ``{p}`` stands for the only value, ``{p0}``, ``{p1}``… for each."""
        names: dict[str, str] = {}
        for i, value in enumerate(values):
            self.args.append(value)
            names[f"p{i}"] = f"${len(self.args)}"
        if len(values) == 1:
            names["p"] = names["p0"]
        self.clauses.append(template.format(**names))

    def copy(self) -> Where:
        other = Where()
        other.clauses, other.args = list(self.clauses), list(self.args)
        return other

    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.clauses) if self.clauses else ""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the sort time and id of its last row. The next page starts after it.

    On the wire it is ``"<time>.<id>"``: a position, not a secret, and the same under any filter.
    """

    time: int
    id: int

    def encode(self) -> str:
        return f"{self.time}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor ``text`` encodes; ``ValueError`` when it is not one."""
        time, dot, id_ = text.partition(".")
        if not dot or not _is_int(time) or not id_.isascii() or not id_.isdigit():
            raise ValueError("not a listing cursor")
        cursor = cls(int(time), int(id_))
        if not (-_BIGINT <= cursor.time < _BIGINT and cursor.id < _BIGINT):
            raise ValueError("not a listing cursor")
        return cursor


def _is_int(text: str) -> bool:
    digits = text.removeprefix("-")
    return digits.isascii() and digits.isdigit()


@dataclass(frozen=True)
class Total:
    """How many rows match: exact, or (past :data:`COUNT_BOUND`) an estimate.

    ``at_least`` is what was really counted: the exact value, or ``COUNT_BOUND + 1`` when more
    rows match; an estimate is never below it.
    """

    value: int
    exact: bool
    at_least: int

    @classmethod
    def exactly(cls, value: int) -> Total:
        return cls(value, True, value)


@dataclass(frozen=True)
class Listing:
    """A table listed newest first by ``(time_column DESC, id DESC)``."""

    table: str
    columns: str
    time_column: str

    @property
    def select(self) -> str:
        return f"SELECT {self.columns} FROM {self.table}"

    @property
    def order(self) -> str:
        return f" ORDER BY {self.time_column} DESC, id DESC"


@dataclass(frozen=True)
class KeptTotal:
    """An exact total the database keeps (a statement with ``{p0}``… for its values)."""

    sql: str
    args: tuple[object, ...] = ()


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: Total
    next_cursor: Cursor | None  # None: this is the last page


def check_paging(*, limit: int, max_limit: int, offset: int, after: Cursor | None) -> None:
    if not 0 < limit <= max_limit:
        raise ValueError(f"limit must be 1..{max_limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"offset must be 0..{MAX_OFFSET}")
    if after is not None and offset:
        raise ValueError("offset and cursor exclude each other")


_TOTAL = "listing_total__"


async def fetch_page(
    db: Executor,
    listing: Listing,
    where: Where,
    *,
    limit: int,
    offset: int = 0,
    after: Cursor | None = None,
    kept_total: KeptTotal | None = None,
    count_bound: int = COUNT_BOUND,
) -> Page:
    """One page under ``where``, after ``after`` (or from ``offset``), and the filter's total:
    ``kept_total`` when the database keeps an exact one, else counted up to ``count_bound``.

    Page and total come from one statement: a round trip to the database costs more than
    either (measured: a page served in about a millisecond of the daemon's CPU)."""
    page_where = where.copy()
    if after is not None:
        page_where.add(f"({listing.time_column}, id) < ({{p0}}, {{p1}})", after.time, after.id)
    args = [*page_where.args, offset, limit + 1]  # one more tells whether a next page exists
    page = (
        f"{listing.select}{page_where.sql()}{listing.order}"
        f" OFFSET ${len(args) - 1} LIMIT ${len(args)}"
    )
    if kept_total is not None:
        names = {f"p{i}": f"${len(args) + 1 + i}" for i in range(len(kept_total.args))}
        total_sql = kept_total.sql.format(**names)
        args += kept_total.args
    else:
        args.append(count_bound + 1)
        total_sql = f"SELECT count(*) FROM ({_matching(listing, where)} LIMIT ${len(args)}) AS b"
    statement = (
        f"SELECT ({total_sql}) AS {_TOTAL}, page.* FROM (SELECT) AS one"
        f" LEFT JOIN LATERAL ({page}) AS page ON true"
        f" ORDER BY page.{listing.time_column} DESC, page.id DESC"
    )
    async with reading(db) as conn:
        records = await conn.fetch(statement, *args)
        counted = int(records[0][_TOTAL])
        if kept_total is not None or counted <= count_bound:
            total = Total.exactly(counted)
        else:
            total = await _estimate(conn, listing, where, counted)
    rows = [_row(r) for r in records if r["id"] is not None]
    shown = rows[:limit]
    last = shown[-1] if len(rows) > limit else None
    next_cursor = Cursor(last[listing.time_column], last["id"]) if last else None
    return Page(shown, total, next_cursor)


def _matching(listing: Listing, where: Where) -> str:
    return f"SELECT 1 FROM {listing.table}{where.sql()}"


def _row(record: asyncpg.Record) -> dict[str, Any]:
    row = dict(record)
    del row[_TOTAL]
    return row


async def _estimate(conn: Conn, listing: Listing, where: Where, counted: int) -> Total:
    """More than the bound match: the planner's estimate, never below what was counted."""
    text = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {_matching(listing, where)}", *where.args)
    estimate = int(json.loads(text)[0]["Plan"]["Plan Rows"])
    return Total(max(estimate, counted), False, counted)


@contextlib.asynccontextmanager
async def reading(db: Executor) -> AsyncIterator[Conn]:
    """A connection that plans every statement for its actual values.

    The listings' statements repeat with other values (one filter matches 50 rows, the next
    500,000); a plan cached for "any value" would read the whole table for the rare one. From
    the pool: a session setting, which the pool resets when the connection goes back. On a
    given connection: only for a read-only transaction (or savepoint) around the block.
    """
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            await conn.execute("SET plan_cache_mode = force_custom_plan")
            yield conn
    else:
        async with _custom_plans(db):
            yield db


@contextlib.asynccontextmanager
async def _custom_plans(conn: Conn) -> AsyncIterator[None]:
    async with conn.transaction(readonly=True):
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


async def walk(
    conn: Conn, listing: Listing, where: Where, *, prefetch: int
) -> AsyncGenerator[asyncpg.Record, None]:
    """Every matching row through a server-side cursor in a read-only transaction.

    Close the generator (``contextlib.aclosing``) when stopping early so the transaction ends.
    """
    async with _custom_plans(conn):
        async for record in conn.cursor(
            f"{listing.select}{where.sql()}{listing.order}", *where.args, prefetch=prefetch
        ):
            yield record
