"""Routes declared as data: method, path, handler and the models of their input.

A :class:`Route` reads and validates its query string and JSON body (``daemon.inputs``) before
the handler runs, and passes the typed models to it: ``handler(request, query, body)`` with only
the declared ones. The list of routes is kept on the app (:data:`ROUTES`), so the input rules
can be listed or described (JSON Schema) without reading the handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from daemon.inputs import BodyModel, QueryModel, parse_body, parse_json, parse_query

Handler = Callable[..., Awaitable[web.StreamResponse]]
Check = Callable[[web.Request], None]

ROUTES = web.AppKey("routes", list["Route"])


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    query: type[QueryModel] | None = None
    body: type[BodyModel] | None = None
    # Runs before the body is read (the login throttle: refuse before any parsing work).
    before: Check | None = None

    def bind(self) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            if self.before is not None:
                self.before(request)
            args: list[object] = []
            query = parse_query(self.query or _NoQuery, request.query)
            if self.query is not None:
                args.append(query)
            if self.body is not None:
                args.append(parse_body(self.body, parse_json(await request.read())))
            return await self.handler(request, *args)

        handle.__name__ = getattr(self.handler, "__name__", "handle")
        return handle


class _NoQuery(QueryModel):
    """A route without query parameters refuses any."""


def add_routes(app: web.Application, routes: Sequence[Route]) -> None:
    """Register ``routes`` on ``app`` and remember them under :data:`ROUTES`."""
    for route in routes:
        app.router.add_route(route.method, route.path, route.bind())
    app.setdefault(ROUTES, []).extend(routes)
