"""daemon.logging: one loguru setup, stdlib routed in, journald/text/json layouts."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from daemon.logging import InterceptHandler, configure_logging, resolve_format
from tests.unit.daemon.systemd_fakes import FakeJournal, fake_journal

ROUTED = ("aiohttp", "asyncpg", "sdk", "db", "jobs")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.level, list(root.handlers), {n: logging.getLogger(n).level for n in ROUTED}
    yield
    logger.remove()
    logger.add(sys.stderr)
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def journal() -> Iterator[FakeJournal]:
    with fake_journal() as fake:
        yield fake


def _line() -> int:
    """The line number of the caller's next line."""
    return sys._getframe(1).f_lineno + 1


# --- journald ----------------------------------------------------------------------------------


def test_journald_entry_carries_bound_fields_and_code_location(journal: FakeJournal) -> None:
    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    line = _line()
    logger.bind(job="ship_to_dsco", run_id=42, po_number="PO-1", trigger="cron").info("shipped")

    fields = journal.fields()
    assert fields["MESSAGE"] == b"shipped"
    assert fields["PRIORITY"] == b"6"
    assert fields["SYSLOG_IDENTIFIER"] == b"dsco-lingxing"
    assert fields["JOB"] == b"ship_to_dsco"
    assert fields["RUN_ID"] == b"42"
    assert fields["PO_NUMBER"] == b"PO-1"
    assert fields["TRIGGER"] == b"cron"
    assert fields["CODE_FILE"].decode() == __file__
    assert fields["CODE_LINE"] == str(line).encode()
    assert fields["CODE_FUNC"] == b"test_journald_entry_carries_bound_fields_and_code_location"


@pytest.mark.parametrize(
    ("level", "priority"),
    [
        ("TRACE", b"7"),
        ("DEBUG", b"7"),
        ("INFO", b"6"),
        ("SUCCESS", b"5"),
        ("WARNING", b"4"),
        ("ERROR", b"3"),
        ("CRITICAL", b"2"),
    ],
)
def test_journald_priority_follows_level(journal: FakeJournal, level: str, priority: bytes) -> None:
    configure_logging(level="TRACE", fmt="journald", journal_socket=journal.path)
    logger.log(level, "x")
    assert journal.fields()["PRIORITY"] == priority


def test_other_extras_are_upper_cased_and_never_replace_our_fields(journal: FakeJournal) -> None:
    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    extras = {"endpoint": "/order/page", "_hidden": 1, "message": "mine", "http-status": 200}
    logger.bind(**extras).info("call")

    fields = journal.fields()
    assert fields["ENDPOINT"] == b"/order/page"
    assert fields["EXTRA_HIDDEN"] == b"1"
    assert fields["HTTP_STATUS"] == b"200"
    assert fields["MESSAGE"] == b"call"
    assert fields["EXTRA_MESSAGE"] == b"mine"


def test_multi_line_message_and_traceback_use_the_binary_form(journal: FakeJournal) -> None:
    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    try:
        raise RuntimeError("vendor down")
    except RuntimeError:
        logger.exception("push failed\nsecond line")

    entry = journal.receive()
    message = entry.fields["MESSAGE"].decode()
    assert entry.data.startswith(b"MESSAGE\n" + len(message.encode()).to_bytes(8, "little"))
    # A line break inside the message is escaped (it cannot forge a line); the traceback's stay.
    assert message.startswith("push failed\\nsecond line\nTraceback (most recent call last):")
    assert message.endswith("RuntimeError: vendor down")
    assert entry.fields["PRIORITY"] == b"3"


def test_unreachable_journal_falls_back_to_text_lines(tmp_path: Path) -> None:
    out = io.StringIO()
    configure_logging(
        level="INFO", fmt="journald", stream=out, journal_socket=str(tmp_path / "missing")
    )
    logger.bind(job="pull").info("one")
    logger.info("two")

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("journald unreachable (")
    assert lines[1].endswith(" - one | job=pull")
    assert lines[2].endswith(" - two")
    assert len(lines) == 3


# --- stdlib routing ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["aiohttp.client", "asyncpg.pool", "sdk.lingxing", "db.embedded"])
def test_stdlib_loggers_reach_the_sink_with_caller_location(
    journal: FakeJournal, name: str
) -> None:
    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    line = _line()
    logging.getLogger(name).warning("retrying %s", "order/page", extra={"po_number": "PO-7"})

    fields = journal.fields()
    assert fields["MESSAGE"] == b"retrying order/page"
    assert fields["PRIORITY"] == b"4"
    assert fields["LOGGER"] == name.encode()
    assert fields["PO_NUMBER"] == b"PO-7"
    assert fields["CODE_FILE"].decode() == __file__
    assert fields["CODE_LINE"] == str(line).encode()
    assert fields["CODE_FUNC"] == b"test_stdlib_loggers_reach_the_sink_with_caller_location"


def test_stdlib_records_below_the_level_are_dropped(journal: FakeJournal) -> None:
    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    logging.getLogger("asyncpg").debug("noise")
    logger.debug("noise")
    logging.getLogger("sdk.dsco").info("kept")
    assert journal.fields()["MESSAGE"] == b"kept"
    assert journal.pending() == 0


def test_stdlib_exception_keeps_its_traceback() -> None:
    out = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=out)
    try:
        raise ValueError("bad page")
    except ValueError:
        logging.getLogger("sdk.dsco").exception("page failed")
    doc = json.loads(out.getvalue())
    assert doc["message"] == "page failed"
    assert doc["exception"].rstrip().endswith("ValueError: bad page")


def test_configuring_twice_replaces_the_previous_setup(journal: FakeJournal) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=first)
    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    configure_logging(level="WARNING", fmt="json", stream=second)
    logger.warning("loguru")
    logging.getLogger("aiohttp").warning("stdlib")
    logging.getLogger("aiohttp").info("below level")

    assert first.getvalue() == ""
    assert journal.pending() == 0
    assert [json.loads(x)["message"] for x in second.getvalue().splitlines()] == [
        "loguru",
        "stdlib",
    ]
    intercepts = [h for h in logging.getLogger().handlers if isinstance(h, InterceptHandler)]
    assert len(intercepts) == 1


def test_unknown_level_is_rejected_and_keeps_the_old_setup() -> None:
    out = io.StringIO()
    configure_logging(level="info", fmt="json", stream=out)
    with pytest.raises(ValueError, match="LOUD"):
        configure_logging(level="loud", fmt="json", stream=io.StringIO())
    logger.info("still here")
    assert json.loads(out.getvalue())["message"] == "still here"


# --- text and json -----------------------------------------------------------------------------


def test_text_lines_are_readable_and_plain_off_a_tty() -> None:
    out = io.StringIO()
    configure_logging(level="INFO", fmt="text", stream=out)
    logger.bind(job="sync_stock", note="two words").warning("skipped")

    (line,) = out.getvalue().splitlines()
    assert "\x1b[" not in line
    assert " | WARNING  | tests.unit.daemon.test_logging:test_text_lines" in line
    assert line.endswith(' - skipped | job=sync_stock note="two words"')


def test_text_lines_carry_the_utc_offset_and_mappings_as_pairs() -> None:
    out = io.StringIO()
    configure_logging(level="INFO", fmt="text", stream=out)
    logger.bind(job="ship_to_dsco", counters={"total": 3, "fail": 1}).info("finished")

    (line,) = out.getvalue().splitlines()
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d \| INFO", line)
    assert line.endswith(" | job=ship_to_dsco counters.total=3 counters.fail=1")


def test_job_level_lines_carry_no_empty_fields(journal: FakeJournal) -> None:
    out = io.StringIO()
    configure_logging(level="INFO", fmt="text", stream=out)
    logger.bind(job="pull_dsco_orders", run_id="r1", po_number="", trigger=None).info("started")
    assert out.getvalue().rstrip().endswith(" - started | job=pull_dsco_orders run_id=r1")

    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    logger.bind(job="pull_dsco_orders", po_number="").info("started")
    fields = journal.fields()
    assert "PO_NUMBER" not in fields
    assert fields["JOB"] == b"pull_dsco_orders"


HOSTILE = "PO\x1b[31m-1\x07\x00\x85\u202egnp.exe\nINFO forged"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_control_characters_from_vendor_data_are_escaped(fmt: str) -> None:
    out = io.StringIO()
    configure_logging(level="INFO", fmt=fmt, stream=out)  # type: ignore[arg-type]
    logger.bind(po_number=HOSTILE, detail=[HOSTILE]).warning("refused {}", HOSTILE)

    text = out.getvalue()
    assert len(text.splitlines()) == 1
    for raw in ("\x1b", "\x07", "\x00", "\x85", "\u202e"):
        assert raw not in text
    escaped = "PO\\x1b[31m-1\\x07\\x00\\x85\\u202egnp.exe\\nINFO forged"
    if fmt == "json":
        doc = json.loads(text)
        assert doc["message"] == "refused " + escaped
        assert doc["po_number"] == escaped
    else:
        assert "refused " + escaped in text


def test_journald_messages_are_escaped_too(journal: FakeJournal) -> None:
    configure_logging(level="INFO", fmt="journald", journal_socket=journal.path)
    logger.bind(po_number="A\x1bB").info("bell\x07")
    fields = journal.fields()
    assert fields["MESSAGE"] == b"bell\\x07"
    assert fields["PO_NUMBER"] == b"A\\x1bB"


def test_json_lines_carry_extras_as_keys() -> None:
    out = io.StringIO()
    configure_logging(level="DEBUG", fmt="json", stream=out)
    logger.bind(job="ack_to_dsco", po_number="PO-2", level="mine").debug("acked")
    try:
        raise KeyError("sku")
    except KeyError:
        logger.exception("failed")

    first, second = (json.loads(x) for x in out.getvalue().splitlines())
    assert first["message"] == "acked"
    assert first["level"] == "DEBUG"
    assert first["job"] == "ack_to_dsco"
    assert first["po_number"] == "PO-2"
    assert first["extra_level"] == "mine"
    assert first["time"].endswith("+00:00")
    assert first["function"] == "test_json_lines_carry_extras_as_keys"
    assert "exception" not in first
    assert second["level"] == "ERROR"
    assert second["exception"].rstrip().endswith("KeyError: 'sku'")


# --- auto --------------------------------------------------------------------------------------


def test_auto_is_json_when_not_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    out = io.StringIO()
    configure_logging(level="INFO", fmt="auto", stream=out)
    logger.info("hi")
    assert json.loads(out.getvalue())["message"] == "hi"


def test_auto_is_coloured_text_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as tty:
        assert resolve_format("auto", tty) == "text"
        configure_logging(level="INFO", fmt="auto", stream=tty)
        logger.info("hello tty")
        logger.remove()
        output = os.read(leader, 4096).decode()
    os.close(leader)
    assert "\x1b[" in output
    assert "hello tty" in output


def test_auto_is_journald_when_stderr_is_the_journal_stream(
    monkeypatch: pytest.MonkeyPatch, journal: FakeJournal, tmp_path: Path
) -> None:
    with (tmp_path / "stderr").open("w") as stream:
        stat = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino}")
        configure_logging(level="INFO", fmt="auto", stream=stream, journal_socket=journal.path)
        logger.bind(po_number="PO-9").info("via journal")
        logger.remove()
    assert journal.fields()["PO_NUMBER"] == b"PO-9"
    assert (tmp_path / "stderr").read_text() == ""


def test_auto_ignores_a_journal_stream_that_is_not_ours(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A child that inherited JOURNAL_STREAM but writes elsewhere must not use journald.
    with (tmp_path / "stderr").open("w") as stream:
        stat = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino + 1}")
        assert resolve_format("auto", stream) == "json"
        monkeypatch.setenv("JOURNAL_STREAM", "garbage")
        assert resolve_format("auto", stream) == "json"
    assert resolve_format("text", io.StringIO()) == "text"


# --- secrets -----------------------------------------------------------------------------------


def test_secret_named_extras_are_masked_not_dropped() -> None:
    out = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=out)
    logger.bind(
        token="t0k", app_secret="s3c", access_token="a1", password="pw", mapping_key="WH-UPS"
    ).info("x")
    doc = json.loads(out.getvalue())
    assert {
        k: doc[k] for k in ("token", "app_secret", "access_token", "password")
    } == dict.fromkeys(("token", "app_secret", "access_token", "password"), "***")
    assert doc["mapping_key"] == "WH-UPS"


def test_tracebacks_do_not_show_local_variables() -> None:
    out = io.StringIO()
    configure_logging(level="INFO", fmt="text", stream=out)

    def call_vendor(app_secret: str) -> None:
        raise PermissionError("rejected")

    secret = "".join(["hunter", "2"])  # never spelled out on a line a traceback quotes
    try:
        call_vendor(secret)
    except PermissionError:
        logger.exception("vendor call failed")
    assert "PermissionError: rejected" in out.getvalue()
    assert "hunter2" not in out.getvalue()
