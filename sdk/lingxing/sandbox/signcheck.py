"""Server-side verification of a Lingxing request sign (fact sheet §2).

The sandbox re-renders every top-level body value from the JSON text it received (number literals
kept exactly as sent, non-ASCII raw) and then signs with the client's own canonical-string and
AES code. Nested arrays/objects are re-serialised compactly either in the order received or with
keys sorted recursively (§2.5 leaves open which one Lingxing does; ``sign_variant`` picks).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from ..signing import make_sign
from .options import SignVariant


class _NumberLiteral(str):
    """A JSON number kept as the exact text the client sent."""

    __slots__ = ()


def parse_for_sign(raw: bytes) -> dict[str, Any]:
    """The JSON body as an object whose numbers stay literal text; ``{}`` if not an object."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_int=_NumberLiteral, parse_float=_NumberLiteral)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _compact(value: Any, sort_keys: bool) -> str:
    if isinstance(value, _NumberLiteral):
        return str(value)
    if isinstance(value, dict):
        keys = sorted(value) if sort_keys else list(value)
        inner = (
            f"{json.dumps(k, ensure_ascii=False)}:{_compact(value[k], sort_keys)}" for k in keys
        )
        return "{" + ",".join(inner) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v, sort_keys) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _render(value: Any, sort_keys: bool) -> str:
    """Top-level rendering: strings unquoted, literals as sent, collections compact JSON."""
    if isinstance(value, str):  # also _NumberLiteral
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _compact(value, sort_keys)


def expected_signs(
    query: Mapping[str, str], body: Mapping[str, Any], app_id: str, variant: SignVariant
) -> list[str]:
    """Every sign the sandbox accepts for this request under ``variant``."""
    fixed = {k: query[k] for k in ("access_token", "app_key", "timestamp")}
    orders = {"received": [False], "sorted": [True], "either": [False, True]}[variant]
    signs: list[str] = []
    for sort_keys in orders:
        params = {**{k: _render(v, sort_keys) for k, v in body.items()}, **fixed}
        sign = make_sign(params, app_id)
        if sign not in signs:
            signs.append(sign)
    return signs


def sign_matches(
    query: Mapping[str, str], body: Mapping[str, Any], app_id: str, variant: SignVariant
) -> bool:
    """True when ``query['sign']`` is one of the accepted signs (constant-time compare)."""
    given = query.get("sign", "").encode()
    candidates = expected_signs(query, body, app_id, variant)
    return any(hmac.compare_digest(given, c.encode()) for c in candidates)
