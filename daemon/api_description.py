"""OpenAPI 3.1 descriptions of the HTTP APIs, written from their declared routes.

Every :class:`~daemon.routing.Route` names the pydantic models of its path parameters, query
string, JSON body and answer; this module turns them into an OpenAPI document, so the
description is the code's own rules and cannot drift from them:

- the body and answer schemas are the models' ``model_json_schema`` (bodies as they validate,
  answers as they serialise), collected under ``components/schemas``;
- each query or path parameter's schema is the model's property, without the ``null`` an
  optional field allows (an absent parameter is the ``null``);
- the error answers are the API's own envelope, for the statuses its middleware answers
  (:class:`ApiProfile`) plus those the route declares;
- the summary of an operation is the first line of its handler's docstring.

Each API serves its document as ``openapi.json`` (:func:`openapi_description`).
"""

from __future__ import annotations

import importlib.metadata
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web
from pydantic import BaseModel, RootModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from daemon.routing import Csv, Route

REF: Final = "#/components/schemas/{model}"
OPENAPI_VERSION: Final = "3.1.0"

# The HTTP server (aiohttp) refuses these before any route sees the request, in plain text.
TOO_LONG: Final = (
    " (text/plain: the HTTP server refused a request line or header longer than 8190 bytes)"
)

JsonObject = dict[str, Any]
SecurityRequirement = list[dict[str, list[str]]]


class ApiDescription(RootModel[dict[str, Any]]):
    """An OpenAPI 3.1 document."""


DESCRIPTION = web.AppKey("api_description", ApiDescription)


async def openapi_description(request: web.Request) -> ApiDescription:
    """This API's OpenAPI 3.1 description."""
    return request.app[DESCRIPTION]


@dataclass(frozen=True)
class ApiProfile:
    """What one API adds to its routes: where it is mounted, how callers authenticate, which
    errors its middleware answers, and the model of its error envelope."""

    title: str
    description: str
    error: type[BaseModel]
    security_schemes: Mapping[str, JsonObject]
    security: Callable[[Route], SecurityRequirement]
    # Error statuses the API answers for ``route`` before or around its handler.
    statuses: Callable[[Route], Iterable[int]]
    tag: Callable[[Route], str]
    prefix: str = ""
    # Per status, what it means in this API (else the HTTP reason phrase).
    reasons: Mapping[int, str] = field(default_factory=dict)
    # A route without a body that still has to be sent as JSON (``Content-Type``).
    json_without_body: Callable[[Route], bool] = lambda _route: False


def describe(routes: Sequence[Route], profile: ApiProfile) -> JsonObject:
    """The OpenAPI 3.1 document of ``routes`` served as ``profile`` says."""
    refs, schemas = component_schemas(routes, profile.error)
    paths: dict[str, JsonObject] = {}
    for route in routes:
        operations = paths.setdefault(profile.prefix + route.path, {})
        operations[route.method.lower()] = _operation(route, profile, refs)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": profile.title,
            "version": importlib.metadata.version("dsco-lingxing"),
            "description": profile.description,
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": dict(profile.security_schemes),
        },
    }


ModelKey = tuple[type[BaseModel], JsonSchemaMode]


def component_schemas(
    routes: Sequence[Route], error: type[BaseModel]
) -> tuple[dict[ModelKey, JsonObject], JsonObject]:
    """Every body (as it validates) and answer (as it serialises) of ``routes``, and the error
    model: a ``$ref`` per model, and the schemas they refer to."""
    keys: dict[ModelKey, None] = {(error, "serialization"): None}
    for route in routes:
        if route.body is not None:
            keys[(route.body, "validation")] = None
        if not isinstance(route.answer, Csv):
            keys[(route.answer, "serialization")] = None
    refs, defs = models_json_schema(list(keys), ref_template=REF)
    return {key: refs[key] for key in keys}, defs.get("$defs", {})


def parameter_schema(prop: JsonObject) -> JsonObject:
    """A model property as a parameter's schema: an optional field's ``null`` (and its
    ``null`` default) left out, since an absent parameter stands for it."""
    schema = dict(prop)
    options = schema.pop("anyOf", None)
    if options is not None:
        kept = [o for o in options if o != {"type": "null"}]
        schema = {**kept[0], **schema} if len(kept) == 1 else {"anyOf": kept, **schema}
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    return schema


def _operation(
    route: Route, profile: ApiProfile, refs: Mapping[ModelKey, JsonObject]
) -> JsonObject:
    summary, _, details = (inspect.getdoc(route.handler) or "").partition("\n")
    operation: JsonObject = {
        "operationId": getattr(route.handler, "__name__", ""),
        "tags": [profile.tag(route)],
        "summary": summary.strip(),
    }
    if details.strip():
        operation["description"] = details.strip()
    parameters = [*_parameters(route.path_params, "path"), *_parameters(route.query, "query")]
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(route, profile, refs)
    if body is not None:
        operation["requestBody"] = body
    operation["responses"] = _responses(route, profile, refs)
    operation["security"] = profile.security(route)
    return operation


def _parameters(model: type[BaseModel] | None, where: str) -> list[JsonObject]:
    if model is None:
        return []
    schema = model.model_json_schema(mode="validation")
    if "$defs" in schema:  # a parameter is one value, never a nested model
        raise TypeError(f"{model.__name__}: parameters must be plain values")
    required = set(schema.get("required", ()))
    return [
        _parameter(name, parameter_schema(prop), where, name in required)
        for name, prop in schema.get("properties", {}).items()
    ]


def _parameter(name: str, schema: JsonObject, where: str, required: bool) -> JsonObject:
    parameter: JsonObject = {"name": name, "in": where, "required": required, "schema": schema}
    if "description" in schema:
        parameter["description"] = schema["description"]
    if schema.get("type") == "array":
        # ``a,b,c`` (the parameter may also be repeated; both forms are read).
        parameter["style"], parameter["explode"] = "form", False
    return parameter


def _request_body(
    route: Route, profile: ApiProfile, refs: Mapping[ModelKey, JsonObject]
) -> JsonObject | None:
    if route.body is not None:
        required = bool(route.body.model_json_schema(mode="validation").get("required"))
        schema = refs[(route.body, "validation")]
        return {"required": required, "content": {"application/json": {"schema": schema}}}
    if profile.json_without_body(route):
        return {
            "required": False,
            "description": "not read; the call must still say Content-Type: application/json",
            "content": {"application/json": {"schema": {}}},
        }
    return None


def _responses(
    route: Route, profile: ApiProfile, refs: Mapping[ModelKey, JsonObject]
) -> JsonObject:
    responses: JsonObject = {"200": _success(route, refs)}
    error = {"application/json": {"schema": refs[(profile.error, "serialization")]}}
    for status in sorted({*profile.statuses(route), *route.errors}):
        text = profile.reasons.get(status) or HTTPStatus(status).phrase
        content = error
        if status == HTTPStatus.BAD_REQUEST:
            text += TOO_LONG
            content = {**error, "text/plain": {"schema": {"type": "string"}}}
        responses[str(status)] = {"description": text, "content": content, **_headers(status)}
    return responses


def _success(route: Route, refs: Mapping[ModelKey, JsonObject]) -> JsonObject:
    if isinstance(route.answer, Csv):
        return {
            "description": "CSV (UTF-8 with a byte-order mark), first row: "
            + ", ".join(route.answer.columns),
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="<name>.csv"',
                    "schema": {"type": "string"},
                }
            },
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    # The answer's own docstring (``inspect.getdoc`` would fall back to a base class's).
    summary = inspect.cleandoc(route.answer.__dict__.get("__doc__") or "OK").partition("\n")[0]
    schema = refs[(route.answer, "serialization")]
    return {"description": summary, "content": {"application/json": {"schema": schema}}}


def _headers(status: int) -> JsonObject:
    if status != HTTPStatus.TOO_MANY_REQUESTS:
        return {}
    retry = {"description": "seconds to wait", "required": True, "schema": {"type": "string"}}
    return {"headers": {"Retry-After": retry}}


def set_description(app: web.Application, routes: Sequence[Route], profile: ApiProfile) -> None:
    """Describe ``routes`` once, at start-up, for :func:`openapi_description` to serve."""
    app[DESCRIPTION] = ApiDescription(describe(routes, profile))
