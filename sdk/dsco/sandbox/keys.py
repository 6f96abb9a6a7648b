"""The typed application key under which the sandbox state lives in its aiohttp app."""

from __future__ import annotations

from aiohttp import web

from .state import DscoSandbox

SANDBOX_KEY = web.AppKey("dsco_sandbox", DscoSandbox)
