"""The admin UI in a real (headless) Chromium against the real admin app.

Each test drives the page the way an operator would and keeps a screenshot of what it saw under
``var/ui-screenshots/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from loguru import logger

from daemon.logging import HISTORY
from tests.integration.admin.browser import CHROMIUM, Page, open_page
from tests.integration.admin.conftest import PASSWORD, Admin
from tests.integration.admin.orders_support import BASE_TIME, insert_order
from tests.integration.vendors import captured_logs

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"
)

# How many lines a cell's text takes on screen (identifiers must take exactly one); boxes
# whose tops differ by a few pixels (a badge's padding) are on the same line.
LINES = """(sel) => [...document.querySelectorAll(sel)]
  .filter((c) => c.offsetParent && c.textContent.trim())
  .map((c) => { const r = document.createRange(); r.selectNodeContents(c);
    const tops = [...r.getClientRects()].map((x) => x.top).sort((a, b) => a - b);
    return tops.filter((t, i) => i === 0 || t - tops[i - 1] > 8).length; })"""


@pytest.fixture
async def page(admin: Admin) -> AsyncIterator[Page]:
    async with open_page() as p:
        await p.goto(str(admin.client.make_url("/admin/")))
        await p.wait_for("!document.querySelector('#view-login').hidden")
        yield p


async def login(page: Page) -> None:
    await page.js(
        f"""(() => {{ const f = document.querySelector('#login-form');
        f.elements.password.value = {json.dumps(PASSWORD)}; f.requestSubmit(); }})()"""
    )
    await page.wait_for("!document.querySelector('#view-dashboard').hidden")
    await page.wait_for("document.querySelectorAll('#dash-jobs tbody tr').length > 0")


async def click(page: Page, selector: str) -> None:
    await page.js(f"document.querySelector({json.dumps(selector)}).click()")


async def text(page: Page, selector: str) -> str:
    value: str = await page.js(f"document.querySelector({json.dumps(selector)}).innerText")
    return value


async def lines(page: Page, selector: str) -> list[int]:
    counts: list[int] = await page.js(f"({LINES})({json.dumps(selector)})")
    return counts


async def snap(page: Page, name: str) -> None:
    """Keep a screenshot, after checking that nothing sticks out of the page sideways."""
    width = await page.js(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert width <= 0, f"{name}: the page is {width}px wider than the window"
    await page.screenshot(name)


async def show(page: Page, view: str) -> None:
    await click(page, f"nav [data-view={view}]")
    await page.wait_for(f"!document.querySelector('#view-{view}').hidden")


async def test_login_and_dashboard_show_a_failed_run_in_red_with_its_reason(
    admin: Admin, page: Page
) -> None:
    await snap(page, "01-login")
    pool = admin.vendors.pool
    for i in range(3):
        await insert_order(pool, f"PO-LONG-IDENTIFIER-{i:04d}-5J7PMN8NH5DSBCXL2M1Y", status=2)
    await pool.execute("UPDATE dsco_order_sync SET status_since = $1", BASE_TIME)
    admin.vendors.dsco.add_fault(path="/order/page", kind="status", status=400, count=None)
    await admin.ok(await admin.post("/admin/api/jobs/run_one", {"job": "pull_dsco_orders"}))
    await admin.ok(await admin.post("/admin/api/jobs/run_one", {"job": "cleanup_exports"}))
    await login(page)
    await page.wait_for("!!document.querySelector('#dash-jobs tr.failed')")
    failed = await text(page, "#dash-jobs tr.failed")
    assert "pull_dsco_orders" in failed
    assert "failed" in failed
    assert "unexpected" in failed or "DSCO" in failed or "400" in failed  # the reason, in words
    colour = await page.js(
        "getComputedStyle(document.querySelector('#dash-jobs tr.failed .badge.bad')).color"
    )
    assert colour == "rgb(166, 27, 27)"
    ok_row = await page.js(
        """[...document.querySelectorAll('#dash-jobs tbody tr')]
        .find((tr) => tr.innerText.includes('cleanup_exports')).innerText"""
    )
    assert "ok" in ok_row
    statuses = await text(page, "#dash-orders")
    assert "stuck" in statuses  # three orders in status 2 since BASE_TIME
    assert "2 in Lingxing" in statuses
    assert set(await lines(page, "#dash-jobs td.id, #dash-jobs td.time")) == {1}
    await snap(page, "02-dashboard")


async def test_a_stale_error_disappears_and_leaves_no_stale_rows(admin: Admin, page: Page) -> None:
    await insert_order(admin.vendors.pool, "PO-VISIBLE-1")
    await login(page)
    await show(page, "orders")
    await page.wait_for("document.querySelectorAll('#orders-table tbody tr').length === 1")
    await page.js(
        """(() => { const f = document.querySelector('#orders-filter');
        f.elements.po_number.value = 'x'.repeat(300); f.requestSubmit(); })()"""
    )
    await page.wait_for("!document.querySelector('#flash').hidden")
    assert "po_number" in await text(page, "#flash")
    assert await page.js("document.querySelectorAll('#orders-table tbody tr').length") == 0
    await snap(page, "03-orders-error")
    await page.js(
        """(() => { const f = document.querySelector('#orders-filter');
        f.elements.po_number.value = 'VISIBLE'; f.requestSubmit(); })()"""
    )
    await page.wait_for("document.querySelectorAll('#orders-table tbody tr').length === 1")
    assert await page.js("document.querySelector('#flash').hidden")


async def test_odd_po_numbers_open_and_render_as_text(admin: Admin, page: Page) -> None:
    evil = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2>"
    for i, po in enumerate(("..", evil, "PO-5J7PMN8NH5DSBCXL2M1Y-WITH-A-VERY-LONG-TAIL")):
        await insert_order(
            admin.vendors.pool,
            po,
            created=BASE_TIME + i,
            shipped_tracking_no="1ZDEMO000000000001,1ZDEMO000000000002",
            mskus=["SKU-0001(2)", "SKU-0002(1)"],
        )
    await login(page)
    await show(page, "orders")
    await page.wait_for("document.querySelectorAll('#orders-table tbody tr').length === 3")
    assert set(await lines(page, "#orders-table td")) == {1}  # no identifier broken
    await snap(page, "04-orders")
    for po in ("..", evil):
        await page.js(
            f"""[...document.querySelectorAll('#orders-table tr[data-po]')]
            .find((tr) => tr.dataset.po === {json.dumps(po)}).click()"""
        )
        await page.wait_for(f"document.querySelector('#order-po').textContent === {json.dumps(po)}")
        fields = await text(page, "#order-fields")
        assert po in fields
        assert "In this status since" in fields
    assert await page.js("window.pwned") is None
    assert await page.js("document.querySelectorAll('main script, main img').length") == 0
    await snap(page, "05-order-detail")


async def test_a_status_edit_asks_for_confirmation_and_a_reason(admin: Admin, page: Page) -> None:
    await insert_order(admin.vendors.pool, "PO-DONE-1", status=5)
    await login(page)
    await show(page, "orders")
    await page.wait_for("document.querySelectorAll('#orders-table tbody tr').length === 1")
    await click(page, "#orders-table tr[data-po]")
    await page.wait_for("!document.querySelector('#order-detail').hidden")
    await page.js(
        """(() => { const f = document.querySelector('#order-status-form');
        f.elements.status.value = '1'; f.requestSubmit(); })()"""
    )
    await page.wait_for("document.querySelector('#status-dialog').open")
    assert "From 5 (done" in await text(page, "#status-dialog-text")
    await snap(page, "06-status-dialog")
    # Confirming without a reason is refused by the form itself: nothing changes.
    await click(page, "#status-dialog-form button[value=confirm]")
    assert await page.js("document.querySelector('#status-dialog').open")
    await click(page, "#status-dialog-cancel")
    await page.wait_for("!document.querySelector('#status-dialog').open")
    assert await _status(admin, "PO-DONE-1") == 5
    await page.js(
        """(() => { const f = document.querySelector('#order-status-form');
        f.elements.status.value = '1'; f.requestSubmit(); })()"""
    )
    await page.wait_for("document.querySelector('#status-dialog').open")
    with captured_logs() as logged:
        await page.js(
            """(() => { const f = document.querySelector('#status-dialog-form');
            f.elements.reason.value = 'DSCO support asked for a re-push';
            f.querySelector('button[value=confirm]').click(); })()"""
        )
        await page.wait_for("(document.querySelector('#flash').textContent || '').includes('→')")
    assert await _status(admin, "PO-DONE-1") == 1
    assert any("5 -> 1" in line and "re-push" in line for line in logged)


async def _status(admin: Admin, po: str) -> int:
    value: int = await admin.vendors.pool.fetchval(
        "SELECT status FROM dsco_order_sync WHERE po_number = $1", po
    )
    return value


async def test_the_config_form_refuses_a_duplicate_key(admin: Admin, page: Page) -> None:
    await login(page)
    await show(page, "config")
    await page.wait_for("document.querySelectorAll('#config-jobs tbody tr').length === 9")
    await page.wait_for("document.querySelector('#config-jobs .fires').textContent.length > 10")
    sku = "#config-mappings .mapping[data-kind=sku]"
    for _ in range(2):
        await click(page, f"{sku} > button")
    await page.js(
        f"""(() => {{ const rows = document.querySelectorAll('{sku} tbody tr');
        for (const [i, tr] of [...rows].entries()) {{
          tr.querySelector('input[name=key]').value = 'SKU-A';
          tr.querySelector('input[name=value]').value = 'LX-' + i; }} }})()"""
    )
    await click(page, "#config-save")
    await page.wait_for("document.querySelectorAll('#config-errors li').length > 0")
    assert "appears more than once" in await text(page, "#config-errors")
    assert admin.vendors.config.snapshot.version == 1
    await snap(page, "07-config-duplicate")
    # The JSON view sends the text as written; the server refuses the duplicate too.
    await page.js(
        """(() => { document.querySelector('#config-json-box').open = true;
        const t = document.querySelector('#config-text');
        t.value = t.value.replace('"sku": {}', '"sku": {"A": "1", "A": "2"}');
        document.querySelector('#config-save-json').click(); })()"""
    )
    await page.wait_for(
        "document.querySelector('#config-errors').textContent.includes('duplicate')"
    )
    assert admin.vendors.config.snapshot.version == 1


async def test_the_order_page_shows_its_recent_log_records(admin: Admin, page: Page) -> None:
    await insert_order(admin.vendors.pool, "PO-STUCK-9", dsco_retailer_id="R-NOT-MAPPED")
    sink = logger.add(HISTORY.write, level="DEBUG")
    try:
        await login(page)
        await show(page, "orders")
        await page.wait_for("document.querySelectorAll('#orders-table tbody tr').length === 1")
        await click(page, "#orders-table tr[data-po]")
        await page.wait_for("!document.querySelector('#order-detail').hidden")
        await click(page, "#order-run")
        await page.wait_for(
            "document.querySelector('#order-history').innerText.includes('missing_mapping_shop')"
        )
    finally:
        logger.remove(sink)
    history = await text(page, "#order-history")
    assert "push_to_lingxing" in history
    assert "memory" in await text(page, "#order-history-source")
    await page.wait_for(
        "document.querySelector('#flash').textContent.includes('still in status 1')"
    )
    await snap(page, "08-order-history")


async def test_tasks_and_warehouse_sync_pages(admin: Admin, page: Page) -> None:
    await login(page)
    await show(page, "tasks")
    labels = await text(page, "#pull-form")
    assert "from (UTC)" in labels  # date inputs say which time zone they are in
    await click(page, "#run-one-form button[type=submit]")
    await page.wait_for("document.querySelectorAll('#run-results tbody tr').length === 1")
    await snap(page, "09-tasks")
    await show(page, "sync")
    await page.wait_for("document.querySelector('#sync-range').textContent !== ''")
    await snap(page, "10-warehouse-sync")
