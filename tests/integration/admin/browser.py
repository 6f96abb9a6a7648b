"""A small driver for headless Debian chromium over the DevTools protocol (no extra package).

Enough for the admin UI tests: open a page, evaluate JavaScript in it (clicks, typing and
questions are all JavaScript), wait for a condition, and save PNG screenshots.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "ui-screenshots"
_LISTENING = re.compile(rb"DevTools listening on (ws://\S+)")


class BrowserError(Exception):
    """A DevTools call failed or a page script threw."""


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json(timeout=60)
            if message.get("id") == call_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def js(self, expression: str) -> Any:
        """Evaluate ``expression`` (awaiting a promise) and return its JSON value."""
        answer = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in answer:
            raise BrowserError(json.dumps(answer["exceptionDetails"])[:2000])
        return answer["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 15.0) -> Any:
        """Poll until ``expression`` is truthy (the UI works asynchronously); return it."""
        async with asyncio.timeout(timeout):
            while True:
                value = await self.js(expression)
                if value:
                    return value
                await asyncio.sleep(0.1)

    async def goto(self, url: str) -> None:
        await self.call("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@contextlib.asynccontextmanager
async def open_page(width: int = 1440, height: int = 900) -> AsyncIterator[Page]:
    """A fresh headless chromium with one page of ``width`` × ``height`` CSS pixels."""
    profile = Path(tempfile.mkdtemp(prefix="dl-chromium-"))
    proc = await asyncio.create_subprocess_exec(
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    drain: asyncio.Task[None] | None = None
    try:
        browser_ws = await _devtools_url(proc)
        # Keep reading stderr so chromium never blocks on a full pipe.
        drain = asyncio.create_task(_drain(proc))
        port = browser_ws.split("/")[2]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://{port}/json/list") as resp:
                targets = await resp.json()
            page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with http.ws_connect(page_ws, max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                await page.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                await page.call("Emulation.setScrollbarsHidden", hidden=True)
                yield page
    finally:
        if drain is not None:
            drain.cancel()
            await asyncio.gather(drain, return_exceptions=True)
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def _devtools_url(proc: asyncio.subprocess.Process) -> str:
    assert proc.stderr is not None
    async with asyncio.timeout(30):
        while True:
            line = await proc.stderr.readline()
            if not line:
                raise BrowserError("chromium exited before DevTools was listening")
            found = _LISTENING.search(line)
            if found:
                return found.group(1).decode()


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while await proc.stderr.read(65536):
        pass
