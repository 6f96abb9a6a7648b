-- A year of orders (about a million rows): the admin's listings and dashboard without scans
-- (docs/performance.md, "Listings at a million rows").
--
-- Writers wait while this runs (the indexes are built in this transaction); on a table of a
-- million orders that is a few minutes, once.

LOCK TABLE dsco_order_sync IN SHARE MODE;

-- 1. Orders per status, kept by statement triggers so that the dashboard reads six rows instead
--    of counting the table. The counts move in the writer's transaction, so they are exact.
--    A writer locks the count rows it changes in status order: two writers never deadlock on
--    them, and a statement that moves no status (a pick, a payload refresh) touches none.

CREATE TABLE dsco_order_status_count (
    status smallint PRIMARY KEY CHECK (status BETWEEN 1 AND 6),
    n      bigint   NOT NULL
);

INSERT INTO dsco_order_status_count (status, n)
SELECT s, (SELECT count(*) FROM dsco_order_sync WHERE status = s)
FROM generate_series(1, 6) AS s;

CREATE FUNCTION dsco_order_status_count_add(deltas jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    FOR d IN
        SELECT key::smallint AS status, value::bigint AS delta
        FROM jsonb_each_text(deltas) ORDER BY 1
    LOOP
        IF d.delta <> 0 THEN
            UPDATE dsco_order_status_count SET n = n + d.delta WHERE status = d.status;
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION dsco_order_status_count_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dsco_order_status_count_add(
            (SELECT jsonb_object_agg(status, n)
             FROM (SELECT status, count(*) AS n FROM new_rows GROUP BY status) c));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dsco_order_status_count_add(
            (SELECT jsonb_object_agg(status, -n)
             FROM (SELECT status, count(*) AS n FROM old_rows GROUP BY status) c));
    ELSE
        PERFORM dsco_order_status_count_add(
            (SELECT jsonb_object_agg(status, n)
             FROM (SELECT status, sum(d) AS n
                   FROM (SELECT status, 1 AS d FROM new_rows
                         UNION ALL SELECT status, -1 FROM old_rows) moves
                   GROUP BY status) c));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION dsco_order_status_count_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dsco_order_status_count SET n = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER dsco_order_status_count_insert
    AFTER INSERT ON dsco_order_sync REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dsco_order_status_count_changed();
CREATE TRIGGER dsco_order_status_count_update
    AFTER UPDATE ON dsco_order_sync REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dsco_order_status_count_changed();
CREATE TRIGGER dsco_order_status_count_delete
    AFTER DELETE ON dsco_order_sync REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dsco_order_status_count_changed();
CREATE TRIGGER dsco_order_status_count_truncate
    AFTER TRUNCATE ON dsco_order_sync
    FOR EACH STATEMENT EXECUTE FUNCTION dsco_order_status_count_truncated();

-- 2. "Contains" filters (PO number, tracking number, invoice id) through trigrams in plain GIN
--    indexes: the embedded PostgreSQL ships without the pg_trgm extension, and this needs
--    nothing beyond core. A row can contain a text only if it has every trigram of it; the
--    query keeps its ILIKE, which decides. lower() is the folding ILIKE itself applies. A
--    trigram is stored as the number made of its three code points (21 bits each): exact, and
--    integers are much faster to sort and compare than text when the index is built.

CREATE FUNCTION trigram_codes(value text) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    folded text := lower(value);
    codes  bigint[] := '{}';
    a      bigint;
    b      bigint;
    c      bigint;
BEGIN
    IF length(folded) < 3 THEN
        RETURN codes;
    END IF;
    a := ascii(substr(folded, 1, 1));
    b := ascii(substr(folded, 2, 1));
    FOR i IN 3 .. length(folded) LOOP
        c := ascii(substr(folded, i, 1));
        codes := codes || ((a << 42) | (b << 21) | c);
        a := b;
        b := c;
    END LOOP;
    RETURN codes;
END
$$;

CREATE INDEX dsco_order_sync_po_trigram_idx
    ON dsco_order_sync USING gin (trigram_codes(po_number));
-- Tracking numbers and invoice ids exist only once an order shipped / was invoiced: the
-- partial indexes cost a freshly pulled order nothing.
DROP INDEX dsco_order_sync_tracking_idx;
CREATE INDEX dsco_order_sync_tracking_trigram_idx
    ON dsco_order_sync USING gin (trigram_codes(shipped_tracking_no))
    WHERE shipped_tracking_no <> '';
DROP INDEX dsco_order_sync_invoice_idx;
CREATE INDEX dsco_order_sync_invoice_trigram_idx
    ON dsco_order_sync USING gin (trigram_codes(dsco_invoice_id))
    WHERE dsco_invoice_id <> '';

-- 3. The SKU filter: "sku" matches a line of that SKU in any quantity. The elements of mskus
--    are "sku(qty)", so the index holds the SKUs alone; "sku(qty)" is checked on the row.

CREATE FUNCTION order_line_skus(mskus text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT regexp_replace(m, '\(-?[0-9]+\)$', '') FROM unnest(mskus) AS m)
$$;

DROP INDEX dsco_order_sync_mskus_idx;
CREATE INDEX dsco_order_sync_skus_idx ON dsco_order_sync USING gin (order_line_skus(mskus));

-- 4. Newest first, by (dsco_create_time, id) for keyset paging; each equality filter leads an
--    index in that order, so a page of one filter is a short range read, and its bounded count
--    reads the index alone.

DROP INDEX dsco_order_sync_create_time_idx;
CREATE INDEX dsco_order_sync_newest_idx ON dsco_order_sync (dsco_create_time DESC, id DESC);
CREATE INDEX dsco_order_sync_status_newest_idx
    ON dsco_order_sync (status, dsco_create_time DESC, id DESC);
CREATE INDEX dsco_order_sync_dsco_status_newest_idx
    ON dsco_order_sync (dsco_status, dsco_create_time DESC, id DESC);
DROP INDEX dsco_order_sync_warehouse_idx;
CREATE INDEX dsco_order_sync_warehouse_newest_idx
    ON dsco_order_sync (warehouse_id, dsco_create_time DESC, id DESC);
DROP INDEX dsco_order_sync_retailer_idx;
CREATE INDEX dsco_order_sync_retailer_newest_idx
    ON dsco_order_sync (dsco_retailer_id, dsco_create_time DESC, id DESC);
CREATE INDEX dsco_order_sync_shipment_newest_idx
    ON dsco_order_sync (shipment, dsco_create_time DESC, id DESC);
-- Orders that keep being skipped: few, so the dashboard and the min_attempts list read them
-- from a small partial index (queries repeat the literal bound so the planner can use it).
CREATE INDEX dsco_order_sync_repeated_idx
    ON dsco_order_sync (status, dsco_create_time DESC, id DESC) WHERE attempts >= 3;

-- 5. The inventory sync log (a row per warehouse and SKU per run; 90 days of them): the
--    listing pages by (sync_time, id) and filters warehouses and SKUs on either side.

DROP INDEX dsco_warehouse_sync_time_idx;
CREATE INDEX dsco_warehouse_sync_newest_idx ON dsco_warehouse_sync (sync_time DESC, id DESC);
CREATE INDEX dsco_warehouse_sync_lingxing_key_idx
    ON dsco_warehouse_sync (lingxing_warehouse_id, lingxing_warehouse_sku, sync_time DESC);
CREATE INDEX dsco_warehouse_sync_dsco_sku_idx
    ON dsco_warehouse_sync (dsco_warehouse_sku, sync_time DESC);
CREATE INDEX dsco_warehouse_sync_lingxing_sku_idx
    ON dsco_warehouse_sync (lingxing_warehouse_sku, sync_time DESC);

-- The planner needs statistics of the new index expressions before the first listing.
ANALYZE dsco_order_sync;
ANALYZE dsco_warehouse_sync;
