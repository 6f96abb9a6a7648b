"""Validation of an untrusted runtime-config document (the admin's PUT, a stored row, a job's save).

Each part is validated on its own so that one broken part never hides the errors of another:
every broken rule is collected and raised together in one :class:`RuntimeConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from jobs.runtime_config.errors import FieldError, RuntimeConfigError, quote
from jobs.runtime_config.models import MAPPING_KINDS, JobConfig, RuntimeConfig
from jobs.runtime_config.rules import Capabilities, enable_errors, mapping_errors

if TYPE_CHECKING:
    from jobs.runtime_config.schema import ConfigSchema

_TOP_LEVEL: Final = ("domain", "jobs", "mapping")
_ENTRIES: Final = TypeAdapter(dict[str, str], config=ConfigDict(strict=True))
_PLAIN_REASONS: Final = {
    "missing": "required",
    "extra_forbidden": "unknown option",
    "int_type": "expected an integer",
    "bool_type": "expected true or false",
    "string_type": "expected a string",
    "float_type": "expected a number",
    "finite_number": "must be a finite number",
    "dict_type": "expected an object",
    "model_type": "expected an object",
}

Entries = dict[str, dict[str, str]]


def validate(
    schema: ConfigSchema, raw: object, *, domain: str, capabilities: Capabilities
) -> RuntimeConfig:
    """Check ``raw`` (parsed JSON) against every rule and return the typed config.

    ``domain`` is the domain the caller asked for (the request's ``?domain=``). A job missing from
    ``jobs`` gets its default entry, and a missing ``mapping`` kind is empty, so a stored config
    stays valid when a later release adds a job or a mapping kind; a job entry's common fields
    (``enable``/``cron``/``size``) are required, its options default. Raises
    :class:`RuntimeConfigError` listing every error with its dotted path.
    """
    if not isinstance(raw, Mapping):
        raise RuntimeConfigError([FieldError("<root>", f"expected an object, got {_kind(raw)}")])
    errors = [FieldError(str(key), "unknown key") for key in raw if key not in _TOP_LEVEL]
    errors += _domain_errors(raw, schema.domain, domain)
    jobs, job_errors = _parse_jobs(schema, raw)
    mappings, entry_errors = _parse_mappings(raw)
    errors += job_errors + entry_errors + mapping_errors(mappings)
    for name, job in schema.jobs.items():
        if _enabled(raw, jobs, name):
            errors += enable_errors(name, job.needs, mappings, capabilities)
    if errors:
        raise RuntimeConfigError(errors)
    return schema.build(jobs, mappings)


def _domain_errors(raw: Mapping[Any, Any], own: str, domain: str) -> list[FieldError]:
    if "domain" not in raw:
        return [FieldError("domain", "required")]
    value = raw["domain"]
    if not isinstance(value, str):
        return [FieldError("domain", f"expected a string, got {_kind(value)}")]
    if value != own:
        return [FieldError("domain", f"expected {quote(own)}, got {quote(value)}")]
    if value != domain:
        return [
            FieldError(
                "domain", f"{quote(value)} does not match the requested domain {quote(domain)}"
            )
        ]
    return []


def _parse_jobs(
    schema: ConfigSchema, raw: Mapping[Any, Any]
) -> tuple[dict[str, JobConfig], list[FieldError]]:
    """The jobs whose entries are valid (defaults for missing ones), and the errors of the rest."""
    section = _section(raw, "jobs")
    if isinstance(section, FieldError):
        return {}, [section]
    errors = [
        FieldError(f"jobs.{key}", f"unknown job (known: {', '.join(schema.names())})")
        for key in section
        if key not in schema.jobs
    ]
    jobs: dict[str, JobConfig] = {}
    for name, job in schema.jobs.items():
        if name not in section:
            jobs[name] = job.default_settings()
            continue
        try:
            jobs[name] = job.settings_model.model_validate(section[name])
        except ValidationError as exc:
            errors += _from_pydantic(f"jobs.{name}", exc)
    return jobs, errors


def _enabled(raw: Mapping[Any, Any], jobs: Mapping[str, JobConfig], name: str) -> bool:
    """Whether job ``name`` is switched on; for an entry that failed validation, whether its
    ``enable`` is literally true, so its requirements are reported in the same round."""
    if name in jobs:
        return jobs[name].enable
    section = raw.get("jobs")
    entry = section.get(name) if isinstance(section, Mapping) else None
    return isinstance(entry, Mapping) and entry.get("enable") is True


def _parse_mappings(raw: Mapping[Any, Any]) -> tuple[Entries, list[FieldError]]:
    """The mapping kinds whose shape is valid (missing ones empty), and the errors of the rest."""
    section = _section(raw, "mapping")
    if isinstance(section, FieldError):
        return {}, [section]
    errors = [
        FieldError(f"mapping.{key}", f"unknown mapping (known: {', '.join(MAPPING_KINDS)})")
        for key in section
        if key not in MAPPING_KINDS
    ]
    mappings: Entries = {}
    for kind in MAPPING_KINDS:
        try:
            mappings[kind] = _ENTRIES.validate_python(section.get(kind, {}))
        except ValidationError as exc:
            errors += _from_pydantic(f"mapping.{kind}", exc)
    return mappings, errors


def _section(raw: Mapping[Any, Any], name: str) -> Mapping[Any, Any] | FieldError:
    if name not in raw:
        return FieldError(name, "required")
    value = raw[name]
    if not isinstance(value, Mapping):
        return FieldError(name, f"expected an object, got {_kind(value)}")
    return value


def _from_pydantic(prefix: str, exc: ValidationError) -> list[FieldError]:
    return [_field_error(prefix, detail) for detail in exc.errors(include_url=False)]


def _field_error(prefix: str, detail: ErrorDetails) -> FieldError:
    loc = [str(part) for part in detail["loc"]]
    if loc and loc[-1] == "[key]":
        return FieldError(".".join([prefix, *loc[:-1]]), "keys must be strings")
    return FieldError(".".join([prefix, *loc]), _reason(detail))


def _reason(detail: ErrorDetails) -> str:
    ctx = detail.get("ctx", {})
    if detail["type"] == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if detail["type"] == "less_than_equal":
        return f"must be at most {ctx['le']}"
    reason = _PLAIN_REASONS.get(detail["type"])
    if reason is None:
        return detail["msg"]
    if reason.startswith("expected"):
        return f"{reason}, got {_kind(detail['input'])}"
    return reason


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return names.get(type(value), type(value).__name__)
