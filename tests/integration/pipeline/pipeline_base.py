"""What every pipeline test rig shares: run a job, read rows, seed pulled orders."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from db import orders as q
from jobs.context import RunResult
from jobs.order_fields import derive_order
from jobs.runner import Runner
from sdk.lingxing.sandbox.create import create_orders
from tests.integration.vendors import Vendors


@dataclass
class PipelineBase:
    vendors: Vendors
    runner: Runner

    async def run(self, job: str, **kwargs: Any) -> RunResult:
        result = await self.runner.run(job, trigger="manual", **kwargs)
        assert result.status == "ok", result
        return result

    async def row(self, po: str) -> q.OrderRow:
        row = await q.get_order(self.vendors.pool, po)
        assert row is not None
        return row

    async def status(self, po: str) -> int:
        return (await self.row(po)).status

    async def statuses(self, pos: list[str]) -> list[int]:
        return [await self.status(po) for po in pos]

    async def seed_rows(
        self, count: int, *, local_status: int | None = None, **spec: Any
    ) -> list[str]:
        """DSCO orders in the sandbox (``spec``: the generator's fields), stored as pulled rows
        (in ``local_status`` when given, else the status their dscoStatus implies)."""
        pos = self.vendors.dsco.generate_orders(count=count, **spec)
        rows = []
        for po in pos:
            raw = self.vendors.dsco.order(po)
            assert raw is not None
            derived = derive_order(raw)
            assert not isinstance(derived, str), derived
            if local_status is not None:
                derived = dataclasses.replace(derived, initial_status=local_status)
            rows.append(derived)
        await q.upsert_orders(self.vendors.pool, rows, 1_700_000_000)
        return pos

    def create_in_lingxing(self, pos: list[str], store_id: str) -> None:
        """Lingxing orders for ``pos`` in ``store_id``, as if pushed (rows seeded past status 1
        have their Lingxing side too); one item per DSCO line, whatever its price."""
        for po in pos:
            raw = self.vendors.dsco.order(po)
            assert raw is not None
            items = [
                {
                    "msku": line.get("partnerSku") or line["sku"],
                    "quantity": line["quantity"],
                    "unit_price": "1.00",
                }
                for line in raw["lineItems"]
            ]
            order = {
                "platform_order_no": po,
                "receiver_country_code": "US",
                "receiver_name": "Test Buyer",
                "city": "Newark",
                "address_line1": "1 Test St",
                "items": items,
            }
            body = {"platform_code": 10008, "store_id": store_id, "orders": [order]}
            answer = create_orders(self.vendors.lingxing, body)
            assert answer["success_details"], answer
