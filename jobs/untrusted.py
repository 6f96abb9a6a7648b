"""Vendor data is untrusted until checked: what may be stored, logged and used as a key.

Both vendors send text we do not control: a NUL byte in a gift message, an escape sequence in a
name, a PO number of blanks, a 10,000-character field. Three rules keep one such order from
stopping the others (docs/design.md, "Hostile vendor data"):

* :func:`storable` makes a raw payload storable in PostgreSQL, which cannot hold U+0000 in
  ``text``/``jsonb``, nor lone UTF-16 surrogates, nor non-finite numbers in ``jsonb``. Each is
  replaced (U+FFFD, or the number's name as a string) and the paths that changed are returned so
  the pull can say so. Everything else in the payload stays byte-for-byte what DSCO sent.
* :func:`identifier_problem` refuses a value that is used as a key at a vendor (PO number, SKU):
  an altered key would address another order or line, so it is never cleaned, only refused.
* :func:`printable` renders any vendor value for a log line: control and bidirectional-override
  characters escaped, length bounded, so a log reader's terminal is never driven by vendor data.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = [
    "MAX_IDENTIFIER",
    "identifier_problem",
    "plain_text",
    "printable",
    "storable",
    "unsafe_characters",
]

REPLACEMENT = "\ufffd"
MAX_IDENTIFIER = 100  # longer PO numbers / SKUs are not real ones; PostgreSQL indexes them too

# C0 and C1 controls, DEL, and the invisible bidirectional / zero-width marks that can reorder
# or hide what a terminal shows.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_PATH_LIMIT = 10  # changed paths reported per payload


def unsafe_characters(text: str) -> bool:
    """Whether ``text`` holds a control, bidi-override or zero-width character."""
    return _UNSAFE.search(text) is not None


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain_text(text: str) -> str:
    """Free text (a name, an address line) as we send it on: control and invisible characters
    carry no meaning there and become spaces; runs of whitespace collapse to one."""
    return " ".join(_UNSAFE.sub(" ", _LONE_SURROGATE.sub(REPLACEMENT, text)).split())


def printable(value: object, limit: int = 200) -> str:
    """``value`` as a single safe log token: unsafe characters escaped, at most ``limit``
    characters kept (the rest summarised by its length)."""
    text = value if isinstance(value, str) else str(value)
    text = _LONE_SURROGATE.sub(REPLACEMENT, text)
    if len(text) > limit:
        text = f"{text[:limit]}...(+{len(text) - limit} chars)"
    return _UNSAFE.sub(_escape, text)


def identifier_problem(value: object, *, max_length: int = MAX_IDENTIFIER) -> str | None:
    """Why ``value`` cannot serve as a vendor key (None when it can).

    A key must be a non-blank string without surrounding whitespace (Lingxing strips it, so the
    key we send would differ from the one we store) and without control or invisible
    characters, of a plausible length."""
    if not isinstance(value, str):
        return "not_a_string"
    if not value.strip():
        return "blank"
    if value != value.strip():
        return "surrounding_whitespace"
    if unsafe_characters(value) or _LONE_SURROGATE.search(value):
        return "control_character"
    if REPLACEMENT in value:  # what storable() left of a NUL: the vendor's key is not this
        return "replaced_character"
    if len(value) > max_length:
        return "too_long"
    return None


def storable(value: Any) -> tuple[Any, list[str]]:
    """The JSON ``value`` in a form PostgreSQL can store (``value`` itself when it already is:
    nearly always), and the paths that had to change (at most ten reported)."""
    clean, _, changed = storable_json(value)
    return clean, changed


def storable_json(value: Any) -> tuple[Any, str, list[str]]:
    """:func:`storable`, with the JSON text of the result (the pull stores that text).

    Whether anything needs cleaning is decided from the JSON text in one C pass, not a Python
    walk over every field (the pull sees a thousand orders a page): the encoder refuses
    non-finite numbers, writes U+0000 as ``\\u0000`` and leaves lone surrogates as they are.
    A false alarm (a text that spells ``\\u0000``) only sends the value through the careful
    walk, which decides."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        text = None
    if text is not None and "\\u0000" not in text and _LONE_SURROGATE.search(text) is None:
        return value, text, []
    changed: list[str] = []
    clean = _clean(value, "", changed)
    return clean, json.dumps(clean, ensure_ascii=False, allow_nan=False), changed[:_PATH_LIMIT]


def _clean_text(text: str, path: str, changed: list[str]) -> str:
    if "\x00" not in text and not _LONE_SURROGATE.search(text):
        return text
    changed.append(path or "$")
    return _LONE_SURROGATE.sub(REPLACEMENT, text.replace("\x00", REPLACEMENT))


def _clean(value: Any, path: str, changed: list[str]) -> Any:
    if isinstance(value, str):
        return _clean_text(value, path, changed)
    if isinstance(value, float) and not math.isfinite(value):
        changed.append(path or "$")
        return str(value)  # "nan", "inf": kept visible, never read as a number
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = _clean_text(str(key), f"{path}.<key>" if path else "<key>", changed)
            out[name] = _clean(item, f"{path}.{printable(name, 40)}" if path else name, changed)
        return out
    if isinstance(value, list):
        return [_clean(item, f"{path}[{i}]", changed) for i, item in enumerate(value)]
    return value
