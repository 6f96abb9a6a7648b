"""Lingxing request signing: pure functions, no I/O.

Every business call carries four query parameters: ``access_token``, ``app_key`` (the appId),
``timestamp`` (unix seconds, 10 digits) and ``sign``. The sign is computed over the three fixed
parameters plus every top-level field of the JSON body:

1. :func:`canonical_string` sorts the keys and joins ``key=value`` pairs with ``&``; an empty
   string drops its key, ``None`` renders as ``null``, booleans as ``true``/``false``, numbers as
   their JSON literal and arrays/objects as compact JSON with raw UTF-8.
2. :func:`make_sign` upper-cases the MD5 hex digest of that string, encrypts the 32 ASCII bytes
   with AES/ECB/PKCS7 keyed by the appId bytes, and Base64-encodes the 48-byte ciphertext.

The client serialises the body once with :func:`encode_body` (compact, keys sorted recursively)
and signs nested values with the same settings, so "as sent", "sorted" and "re-serialised in
received order" all produce the same text. A server (the sandbox) that does not know which of those
rules a caller used verifies with :func:`verify_sign`, which accepts either nested key order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "AES_KEY_LENGTHS",
    "InvalidAppIdError",
    "body_sign_params",
    "canonical_string",
    "check_app_id",
    "encode_body",
    "make_sign",
    "md5_upper",
    "render_value",
    "sign_canonical",
    "signed_query",
    "verify_sign",
]

AES_KEY_LENGTHS = (16, 24, 32)


class InvalidAppIdError(ValueError):
    """The appId cannot be an AES key: it must be 16, 24 or 32 bytes of UTF-8."""


def check_app_id(app_id: str) -> bytes:
    """Return the AES key bytes of ``app_id``; raise :class:`InvalidAppIdError` otherwise.

    Lingxing keys AES with the raw appId; any padding or hashing we invented would make every
    sign wrong, so a bad length fails loudly instead.
    """
    key = app_id.encode("utf-8")
    if len(key) not in AES_KEY_LENGTHS:
        raise InvalidAppIdError(f"appId must be 16, 24 or 32 bytes long, got {len(key)} bytes")
    return key


def _compact_json(value: object, *, sort_keys: bool) -> str:
    return json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys, allow_nan=False
    )


def render_value(value: object, *, sort_keys: bool = True) -> str | None:
    """Render one top-level value for the canonical string; ``None`` means "omit the key"."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, str):
        return value or None
    if isinstance(value, Decimal):
        return str(value)
    # numbers, arrays and objects: their compact JSON text
    return _compact_json(value, sort_keys=sort_keys)


def canonical_string(params: Mapping[str, object], *, sort_nested_keys: bool = True) -> str:
    """Build the string that is hashed: sorted ``key=value`` pairs joined by ``&``, unencoded.

    ``sort_nested_keys=False`` keeps the key order of nested objects as given (variant "A" of
    the fact sheet); the default sorts them recursively (variant "B", what this client sends).
    """
    pairs = []
    for key in sorted(params):
        rendered = render_value(params[key], sort_keys=sort_nested_keys)
        if rendered is not None:
            pairs.append(f"{key}={rendered}")
    return "&".join(pairs)


def md5_upper(canonical: str) -> str:
    """Upper-case hex MD5 of the UTF-8 canonical string (the AES plaintext)."""
    return hashlib.md5(canonical.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def sign_canonical(canonical: str, app_id: str) -> str:
    """Sign an already built canonical string (see the module docstring for the steps)."""
    key = check_app_id(app_id)
    padder = padding.PKCS7(128).padder()
    plaintext = padder.update(md5_upper(canonical).encode("ascii")) + padder.finalize()
    # ECB is what the vendor specifies; the plaintext is a single fixed-size digest.
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode("ascii")


def make_sign(params: Mapping[str, object], app_id: str) -> str:
    """Return the Base64 sign of ``params`` (fixed query params + top-level body fields).

    The result is the raw sign; the HTTP library URL-encodes it once (``+`` → ``%2B``).
    """
    return sign_canonical(canonical_string(params), app_id)


def verify_sign(params: Mapping[str, object], app_id: str, sign: str) -> bool:
    """True when ``sign`` matches ``params`` with nested keys sorted or in received order.

    Pass ``params`` parsed from the received body so that nested key order is preserved.
    Raises :class:`InvalidAppIdError` for an appId that cannot be an AES key.
    """
    for sort_nested in (True, False):
        expected = sign_canonical(canonical_string(params, sort_nested_keys=sort_nested), app_id)
        if hmac.compare_digest(expected.encode("ascii"), sign.encode("utf-8", "replace")):
            return True
    return False


def encode_body(body: Mapping[str, object]) -> bytes:
    """Serialise a JSON body exactly once, in the form whose nested values we also sign."""
    return _compact_json(dict(body), sort_keys=True).encode("utf-8")


def body_sign_params(
    body: Mapping[str, object], *, access_token: str, app_id: str, timestamp: str
) -> dict[str, object]:
    """The parameter set that is signed for a POST: the three fixed params plus body fields."""
    fixed = {"access_token": access_token, "app_key": app_id, "timestamp": timestamp}
    clash = fixed.keys() & body.keys()
    if clash:
        raise ValueError(f"body fields clash with signed query params: {sorted(clash)}")
    return {**body, **fixed}


def signed_query(
    body: Mapping[str, object], *, access_token: str, app_id: str, timestamp: str
) -> dict[str, str]:
    """The four query parameters of a signed POST whose JSON body is ``body``."""
    params = body_sign_params(body, access_token=access_token, app_id=app_id, timestamp=timestamp)
    return {
        "access_token": access_token,
        "app_key": app_id,
        "timestamp": timestamp,
        "sign": make_sign(params, app_id),
    }
