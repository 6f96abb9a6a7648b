"""Routes declared as data: method, path, handler, the models of their input and of their answer.

A :class:`Route` reads and validates its path parameters, query string and JSON body
(``daemon.inputs``) before the handler runs, and passes the typed models to it:
``handler(request, path, query, body)`` with only the declared ones. The handler returns an
instance of the route's declared ``answer`` model, which the route serialises; a handler that
must also set headers or cookies wraps its answer with :func:`reply` first. Anything else — another
model, a hand-built dict, a response without its answer — is refused with a ``TypeError`` (a 500),
so no route can send a shape its description does not show. A :class:`Csv` answer is a streamed
``text/csv`` response.

The list of routes is kept on the app (:data:`ROUTES`), so the input and output rules can be
described (``daemon.api_description``) without reading the handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from daemon.inputs import BodyModel, QueryModel, parse_body, parse_json, parse_query, validate

Handler = Callable[..., Awaitable[object]]
Check = Callable[[web.Request], None]

ROUTES = web.AppKey("routes", list["Route"])
ANSWER = web.ResponseKey("answer", BaseModel)


class Answer(BaseModel):
    """A JSON answer: exactly the declared fields (an unknown one is a bug, not data)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Csv:
    """A streamed ``text/csv`` download whose first row is ``columns``."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    query: type[QueryModel] | None = None
    body: type[BodyModel] | None = None
    # Runs before the body is read (the login throttle: refuse before any parsing work).
    before: Check | None = None
    # The ``{name}`` segments of ``path``, validated like a query string.
    path_params: type[QueryModel] | None = field(default=None, kw_only=True)
    answer: type[BaseModel] | Csv = field(kw_only=True)
    # Error statuses the handler itself answers; the API adds those of its middleware.
    errors: tuple[int, ...] = field(default=(), kw_only=True)

    def bind(self) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            if self.before is not None:
                self.before(request)
            args: list[object] = []
            if self.path_params is not None:
                args.append(validate(self.path_params, dict(request.match_info)))
            query = parse_query(self.query or _NoQuery, request.query)
            if self.query is not None:
                args.append(query)
            if self.body is not None:
                args.append(parse_body(self.body, parse_json(await request.read())))
            return self.respond(await self.handler(request, *args))

        handle.__name__ = getattr(self.handler, "__name__", "handle")
        return handle

    def respond(self, result: object) -> web.StreamResponse:
        """``result`` as the HTTP answer, refused unless it is what this route declares."""
        if isinstance(self.answer, Csv):
            if isinstance(result, web.StreamResponse) and result.content_type == "text/csv":
                return result
        elif isinstance(result, web.StreamResponse):
            if type(result.get(ANSWER)) is self.answer:
                return result
        elif type(result) is self.answer:
            return reply(result)
        raise TypeError(f"{self.method} {self.path} answered {_kind(result)}, not {self._kind}")

    @property
    def _kind(self) -> str:
        return "text/csv" if isinstance(self.answer, Csv) else self.answer.__name__


def reply(answer: BaseModel) -> web.Response:
    """``answer`` as a JSON response (for a handler that adds headers or cookies to it)."""
    # Serialisation warnings (a value that does not fit its declared type) are errors here:
    # sending it would break the API's description.
    response = web.json_response(text=answer.model_dump_json(warnings="error"))
    response[ANSWER] = answer
    return response


def _kind(result: object) -> str:
    if isinstance(result, web.StreamResponse):
        answer = result.get(ANSWER)
        return f"a response of {type(answer).__name__}" if answer else "a bare response"
    return type(result).__name__


class _NoQuery(QueryModel):
    """A route without query parameters refuses any."""


def add_routes(app: web.Application, routes: Sequence[Route]) -> None:
    """Register ``routes`` on ``app`` and remember them under :data:`ROUTES`."""
    for route in routes:
        app.router.add_route(route.method, route.path, route.bind())
    app.setdefault(ROUTES, []).extend(routes)
