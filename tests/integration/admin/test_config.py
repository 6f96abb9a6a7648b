"""``GET/PUT /admin/api/config/runtime``: validation names the field, nothing invalid stored."""

from __future__ import annotations

import copy

from tests.integration.admin.conftest import DOMAIN, Admin

PATH = f"/admin/api/config/runtime?domain={DOMAIN}"


async def _stored_version(admin: Admin) -> tuple[int, str]:
    row = await admin.vendors.pool.fetchrow(
        "SELECT version, config->'jobs'->'push_to_lingxing'->>'cron' AS cron"
        " FROM runtime_config WHERE domain = $1",
        DOMAIN,
    )
    assert row is not None
    return int(row["version"]), str(row["cron"])


async def test_get_returns_document_and_version(admin: Admin) -> None:
    body = await admin.ok(await admin.get(PATH))
    assert body["domain"] == DOMAIN
    assert body["version"] == 1
    assert body["config"]["jobs"]["cleanup_exports"]["enable"] is True
    resp = await admin.get("/admin/api/config/runtime")
    assert resp.status == 400
    assert (await resp.json())["error"]["field"] == "domain"
    resp = await admin.get("/admin/api/config/runtime", domain="other")
    assert resp.status == 404


async def test_bad_cron_is_400_naming_the_field_and_nothing_is_stored(admin: Admin) -> None:
    doc = (await admin.ok(await admin.get(PATH)))["config"]
    bad = copy.deepcopy(doc)
    bad["jobs"]["push_to_lingxing"]["cron"] = "every five minutes"
    bad["jobs"]["sync_stock"]["size"] = 0
    resp = await admin.put(PATH, {"config": bad})
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_config"
    paths = {e["path"] for e in error["errors"]}
    assert "jobs.push_to_lingxing.cron" in paths
    assert "jobs.sync_stock.size" in paths
    assert await _stored_version(admin) == (1, "0 */5 * * * *")
    assert admin.vendors.config.snapshot.version == 1


async def test_good_put_bumps_the_version_and_activates(admin: Admin) -> None:
    doc = (await admin.ok(await admin.get(PATH)))["config"]
    doc["jobs"]["push_to_lingxing"]["cron"] = "0 */7 * * * *"
    body = await admin.ok(await admin.put(PATH, {"config": doc, "expected_version": 1}))
    assert body["version"] == 2
    assert body["config"]["jobs"]["push_to_lingxing"]["cron"] == "0 */7 * * * *"
    assert await _stored_version(admin) == (2, "0 */7 * * * *")
    assert admin.vendors.config.snapshot.config.job("push_to_lingxing").cron == "0 */7 * * * *"
    again = await admin.ok(await admin.get(PATH))
    assert again["version"] == 2


async def test_stale_expected_version_is_409(admin: Admin) -> None:
    doc = (await admin.ok(await admin.get(PATH)))["config"]
    await admin.ok(await admin.put(PATH, {"config": doc}))  # someone else saved: version 2
    doc["jobs"]["push_to_lingxing"]["cron"] = "0 */7 * * * *"
    resp = await admin.put(PATH, {"config": doc, "expected_version": 1})
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "version_conflict"
    assert await _stored_version(admin) == (2, "0 */5 * * * *")


async def test_put_without_config_or_with_bad_version_names_the_field(admin: Admin) -> None:
    resp = await admin.put(PATH, {"jobs": {}})
    assert (await resp.json())["error"]["field"] == "config"
    doc = (await admin.ok(await admin.get(PATH)))["config"]
    resp = await admin.put(PATH, {"config": doc, "expected_version": "1"})
    assert resp.status == 400
    assert (await resp.json())["error"]["field"] == "expected_version"
