"""Injected faults and latency: "the next N calls to path P misbehave like this".

HTTP faults replace or delay a whole response; element faults shape what the async engine does
with the elements of a batch POST (fail them, lose or delay their change-log entries).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

HttpFaultKind = Literal["status", "hang", "rate_limit", "malformed"]
ElementFaultKind = Literal["drop_log", "delay_log", "fail_elements"]
HTTP_KINDS: tuple[str, ...] = ("status", "hang", "rate_limit", "malformed")


class FaultSpec(BaseModel):
    """One fault rule (also the JSON body of ``POST /__sandbox/faults``).

    - ``status``: answer ``status`` (default 503) with the error envelope.
    - ``hang``: wait ``seconds`` before answering (normally, unless ``status`` is set explicitly).
    - ``rate_limit``: answer 429 ``TOO_MANY_REQUESTS``, with ``Retry-After: retry_after`` if set.
    - ``malformed``: answer with a truncated JSON body (HTTP ``status``, default 200).
    - ``drop_log``: batch elements are processed but their change-log entries never appear.
    - ``delay_log``: batch elements are processed on time; their entries appear ``seconds`` later.
    - ``fail_elements``: batch elements fail with ``code``/``description``.

    ``after_processing`` (HTTP kinds) runs the real handler first, so the write happens although
    the caller sees a failure (an ambiguous write). Element kinds apply to the elements whose key
    (ACK id, shipment poNumber, invoiceId, inventory sku) is in ``keys``; every element when empty.
    ``count`` is how many matching calls the rule affects; ``None`` keeps it until cleared.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    method: str | None = None
    kind: HttpFaultKind | ElementFaultKind
    count: int | None = Field(1, ge=1)
    status: int | None = Field(None, ge=100, le=599)
    seconds: float = Field(0.0, ge=0)
    retry_after: int | None = Field(None, ge=0)
    after_processing: bool = False
    keys: tuple[str, ...] = ()
    code: str = "SANDBOX_FAULT"
    description: str = "fault injected by the sandbox"


@dataclass
class ActiveFault:
    fault_id: int
    spec: FaultSpec
    remaining: int | None

    def matches(self, method: str, path: str) -> bool:
        spec = self.spec
        return spec.path == path and (spec.method is None or spec.method.upper() == method)


class FaultBook:
    """Active fault rules in the order they were added; each fires at most ``count`` times."""

    def __init__(self) -> None:
        self._faults: list[ActiveFault] = []
        self._ids = itertools.count(1)

    def add(self, spec: FaultSpec) -> int:
        fault = ActiveFault(next(self._ids), spec, spec.count)
        self._faults.append(fault)
        return fault.fault_id

    def clear(self) -> None:
        self._faults.clear()

    def active(self) -> list[ActiveFault]:
        return list(self._faults)

    def take_http(self, method: str, path: str) -> FaultSpec | None:
        """The first HTTP fault for this call, consumed once."""
        for fault in self._faults:
            if fault.spec.kind in HTTP_KINDS and fault.matches(method, path):
                self._consume(fault)
                return fault.spec
        return None

    def take_elements(self, method: str, path: str, keys: list[str | None]) -> list[FaultSpec]:
        """Element faults for a batch with these element keys, each consumed once per call."""
        taken: list[FaultSpec] = []
        for fault in list(self._faults):
            if fault.spec.kind in HTTP_KINDS or not fault.matches(method, path):
                continue
            if fault.spec.keys and not set(fault.spec.keys) & set(keys):
                continue
            self._consume(fault)
            taken.append(fault.spec)
        return taken

    def _consume(self, fault: ActiveFault) -> None:
        if fault.remaining is None:
            return
        fault.remaining -= 1
        if fault.remaining == 0:
            self._faults.remove(fault)


def applies_to(spec: FaultSpec, key: str | None) -> bool:
    """Whether an element fault touches the element with this key."""
    return not spec.keys or key in spec.keys


class Latency:
    """Added response delay: a global value plus per-path values (they add up)."""

    def __init__(self) -> None:
        self.global_seconds = 0.0
        self.by_path: dict[str, float] = {}

    def clear(self) -> None:
        self.global_seconds = 0.0
        self.by_path.clear()

    def for_path(self, path: str) -> float:
        return self.global_seconds + self.by_path.get(path, 0.0)
