"""Dashboard and job runs through the real runner (docs/design.md, "The runner")."""

from __future__ import annotations

import asyncio

from tests.integration.admin.conftest import Admin

PIPELINE = [
    "pull_dsco_orders",
    "push_to_lingxing",
    "ack_to_dsco",
    "ship_to_dsco",
    "invoice_to_dsco",
    "sync_stock",
]


async def test_run_one_returns_the_run_result(admin: Admin) -> None:
    body = await admin.ok(await admin.post("/admin/api/jobs/run_one", {"job": "cleanup_exports"}))
    assert body["job"] == "cleanup_exports"
    assert body["status"] == "ok"
    assert body["trigger"] == "manual"
    assert {"run_id", "started_at", "duration_ms", "counters"} <= set(body)
    assert admin.vendors.runner.last_results["cleanup_exports"].run_id == body["run_id"]


async def test_unknown_job_is_404_and_missing_job_400(admin: Admin) -> None:
    resp = await admin.post("/admin/api/jobs/run_one", {"job": "make_coffee"})
    assert resp.status == 404
    resp = await admin.post("/admin/api/jobs/run_one", {})
    assert resp.status == 400
    assert (await resp.json())["error"]["field"] == "job"
    resp = await admin.post("/admin/api/jobs/run", {"jobs": ["cleanup_exports", "nope"]})
    assert resp.status == 404
    assert admin.vendors.runner.last_results == {}  # nothing ran


async def test_second_concurrent_run_is_409(admin: Admin) -> None:
    admin.vendors.dsco.generate_orders(count=2)
    admin.vendors.dsco.set_latency(1.0)  # every DSCO call takes a second: the pull is slow
    first = asyncio.create_task(admin.post("/admin/api/jobs/run_one", {"job": "pull_dsco_orders"}))
    for _ in range(200):
        dash = await admin.ok(await admin.get("/admin/api/dashboard"))
        line = next(j for j in dash["jobs"] if j["job"] == "pull_dsco_orders")
        if line["running"]:
            break
        await asyncio.sleep(0.05)
    assert line["running"]
    assert line["run_id"]
    second = await admin.post("/admin/api/jobs/run_one", {"job": "pull_dsco_orders"})
    assert second.status == 409
    error = (await second.json())["error"]
    assert error["code"] == "already_running"
    assert error["result"]["status"] == "already_running"
    body = await admin.ok(await first)
    assert body["status"] == "ok"
    assert body["run_id"] == line["run_id"]


async def test_run_jobs_in_the_given_order_or_the_pipeline(admin: Admin) -> None:
    body = await admin.ok(
        await admin.post("/admin/api/jobs/run", {"jobs": ["cleanup_exports", "pull_dsco_orders"]})
    )
    assert [r["job"] for r in body["results"]] == ["cleanup_exports", "pull_dsco_orders"]
    body = await admin.ok(await admin.post("/admin/api/jobs/run", {"jobs": []}))
    assert [r["job"] for r in body["results"]] == PIPELINE
    assert all(r["status"] in ("ok", "failed") for r in body["results"])


async def test_dashboard_shows_config_counts_and_last_runs(admin: Admin) -> None:
    admin.vendors.dsco.generate_orders(count=3)
    await admin.ok(await admin.post("/admin/api/jobs/run_one", {"job": "pull_dsco_orders"}))
    dash = await admin.ok(await admin.get("/admin/api/dashboard"))
    assert dash["config"]["version"] == admin.vendors.config.snapshot.version
    assert dash["orders"] == {"1": 3, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0}
    assert dash["orders_total"] == 3
    jobs = {j["job"]: j for j in dash["jobs"]}
    assert jobs["pull_dsco_orders"]["last_result"]["counters"]["total"] == 3
    assert jobs["push_to_lingxing"]["last_result"] is None
    assert not any(j["running"] for j in jobs.values())
    assert jobs["cleanup_exports"]["enable"] is True


async def test_dashboard_shows_stuck_since_and_the_last_success_after_a_failure(
    admin: Admin,
) -> None:
    admin.vendors.dsco.generate_orders(count=2)
    first = await admin.ok(await admin.post("/admin/api/jobs/run_one", {"job": "pull_dsco_orders"}))
    assert first["status"] == "ok"
    admin.vendors.dsco.add_fault(path="/order/page", kind="status", status=400, count=None)
    failed = await admin.ok(
        await admin.post("/admin/api/jobs/run_one", {"job": "pull_dsco_orders"})
    )
    assert failed["status"] == "failed"
    dash = await admin.ok(await admin.get("/admin/api/dashboard"))
    line = next(j for j in dash["jobs"] if j["job"] == "pull_dsco_orders")
    assert line["last_result"]["run_id"] == failed["run_id"]
    assert line["last_success"]["run_id"] == first["run_id"]
    pulled = next(s for s in dash["statuses"] if s["status"] == 1)
    assert pulled["count"] == 2
    assert pulled["oldest_since"] is not None
    assert 0 <= pulled["oldest_age_seconds"] <= dash["now"] - pulled["oldest_since"] + 1
    done = next(s for s in dash["statuses"] if s["status"] == 5)
    assert (done["count"], done["oldest_since"], done["oldest_age_seconds"]) == (0, None, None)
