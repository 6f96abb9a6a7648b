"""The alert rules pass ``promtool check rules`` and their ``promtool test rules`` unit tests;
the dashboard is well-formed; the PromQL name reader the reference test relies on is right."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.deploy_files import (
    ALERT_TESTS,
    ALERTS,
    PROMTOOL,
    alert_exprs,
    dashboard,
    metric_names,
    needs_promtool,
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], capture_output=True, text=True, timeout=120, check=False
    )


@needs_promtool
def test_promtool_accepts_the_alert_rules() -> None:
    done = promtool("check", "rules", str(ALERTS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(alert_exprs())} rules found" in done.stdout


@needs_promtool
def test_the_alert_rules_pass_their_promtool_unit_tests() -> None:
    done = promtool("test", "rules", str(ALERT_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_alert_has_a_unit_test_in_which_it_fires() -> None:
    tests = yaml.safe_load(ALERT_TESTS.read_text())["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert fired == set(alert_exprs())


def test_dashboard_panels_have_unique_ids_and_use_the_datasource_variable() -> None:
    panels = dashboard()["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    targets = [t for p in panels for t in p.get("targets", [])]
    assert targets
    assert {t["datasource"]["uid"] for t in targets} == {"${datasource}"}


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up == 0", {"up"}),
        ('dsco_lingxing_orders{status="2", job=~"$job"} > 86400', {"dsco_lingxing_orders"}),
        (
            "histogram_quantile(0.95, sum by (le, job_name) (rate(a_bucket{x='y'}[5m])))",
            {"a_bucket"},
        ),
        (
            "(x == 1) unless on (job, instance) (time() - y < 3600) and on (job) z offset 5m",
            {"x", "y", "z"},
        ),
        ("sum without (instance) (increase(c_total[$__rate_interval])) > 3", {"c_total"}),
    ],
)
def test_metric_names_reads_series_names_only(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names
