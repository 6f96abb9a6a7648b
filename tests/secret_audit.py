"""A whole-suite audit: no token, sign or app secret in any log line or exception text.

Every loguru message and every stdlib log record emitted while the suite runs, and the text of
every failed test's exception, are scanned for the credentials the tests use, for any Lingxing
sign made with their app ids (a sign's last 20 Base64 characters depend only on the app id:
they encrypt the constant padding block) and for unredacted ``access_token=`` / ``bearer``
values. A leak fails the run, naming the secret kind and where it appeared.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from loguru import logger

from sdk.lingxing.signing import sign_canonical

# Credentials the suite's sandboxes, fakes and demo use (test-only values).
SECRETS = {
    "dsco token": [
        "test-dsco-token-0123456789",
        "demo-dsco-token",
        "sandbox-token-0001",
        "tok-9f8e7d6c5b4a",
    ],
    "lingxing app secret": [
        "c2VjcmV0LXNlY3JldA==",
        "ZGVtby1zZWNyZXQ=",
        "BYKn4e/XVg+shbQPVbMjiQ==",
    ],
    "lingxing access token": [
        "7f3c2b1a-9e8d-4c6b-a5f4-e3d2c1b0a987",
        "4dcaa78e-b52d-4325-bc35-571021bb0787",
    ],
}
APP_IDS = ["ak_test123456789", "ak_demo12345678x"]
PATTERNS = {
    "access token in a query": re.compile(r"access_token=(?![*<\[%{]|REDACTED)[0-9A-Za-z-]{8,}"),
    "bearer token": re.compile(r"(?i)authorization:\s*bearer\s+(?![*<\[]|REDACTED)\S{6,}"),
    "sign in a query": re.compile(r"[?&]sign=(?![*<\[%{]|REDACTED)[0-9A-Za-z%+/=]{20,}"),
}


def sign_suffixes(app_id: str) -> list[str]:
    tail = sign_canonical("any", app_id)[-20:]
    return [tail, quote(tail, safe="")]


@dataclass
class Audit:
    needles: dict[str, list[str]] = field(default_factory=dict)
    leaks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.needles = {
            kind: [*values, *(quote(v, safe="") for v in values)]
            for kind, values in SECRETS.items()
        }
        self.needles["lingxing sign"] = [s for a in APP_IDS for s in sign_suffixes(a)]

    def scan(self, text: str, where: str) -> None:
        for kind, values in self.needles.items():
            if any(v in text for v in values):
                self.leaks.append(f"{kind} in {where}: {text[:160]!r}")
        for kind, pattern in PATTERNS.items():
            if pattern.search(text):
                self.leaks.append(f"{kind} in {where}: {text[:160]!r}")


class _StdlibTap(logging.Handler):
    def __init__(self, audit: Audit) -> None:
        super().__init__(level=logging.DEBUG)
        self.audit = audit

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "aiohttp.access":
            # The request lines of the vendor stand-ins' test servers: what DSCO and Lingxing
            # themselves receive (they must see the token and sign). The daemon's own listener
            # and the `sandbox`/`demo` commands run with access logging off.
            return
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is not this audit's business
            text = str(record.msg)
        self.audit.scan(text, f"log {record.name}")


AUDIT = Audit()


def pytest_sessionstart(session: pytest.Session) -> None:
    logger.add(lambda m: AUDIT.scan(str(m), "loguru"), level="TRACE", format="{message} {extra}")
    root = logging.getLogger()
    root.addHandler(_StdlibTap(AUDIT))
    root.setLevel(min(root.level or logging.WARNING, logging.DEBUG))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        AUDIT.scan(report.longreprtext, f"failure of {report.nodeid}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if AUDIT.leaks:
        unique = list(dict.fromkeys(AUDIT.leaks))
        print("\nSECRET AUDIT FAILED: secrets appeared in logs or exception texts:")
        for leak in unique[:50]:
            print("  " + leak)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
