"""Pure verdicts of ``check_orders``: one result code per PO, and the bounded report.

Codes, first match wins:
- ``missing_local_record``: DSCO has the order, the local table does not;
- ``dsco_order_not_found``: a local row whose order DSCO does not return;
- ``dsco_status_mismatch``: local and DSCO states contradict each other (see
  :func:`status_mismatch`);
- ``lingxing_order_missing``: local status 2 (pushed) but Lingxing has no live order for the PO;
- ``dsco_invoice_missing``: local status 5 with an invoice id DSCO does not know (a row that
  reached 5 without our invoice — completed when first pulled — has no id and is not checked);
- ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobs.states import DscoStatus, OrderStatus, status_of

OK = "ok"
MISSING_LOCAL = "missing_local_record"
DSCO_NOT_FOUND = "dsco_order_not_found"
LINGXING_MISSING = "lingxing_order_missing"
STATUS_MISMATCH = "dsco_status_mismatch"
INVOICE_MISSING = "dsco_invoice_missing"
CODES = (OK, MISSING_LOCAL, DSCO_NOT_FOUND, STATUS_MISMATCH, LINGXING_MISSING, INVOICE_MISSING)

MAX_PROBLEMS = 500
_ACKED_OR_LATER = frozenset({OrderStatus.ACKED, OrderStatus.SHIPPED, OrderStatus.DONE})


def status_mismatch(local_status: int, dsco_status: str) -> bool:
    """Whether the local state machine contradicts DSCO's ``dscoStatus``.

    Cancelled on one side only; acknowledged or further locally (3–5) while DSCO still says
    ``created``; done locally (5) while DSCO still waits for the shipment.
    """
    dsco = status_of(dsco_status)
    if (dsco == DscoStatus.CANCELLED) != (local_status == OrderStatus.CANCELLED):
        return True
    if local_status in _ACKED_OR_LATER and dsco == DscoStatus.CREATED:
        return True
    return local_status == OrderStatus.DONE and dsco == DscoStatus.SHIPMENT_PENDING


def verdict(
    *,
    local_status: int | None,
    dsco_status: str | None,
    in_lingxing: bool | None = None,
    invoice_found: bool | None = None,
) -> str:
    """The code of one PO; ``None`` means "not found" for the local row and DSCO order, and
    "not checked" for the Lingxing and invoice lookups."""
    if local_status is None:
        return MISSING_LOCAL
    if dsco_status is None:
        return DSCO_NOT_FOUND
    if status_mismatch(local_status, dsco_status):
        return STATUS_MISMATCH
    if in_lingxing is False:
        return LINGXING_MISSING
    if invoice_found is False:
        return INVOICE_MISSING
    return OK


@dataclass
class Tally:
    """Counts per code and the first ``MAX_PROBLEMS`` problem POs (memory stays bounded)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CODES, 0))
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, po_number: str, code: str, **detail: Any) -> None:
        self.counts[code] += 1
        if code != OK and len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"po_number": po_number, "code": code, **detail})

    @property
    def checked(self) -> int:
        return sum(self.counts.values())

    def report(self, **extra: Any) -> dict[str, Any]:
        problems = self.checked - self.counts[OK]
        return {
            "checked": self.checked,
            "counts": dict(self.counts),
            "problems": list(self.problems),
            "problems_truncated": problems > len(self.problems),
            **extra,
        }
