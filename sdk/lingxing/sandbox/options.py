"""Behaviour switches of the Lingxing sandbox.

Each switch covers a point where the fact sheet could not say for sure how Lingxing behaves; the
default is the fact sheet's best guess, and tests can flip a switch to exercise the other reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

SignVariant = Literal["either", "received", "sorted"]


@dataclass
class SandboxOptions:
    """Mutable switches; change them directly or with ``POST /__sandbox/options``."""

    # Minting a token revokes the app's previous access token (later use -> 2001005).
    rotate_on_issue: bool = True
    # Refresh hands back the SAME access token with a new lifetime instead of a new one.
    refresh_keeps_access_token: bool = False
    # Refresh-token lifetime in seconds (documented as 2 h).
    refresh_token_ttl: float = 7200.0
    # How nested arrays/objects in the body are re-serialised for the sign check:
    # "received" = key order as received, "sorted" = keys sorted recursively, "either" = both.
    sign_variant: SignVariant = "either"
    # A sign is valid this many seconds after its timestamp (2001007 afterwards).
    sign_max_age: float = 120.0
    # Reject timestamps further than this in the future (None: accept any future timestamp).
    sign_max_future: float | None = None
    # Caller IPs allowed (None = no whitelist); others get 3001002.
    ip_whitelist: list[str] | None = None
    # Paths the app may call (None = all); others get 2001004.
    permitted_paths: list[str] | None = None
    # New orders go straight to status 5 (reviewed) instead of 4 (pending review).
    auto_review: bool = False
    # A deleted order still blocks re-use of its platform_order_no in the same store.
    deleted_blocks_duplicates: bool = True
    # Largest ``orders`` array one create call accepts (undocumented upstream).
    max_orders_per_create: int = 50
    # Answer code 1 (instead of code 0 with error_details) when every order of a create fails.
    create_fails_when_all_fail: bool = False
    # WMS outbound list without dates only shows orders created in this many recent days.
    wms_default_window_days: int = 30
    # Decrement product_valid_num when an order is shipped through the control API.
    ship_consumes_inventory: bool = True
    # Per-path in-flight capacities that replace the documented ones (path -> capacity).
    capacity_overrides: dict[str, int] = field(default_factory=dict)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply ``changes`` (switch name -> value); unknown names raise ``KeyError``."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise KeyError(f"unknown sandbox option(s): {', '.join(unknown)}")
        for name, value in changes.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        """The current switches as JSON-ready values."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
