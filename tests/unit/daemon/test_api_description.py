"""The OpenAPI descriptions are written from the routes' own models (daemon/api_description.py).

Each schema in a description is compared with what pydantic says of the model itself, so a
description that drifted from the code (a hand-edited schema, a model that is not the one the
route uses) fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate as validate_openapi
from pydantic import BaseModel

from daemon.admin import ROUTES as ADMIN_ROUTES
from daemon.admin.answers import OkAnswer
from daemon.admin.auth import LOGIN_PATH, UNSAFE
from daemon.admin.description import PROFILE as ADMIN_PROFILE
from daemon.api_description import REF, ApiProfile, describe, parameter_schema
from daemon.openapi import PREFIX
from daemon.openapi.description import profile as open_profile
from daemon.openapi.routes import ROUTES as OPEN_ROUTES
from daemon.routing import Csv, Route

APIS = {
    "admin": (ADMIN_ROUTES, ADMIN_PROFILE),
    "open": (OPEN_ROUTES, open_profile(PREFIX)),
}
OPERATIONS = [(api, route) for api, (routes, _profile) in APIS.items() for route in routes]


def _ids(value: Any) -> str:
    return f"{value.method} {value.path}" if isinstance(value, Route) else str(value)


def _doc(api: str) -> dict[str, Any]:
    routes, profile = APIS[api]
    return describe(routes, profile)


def _operation(api: str, route: Route) -> dict[str, Any]:
    _routes, profile = APIS[api]
    operation: dict[str, Any] = _doc(api)["paths"][profile.prefix + route.path][
        route.method.lower()
    ]
    return operation


def _component(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    name = ref["$ref"].removeprefix("#/components/schemas/")
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def _assert_is_models_own(
    doc: dict[str, Any], ref: dict[str, Any], model: type[BaseModel], mode: str
) -> None:
    """The referenced schema, and every schema it refers to, are the model's own."""
    own = model.model_json_schema(mode=mode, ref_template=REF)
    defs = own.pop("$defs", {})
    assert _component(doc, ref) == own
    for name, schema in defs.items():
        assert doc["components"]["schemas"][name] == schema, name


@pytest.mark.parametrize("api", APIS)
def test_each_description_is_a_valid_openapi_3_1_document(api: str) -> None:
    doc = _doc(api)
    assert doc["openapi"] == "3.1.0"
    validate_openapi(doc)
    json.dumps(doc)  # served as JSON


@pytest.mark.parametrize("api", APIS)
def test_operation_ids_are_unique_and_every_operation_is_summarised(api: str) -> None:
    operations = [op for ops in _doc(api)["paths"].values() for op in ops.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) == len(APIS[api][0])
    assert all(op["summary"] for op in operations), [op["operationId"] for op in operations]


@pytest.mark.parametrize(("api", "route"), OPERATIONS, ids=_ids)
def test_the_body_schema_is_the_body_models_own(api: str, route: Route) -> None:
    operation = _operation(api, route)
    if route.body is None:
        content = operation.get("requestBody", {}).get("content", {})
        assert content.get("application/json", {}).get("schema", {}) == {}
        return
    body = operation["requestBody"]
    _assert_is_models_own(
        _doc(api), body["content"]["application/json"]["schema"], route.body, "validation"
    )
    assert body["required"] == bool(route.body.model_json_schema().get("required"))


@pytest.mark.parametrize(("api", "route"), OPERATIONS, ids=_ids)
def test_the_answer_schema_is_the_answer_models_own(api: str, route: Route) -> None:
    success = _operation(api, route)["responses"]["200"]
    if isinstance(route.answer, Csv):
        assert list(success["content"]) == ["text/csv"]
        assert ", ".join(route.answer.columns) in success["description"]
        return
    (media,) = success["content"]
    assert media == "application/json"
    _assert_is_models_own(
        _doc(api), success["content"][media]["schema"], route.answer, "serialization"
    )


@pytest.mark.parametrize(("api", "route"), OPERATIONS, ids=_ids)
def test_every_error_answer_is_the_apis_envelope(api: str, route: Route) -> None:
    _routes, profile = APIS[api]
    responses = _operation(api, route)["responses"]
    errors = {int(s) for s in responses} - {200}
    assert errors == set(profile.statuses(route)) | set(route.errors)
    assert {400, 500} <= errors
    for status in errors:
        json_schema = responses[str(status)]["content"]["application/json"]["schema"]
        _assert_is_models_own(_doc(api), json_schema, profile.error, "serialization")


@pytest.mark.parametrize(("api", "route"), OPERATIONS, ids=_ids)
def test_the_parameters_are_the_path_and_query_models_fields(api: str, route: Route) -> None:
    described = _operation(api, route).get("parameters", [])
    expected = []
    for where, model in (("path", route.path_params), ("query", route.query)):
        if model is None:
            continue
        own = model.model_json_schema(mode="validation")
        for name, prop in own["properties"].items():
            required = where == "path" or name in own.get("required", ())
            expected.append((name, where, required, parameter_schema(prop)))
    assert [(p["name"], p["in"], p["required"], p["schema"]) for p in described] == expected
    placeholders = {part[1:-1] for part in route.path.split("/") if part.startswith("{")}
    assert placeholders == {p["name"] for p in described if p["in"] == "path"}


@pytest.mark.parametrize(
    ("prop", "schema"),
    [
        ({"type": "string", "maxLength": 9}, {"type": "string", "maxLength": 9}),
        (
            {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}], "default": None},
            {"type": "integer", "minimum": 0},
        ),
        (
            {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "d", "title": "T"},
            {"type": "string", "description": "d", "title": "T"},
        ),
        (
            {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        ),
        ({"type": "integer", "default": 5}, {"type": "integer", "default": 5}),
    ],
)
def test_a_parameter_loses_only_the_null_an_optional_field_allows(
    prop: dict[str, Any], schema: dict[str, Any]
) -> None:
    assert parameter_schema(prop) == schema


def test_admin_calls_need_the_session_and_state_changing_ones_the_csrf_token() -> None:
    doc = _doc("admin")
    schemes = doc["components"]["securitySchemes"]
    assert schemes["session"]["in"] == "cookie"
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    for route in ADMIN_ROUTES:
        security = _operation("admin", route)["security"]
        if route.path == LOGIN_PATH:
            assert security == []
        elif route.method in UNSAFE:
            assert security == [{"session": [], "csrf": []}]
        else:
            assert security == [{"session": []}]


def test_every_open_api_call_needs_the_bearer_token() -> None:
    doc = _doc("open")
    assert doc["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer", "description": "the api.token setting"}
    }
    assert all(_operation("open", r)["security"] == [{"bearer": []}] for r in OPEN_ROUTES)
    assert all(path.startswith(PREFIX + "/") for path in doc["paths"])


def test_a_parameter_that_is_a_model_is_refused() -> None:
    class Inner(BaseModel):
        x: int

    class Nested(BaseModel):
        inner: Inner

    async def handler(_request: web.Request, _query: Any) -> OkAnswer:
        return OkAnswer(ok=True)

    route = Route("GET", "/x", handler, query=Nested, answer=OkAnswer)
    profile = ApiProfile(
        title="t",
        description="d",
        error=OkAnswer,
        security_schemes={},
        security=lambda _r: [],
        statuses=lambda _r: (),
        tag=lambda _r: "t",
    )
    with pytest.raises(TypeError, match="plain values"):
        describe([route], profile)
