"""Layers import only downwards: sdk and db nothing of ours, jobs only sdk/db."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = {"daemon", "sdk", "jobs", "db"}
ALLOWED = {"sdk": {"sdk"}, "db": {"db"}, "jobs": {"jobs", "sdk", "db"}, "daemon": OURS}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


def violations(root: Path) -> list[str]:
    bad = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((root / layer).rglob("*.py")):
            for target in sorted(_imports(path) - allowed):
                bad.append(f"{path.relative_to(root)} imports {target}")
    return bad


def test_layers_import_only_downwards() -> None:
    assert violations(REPO) == []


@pytest.mark.parametrize(
    ("layer", "line"),
    [
        ("sdk", "from jobs.runner import Runner"),
        ("db", "import daemon.app"),
        ("jobs", "from daemon.settings import Settings"),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path: Path, layer: str, line: str) -> None:
    for name in OURS:
        (tmp_path / name).mkdir()
    (tmp_path / layer / "bad.py").write_text(line + "\n")
    assert violations(tmp_path) == [f"{layer}/bad.py imports {line.split()[1].split('.')[0]}"]


def test_nothing_below_daemon_reads_the_environment() -> None:
    offenders = []
    for layer in ("sdk", "db", "jobs"):
        for path in sorted((REPO / layer).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "os.environ" in text or "os.getenv" in text:
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
