"""A stateful fake Lingxing (领星) OpenAPI server for tests, benchmarks and the demo.

Build it with :func:`create_app` (``app_id``, ``app_secret``, ``token_ttl``, ``clock``,
``options``) and serve it on any port; the state object is ``app[SANDBOX_KEY]``, a
:class:`LingxingSandbox`. It follows ``lingxing_api.md`` (§10 in particular):

* token endpoints accept multipart, urlencoded or query parameters; refresh tokens are
  single-use; minting a token revokes the previous one (``2001005``); expired → ``2001003``;
* every business call passes the gateway: missing params ``3001001``, IP whitelist ``3001002``,
  unknown app ``2001001``, token ``2001003``/``2001005``, timestamp older than
  ``sign_max_age`` ``2001007``, sign ``2001006``, path permission ``2001004``; then a per-path
  in-flight slot (capacities of §5; ``3001008`` at once when full, never queued);
* orders (create/list), WMS outbound orders, inventory details, pairs, stores, warehouses and
  shipping methods answer in the envelope family of their path (G, E or M).

Where the fact sheet is unsure, :class:`SandboxOptions` holds a documented switch
(``rotate_on_issue``, ``refresh_keeps_access_token``, ``sign_variant``, ``auto_review``,
``deleted_blocks_duplicates``, ``max_orders_per_create``, ``create_fails_when_all_fail``,
``wms_default_window_days``, ``capacity_overrides``...).

Control API
-----------
JSON in and out, no authentication, never recorded as calls. Every route has a Python twin on
:class:`LingxingSandbox` (named in brackets) for tests that run the app in-process. Errors answer
HTTP 400 ``{"error": "..."}``; actions without a result answer ``{"ok": true}``.

========================================  =========================================================
``POST /__sandbox/reset``                 forget data, tokens, faults, latency, calls [reset]
``POST /__sandbox/stats/reset``           zero calls, max in-flight, rejections, token counters
                                          [reset_stats]
``GET|POST /__sandbox/options``           read / change switches ``{name: value}`` [options]
``POST /__sandbox/stores``                ``{store_id, store_name?, platform_code?, sid?,
                                          currency?, is_sync?, status?}`` or a list [add_store]
``POST /__sandbox/warehouses``            ``{wid, name?, type?, sub_type?, is_delete?}``
                                          [add_warehouse]
``POST /__sandbox/inventory``             ``{wid, sku, product_valid_num, seller_id?, fnsku?,
                                          product_bad_num?, ...}``; several rows per SKU allowed
                                          [add_inventory]
``POST /__sandbox/pairs``                 ``{store_id, msku, sku, local_name?}`` [add_pair]
``POST /__sandbox/logistics-types``       ``{type_id, name?, provider_type?, wid?}``
``GET /__sandbox/orders?po=``             orders (sub-orders too) of a PO, or all [orders_for]
``POST /__sandbox/orders/{po}/review``    4 → 5 and an outbound order; ``{global_order_no?,
                                          wid?, logistics_type_id?}`` [review]
``POST /__sandbox/orders/{po}/label``     ``{tracking_no, waybill_no?, global_order_no?}`` [label]
``POST /__sandbox/orders/{po}/ship``      5 → 6, outbound status 3 with ``delivered_at`` /
                                          ``stock_delivered_at`` = ``at`` or now (UTC+8 text),
                                          stock consumed; ``{tracking_no?, at?, global_order_no?}``
                                          [ship]
``POST /__sandbox/orders/{po}/cancel``    → 7, outbound orders → 4 [cancel]
``POST /__sandbox/orders/{po}/delete``    ``is_delete=1``, outbound orders → 4 [delete_order]
``POST /__sandbox/orders/{po}/status``    ``{status: 1..9}`` without side effects [set_status]
``POST /__sandbox/orders/{po}/split``     ``{groups?: [{msku: qty}, ...]}``; the order is
                                          replaced by sub-orders (``split_type "3"``) [split]
``POST /__sandbox/orders/merge``          ``{pos: [po, ...]}``: pending orders of one store become
                                          one order with several POs (``split_type "2"``) [merge]
``GET /__sandbox/outbound?po=``           outbound orders (rows as wmsOrderList returns them)
``POST /__sandbox/outbound``              ``{po, products: [{sku, count, seller_sku?}],
                                          tracking_no?, delivered_at?, status? (3), sid?, wid?,
                                          order_number?, create_at?}`` [add_outbound]
``DELETE /__sandbox/outbound/{wo}``       outbound order → status 4 [delete_outbound]
``POST /__sandbox/latency``               ``{seconds, path?}`` global or per path [set_latency]
``POST|GET|DELETE /__sandbox/faults``     queue ``{path ("*" = any), kind, count?, ...}`` / list /
                                          clear [inject]
``POST /__sandbox/tokens/expire``         every access token expires now [expire_tokens]
``POST /__sandbox/tokens/revoke``         every access token is revoked [revoke_tokens]
``GET /__sandbox/calls?path=``            recorded calls: path, method, started_at, finished_at,
                                          address-free body summary, outcome [call_log]
``GET /__sandbox/stats``                  token_issued/refreshed/grants, max_in_flight, in_flight,
                                          rejected per path, number of calls [stats]
========================================  =========================================================

Fault kinds (``count`` = how many of the next calls to the path suffer it): ``http_error``
(``status``, HTML body), ``hang`` / ``timeout`` (hold the call and its slot ``seconds``, then
process it normally — an ambiguous outcome for a client that gave up), ``gateway_error``
(``code``), ``business_error`` (``business_code``, E/M envelope), ``malformed_json``, and the
aliases ``rate_limit`` (3001008), ``token_expired`` (2001003), ``token_revoked`` (2001005),
``sign_expired`` (2001007), ``business_rate_limit`` (103), ``server_error`` (500).

Datetimes in answers are Beijing-time (UTC+8) naive strings; control-API times accept such a
string, a Unix time, or an ISO datetime through the Python methods.
"""

from __future__ import annotations

from .app import app_for, create_app
from .catalog import InventoryRow, LogisticsType, Pair, Store, Warehouse
from .faults import Fault
from .keys import SANDBOX_KEY
from .lifecycle import ControlError
from .options import SandboxOptions
from .records import MpOrder, WmsOrder
from .state import LingxingSandbox

__all__ = [
    "SANDBOX_KEY",
    "ControlError",
    "Fault",
    "InventoryRow",
    "LingxingSandbox",
    "LogisticsType",
    "MpOrder",
    "Pair",
    "SandboxOptions",
    "Store",
    "Warehouse",
    "WmsOrder",
    "app_for",
    "create_app",
]
