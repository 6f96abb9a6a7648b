"""Table tests for the runtime-config model and every validation rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from jobs.catalog import SCHEMA
from jobs.pull_dsco_orders import PullSettings
from jobs.pull_sku_pair import PullSkuPairSettings
from jobs.runtime_config import (
    Capabilities,
    FieldError,
    MultiBanJobConfig,
    ReverseMappingConflictError,
    RuntimeConfig,
    RuntimeConfigError,
    config_to_json,
    reverse_mapping,
)
from jobs.sync_stock import SyncStockSettings

JOB_NAMES = tuple(SCHEMA.names())


def default_config() -> RuntimeConfig:
    return SCHEMA.default()


def validate_runtime_config(
    raw: object, *, domain: str, capabilities: Capabilities
) -> RuntimeConfig:
    return SCHEMA.validate(raw, domain=domain, capabilities=capabilities)


ALL = Capabilities(dsco=True, lingxing=True, lingxing_platform_code=True)
NONE = Capabilities(dsco=False, lingxing=False, lingxing_platform_code=False)

# The default document. The order jobs run every 5 minutes over batches of up to 1,000 (push:
# 500): a run's vendor calls grow with what changed, not with the batch (docs/performance.md).
SPEC_DEFAULT: dict[str, Any] = {
    "domain": "dsco_lingxing",
    "jobs": {
        "pull_dsco_orders": {
            "enable": False,
            "cron": "0 */5 * * * *",
            "size": 1000,
            "lookback_seconds": 3600,
        },
        "push_to_lingxing": {"enable": False, "cron": "0 */5 * * * *", "size": 500},
        "ack_to_dsco": {"enable": False, "cron": "0 */5 * * * *", "size": 1000, "multi_ban": False},
        "ship_to_dsco": {
            "enable": False,
            "cron": "0 */5 * * * *",
            "size": 1000,
            "multi_ban": False,
        },
        "invoice_to_dsco": {
            "enable": False,
            "cron": "0 */5 * * * *",
            "size": 1000,
            "multi_ban": False,
        },
        "sync_stock": {
            "enable": False,
            "cron": "0 0 1 * * *",
            "size": 200,
            "sync": False,
            "use_stream": False,
            "stream_above_skus": 300,
        },
        "pull_sku_pair": {
            "enable": False,
            "cron": "0 0 3 * * *",
            "size": 1000,
            "max_shrink_fraction": 0.5,
        },
        "check_orders": {"enable": False, "cron": "0 0 2 * * *", "size": 500},
        "cleanup_exports": {"enable": True, "cron": "0 0 * * * *", "size": 1},
    },
    "mapping": {"shop": {}, "warehouse": {}, "sku": {}, "shipment": {}, "wms_sid": {}},
}


def full() -> dict[str, Any]:
    """A valid document with every job enabled and every mapping filled."""
    doc = copy.deepcopy(SPEC_DEFAULT)
    for job in doc["jobs"].values():
        job["enable"] = True
    doc["mapping"] = {
        "shop": {"1001": "12", "1002": "12"},  # two retailers may share one store
        "warehouse": {"WH-A": "5001", "WH-B": "5002"},
        "sku": {"DS-1": "LX-1", "DS-2": "LX-2"},
        "shipment": {"WH-A-GROUND": "7", "WH-B-GROUND": "7"},  # many → one is fine
        "wms_sid": {"1001": "3401"},
    }
    return doc


def validate(doc: object, *, domain: str = "dsco_lingxing", caps: Capabilities = ALL) -> Any:
    return validate_runtime_config(doc, domain=domain, capabilities=caps)


def errors_of(doc: object, *, domain: str = "dsco_lingxing", caps: Capabilities = ALL) -> list[str]:
    with pytest.raises(RuntimeConfigError) as caught:
        validate(doc, domain=domain, caps=caps)
    return [str(error) for error in caught.value.errors]


# --- defaults, model, round trip ----------------------------------------------------------------


def test_job_names_follow_the_spec_order() -> None:
    assert tuple(SPEC_DEFAULT["jobs"]) == JOB_NAMES
    assert tuple(default_config().jobs) == JOB_NAMES


def test_default_config_is_the_spec_document() -> None:
    assert config_to_json(default_config()) == SPEC_DEFAULT


def test_default_config_is_valid_without_any_credentials() -> None:
    assert validate(config_to_json(default_config()), caps=NONE) == default_config()


def test_full_config_round_trips() -> None:
    config = validate(full())
    assert isinstance(config, RuntimeConfig)
    assert config_to_json(config) == full()
    assert validate(config_to_json(config)) == config


def test_job_options_are_typed() -> None:
    doc = full()
    doc["jobs"]["pull_dsco_orders"]["lookback_seconds"] = 600
    doc["jobs"]["ship_to_dsco"]["multi_ban"] = True
    doc["jobs"]["sync_stock"] |= {"sync": True, "use_stream": True}
    doc["jobs"]["pull_sku_pair"]["max_shrink_fraction"] = 0.25
    config = validate(doc)
    assert isinstance(config.job("pull_dsco_orders"), PullSettings)
    assert config.jobs["pull_dsco_orders"].lookback_seconds == 600
    assert isinstance(config.jobs["ship_to_dsco"], MultiBanJobConfig)
    assert config.jobs["ship_to_dsco"].multi_ban is True
    assert isinstance(config.jobs["sync_stock"], SyncStockSettings)
    assert (config.jobs["sync_stock"].sync, config.jobs["sync_stock"].use_stream) == (True, True)
    assert isinstance(config.jobs["pull_sku_pair"], PullSkuPairSettings)
    assert config.jobs["pull_sku_pair"].max_shrink_fraction == 0.25
    assert config.mapping.sku == {"DS-1": "LX-1", "DS-2": "LX-2"}


def test_job_accessor() -> None:
    config = default_config()
    assert config.job("sync_stock") is config.jobs["sync_stock"]
    assert config.job("cleanup_exports").enable is True
    assert config.job("push_to_lingxing").size == 500
    assert config.job("pull_sku_pair").cron == "0 0 3 * * *"
    with pytest.raises(KeyError, match="nope"):
        config.job("nope")


def test_models_are_frozen() -> None:
    config = default_config()
    with pytest.raises(ValidationError):
        config.jobs["sync_stock"].enable = True  # type: ignore[misc]
    with pytest.raises(ValidationError):
        config.domain = "other"  # type: ignore[misc]


def test_job_options_default_when_missing() -> None:
    doc = full()
    del doc["jobs"]["sync_stock"]["use_stream"]
    del doc["jobs"]["pull_sku_pair"]["max_shrink_fraction"]
    config = validate(doc)
    assert config.jobs["sync_stock"].use_stream is False
    assert config.jobs["pull_sku_pair"].max_shrink_fraction == 0.5


def test_missing_job_entries_are_filled_from_the_default() -> None:
    doc = full()
    del doc["jobs"]["check_orders"]
    del doc["jobs"]["cleanup_exports"]
    config = validate(doc)
    assert config.jobs["check_orders"] == default_config().jobs["check_orders"]
    assert config.jobs["cleanup_exports"].enable is True
    assert validate({**doc, "jobs": {}}).jobs == default_config().jobs


def test_missing_mapping_kinds_are_empty() -> None:
    doc = copy.deepcopy(SPEC_DEFAULT)
    doc["mapping"] = {"sku": {"A": "B"}}
    config = validate(doc)
    assert dict(config.mapping.sku) == {"A": "B"}
    assert dict(config.mapping.shipment) == {}


@pytest.mark.parametrize("fraction", [0, 1, 0.0, 1.0])
def test_max_shrink_fraction_bounds_are_inclusive(fraction: float) -> None:
    doc = full()
    doc["jobs"]["pull_sku_pair"]["max_shrink_fraction"] = fraction
    assert validate(doc).jobs["pull_sku_pair"].max_shrink_fraction == fraction


# --- one rule broken at a time: exactly that error ----------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: object) -> Mutation:
    *parents, last = path.split(".")

    def apply(doc: dict[str, Any]) -> None:
        node = doc
        for part in parents:
            node = node[part]
        node[last] = value

    return apply


def _delete(path: str) -> Mutation:
    *parents, last = path.split(".")

    def apply(doc: dict[str, Any]) -> None:
        node = doc
        for part in parents:
            node = node[part]
        del node[last]

    return apply


PUSH_CRON = "jobs.push_to_lingxing.cron"
SINGLE_ERRORS: list[tuple[str, Mutation, str]] = [
    # JSON shape
    ("unknown top-level key", _set("extra", 1), "extra: unknown key"),
    ("domain missing", _delete("domain"), "domain: required"),
    ("jobs missing", _delete("jobs"), "jobs: required"),
    ("mapping missing", _delete("mapping"), "mapping: required"),
    ("jobs not an object", _set("jobs", []), "jobs: expected an object, got an array"),
    ("mapping not an object", _set("mapping", "x"), "mapping: expected an object, got a string"),
    ("job not an object", _set("jobs.check_orders", None), "jobs.check_orders: expected an object"),
    # domain
    ("wrong domain", _set("domain", "other"), 'domain: expected "dsco_lingxing", got "other"'),
    ("domain not a string", _set("domain", 5), "domain: expected a string, got a number"),
    # job names and fields
    ("unknown job", _set("jobs.pull_everything", {}), "jobs.pull_everything: unknown job (known:"),
    (
        "unknown option",
        _set("jobs.ack_to_dsco.multiban", True),
        "ack_to_dsco.multiban: unknown option",
    ),
    (
        "option of another job",
        _set("jobs.ack_to_dsco.sync", True),
        "ack_to_dsco.sync: unknown option",
    ),
    ("cron missing", _delete(PUSH_CRON), f"{PUSH_CRON}: required"),
    (
        "5-field cron",
        _set(PUSH_CRON, "*/15 * * * *"),
        f"{PUSH_CRON}: expected 6 fields (sec min hour dom mon dow), got 5",
    ),
    ("7-field cron", _set(PUSH_CRON, "0 0 0 * * * 2030"), f"{PUSH_CRON}: expected 6 fields"),
    ("garbage cron", _set(PUSH_CRON, "every day"), f"{PUSH_CRON}: expected 6 fields"),
    ("cron out of range", _set(PUSH_CRON, "0 0 25 * * *"), f"{PUSH_CRON}: hour field '25'"),
    ("cron not a string", _set(PUSH_CRON, 15), f"{PUSH_CRON}: expected a string"),
    ("size 0", _set("jobs.sync_stock.size", 0), "jobs.sync_stock.size: must be at least 1"),
    ("size negative", _set("jobs.sync_stock.size", -5), "jobs.sync_stock.size: must be at least 1"),
    ("size huge", _set("jobs.sync_stock.size", 10**30), "jobs.sync_stock.size: must be at most"),
    ("size bool", _set("jobs.sync_stock.size", True), "jobs.sync_stock.size: expected an integer"),
    (
        "size string",
        _set("jobs.sync_stock.size", "50"),
        "jobs.sync_stock.size: expected an integer",
    ),
    ("size float", _set("jobs.sync_stock.size", 50.0), "jobs.sync_stock.size: expected an integer"),
    ("enable string", _set("jobs.sync_stock.enable", "yes"), "sync_stock.enable: expected true or"),
    ("enable int", _set("jobs.sync_stock.enable", 1), "sync_stock.enable: expected true or false"),
    (
        "negative lookback",
        _set("jobs.pull_dsco_orders.lookback_seconds", -1),
        "jobs.pull_dsco_orders.lookback_seconds: must be at least 0",
    ),
    ("multi_ban int", _set("jobs.invoice_to_dsco.multi_ban", 0), "multi_ban: expected true or"),
    (
        "sync string",
        _set("jobs.sync_stock.sync", "true"),
        "sync_stock.sync: expected true or false",
    ),
    (
        "shrink fraction above 1",
        _set("jobs.pull_sku_pair.max_shrink_fraction", 1.5),
        "jobs.pull_sku_pair.max_shrink_fraction: must be at most 1",
    ),
    (
        "shrink fraction below 0",
        _set("jobs.pull_sku_pair.max_shrink_fraction", -0.1),
        "jobs.pull_sku_pair.max_shrink_fraction: must be at least 0",
    ),
    (
        "shrink fraction bool",
        _set("jobs.pull_sku_pair.max_shrink_fraction", True),
        "jobs.pull_sku_pair.max_shrink_fraction: expected a number",
    ),
    (
        "shrink fraction NaN",
        _set("jobs.pull_sku_pair.max_shrink_fraction", float("nan")),
        "jobs.pull_sku_pair.max_shrink_fraction: must be a finite number",
    ),
    # mapping shape and entries
    ("unknown mapping", _set("mapping.store", {}), "mapping.store: unknown mapping (known:"),
    ("mapping kind not an object", _set("mapping.sku", ["A"]), "mapping.sku: expected an object"),
    ("non-string value", _set("mapping.sku.DS-3", 3), "mapping.sku.DS-3: expected a string"),
    ("null value", _set("mapping.shipment.X-Y", None), "mapping.shipment.X-Y: expected a string"),
    ("empty key", _set("mapping.sku.", "LX-9"), 'mapping.sku: empty key ""'),
    ("blank key", _set("mapping.shipment. ", "9"), 'mapping.shipment: empty key " "'),
    (
        "empty value",
        _set("mapping.shipment.WH-C-AIR", ""),
        "mapping.shipment.WH-C-AIR: empty value",
    ),
    (
        "padded key",
        _set("mapping.sku.DS-3 ", "LX-3"),
        'mapping.sku: key "DS-3 " has leading/trailing spaces',
    ),
    (
        "padded value",
        _set("mapping.warehouse.WH-C", " 5003"),
        'mapping.warehouse.WH-C: value " 5003" has leading/trailing spaces',
    ),
    # shop values are integer store ids
    ("shop 12a", _set("mapping.shop.1003", "12a"), '1003: "12a" is not a positive integer store'),
    ("wms sid", _set("mapping.wms_sid.1003", "x1"), '1003: "x1" is not a positive integer WMS sid'),
    ("shop 1.5", _set("mapping.shop.1003", "1.5"), '1003: "1.5" is not a positive integer store'),
    ("shop -3", _set("mapping.shop.1003", "-3"), '1003: "-3" is not a positive integer store'),
    ("shop 0", _set("mapping.shop.1003", "0"), '1003: "0" is not a positive integer store'),
    ("shop 012", _set("mapping.shop.1003", "012"), '1003: "012" is not a positive integer store'),
    ("shop full-width", _set("mapping.shop.1003", "１２"), "is not a positive integer store"),
    ("shop too big", _set("mapping.shop.1003", str(2**63)), "is not a positive integer store"),
    ("shop empty", _set("mapping.shop.1003", ""), "mapping.shop.1003: empty value"),
    # reverse conflicts (D11)
    (
        "warehouse reverse conflict",
        _set("mapping.warehouse.WH-C", "5001"),
        'mapping.warehouse: value "5001" is mapped from both "WH-A" and "WH-C"',
    ),
    (
        "sku reverse conflict",
        _set("mapping.sku.DS-9", "LX-2"),
        'mapping.sku: value "LX-2" is mapped from both "DS-2" and "DS-9"',
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in SINGLE_ERRORS],
)
def test_each_rule_reports_exactly_its_error(mutate: Mutation, expected: str) -> None:
    doc = full()
    mutate(doc)
    errors = errors_of(doc)
    assert len(errors) == 1, errors
    assert expected in errors[0]


@pytest.mark.parametrize(
    "raw", [None, [], "{}", 5, True], ids=["null", "array", "string", "number", "bool"]
)
def test_document_must_be_an_object(raw: object) -> None:
    errors = errors_of(raw)
    assert len(errors) == 1
    assert errors[0].startswith("<root>: expected an object, got ")


def test_domain_must_equal_the_requested_domain() -> None:
    errors = errors_of(full(), domain="other_domain")
    assert errors == ['domain: "dsco_lingxing" does not match the requested domain "other_domain"']


def test_three_keys_on_one_value_are_named_together() -> None:
    doc = full()
    doc["mapping"]["sku"] |= {"DS-8": "LX-1", "DS-9": "LX-1"}
    assert errors_of(doc) == [
        'mapping.sku: value "LX-1" is mapped from "DS-1", "DS-8" and "DS-9" '
        "(it must map back to one key)"
    ]


def test_non_string_mapping_keys_are_rejected() -> None:
    doc = full()
    doc["mapping"]["sku"] = {1: "LX-1"}
    assert errors_of(doc) == ["mapping.sku.1: keys must be strings"]


# --- what enabling a job needs ------------------------------------------------------------------

# (job, needs DSCO, needs Lingxing, needs platform code, needs shop, needs warehouse)
NEEDS = [
    ("pull_dsco_orders", True, False, False, False, False),
    ("push_to_lingxing", False, True, True, True, False),
    ("ack_to_dsco", True, True, False, False, False),
    ("ship_to_dsco", True, True, False, True, False),
    ("invoice_to_dsco", True, True, False, True, False),
    ("sync_stock", True, True, False, False, True),
    ("pull_sku_pair", False, True, False, False, False),
    ("check_orders", True, True, False, False, False),
    ("cleanup_exports", False, False, False, False, False),
]


def _only_enabled(name: str) -> dict[str, Any]:
    doc = full()
    for job, settings in doc["jobs"].items():
        settings["enable"] = job == name
    return doc


@pytest.mark.parametrize(
    ("name", "dsco", "lingxing", "platform", "shop", "warehouse"),
    NEEDS,
    ids=[row[0] for row in NEEDS],
)
def test_enabling_a_job_needs_its_credentials_and_mappings(
    name: str, dsco: bool, lingxing: bool, platform: bool, shop: bool, warehouse: bool
) -> None:
    path = f"jobs.{name}.enable"
    assert validate(_only_enabled(name)).job(name).enable is True
    expected = {
        f"{path}: needs DSCO credentials (auth.dsco.token in env.yaml)": dsco,
        f"{path}: needs Lingxing credentials (auth.lingxing.app_id/app_secret in env.yaml)": (
            lingxing
        ),
        f"{path}: needs integration.lingxing.platform_code in env.yaml": platform,
    }
    no_caps = _only_enabled(name)
    assert _errors_or_none(no_caps, NONE) == sorted(k for k, v in expected.items() if v)
    no_maps = _only_enabled(name)
    no_maps["mapping"] = {"shop": {}, "warehouse": {}, "sku": {}, "shipment": {}}
    expected_maps = {
        f"{path}: needs a non-empty mapping.shop": shop,
        f"{path}: needs a non-empty mapping.warehouse": warehouse,
    }
    assert _errors_or_none(no_maps, ALL) == sorted(k for k, v in expected_maps.items() if v)


def _errors_or_none(doc: dict[str, Any], caps: Capabilities) -> list[str]:
    try:
        validate(doc, caps=caps)
    except RuntimeConfigError as exc:
        return sorted(str(error) for error in exc.errors)
    return []


def test_disabled_jobs_need_nothing() -> None:
    doc = copy.deepcopy(SPEC_DEFAULT)
    doc["jobs"]["cleanup_exports"]["enable"] = False
    assert validate(doc, caps=NONE).job("cleanup_exports").enable is False


def test_platform_code_alone_is_not_lingxing_credentials() -> None:
    caps = Capabilities(dsco=True, lingxing=False, lingxing_platform_code=True)
    assert errors_of(_only_enabled("push_to_lingxing"), caps=caps) == [
        "jobs.push_to_lingxing.enable: needs Lingxing credentials "
        "(auth.lingxing.app_id/app_secret in env.yaml)"
    ]


def test_enable_needs_are_reported_even_when_the_entry_is_broken() -> None:
    doc = _only_enabled("sync_stock")
    doc["jobs"]["sync_stock"]["size"] = 0
    doc["mapping"]["warehouse"] = {}
    assert sorted(errors_of(doc)) == [
        "jobs.sync_stock.enable: needs a non-empty mapping.warehouse",
        "jobs.sync_stock.size: must be at least 1",
    ]


def test_a_malformed_mapping_is_not_also_reported_as_empty() -> None:
    doc = _only_enabled("push_to_lingxing")
    doc["mapping"]["shop"] = ["1001"]
    assert errors_of(doc) == ["mapping.shop: expected an object, got an array"]


# --- all errors at once -------------------------------------------------------------------------


def test_every_error_is_reported_together() -> None:
    doc = full()
    doc["surprise"] = True
    doc["domain"] = "dsco"
    doc["jobs"]["teleport"] = {}
    doc["jobs"]["push_to_lingxing"]["cron"] = "*/15 * * * *"
    doc["jobs"]["ack_to_dsco"]["size"] = 0
    doc["mapping"]["shop"] = {"1001": "12a"}
    doc["mapping"]["warehouse"] = {"WH-A": "5001", "WH-B": "5001"}
    doc["mapping"]["sku"] = {"A": "X1", "B": "X1", "": "X2"}
    caps = Capabilities(dsco=True, lingxing=True, lingxing_platform_code=False)
    with pytest.raises(RuntimeConfigError) as caught:
        validate(doc, caps=caps)
    paths = [error.path for error in caught.value.errors]
    assert sorted(paths) == sorted(
        [
            "surprise",
            "domain",
            "jobs.teleport",
            "jobs.push_to_lingxing.cron",
            "jobs.ack_to_dsco.size",
            "mapping.shop.1001",
            "mapping.warehouse",
            "mapping.sku",
            "mapping.sku",
            "jobs.push_to_lingxing.enable",
        ]
    )
    message = str(caught.value)
    assert message.startswith("invalid runtime config (10 errors): ")
    for error in caught.value.errors:
        assert str(error) in message
    assert "jobs.push_to_lingxing.cron: expected 6 fields (sec min hour dom mon dow), got 5" in (
        message
    )
    assert 'mapping.sku: value "X1" is mapped from both "A" and "B"' in message


def test_error_types() -> None:
    error = RuntimeConfigError([FieldError("jobs.x", "unknown job")])
    assert str(error) == "invalid runtime config (1 error): jobs.x: unknown job"
    assert error.errors == [FieldError("jobs.x", "unknown job")]
    assert isinstance(error, ValueError)


# --- helpers ------------------------------------------------------------------------------------


def test_reverse_mapping() -> None:
    assert reverse_mapping({"DS-1": "LX-1", "DS-2": "LX-2"}) == {"LX-1": "DS-1", "LX-2": "DS-2"}
    assert reverse_mapping({}) == {}


def test_reverse_mapping_conflict_names_the_value_and_both_keys() -> None:
    with pytest.raises(ReverseMappingConflictError) as caught:
        reverse_mapping({"A": "X1", "B": "X1"})
    assert 'value "X1" is mapped from both "A" and "B"' in str(caught.value)


def test_capabilities_everything() -> None:
    assert Capabilities.everything() == ALL
    with pytest.raises(AttributeError):
        ALL.dsco = False  # type: ignore[misc]
