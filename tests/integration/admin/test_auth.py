"""Admin login, sessions, CSRF, content type and the JSON error envelope."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientResponse

from daemon.admin.auth import COOKIE, DEVICE_COOKIE
from tests.integration.admin.conftest import (
    PASSWORD,
    Admin,
    ClientFactory,
    admin_settings,
    make_admin,
)
from tests.integration.vendors import Vendors, captured_logs


async def _error(resp: ClientResponse, status: int) -> dict[str, str]:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    error: dict[str, str] = body["error"]
    return error


async def test_unauthenticated_calls_get_401_json_never_a_redirect(anonymous: Admin) -> None:
    for path in ("/admin/api/dashboard", "/admin/api/orders", "/admin/api/session"):
        resp = await anonymous.client.get(path, allow_redirects=False)
        assert (await _error(resp, 401))["code"] == "unauthenticated"
    resp = await anonymous.client.post("/admin/api/jobs/run_one", json={"job": "sync_stock"})
    await _error(resp, 401)
    assert anonymous.vendors.runner.last_results == {}


async def test_wrong_password_is_401_and_sets_no_cookie(anonymous: Admin) -> None:
    resp = await anonymous.login("not the password")
    assert (await _error(resp, 401))["code"] == "bad_password"
    assert "Set-Cookie" not in resp.headers
    anonymous.clock.now += 1
    resp = await anonymous.client.post("/admin/api/login", json={})
    assert (await _error(resp, 400))["field"] == "password"


async def test_login_sets_a_strict_httponly_cookie_and_returns_the_csrf_token(
    anonymous: Admin,
) -> None:
    resp = await anonymous.login()
    assert resp.status == 200
    csrf = (await resp.json())["csrf_token"]
    assert len(csrf) >= 40
    cookies = {c.split("=", 1)[0]: c for c in resp.headers.getall("Set-Cookie")}
    assert set(cookies) == {COOKIE, DEVICE_COOKIE}
    cookie = cookies[COOKIE]
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert parts[0].startswith(f"{COOKIE.lower()}=")
    assert len(cookie.split(";")[0].split("=", 1)[1]) >= 40  # token_urlsafe(32)
    assert "httponly" in parts
    assert "samesite=strict" in parts
    assert "path=/admin" in parts
    assert f"max-age={anonymous.settings.admin.session_ttl_seconds}" in parts
    assert "secure" not in parts
    device = [p.strip().lower() for p in cookies[DEVICE_COOKIE].split(";")]
    assert {"httponly", "samesite=strict", "path=/admin/api/login"} <= set(device)
    session = await anonymous.ok(await anonymous.get("/admin/api/session"))
    assert session == {"csrf_token": csrf}
    await anonymous.ok(await anonymous.get("/admin/api/dashboard"))


async def test_cookie_is_secure_when_configured(
    vendors: Vendors, aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    settings = admin_settings(tmp_path / "x", cookie_secure=True, session_ttl_seconds=600)
    a = await make_admin(vendors, aiohttp_client, settings)
    resp = await a.login()
    for cookie in resp.headers.getall("Set-Cookie"):
        parts = [p.strip().lower() for p in cookie.split(";")]
        assert "secure" in parts
        if cookie.startswith(COOKIE):
            assert "max-age=600" in parts


async def test_failed_logins_slow_the_next_attempt_down_briefly(anonymous: Admin) -> None:
    waits = []
    for _ in range(6):
        await _error(await anonymous.login("wrong"), 401)
        resp = await anonymous.login(PASSWORD)  # even the right password must wait its turn
        error = await _error(resp, 429)
        assert error["code"] == "too_many_attempts"
        waits.append(int(resp.headers["Retry-After"]))
        anonymous.clock.now += waits[-1]
    assert waits == [1, 1, 2, 4, 5, 5]  # doubling per failure, never more than 5 s
    assert (await anonymous.login(PASSWORD)).status == 200


async def test_logout_ends_the_session(admin: Admin) -> None:
    cookie = admin.client.session.cookie_jar.filter_cookies(admin.client.make_url("/admin/"))
    session_id = cookie[COOKIE].value
    await admin.ok(await admin.post("/admin/api/logout"))
    await _error(await admin.get("/admin/api/dashboard"), 401)
    # The old cookie, replayed by hand, is dead too.
    resp = await admin.client.get("/admin/api/dashboard", cookies={COOKIE: session_id})
    await _error(resp, 401)
    assert len(admin.state.sessions) == 0


async def test_expired_session_is_refused_and_purged(admin: Admin) -> None:
    await admin.ok(await admin.get("/admin/api/dashboard"))
    admin.clock.now += admin.settings.admin.session_ttl_seconds + 1
    await _error(await admin.get("/admin/api/dashboard"), 401)
    assert len(admin.state.sessions) == 0


async def test_state_changing_calls_need_the_csrf_header(admin: Admin) -> None:
    path = "/admin/api/jobs/run_one"
    resp = await admin.client.post(path, json={"job": "cleanup_exports"})
    assert (await _error(resp, 403))["code"] == "csrf"
    resp = await admin.client.post(
        path, json={"job": "cleanup_exports"}, headers={"X-CSRF-Token": "x" + admin.csrf}
    )
    await _error(resp, 403)
    resp = await admin.client.put(
        "/admin/api/orders/PO-1/status", json={"status": 1}, headers={"X-CSRF-Token": ""}
    )
    await _error(resp, 403)
    assert admin.vendors.runner.last_results == {}


async def test_state_changing_calls_need_a_json_content_type(admin: Admin) -> None:
    resp = await admin.client.post(
        "/admin/api/jobs/run_one",
        data='{"job": "cleanup_exports"}',
        headers={"X-CSRF-Token": admin.csrf, "Content-Type": "text/plain"},
    )
    assert (await _error(resp, 415))["code"] == "unsupported_media_type"
    resp = await admin.client.post("/admin/api/login", data={"password": PASSWORD})
    await _error(resp, 415)
    assert admin.vendors.runner.last_results == {}


async def test_unknown_api_path_and_bad_json_are_json_errors(admin: Admin) -> None:
    await _error(await admin.get("/admin/api/nope"), 404)
    resp = await admin.client.post(
        "/admin/api/jobs/run_one",
        data="{not json",
        headers={"X-CSRF-Token": admin.csrf, "Content-Type": "application/json"},
    )
    assert (await _error(resp, 400))["code"] == "invalid_json"
    resp = await admin.client.delete("/admin/api/dashboard", headers={"X-CSRF-Token": admin.csrf})
    await _error(resp, 415)  # checked before routing's 405: no JSON content type


async def test_unexpected_failure_is_a_500_without_internals(admin: Admin) -> None:
    await admin.vendors.pool.close()
    with captured_logs() as lines:
        resp = await admin.get("/admin/api/dashboard")
    error = await _error(resp, 500)
    assert error["code"] == "internal"
    assert "Pool" not in error["message"]
    assert "Interface" not in error["message"]
    ref = error["reference"]
    assert any(ref in line for line in lines)


async def test_no_secret_reaches_the_logs(anonymous: Admin) -> None:
    with captured_logs() as lines:
        await anonymous.login("wrong-guess-123")
        anonymous.clock.now += 1
        resp = await anonymous.login()
        csrf = (await resp.json())["csrf_token"]
        session_id = resp.cookies[COOKIE].value
        device = resp.cookies[DEVICE_COOKIE].value
        await anonymous.post("/admin/api/logout")
    text = "\n".join(lines)
    assert "login" in text
    for secret in (PASSWORD, "wrong-guess-123", csrf, session_id, device):
        assert secret not in text


async def test_a_thousand_wrong_passwords_never_keep_the_owner_out(
    vendors: Vendors, aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    """Behind a trusted proxy, 1,000 guesses from 200 addresses: the owner's browser (it
    logged in before) is never slowed; a new browser waits a few seconds at most; the
    throttle's memory stays bounded."""
    settings = admin_settings(tmp_path / "x", trusted_proxies=["127.0.0.1"])
    owner = await make_admin(vendors, aiohttp_client, settings)
    assert (await owner.login()).status == 200  # the owner's browser now has its device cookie
    attacker = await aiohttp_client(owner.app)  # the same daemon, another browser
    statuses: dict[int, int] = {}
    for i in range(1000):
        resp = await attacker.post(
            "/admin/api/login",
            json={"password": f"guess-{i}"},
            headers={"X-Forwarded-For": f"198.51.{i % 200}.{i % 7}"},
        )
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if i % 50 == 0:
            assert (await owner.login()).status == 200
        owner.clock.now += 0.05
    assert set(statuses) == {401, 429}
    assert statuses[401] < 200  # most guesses were never checked
    state = owner.state
    assert len(state.throttle) <= 202
    stranger = await aiohttp_client(owner.app)
    resp = await stranger.post("/admin/api/login", json={"password": PASSWORD})
    if resp.status == 429:
        wait = int(resp.headers["Retry-After"])
        assert wait <= 2
        owner.clock.now += wait
        resp = await stranger.post("/admin/api/login", json={"password": PASSWORD})
    assert resp.status == 200
