"""Every metric the alert rules and the dashboard refer to is one ``/metrics`` exports, and the
dashboard shows every family of ours — so a renamed metric cannot silently blind an alert. The
exposition also passes ``promtool check metrics`` (Prometheus' own naming lint)."""

from __future__ import annotations

import subprocess
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from daemon.core import Core
from daemon.settings import Settings
from daemon.web import create_web_app
from tests.deploy_files import PROMTOOL, SCRAPE_SERIES, needs_promtool, referenced_metrics
from tests.integration.vendors import Vendors

# The series names each family type puts on the wire (text format 0.0.4).
_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
    "info": ("_info",),
    "unknown": ("",),
}


async def exported_text(vendors: Vendors, aiohttp_client: Any) -> str:
    stats = vendors.clients.require_dsco().transport.stats
    core = Core(
        Settings(),
        vendors.dsn,
        vendors.pool,
        vendors.config,
        vendors.clients,
        vendors.runner,
        stats,
    )
    client = await aiohttp_client(create_web_app(core=core, scheduler=None, settings=Settings()))
    resp = await client.get("/metrics")
    assert resp.status == 200
    return await resp.text()


async def test_alerts_and_dashboard_refer_only_to_exported_metrics(
    vendors: Vendors, aiohttp_client: Any
) -> None:
    families = list(text_string_to_metric_families(await exported_text(vendors, aiohttp_client)))
    series = {f.name + suffix for f in families for suffix in _SUFFIXES[f.type]}

    referenced = referenced_metrics()
    unknown = {name: sorted(where) for name, where in referenced.items() if name not in series}
    assert unknown.keys() <= SCRAPE_SERIES, f"not exported by /metrics: {unknown}"
    assert "dsco_lingxing_orders_oldest_age_seconds" in referenced  # the reader really reads

    ours = {f.name for f in families if f.name.startswith("dsco_lingxing_")}
    shown = {f.name for f in families for s in _SUFFIXES[f.type] if f.name + s in referenced}
    assert ours - shown == set(), "families the dashboard does not show"


@needs_promtool
async def test_the_exposition_passes_promtools_lint(vendors: Vendors, aiohttp_client: Any) -> None:
    [po] = vendors.dsco.generate_orders(count=1)
    await vendors.clients.require_dsco().get_order(po)  # some vendor samples, not only headers
    text = await exported_text(vendors, aiohttp_client)
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
