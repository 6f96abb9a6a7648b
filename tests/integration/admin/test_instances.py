"""The dashboard says which instance of the deployment runs the schedule and when each instance
was last seen (daemon.election, db.instances)."""

from __future__ import annotations

from daemon.election import Election
from db.pool import connect
from tests.integration.admin.conftest import DOMAIN, Admin


async def test_dashboard_lists_instances_and_the_one_running_the_schedule(admin: Admin) -> None:
    dsn = admin.vendors.dsn
    this = Election(lambda: connect(dsn), domain=DOMAIN, instance_id=admin.state.core.instance_id)
    other = Election(lambda: connect(dsn), domain=DOMAIN, instance_id="vm2-4242-abcdef")
    try:
        await other.tick()  # the other VM started first and runs the schedule
        await this.tick()
        dash = await admin.ok(await admin.get("/admin/api/dashboard"))
        rows = {i["instance_id"]: i for i in dash["instances"]}
        assert set(rows) == {this.instance_id, other.instance_id}
        assert (rows[other.instance_id]["runs_schedule"], rows[other.instance_id]["this"]) == (
            True,
            False,
        )
        assert (rows[this.instance_id]["runs_schedule"], rows[this.instance_id]["this"]) == (
            False,
            True,
        )
        assert all(i["last_seen"] > 0 and i["stopped_at"] is None for i in rows.values())

        await other.close()  # clean stop: hands over, recorded as stopped
        await this.tick()
        dash = await admin.ok(await admin.get("/admin/api/dashboard"))
        rows = {i["instance_id"]: i for i in dash["instances"]}
        assert rows[this.instance_id]["runs_schedule"] is True
        assert rows[other.instance_id]["runs_schedule"] is False
        assert rows[other.instance_id]["stopped_at"] is not None
    finally:
        await other.close()
        await this.close()
