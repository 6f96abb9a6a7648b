"""Validation of incoming bodies with the project's own request models.

The sandbox first applies the fact sheet's parameter rules (so that e.g. a short order-list page
gets the documented ``102``), then the client's strict request model, so any body our client
could not have built is refused too (``code 1`` in M-style paths, ``102`` in E-style ones).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from .envelopes import BadRequest, family_of

_MAX_REASONS = 5


def reasons(error: ValidationError) -> list[str]:
    """Short ``field: message`` reasons (never the offending input, which may be an address)."""
    out = []
    for item in error.errors(include_input=False, include_url=False)[:_MAX_REASONS]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        out.append(f"{where}: {item['msg']}")
    return out


def check_model(model: type[BaseModel], body: dict[str, Any], path: str) -> None:
    """Raise ``BadRequest`` when ``body`` does not validate against ``model``."""
    try:
        model.model_validate(body)
    except ValidationError as exc:
        raise BadRequest(1 if family_of(path) == "M" else 102, *reasons(exc)) from None
