"""``cleanup_exports``: keep the export directory under its size threshold and prune old
inventory-sync rows (docs/design.md, "Every job").

When the files under ``ctx.env.export_dir`` (all sub-directories included) take more than
``ctx.env.cleanup_threshold_bytes``, the oldest files (by modification time) are deleted first
until the total is at or below the threshold. A file that may still be being written is never
deleted: by convention writers use a temporary name (``*.tmp`` or ``.*.part``) and rename when
done, and as a second guard any file modified in the last ``IN_PROGRESS_SECONDS`` is kept too.
Directories are left in place (a writer may be about to put a file in one).

Then ``dsco_warehouse_sync`` rows older than ``ctx.env.warehouse_sync_retention_days`` go.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from db import warehouse_sync
from jobs.context import JobContext
from jobs.registry import JobSpec
from jobs.runtime_config import JobConfig

IN_PROGRESS_SECONDS = 60
DAY = 86400


@dataclass(frozen=True)
class ExportFile:
    path: Path
    size: int
    mtime: float


def is_in_progress(file: ExportFile, now: float) -> bool:
    """Whether ``file`` may still be being written (temporary name or recently modified)."""
    name = file.path.name
    if name.endswith(".tmp") or (name.startswith(".") and name.endswith(".part")):
        return True
    return now - file.mtime < IN_PROGRESS_SECONDS


def choose_deletions(files: Sequence[ExportFile], threshold: int, now: float) -> list[ExportFile]:
    """Oldest deletable files first, just enough to bring the total to ``threshold`` or below."""
    total = sum(f.size for f in files)
    chosen: list[ExportFile] = []
    for file in sorted(files, key=lambda f: (f.mtime, str(f.path))):
        if total <= threshold:
            break
        if is_in_progress(file, now):
            continue
        chosen.append(file)
        total -= file.size
    return chosen


def scan(root: Path) -> list[ExportFile]:
    """Every regular file under ``root`` (symlinks are not followed); empty when it is missing."""
    found: list[ExportFile] = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue  # removed while we looked
            if path.is_file() and not path.is_symlink():
                found.append(ExportFile(path, info.st_size, info.st_mtime))
    return found


def delete(files: Iterable[ExportFile]) -> list[ExportFile]:
    """Unlink ``files``; returns those actually removed (a vanished file is not an error)."""
    removed = []
    for file in files:
        try:
            file.path.unlink()
        except FileNotFoundError:
            continue
        removed.append(file)
    return removed


async def run(ctx: JobContext) -> None:
    """Entry point registered as ``cleanup_exports``."""
    root = ctx.env.export_dir
    threshold = ctx.env.cleanup_threshold_bytes
    files = await asyncio.to_thread(scan, root)
    before = sum(f.size for f in files)
    removed: list[ExportFile] = []
    if before > threshold:
        removed = await asyncio.to_thread(delete, choose_deletions(files, threshold, ctx.clock()))
    after = before - sum(f.size for f in removed)
    ctx.counters.total = len(files)
    ctx.counters.ok = len(removed)
    ctx.counters.skip = sum(1 for f in files if is_in_progress(f, ctx.clock()))
    if after > threshold:
        ctx.log.warning(
            "export dir still over threshold: {} > {} bytes (the rest is in progress)",
            after,
            threshold,
        )
    pruned = await _prune(ctx)
    ctx.log.info(
        "cleanup done files={} deleted={} bytes_before={} bytes_after={} pruned_rows={}",
        len(files),
        len(removed),
        before,
        after,
        pruned,
    )
    ctx.report = {
        "bytes_before": before,
        "bytes_after": after,
        "threshold_bytes": threshold,
        "deleted_files": len(removed),
        "pruned_rows": pruned,
    }


async def _prune(ctx: JobContext) -> int:
    cutoff = ctx.now() - ctx.env.warehouse_sync_retention_days * DAY
    return await warehouse_sync.prune_before(ctx.pool, cutoff)


JOB = JobSpec(
    "cleanup_exports", run, JobConfig, {"cron": "0 0 * * * *", "size": 1}, enabled_by_default=True
)
