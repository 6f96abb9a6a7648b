"""Bad input is a 4xx naming the field, never a 500 — and the cases found by hand that were."""

from __future__ import annotations

import asyncio
import copy
import itertools
from typing import Any

import pytest
from aiohttp import ClientResponse
from loguru import logger

from daemon.logging import HISTORY
from db import runtime_config as runtime_config_queries
from tests.integration.admin.conftest import Admin
from tests.integration.admin.orders_support import insert_order
from tests.integration.vendors import captured_logs

CONFIG = "/admin/api/config/runtime?domain=dsco_lingxing"
BIG = str(2**63)


async def _field(resp: ClientResponse, status: int = 400) -> str:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    field: str = (await resp.json())["error"]["field"]
    return field


async def _raw(admin: Admin, method: str, path: str, data: bytes) -> ClientResponse:
    headers = {"Content-Type": "application/json", "X-CSRF-Token": admin.csrf}
    return await admin.client.request(method, path, data=data, headers=headers)


async def test_nul_and_huge_integers_in_filters_are_400(admin: Admin) -> None:
    for path in ("/admin/api/orders", "/admin/api/export/orders.csv"):
        for name in ("po_number", "tracking", "msku", "dsco_status"):
            assert await _field(await admin.get(path, **{name: "a\x00b"})) == name
        for name in ("start", "end"):
            assert await _field(await admin.get(path, **{name: BIG})) == name
    assert await _field(await admin.get("/admin/api/orders", offset=BIG)) == "offset"
    for path in ("/admin/api/warehouse-sync", "/admin/api/export/warehouse-sync.csv"):
        assert await _field(await admin.get(path, sku="S\x00")) == "sku"
        assert await _field(await admin.get(path, diff_range=f"{BIG},")) == "diff_range"


async def test_bad_bodies_are_400_on_every_post(admin: Admin) -> None:
    deep = b'{"job": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for path in ("/admin/api/jobs/run_one", "/admin/api/orders/pull", "/admin/api/login"):
        for data in (b"\xff\xfe{}", deep, b'{"a": 1, "a": 2}', b'{"start": NaN}'):
            resp = await _raw(admin, "POST", path, data)
            assert resp.status == 400, (path, data[:20], await resp.text())
    resp = await admin.put(CONFIG, {"config": {}, "expected_version": 2**63})
    assert await _field(resp) == "expected_version"
    assert admin.vendors.runner.last_results == {}


async def test_a_malformed_login_logs_no_traceback(anonymous: Admin) -> None:
    with captured_logs() as lines:
        for _ in range(3):
            resp = await _raw(anonymous, "POST", "/admin/api/login", b"\xc3\x28")
            assert resp.status == 400
    assert lines == []


async def test_jobs_must_be_a_list_and_zero_runs_nothing(admin: Admin) -> None:
    for jobs in (0, "pull_dsco_orders", {"a": 1}, False):
        assert await _field(await admin.post("/admin/api/jobs/run", {"jobs": jobs})) == "jobs"
    resp = await admin.post("/admin/api/jobs/run", {"jobs": ["make_coffee"]})
    assert resp.status == 404
    assert "pull_dsco_orders" in (await resp.json())["error"]["message"]  # lists the known
    assert admin.vendors.runner.last_results == {}


async def test_duplicate_key_in_the_config_is_refused_and_nothing_stored(admin: Admin) -> None:
    text = (
        '{"config": {"domain": "dsco_lingxing", "jobs": {}, "mapping": '
        '{"sku": {"A": "LX-1", "A": "LX-2"}}}}'
    )
    resp = await _raw(admin, "PUT", CONFIG, text.encode())
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_json"
    assert "duplicate key 'A'" in error["message"]
    assert admin.vendors.config.snapshot.version == 1


async def test_concurrent_saves_leave_the_newest_live(
    admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = (await admin.ok(await admin.get(CONFIG)))["config"]
    real_save = runtime_config_queries.save
    committed: list[int] = []

    async def late_answer(*args: Any, **kwargs: Any) -> Any:
        # The database commits in order, but the earliest commits hear back last: exactly
        # the interleaving that activated an older version after a newer one.
        stored = await real_save(*args, **kwargs)
        committed.append(stored.version)
        await asyncio.sleep(0.2 / len(committed))
        return stored

    monkeypatch.setattr(runtime_config_queries, "save", late_answer)

    async def save(i: int) -> int:
        mine = copy.deepcopy(doc)
        mine["mapping"]["sku"] = {f"SKU-{i}": f"LX-{i}"}
        body = await admin.ok(await admin.put(CONFIG, {"config": mine}))
        version: int = body["version"]
        return version

    versions = await asyncio.gather(*(save(i) for i in range(20)))
    assert sorted(versions) == list(range(2, 22))
    stored = await admin.vendors.pool.fetchval(
        "SELECT version FROM runtime_config WHERE domain = 'dsco_lingxing'"
    )
    assert stored == 21
    assert admin.vendors.config.snapshot.version == 21


async def test_cron_preview_lists_next_fires_or_names_the_problem(admin: Admin) -> None:
    body = await admin.ok(await admin.get("/admin/api/cron/next", cron="0 */15 * * * *", count=3))
    fires = body["next"]
    assert len(fires) == 3
    assert all(b - a == 900 for a, b in itertools.pairwise(fires))
    assert all(f % 900 == 0 for f in fires)
    resp = await admin.get("/admin/api/cron/next", cron="*/15 * * * *")
    assert await _field(resp) == "cron"
    assert "6 fields" in (await resp.json())["error"]["message"]


async def test_any_po_number_opens_through_the_query(admin: Admin) -> None:
    for po in ("..", ".", "a/b", "<script>alert(1)</script>", "PO #1?x=y"):
        await insert_order(admin.vendors.pool, po)
        body = await admin.ok(await admin.get("/admin/api/order", po_number=po))
        assert body["po_number"] == po
        changed = await admin.ok(
            await admin.put(
                "/admin/api/order/status", {"po_number": po, "status": 6, "reason": "test"}
            )
        )
        assert changed["old_status"] == 1
    resp = await admin.get("/admin/api/order", po_number="NOPE")
    assert resp.status == 404


async def test_order_history_shows_why_an_order_is_stuck(admin: Admin) -> None:
    await insert_order(admin.vendors.pool, "PO-STUCK", dsco_retailer_id="R-UNMAPPED")
    sink = logger.add(HISTORY.write, level="DEBUG")
    try:
        body = await admin.ok(await admin.post("/admin/api/order/run", {"po_number": "PO-STUCK"}))
    finally:
        logger.remove(sink)
    assert body["status_after"] == 1
    history = await admin.ok(await admin.get("/admin/api/order/history", po_number="PO-STUCK"))
    assert history["source"] == "memory"
    entries: list[dict[str, Any]] = history["entries"]
    assert entries
    assert all(e["job"] == "push_to_lingxing" for e in entries)
    assert any("missing_mapping_shop" in e["message"] + str(e["fields"]) for e in entries)
    none = await admin.ok(await admin.get("/admin/api/order/history", po_number="PO-OTHER"))
    assert none["entries"] == []


async def test_a_failing_export_query_is_a_json_error_not_a_cut_download(admin: Admin) -> None:
    await admin.vendors.pool.close()
    resp = await admin.get("/admin/api/export/orders.csv")
    assert resp.status == 500
    assert resp.content_type == "application/json"
    assert (await resp.json())["error"]["code"] == "internal"
