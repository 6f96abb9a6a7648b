"""Helpers for the ship/invoice pipeline tests: a runner with the real ship and invoice jobs on
the ``vendors`` harness, DSCO orders seeded in the sandbox and stored as rows in a chosen status,
outbound orders in the Lingxing sandbox, log capture."""

from __future__ import annotations

from typing import Any

from tests.integration.pipeline.pipeline_base import PipelineBase
from tests.integration.vendors import Vendors, logged_reasons, runner_with

STORE = "111"
RETAILER = "1000023456"
MAPPING: dict[str, dict[str, str]] = {"shop": {RETAILER: STORE}}
SHIP_PATH = "/order/shipment/batch/small"
INVOICE_PATH = "/invoice/batch/small"
INVOICE_READ_PATH = "/invoice"
WMS_PATH = "/erp/sc/routing/wms/order/wmsOrderList"


class Pipeline(PipelineBase):
    async def seed(
        self, count: int = 1, *, status: int = 3, dsco_status: str = "shipment_pending", **spec: Any
    ) -> list[str]:
        """DSCO orders in the sandbox, their Lingxing orders, and local rows in ``status``."""
        pos = await self.seed_rows(count, local_status=status, status=dsco_status, **spec)
        self.create_in_lingxing(pos, STORE)
        return pos

    def lines(self, po: str) -> list[dict[str, Any]]:
        raw = self.vendors.dsco.order(po)
        assert raw is not None
        lines: list[dict[str, Any]] = raw["lineItems"]
        return lines

    def outbound(self, po: str, tracking: str, items: list[tuple[str, int]], **kw: Any) -> str:
        """A shipped outbound order (status 3) for ``po`` carrying ``(lingxing sku, count)``."""
        products = [{"sku": sku, "count": count} for sku, count in items]
        kw.setdefault("sid", int(STORE))
        wo = self.vendors.lingxing.add_outbound(
            po, products=products, tracking_no=tracking, wid=26, **kw
        )
        return str(wo.wo_number)

    def full_outbound(self, po: str, tracking: str, **kw: Any) -> str:
        """One outbound order shipping every line of ``po`` in full."""
        items = [(line["sku"], line["quantity"]) for line in self.lines(po)]
        return self.outbound(po, tracking, items, **kw)

    def dsco_calls(self, path: str) -> int:
        return len(self.vendors.dsco.calls(path=path, method="POST"))

    def dsco_reads(self, path: str) -> int:
        return len(self.vendors.dsco.calls(path=path, method="GET"))

    def invoices(self, po: str) -> list[dict[str, Any]]:
        """The invoices DSCO holds for ``po``."""
        return [i for i in self.vendors.dsco.snapshot()["invoices"] if i.get("poNumber") == po]

    def packages(self, po: str) -> list[str]:
        raw = self.vendors.dsco.order(po)
        assert raw is not None
        return [p["trackingNumber"] for p in raw.get("packages") or []]


async def setup(vendors: Vendors, db_dsn: str, **jobs: dict[str, Any]) -> Pipeline:
    vendors.lingxing.add_store(STORE, store_name="DSCO test store", platform_code=10008)
    await vendors.configure(mapping=MAPPING, jobs=jobs)
    runner = runner_with(vendors)
    return Pipeline(vendors, runner)


reasons = logged_reasons
