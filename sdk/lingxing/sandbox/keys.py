"""Typed keys: the sandbox state on the app, per-call data on requests and responses."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .state import LingxingSandbox

SANDBOX_KEY: web.AppKey[LingxingSandbox] = web.AppKey("lingxing_sandbox", LingxingSandbox)
# What the caller sent, read before any delay (a caller that gives up must not break the call):
# the raw body, the parsed JSON body (``None`` when it is not JSON), the token form fields, and
# the address-free summary of a call.
RAW_KEY: web.RequestKey[bytes] = web.RequestKey("lingxing_sandbox_raw", bytes)
FORM_KEY: web.RequestKey[dict[str, str]] = web.RequestKey("lingxing_sandbox_form", dict)
BODY_KEY: web.RequestKey[object] = web.RequestKey("lingxing_sandbox_body", object)
SUMMARY_KEY: web.RequestKey[dict[str, Any]] = web.RequestKey("lingxing_sandbox_summary", dict)
# The outcome recorded for a call: the envelope code, or "http <status>".
OUTCOME_KEY: web.ResponseKey[str] = web.ResponseKey("lingxing_sandbox_outcome", str)
