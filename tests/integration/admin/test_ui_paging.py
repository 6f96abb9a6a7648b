"""The admin UI pages its lists by cursor: Next follows ``next_cursor``, Previous goes back."""

from __future__ import annotations

import json

import pytest

from tests.integration.admin.browser import CHROMIUM, Page
from tests.integration.admin.conftest import Admin
from tests.integration.admin.orders_support import BASE_TIME, insert_order
from tests.integration.admin.test_ui_browser import click, login, page, show, text

__all__ = ["page"]  # the fixture, shared with the other browser tests

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"
)


async def _turn(page: Page, direction: str, expect: str) -> str:
    await click(page, f"[data-page=orders][data-dir='{direction}']")
    await page.wait_for(
        f"document.querySelector('#orders-range').textContent === {json.dumps(expect)}"
    )
    return await text(page, "#orders-table tbody tr td")


async def test_next_and_previous_walk_the_order_list_by_cursor(admin: Admin, page: Page) -> None:
    for i in range(7):
        await insert_order(admin.vendors.pool, f"PO-PAGE-{i}", created=BASE_TIME + i)
    await login(page)
    await show(page, "orders")
    await page.js(
        """(() => { const f = document.querySelector('#orders-filter');
        f.elements.limit.value = '3'; f.requestSubmit(); })()"""
    )
    await page.wait_for("document.querySelector('#orders-range').textContent === '1–3 of 7'")
    assert await text(page, "#orders-table tbody tr td") == "PO-PAGE-6"
    assert await _turn(page, "1", "4–6 of 7") == "PO-PAGE-3"
    assert await _turn(page, "1", "7–7 of 7") == "PO-PAGE-0"
    assert await _turn(page, "1", "7–7 of 7") == "PO-PAGE-0"  # no page after the last
    assert await _turn(page, "-1", "4–6 of 7") == "PO-PAGE-3"
    assert await _turn(page, "-1", "1–3 of 7") == "PO-PAGE-6"
