"""Helpers for the push/ack pipeline tests: a runner with the real push and ack jobs on the
``vendors`` harness, DSCO orders seeded in the sandbox and stored as pulled rows, log capture."""

from __future__ import annotations

from typing import Any

from jobs.context import Clients, JobEnv
from jobs.runner import Runner
from tests.integration.pipeline.pipeline_base import PipelineBase
from tests.integration.vendors import Vendors, logged_reasons, runner_with

STORE = "111"
RETAILER = "1000023456"
WAREHOUSE = "ACME-NJ"
WID = 26
MAPPING: dict[str, dict[str, str]] = {
    "shop": {RETAILER: STORE},
    "warehouse": {WAREHOUSE: str(WID)},
    "shipment": {f"{WAREHOUSE}-FEHD": "900"},
}
CREATE_PATH = "/pb/mp/order/v2/create"
LIST_PATH = "/pb/mp/order/v2/list"


class Pipeline(PipelineBase):
    async def seed(self, count: int = 1, **spec: Any) -> list[str]:
        """DSCO orders in the sandbox and as pulled rows (status from their dscoStatus)."""
        return await self.seed_rows(count, **spec)

    def lx_orders(self, po: str, *, include_deleted: bool = True) -> list[Any]:
        return self.vendors.lingxing.orders_for(po, include_deleted=include_deleted)

    def lx_calls(self, path: str) -> int:
        return len(self.vendors.lingxing.call_log(path))


def make_runner(
    vendors: Vendors, db_dsn: str, *, clients: Clients | None = None, env: JobEnv | None = None
) -> Runner:
    return runner_with(vendors, clients=clients, env=env)


async def setup(vendors: Vendors, db_dsn: str, **runner_args: Any) -> Pipeline:
    vendors.lingxing.add_store(STORE, store_name="DSCO test store", platform_code=10008)
    vendors.lingxing.add_warehouse(WID, name="NJ")
    await vendors.configure(mapping=MAPPING)
    return Pipeline(vendors, make_runner(vendors, db_dsn, **runner_args))


reason_of = logged_reasons
