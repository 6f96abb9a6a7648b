"""Helpers for the push/ack pipeline tests: a runner with the real push and ack jobs on the
``vendors`` harness, DSCO orders seeded in the sandbox and stored as pulled rows, log capture."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from loguru import logger

from db import orders as q
from db.pool import connect
from jobs import ack_to_dsco, push_to_lingxing
from jobs.context import Clients, JobEnv, RunResult
from jobs.order_fields import derive_order
from jobs.registry import JobSpec, Registry
from jobs.runner import Runner
from tests.integration.vendors import Vendors

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


def registry() -> Registry:
    return Registry(
        [
            JobSpec("push_to_lingxing", push_to_lingxing.run, needs_lingxing=True, input_status=1),
            JobSpec(
                "ack_to_dsco", ack_to_dsco.run, needs_dsco=True, needs_lingxing=True, input_status=2
            ),
        ]
    )


@dataclass
class Pipeline:
    vendors: Vendors
    runner: Runner

    async def run(self, job: str, **kwargs: Any) -> RunResult:
        result = await self.runner.run(job, trigger="manual", **kwargs)
        assert result.status == "ok", result
        return result

    async def status(self, po: str) -> int:
        row = await q.get_order(self.vendors.pool, po)
        assert row is not None
        return row.status

    async def statuses(self, pos: list[str]) -> list[int]:
        return [await self.status(po) for po in pos]

    async def seed(self, count: int = 1, **spec: Any) -> list[str]:
        """DSCO orders in the sandbox and as pulled rows (status from their dscoStatus)."""
        pos = self.vendors.dsco.generate_orders(count=count, **spec)
        rows = []
        for po in pos:
            raw = self.vendors.dsco.order(po)
            assert raw is not None
            derived = derive_order(raw)
            assert not isinstance(derived, str), derived
            rows.append(derived)
        await q.upsert_orders(self.vendors.pool, rows, 1_700_000_000)
        return pos

    def lx_orders(self, po: str, *, include_deleted: bool = True) -> list[Any]:
        return self.vendors.lingxing.orders_for(po, include_deleted=include_deleted)

    def lx_calls(self, path: str) -> int:
        return len(self.vendors.lingxing.call_log(path))


def make_runner(
    vendors: Vendors, db_dsn: str, *, clients: Clients | None = None, env: JobEnv | None = None
) -> Runner:
    return Runner(
        registry=registry(),
        pool=vendors.pool,
        connect=lambda: connect(db_dsn),
        config=vendors.config,
        clients=clients or vendors.clients,
        env=env or JobEnv(lingxing_platform_code=10008),
    )


async def setup(vendors: Vendors, db_dsn: str, **runner_args: Any) -> Pipeline:
    vendors.lingxing.add_store(STORE, store_name="DSCO test store", platform_code=10008)
    vendors.lingxing.add_warehouse(WID, name="NJ")
    await vendors.configure(mapping=MAPPING)
    return Pipeline(vendors, make_runner(vendors, db_dsn, **runner_args))


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log line (message plus its po_number) written inside the block."""
    lines: list[str] = []
    sink = logger.add(
        lambda m: lines.append(f"{m.record['extra'].get('po_number', '')} {m.record['message']}"),
        level="DEBUG",
    )
    try:
        yield lines
    finally:
        logger.remove(sink)


def reason_of(lines: list[str], po: str) -> list[str]:
    """The ``reason=`` codes logged for ``po``."""
    return [
        word.removeprefix("reason=")
        for line in lines
        if line.startswith(po + " ")
        for word in line.split()
        if word.startswith("reason=")
    ]
