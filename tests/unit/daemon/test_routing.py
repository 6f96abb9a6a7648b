"""Routes answer only their declared models, and the models list what they are built from.

A route serialises its handler's answer itself and refuses any other shape (daemon/routing.py),
so the API descriptions written from those models cannot promise what a handler does not send.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from aiohttp import web
from pydantic import BaseModel

from daemon.admin.answers import InstanceLine, OrderAnswer
from daemon.answers import RunAnswer
from daemon.openapi.answers import SyncRunAnswer
from daemon.routing import ANSWER, Answer, Csv, Route, reply
from db.instances import Instance
from db.orders import OrderRow
from jobs.context import RunResult

# --- answers are built from the rows they show --------------------------------------------------


def _names(cls: Any) -> list[str]:
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls)]
    return list(cls.model_fields)


@pytest.mark.parametrize(
    ("answer", "source", "added"),
    [
        (RunAnswer, RunResult, []),
        (SyncRunAnswer, RunResult, ["plan"]),
        (OrderAnswer, OrderRow, []),
        (InstanceLine, Instance, ["this"]),
    ],
)
def test_an_answer_lists_every_field_of_what_it_is_built_from(
    answer: type[BaseModel], source: type, added: list[str]
) -> None:
    assert _names(answer) == _names(source) + added


def test_a_run_answer_serialises_like_the_run_result() -> None:
    result = RunResult(
        run_id="r1",
        job="pull_dsco_orders",
        trigger="manual",
        status="ok",
        started_at=1,
        duration_ms=2,
        counters={"total": 1},
    )
    assert json.loads(RunAnswer.of(result).model_dump_json()) == result.to_json()


# --- a route answers only its declared shape ----------------------------------------------------


class Pong(Answer):
    pong: int


class Other(Answer):
    other: int


async def _handler(_request: web.Request) -> Pong:
    return Pong(pong=1)


PONG = Route("GET", "/ping", _handler, answer=Pong)
CSV = Route("GET", "/ping.csv", _handler, answer=Csv(("a",)))


def test_a_declared_answer_is_serialised_by_the_route() -> None:
    response = PONG.respond(Pong(pong=7))
    assert isinstance(response, web.Response)
    assert response.content_type == "application/json"
    assert response.text == '{"pong":7}'
    assert response[ANSWER] == Pong(pong=7)
    with_cookie = reply(Pong(pong=8))
    with_cookie.set_cookie("c", "v")
    assert PONG.respond(with_cookie) is with_cookie


@pytest.mark.parametrize(
    ("route", "result", "words"),
    [
        (PONG, Other(other=1), "answered Other, not Pong"),
        (PONG, {"pong": 1}, "answered dict, not Pong"),
        (PONG, web.json_response({"pong": 1}), "answered a bare response, not Pong"),
        (PONG, reply(Other(other=1)), "answered a response of Other, not Pong"),
        (CSV, Pong(pong=1), "answered Pong, not text/csv"),
        (CSV, web.json_response({}), "not text/csv"),
    ],
)
def test_a_handler_that_answers_another_shape_is_refused(
    route: Route, result: object, words: str
) -> None:
    with pytest.raises(TypeError, match=words):
        route.respond(result)


def test_an_answer_with_an_unknown_field_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="extra"):
        Pong.model_validate({"pong": 1, "surprise": 2})
