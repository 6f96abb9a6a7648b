"""A stateful fake of the Rithum DSCO v3 API for tests, benchmarks and the demo.

``create_app(token=...)`` builds the aiohttp app; ``app[SANDBOX_KEY]`` is the
:class:`DscoSandbox` state object whose methods (seed, move orders, faults, latency, switches,
calls, snapshot) mirror the JSON control API under ``/__sandbox/...`` (see ``control``).

Served, with DSCO's own paths: ``GET /order/page`` (scroll paging), ``GET /order/``,
``POST /order/acknowledge``, ``POST /order/shipment/batch/small``, ``POST /invoice/batch/small``,
``POST /inventory/batch/small``, ``GET /invoice``, ``GET /inventory``, ``GET /order/log``,
``/invoice/log``, ``/inventory/log`` and the inventory ``/stream`` family. Time-dependent rules
read the injected clock (:class:`FakeClock` in tests); latency and injected hangs are real time.
Unsure DSCO behaviour is a documented :class:`SandboxSwitches` field.
"""

from __future__ import annotations

from .app import create_app
from .batches import LogEntry
from .calls import CallRecord
from .clock import Clock, FakeClock, format_ts, parse_ts, system_clock
from .faults import FaultSpec
from .fixtures import OrderGenSpec, generate_orders
from .keys import SANDBOX_KEY
from .orders import SeedError
from .state import BatchRejected, DscoSandbox
from .switches import SandboxSwitches

__all__ = [
    "SANDBOX_KEY",
    "BatchRejected",
    "CallRecord",
    "Clock",
    "DscoSandbox",
    "FakeClock",
    "FaultSpec",
    "LogEntry",
    "OrderGenSpec",
    "SandboxSwitches",
    "SeedError",
    "create_app",
    "format_ts",
    "generate_orders",
    "parse_ts",
    "system_clock",
]
