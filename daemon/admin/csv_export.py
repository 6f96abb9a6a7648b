"""Streaming CSV answers with a copy in the export directory.

Rows arrive from an async iterator (a server-side cursor) and leave in chunks, so an export of
any size needs one chunk of memory. Text cells that a spreadsheet would run as a formula
(starting with ``= + - @``, tab or CR) get a leading ``'``; integers are written as numbers
(a number cannot carry a formula). The copy is written to ``<name>.part`` and renamed into
place only when the whole export went out, so the export directory never holds a torn file.
The body starts with a UTF-8 BOM so that spreadsheet programs read non-ASCII text correctly.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import IO

from aiohttp import web
from loguru import logger

from daemon.admin.auth import StreamAborted

CHUNK_ROWS = 500
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | None
Row = Sequence[Cell]


def neutralise(value: Cell) -> Cell:
    """A cell safe to open in a spreadsheet (CSV injection)."""
    if value is None or isinstance(value, int):
        return value
    return "'" + value if value.startswith(_FORMULA_START) else value


def encode_rows(rows: Iterable[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


class FileCopy:
    """``directory/name``, written through ``.name.part`` and renamed at :meth:`commit`.

    Opening, closing and renaming are quick metadata calls made inline; writes and the fsync
    run in a thread. :meth:`abandon` (idempotent, synchronous) is safe in a ``finally`` even
    when the task is being cancelled: it closes the file and removes an uncommitted part.
    """

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / name
        self._part = directory / f".{name}.part"
        self._file: IO[bytes] | None = None
        self.committed = False

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._part.open("wb")

    async def write(self, data: bytes) -> None:
        assert self._file is not None
        await asyncio.to_thread(self._file.write, data)

    async def commit(self) -> None:
        assert self._file is not None
        await asyncio.to_thread(self._sync, self._file)
        self._file.close()
        self._file = None
        os.replace(self._part, self.path)
        self.committed = True

    @staticmethod
    def _sync(file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())

    def abandon(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if not self.committed:
            self._part.unlink(missing_ok=True)


async def stream_csv(
    request: web.Request,
    *,
    filename: str,
    header: Row,
    rows: AsyncIterator[Row],
    copy_dir: Path,
) -> web.StreamResponse:
    """Send ``header`` + ``rows`` as a CSV download and keep a copy in ``copy_dir``.

    The first row is fetched before the headers go out, so a query that fails outright is
    still an ordinary JSON error instead of a 200 whose body stops short.
    """
    first = await anext(rows, None)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        }
    )
    copy = FileCopy(copy_dir, filename)
    copy.open()
    try:
        await response.prepare(request)
        count = await _pump(response, copy, header, first, rows)
        await copy.commit()
        await response.write_eof()
    except Exception as exc:
        if not response.prepared:
            raise
        logger.opt(exception=exc).error("csv export {} aborted mid-stream", filename)
        raise StreamAborted(filename) from exc
    finally:
        copy.abandon()
    logger.info("csv export {} written: {} rows", filename, count)
    return response


async def _pump(
    response: web.StreamResponse,
    copy: FileCopy,
    header: Row,
    first_row: Row | None,
    rows: AsyncIterator[Row],
) -> int:
    if first_row is None:
        await _emit(response, copy, [header], [])
        return 0
    count = 1
    chunk: list[Row] = [first_row]
    first = True
    async for row in rows:
        chunk.append(row)
        count += 1
        if len(chunk) >= CHUNK_ROWS:
            await _emit(response, copy, _prefix(first, header), chunk)
            first, chunk = False, []
    await _emit(response, copy, _prefix(first, header), chunk)
    return count


def _prefix(first: bool, header: Row) -> list[Row]:
    return [header] if first else []


async def _emit(
    response: web.StreamResponse, copy: FileCopy, head: list[Row], chunk: list[Row]
) -> None:
    data = encode_rows([*head, *chunk])
    if head:
        data = BOM.encode("utf-8") + data
    if data:
        await response.write(data)
        await copy.write(data)
