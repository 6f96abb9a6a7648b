-- When each order entered its current status, and how many runs have picked it since.
--
-- status_since answers the operator's first question ("what is stuck, and since when?") and lets
-- /metrics export the age of the oldest order per status; attempts counts the runs that picked
-- the row without moving it, so the admin can list orders that keep being skipped. Both are
-- state, not run history: a status move resets them. A trigger keeps them right for every writer
-- (pull upsert, job advance, admin edit) so no query has to remember to.

ALTER TABLE dsco_order_sync
    ADD COLUMN status_since bigint  NOT NULL DEFAULT 0,
    ADD COLUMN attempts     integer NOT NULL DEFAULT 0;

UPDATE dsco_order_sync SET status_since = updated_at;

CREATE FUNCTION dsco_order_sync_status_since() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.status_since := NEW.updated_at;
        NEW.attempts := 0;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.status_since := NEW.updated_at;
        NEW.attempts := 0;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER dsco_order_sync_status_since
    BEFORE INSERT OR UPDATE ON dsco_order_sync
    FOR EACH ROW EXECUTE FUNCTION dsco_order_sync_status_since();

CREATE INDEX dsco_order_sync_status_since_idx ON dsco_order_sync (status, status_since);
