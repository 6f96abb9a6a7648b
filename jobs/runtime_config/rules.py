"""Rules that span fields: mapping sanity, reverse-map conflicts (D11), enable-time requirements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from jobs.runtime_config.errors import FieldError, quote

_INT64_MAX: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Which vendor settings the start-up config (env.yaml) provides; enabling a job needs them."""

    dsco: bool
    lingxing: bool
    lingxing_platform_code: bool

    @classmethod
    def everything(cls) -> Capabilities:
        """All present: for re-reading a stored config, where a missing credential should fail
        the job's run with a clear error rather than make the whole stored config unreadable."""
        return cls(dsco=True, lingxing=True, lingxing_platform_code=True)


@dataclass(frozen=True, slots=True)
class JobNeeds:
    """What a job needs before it may be enabled."""

    dsco: bool = False
    lingxing: bool = False
    platform_code: bool = False
    shop: bool = False
    warehouse: bool = False


class ReverseMappingConflictError(ValueError):
    """Two keys of a mapping share one value, so the mapping cannot be read backwards."""


def reverse_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """Lingxing value → DSCO key; raises :class:`ReverseMappingConflictError` on a shared value."""
    reverse: dict[str, str] = {}
    for key, value in mapping.items():
        if value in reverse:
            raise ReverseMappingConflictError(_conflict_reason(value, [reverse[value], key]))
        reverse[value] = key
    return reverse


def mapping_errors(mappings: Mapping[str, Mapping[str, str]]) -> list[FieldError]:
    """Empty or padded keys/values, non-integer shop ids, and reverse conflicts (D11).

    ``mappings`` holds the kinds (``shop``, ``sku``…) whose shape is valid; others are skipped.
    """
    errors: list[FieldError] = []
    for kind, entries in mappings.items():
        errors.extend(_entry_errors(kind, entries))
    for kind in ("shop", "wms_sid"):
        errors.extend(_integer_id_errors(kind, mappings.get(kind, {})))
    for kind in ("warehouse", "sku"):
        errors.extend(_conflict_errors(kind, mappings.get(kind, {})))
    return errors


def enable_errors(
    name: str,
    needs: JobNeeds,
    mappings: Mapping[str, Mapping[str, str]],
    capabilities: Capabilities,
) -> list[FieldError]:
    """What enabling job ``name`` lacks. A kind absent from ``mappings`` (its shape was invalid
    and is reported already) is not reported again as empty."""
    path = f"jobs.{name}.enable"
    return [FieldError(path, reason) for reason in _missing(needs, mappings, capabilities)]


def _missing(
    needs: JobNeeds, mappings: Mapping[str, Mapping[str, str]], capabilities: Capabilities
) -> Iterator[str]:
    if needs.dsco and not capabilities.dsco:
        yield "needs DSCO credentials (auth.dsco.token in env.yaml)"
    if needs.lingxing and not capabilities.lingxing:
        yield "needs Lingxing credentials (auth.lingxing.app_id/app_secret in env.yaml)"
    if needs.platform_code and not capabilities.lingxing_platform_code:
        yield "needs integration.lingxing.platform_code in env.yaml"
    for kind, needed in (("shop", needs.shop), ("warehouse", needs.warehouse)):
        if needed and kind in mappings and not mappings[kind]:
            yield f"needs a non-empty mapping.{kind}"


def _entry_errors(kind: str, entries: Mapping[str, str]) -> Iterator[FieldError]:
    for key, value in entries.items():
        if not key.strip():
            # The whole entry is unusable; a value error at "mapping.sku." would only confuse.
            yield FieldError(f"mapping.{kind}", f"empty key {quote(key)}")
            continue
        if key != key.strip():
            yield FieldError(f"mapping.{kind}", f"key {quote(key)} has leading/trailing spaces")
        if not value.strip():
            yield FieldError(f"mapping.{kind}.{key}", "empty value")
        elif value != value.strip():
            yield FieldError(
                f"mapping.{kind}.{key}", f"value {quote(value)} has leading/trailing spaces"
            )


def _integer_id_errors(kind: str, entries: Mapping[str, str]) -> Iterator[FieldError]:
    # Store ids and WMS sids go to Lingxing as numbers: only the canonical decimal form
    # guarantees that the text we keep and the number we send are the same.
    for key, value in entries.items():
        if not value.strip() or value != value.strip():
            continue  # reported already as empty or padded
        if not _is_store_id(value):
            what = "store id" if kind == "shop" else "WMS sid"
            yield FieldError(
                f"mapping.{kind}.{key}", f"{quote(value)} is not a positive integer {what}"
            )


def _is_store_id(value: str) -> bool:
    if not (value.isascii() and value.isdigit()):
        return False
    number = int(value)
    return str(number) == value and 0 < number <= _INT64_MAX


def _conflict_errors(kind: str, entries: Mapping[str, str]) -> Iterator[FieldError]:
    keys_by_value: dict[str, list[str]] = {}
    for key, value in entries.items():
        keys_by_value.setdefault(value, []).append(key)
    for value, keys in keys_by_value.items():
        if len(keys) > 1:
            yield FieldError(f"mapping.{kind}", _conflict_reason(value, keys))


def _conflict_reason(value: str, keys: list[str]) -> str:
    quoted = [quote(key) for key in sorted(keys)]
    listed = ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
    both = "both " if len(keys) == 2 else ""
    return f"value {quote(value)} is mapped from {both}{listed} (it must map back to one key)"
