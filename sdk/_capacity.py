"""Deployment-wide in-flight caps: the protocol the SDK takes and its in-process default.

A vendor that caps requests in flight per account (Lingxing: per appId and endpoint) counts the
calls of every process using that account, not of one. :class:`~sdk._limits.ConcurrencyLimiter`
first takes a local slot (so this process never has more than ``cap`` calls of a key in flight),
then asks its :class:`CapacityGate` for one of the ``cap`` slots shared by the whole deployment
and holds it until the call has its answer.

:class:`ProcessGate` is the default for a process that is the account's only user: the local
semaphore already is the whole cap. The daemon passes a gate backed by its database instead
(``db.endpoint_slots``); the SDK never imports it, it only relies on this protocol.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Protocol

__all__ = ["CapacityGate", "GateUnavailable", "ProcessGate"]


class CapacityGate(Protocol):
    """Holds one of the ``cap`` deployment-wide slots of ``key`` for the duration of a block.

    Entering waits until a slot is free. An implementation that cannot reach its shared state
    raises :class:`ConnectionError` on entry; leaving never raises.
    """

    def slot(self, key: str, cap: int) -> AbstractAsyncContextManager[object]: ...


class ProcessGate:
    """The in-process default: no other process shares the account, nothing to wait for."""

    def slot(self, key: str, cap: int) -> AbstractAsyncContextManager[object]:
        return contextlib.nullcontext()


class GateUnavailable(Exception):
    """The shared gate could not be reached, so the call was never sent (the transport turns
    this into the vendor's connection error with ``refused=True``)."""
