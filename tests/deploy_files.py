"""The monitoring files under ``deploy/`` and the metric names their PromQL refers to."""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
ALERT_TESTS = REPO / "deploy" / "prometheus" / "alerts_test.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "dsco-lingxing.json"

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package 'prometheus'; .ci/run installs it as root)",
)

# Series Prometheus makes itself for every scrape target; /metrics cannot export them.
SCRAPE_SERIES = frozenset({"up"})

_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "inf", "nan", "by", "without", "on", "ignoring"}
    | {"group_left", "group_right"}
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.IGNORECASE
)
_IDENT = re.compile(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")
_LABEL_VALUES = re.compile(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)")


def metric_names(expr: str) -> set[str]:
    """The metric (series) names an expression selects: no functions, keywords or labels."""
    text = _STRING.sub("", expr)
    for pattern in (_MATCHERS, _RANGE, _GROUPING):
        text = pattern.sub(" ", text)
    return {
        name for name, call in _IDENT.findall(text) if not call and name.lower() not in _KEYWORDS
    }


def alert_exprs() -> dict[str, str]:
    """Alert (or recording rule) name → expression."""
    rules = yaml.safe_load(ALERTS.read_text())
    return {
        rule.get("alert") or rule["record"]: str(rule["expr"])
        for group in rules["groups"]
        for rule in group["rules"]
    }


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def dashboard_variable_metrics() -> set[str]:
    """Metrics the dashboard's variables query (``label_values(metric, label)``)."""
    queries = [v.get("definition", "") for v in dashboard()["templating"]["list"]]
    return {m for q in queries for m in _LABEL_VALUES.findall(q)}


def referenced_metrics() -> dict[str, set[str]]:
    """Metric name → where it is referenced (alert names, "dashboard")."""
    where: dict[str, set[str]] = {}
    for alert, expr in alert_exprs().items():
        for name in metric_names(expr):
            where.setdefault(name, set()).add(alert)
    for expr in dashboard_exprs():
        for name in metric_names(expr):
            where.setdefault(name, set()).add("dashboard")
    for name in dashboard_variable_metrics():
        where.setdefault(name, set()).add("dashboard variables")
    return where


__all__ = [
    "ALERTS",
    "ALERT_TESTS",
    "DASHBOARD",
    "PROMTOOL",
    "SCRAPE_SERIES",
    "alert_exprs",
    "dashboard",
    "dashboard_exprs",
    "metric_names",
    "needs_promtool",
    "referenced_metrics",
]
