"""An order's history: the in-memory ring (a loguru sink) and the journal reader."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from daemon.history import JournalReader, LogBuffer, OrderHistory


@pytest.fixture
def buffer() -> Iterator[LogBuffer]:
    ring = LogBuffer(capacity=50)
    sink = logger.add(ring.write, level="DEBUG")
    try:
        yield ring
    finally:
        logger.remove(sink)


def test_the_ring_keeps_only_records_that_name_an_order(buffer: LogBuffer) -> None:
    logger.bind(job="push_to_lingxing", run_id="r1").info("job started")
    log = logger.bind(job="push_to_lingxing", run_id="r1", trigger="scheduled", po_number="PO-1")
    log.bind(reason="missing_mapping_shop").warning("skip")
    logger.bind(po_number="PO-2").info("other order")
    (entry,) = buffer.for_order("PO-1", 10)
    assert (entry.level, entry.message, entry.job, entry.run_id) == (
        "WARNING",
        "skip",
        *("push_to_lingxing", "r1"),
    )
    assert entry.trigger == "scheduled"
    assert entry.fields == {"reason": "missing_mapping_shop"}
    assert len(buffer) == 2


def test_the_ring_is_bounded_and_answers_newest_last(buffer: LogBuffer) -> None:
    for i in range(120):
        logger.bind(po_number="PO-1").info("line {}", i)
    assert len(buffer) == 50
    entries = buffer.for_order("PO-1", 5)
    assert [e.message for e in entries] == [f"line {i}" for i in range(115, 120)]


def _fake_journalctl(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "journalctl"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp_path}/args\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


RECORD = {
    "__REALTIME_TIMESTAMP": "1767225600123456",
    "PRIORITY": "4",
    "MESSAGE": "skip reason=missing_mapping_shop",
    "PO_NUMBER": "PO 1; rm -rf /",
    "JOB": "push_to_lingxing",
    "RUN_ID": "r9",
    "TRIGGER": "scheduled",
    "REASON": "missing_mapping_shop",
    "SYSLOG_IDENTIFIER": "dsco-lingxing",
    "CODE_FILE": "x.py",
    "_PID": "7",
}


async def test_the_journal_is_asked_for_exactly_that_po(tmp_path: Path) -> None:
    line = json.dumps(RECORD)
    binary = json.dumps({**RECORD, "MESSAGE": list(b"caf\xc3\xa9")})
    script = _fake_journalctl(tmp_path, f"echo '{line}'\necho '{binary}'\necho 'cut-off {{'")
    reader = JournalReader(command=str(script))
    first, second = await reader.for_order("PO 1; rm -rf /", 20)
    args = (tmp_path / "args").read_text().splitlines()
    assert args == [
        "--output=json",
        "--no-pager",
        "--quiet",
        "--lines=20",
        "SYSLOG_IDENTIFIER=dsco-lingxing",
        "PO_NUMBER=PO 1; rm -rf /",
    ]
    assert first.time == pytest.approx(1_767_225_600.123456)
    assert (first.level, first.job, first.run_id, first.trigger) == (
        "WARNING",
        "push_to_lingxing",
        "r9",
        "scheduled",
    )
    assert first.fields == {"reason": "missing_mapping_shop"}
    assert second.message == "café"


async def test_an_unreadable_journal_falls_back_to_memory(tmp_path: Path) -> None:
    ring = LogBuffer()
    failing = _fake_journalctl(tmp_path, "echo 'No journal files were opened' >&2; exit 1")
    history = await OrderHistory(ring, JournalReader(command=str(failing))).for_order("PO-1")
    assert history.source == "memory"
    assert "No journal files were opened" in history.note
    missing = JournalReader(command=str(tmp_path / "nowhere"))
    history = await OrderHistory(ring, missing).for_order("PO-1")
    assert (history.source, history.entries) == ("memory", [])
    assert "cannot run" in history.note
    slow = JournalReader(command=str(_fake_journalctl(tmp_path, "sleep 30")), timeout=0.2)
    history = await OrderHistory(ring, slow).for_order("PO-1")
    assert "longer than 0.2 s" in history.note
