-- Initial schema (SPEC §4). All instants are UTC unix seconds in bigint.

CREATE TABLE runtime_config (
    id          bigserial PRIMARY KEY,
    domain      text   NOT NULL UNIQUE,
    config      jsonb  NOT NULL,
    updated_at  bigint NOT NULL,
    version     bigint NOT NULL DEFAULT 1
);

CREATE TABLE dsco_order_sync (
    id                  bigserial PRIMARY KEY,
    po_number           text     NOT NULL UNIQUE,
    dsco_create_time    bigint   NOT NULL,
    dsco_update_time    bigint   NOT NULL DEFAULT 0,
    dsco_status         text     NOT NULL DEFAULT '',
    status              smallint NOT NULL CHECK (status BETWEEN 1 AND 6),
    payload             jsonb    NOT NULL,
    mskus               text[]   NOT NULL DEFAULT '{}',
    warehouse_id        text     NOT NULL DEFAULT '',
    shipment            text     NOT NULL DEFAULT '',
    dsco_retailer_id    text     NOT NULL DEFAULT '',
    shipped_tracking_no text     NOT NULL DEFAULT '',
    dsco_invoice_id     text     NOT NULL DEFAULT '',
    last_attempt_at     bigint   NOT NULL DEFAULT 0,
    created_at          bigint   NOT NULL,
    updated_at          bigint   NOT NULL
);

CREATE INDEX dsco_order_sync_pick_idx
    ON dsco_order_sync (status, last_attempt_at, dsco_create_time);
CREATE INDEX dsco_order_sync_create_time_idx ON dsco_order_sync (dsco_create_time DESC);
CREATE INDEX dsco_order_sync_update_time_idx ON dsco_order_sync (dsco_update_time DESC);
CREATE INDEX dsco_order_sync_warehouse_idx ON dsco_order_sync (warehouse_id);
CREATE INDEX dsco_order_sync_tracking_idx ON dsco_order_sync (shipped_tracking_no);
CREATE INDEX dsco_order_sync_invoice_idx ON dsco_order_sync (dsco_invoice_id);
CREATE INDEX dsco_order_sync_mskus_idx ON dsco_order_sync USING gin (mskus);
CREATE INDEX dsco_order_sync_retailer_idx ON dsco_order_sync (dsco_retailer_id);

CREATE TABLE dsco_warehouse_sync (
    id                      bigserial PRIMARY KEY,
    sync_time               bigint   NOT NULL,
    dsco_warehouse_id       text     NOT NULL,
    dsco_warehouse_sku      text     NOT NULL,
    dsco_warehouse_num      bigint   NOT NULL DEFAULT 0,
    lingxing_warehouse_id   text     NOT NULL,
    lingxing_warehouse_sku  text     NOT NULL,
    lingxing_warehouse_num  bigint   NOT NULL DEFAULT 0,
    diff                    bigint   NOT NULL DEFAULT 0,
    status                  smallint NOT NULL CHECK (status IN (1, 2)),
    reason                  text     NOT NULL DEFAULT '',
    created_at              bigint   NOT NULL,
    updated_at              bigint   NOT NULL
);

CREATE INDEX dsco_warehouse_sync_time_idx ON dsco_warehouse_sync (sync_time DESC);
CREATE INDEX dsco_warehouse_sync_key_idx
    ON dsco_warehouse_sync (dsco_warehouse_id, dsco_warehouse_sku, sync_time DESC);
CREATE INDEX dsco_warehouse_sync_status_idx ON dsco_warehouse_sync (status, sync_time DESC);
CREATE INDEX dsco_warehouse_sync_diff_idx ON dsco_warehouse_sync (diff, sync_time DESC);
