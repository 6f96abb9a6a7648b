-- One deployment, several processes (docs/deployment.md): what they share through PostgreSQL.

-- The one Lingxing token of the deployment. The row is keyed by a fingerprint of the appId
-- (never the appId itself) and the tokens are sealed (AES-GCM under a key derived from the app
-- secret), so reading the table or a backup gives nobody a usable token.
CREATE TABLE lingxing_token (
    app_key     text   PRIMARY KEY,
    sealed      bytea  NOT NULL,
    issued_at   bigint NOT NULL,
    expires_at  bigint NOT NULL,
    updated_at  bigint NOT NULL
);

-- Every `dsco-lingxing run` process: when it was last seen, and the server process of its
-- election connection (whoever holds the schedule lock through that session runs the schedule).
CREATE TABLE daemon_instance (
    instance_id  text    PRIMARY KEY,
    host         text    NOT NULL,
    pid          integer NOT NULL,
    started_at   bigint  NOT NULL,
    last_seen    bigint  NOT NULL,
    stopped_at   bigint,
    backend_pid  integer
);

-- Endpoint slots: take the first of `keys` (session advisory locks) that is free, in one round
-- trip; NULL when all are held. A loop, so that no more than one lock is ever taken.
CREATE FUNCTION try_advisory_slot(keys bigint[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    k bigint;
BEGIN
    FOREACH k IN ARRAY keys LOOP
        IF pg_try_advisory_lock(k) THEN
            RETURN k;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
