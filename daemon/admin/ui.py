"""The admin web UI: ``GET /admin/`` and ``/admin/static/<file>``; see :func:`setup_ui`.

The UI is three static files (``static/index.html``, ``app.js``, ``app.css``) that talk only to
the JSON API under ``/admin/api/``. Serving them needs no session: the page itself holds no
data, and every API call it makes is authenticated by the admin middleware.

Every answer carries a strict Content-Security-Policy (scripts and styles from this origin
only — no inline code — and no framing), ``nosniff`` and ``no-referrer``. The page is
``no-store``; the assets are ``no-cache`` (revalidated via ETag, so an upgrade shows at once).
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")
INDEX = "index.html"
CSP = "default-src 'self'; frame-ancestors 'none'"
# Explicit types (never guessed) so ``nosniff`` cannot make a browser refuse an asset.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# A flat directory of plain names: no path separators, no dot files, so no way out of it.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\.(?:html|js|css)$")


def security_headers(cache_control: str) -> dict[str, str]:
    """The headers every UI answer carries."""
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": cache_control,
    }


def _file_response(name: str, cache_control: str) -> web.FileResponse:
    path = STATIC_DIR / name
    if not _NAME.fullmatch(name) or not path.is_file():
        raise web.HTTPNotFound(text="not found", headers=security_headers("no-store"))
    headers = security_headers(cache_control)
    headers["Content-Type"] = CONTENT_TYPES[path.suffix]
    return web.FileResponse(path, headers=headers)


async def index(_request: web.Request) -> web.FileResponse:
    return _file_response(INDEX, "no-store")


async def asset(request: web.Request) -> web.FileResponse:
    return _file_response(request.match_info["name"], "no-cache")


async def to_index(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/admin/", headers=security_headers("no-store"))


def setup_ui(app: web.Application) -> None:
    """Serve the admin UI: ``/admin`` → ``/admin/`` (the page) and ``/admin/static/<name>``."""
    app.router.add_get("/admin", to_index)
    app.router.add_get("/admin/", index)
    app.router.add_get("/admin/static/{name}", asset)
