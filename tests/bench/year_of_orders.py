"""A year of a busy supplier in the database, made by SQL (not through the API): a million
orders and 90 days of inventory sync rows, then migration 0004 run over them as it would run on
an upgraded installation.

The orders look like the DSCO sandbox's (a ~1.2 kB payload, one line, realistic identifiers):
one every 31.5 s over 365 days; the newest ~7,500 still open (statuses 1–4), 2 % cancelled, the
rest done with a tracking number and an invoice id; a few orders picked repeatedly without
moving. The inventory log has 5,000 SKUs in 2 warehouses, one run a day.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import asyncpg

from db.migrate import migrate
from db.pool import connect
from tests.conftest import with_database

YEAR = 365 * 86400
CHUNK = 100_000

# $1..$2: the ids (row numbers) of this chunk; $3: how many orders in all; $4: "now".
_ORDERS = """
INSERT INTO dsco_order_sync (
    po_number, dsco_create_time, dsco_update_time, dsco_status, status, payload, mskus,
    warehouse_id, shipment, dsco_retailer_id, shipped_tracking_no, dsco_invoice_id,
    last_attempt_at, attempts, created_at, updated_at)
SELECT po, t, t + 3600, dsco_status, status,
       jsonb_build_object(
           'poNumber', po, 'consumerOrderNumber', (1000000000 + i)::text,
           'orderType', 'Dropship', 'testFlag', false,
           'dscoStatus', dsco_status, 'dscoLifecycle', 'acknowledged',
           'dscoCreateDate', to_char(to_timestamp(t) AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'dscoLastUpdate', to_char(to_timestamp(t + 3600) AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'dscoRetailerId', retailer, 'currencyCode', 'USD',
           'requestedWarehouseCode', warehouse, 'shipWarehouseCode', warehouse,
           'shipCarrier', 'FedEx', 'shipMethod', 'Home Delivery',
           'shippingServiceLevelCode', level, 'requestedShippingServiceLevelCode', level,
           'numberOfLineItems', 1,
           'shipping', jsonb_build_object(
               'name', 'Maria Lopez', 'firstName', 'Maria', 'lastName', 'Lopez',
               'address1', (10 + i % 9000) || ' Maple Ave', 'city', 'Boise', 'region', 'ID',
               'state', 'ID', 'postal', '83704', 'country', 'US', 'phone', '5551234567',
               'email', 'relay-' || i || '@example.com', 'addressType', 'Residential'),
           'lineItems', jsonb_build_array(jsonb_build_object(
               'lineNumber', 1, 'quantity', quantity, 'sku', sku,
               'partnerSku', (4400000 + i % 5000)::text,
               'dscoItemId', (1310500000 + i % 5000)::text,
               'upc', '8600' || lpad((i % 5000)::text, 8, '0'),
               'title', 'Sandbox item ' || sku, 'expectedCost', 12.5,
               'consumerPrice', 22.5, 'consumerPriceWithTax', 24.0, 'retailPrice', 25.62,
               'acceptedQuantity', 0, 'cancelledQuantity', 0, 'rejectedQuantity', 0))),
       ARRAY[sku || '(' || quantity || ')'],
       warehouse, level, retailer,
       CASE WHEN status IN (4, 5) THEN '1Z' || upper(substr(md5(po), 1, 16)) ELSE '' END,
       CASE WHEN status = 5 THEN po ELSE '' END,
       t + 600, CASE WHEN status IN (1, 2) AND i % 97 = 0 THEN 5 ELSE 0 END,
       t, t + 7200
FROM (
    SELECT i, po, t, status,
           (ARRAY['created', 'created', 'shipment_pending', 'shipped', 'completed',
                  'cancelled'])[status] AS dsco_status,
           (ARRAY['ACME-NJ', 'ACME-NJ', 'ACME-CA', 'ACME-TX', 'ACME-WA'])
               [1 + abs(hashint8(i)) % 5] AS warehouse,
           (ARRAY['FEHD', 'FE2D', 'USFC', 'GRND'])[1 + abs(hashint8(i + 7)) % 4] AS level,
           (ARRAY['1000023456', '1000023457', '1000099999'])
               [1 + abs(hashint8(i + 11)) % 3] AS retailer,
           'SKU-' || lpad((abs(hashint8(i + 13)) % 5000)::text, 5, '0') AS sku,
           1 + abs(hashint8(i + 17)) % 3 AS quantity
    FROM (
        SELECT i,
               -- 20 characters of A-Z0-9, like DSCO's
               upper(substr(translate(encode(sha256(int8send(i)), 'base64'), '+/=', ''), 1, 20))
                   AS po,
               $4::bigint - ($3::bigint - i) * 31536000 / $3::bigint AS t,
               CASE WHEN i > $3 - 60 THEN 1
                    WHEN i > $3 - 2000 THEN 2
                    WHEN i > $3 - 7000 THEN 3
                    WHEN i > $3 - 7500 THEN 4
                    WHEN abs(hashint8(i + 3)) % 50 = 0 THEN 6
                    ELSE 5 END AS status
        FROM generate_series($1::bigint, $2::bigint) AS i
    ) base
) o
"""

# $1: the day's sync time; 5,000 SKUs in 2 warehouses.
_SYNC_DAY = """
INSERT INTO dsco_warehouse_sync (
    sync_time, dsco_warehouse_id, dsco_warehouse_sku, dsco_warehouse_num,
    lingxing_warehouse_id, lingxing_warehouse_sku, lingxing_warehouse_num, diff, status,
    reason, created_at, updated_at)
SELECT $1::bigint + s, w.code, 'SKU-' || lpad(s::text, 5, '0'), dsco, w.wid,
       'SKU-' || lpad(s::text, 5, '0'), lx, lx - dsco,
       CASE WHEN s % 499 = 0 THEN 2 ELSE 1 END,
       CASE WHEN s % 499 = 0 THEN 'dsco read failed' ELSE '' END, $1::bigint, $1::bigint
FROM generate_series(0, 4999) AS s,
     (VALUES ('ACME-NJ', '101'), ('ACME-CA', '102')) AS w(code, wid),
     LATERAL (SELECT abs(hashint8(s + $1::bigint)) % 40 AS dsco) d,
     LATERAL (SELECT CASE WHEN s % 7 = 0 THEN d.dsco + 3 ELSE d.dsco END AS lx) l
"""


@dataclass(frozen=True)
class YearDb:
    name: str
    dsn: str
    orders: int
    sync_rows: int
    now: int
    fill_seconds: float
    migrate_seconds: float  # migration 0004 over the filled tables


async def build_year_db(server_dsn: str, *, orders: int, now: int) -> YearDb:
    """A new database with ``orders`` orders over the year before ``now``."""
    name = "dl_bench_" + uuid.uuid4().hex[:8]
    admin = await asyncpg.connect(with_database(server_dsn, "postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    dsn = with_database(server_dsn, name)
    conn = await connect(dsn)
    try:
        await migrate(conn, up_to=3)
        started = time.perf_counter()
        for first in range(1, orders + 1, CHUNK):
            await conn.execute(_ORDERS, first, min(first + CHUNK - 1, orders), orders, now)
        for day in range(90):
            await conn.execute(_SYNC_DAY, now - (90 - day) * 86400)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        await migrate(conn)
        migrated = time.perf_counter() - started
        # A year-old table has been vacuumed: index-only scans can trust the visibility map.
        await conn.execute("VACUUM ANALYZE dsco_order_sync")
        await conn.execute("VACUUM ANALYZE dsco_warehouse_sync")
        sync_rows = await conn.fetchval("SELECT count(*) FROM dsco_warehouse_sync")
    finally:
        await conn.close()
    return YearDb(name, dsn, orders, sync_rows, now, filled, migrated)


async def open_year_db(server_dsn: str, name: str) -> YearDb:
    """A database an earlier :func:`build_year_db` made (its "now": the newest order)."""
    dsn = with_database(server_dsn, name)
    conn = await connect(dsn)
    try:
        orders = await conn.fetchval("SELECT count(*) FROM dsco_order_sync")
        # The orders a benchmark pulled after the year are gone again; the year ends here.
        now = await conn.fetchval("SELECT max(dsco_create_time) FROM dsco_order_sync")
        sync_rows = await conn.fetchval("SELECT count(*) FROM dsco_warehouse_sync")
    finally:
        await conn.close()
    return YearDb(name, dsn, orders, sync_rows, now, 0.0, 0.0)


async def drop_database(server_dsn: str, name: str) -> None:
    admin = await asyncpg.connect(with_database(server_dsn, "postgres"))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()
