-- Privacy by default (issue 13).

-- Throttle budgets shared by every server process and kept across restarts (GCRA: a key's
-- "theoretical arrival time"; see src/auth/throttle.rs). Rows whose time has passed are
-- full budgets again and are deleted by housekeeping.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY CHECK (length(key) <= 400),
    tat TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttles_tat_idx ON throttles (tat);

-- Recording a sign-in's last use (idle logoff) is not a change other processes must hear
-- of: announce only what can end or alter a sign-in.
DROP TRIGGER auth_sessions_auth_changed ON auth_sessions;
CREATE TRIGGER auth_sessions_auth_changed AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE ON auth_sessions
    FOR EACH ROW EXECUTE FUNCTION announce_auth_change();

-- The audit trail, sealed for real.
-- 1. An entry's digest covered its fields joined by '|', with NULLs skipped: "a|b" + "c"
--    and "a" + "b|c" hashed alike, and a value could move to the next field unnoticed. The
--    new digest is over a JSON array of every field in a fixed order (strings escaped, NULL
--    written as null): one encoding per entry. Blocks sealed before keep their format (1)
--    and are verified with the digest they were sealed with.
CREATE FUNCTION audit_entry_digest_v2(entry audit_log) RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to(jsonb_build_array(
        entry.id, entry.tx::text, (extract(epoch FROM entry.at) * 1000000)::bigint, entry.actor_id, entry.actor_role::text,
        entry.action, entry.target_type, entry.target_id, entry.patient_id, entry.ip, entry.outcome, entry.detail)::text, 'UTF8'))
$$;

ALTER TABLE audit_seals ADD COLUMN format SMALLINT NOT NULL DEFAULT 1 CHECK (format IN (1, 2));
ALTER TABLE audit_seals ALTER COLUMN format SET DEFAULT 2;

CREATE FUNCTION audit_block_hash(previous BYTEA, block BIGINT, entry_ids BIGINT[], format SMALLINT) RETURNS BYTEA LANGUAGE sql STABLE AS $$
    SELECT sha256(previous || convert_to(block::text, 'UTF8')
                  || coalesce(string_agg(CASE WHEN a.id IS NULL THEN convert_to('missing ' || e.id, 'UTF8')
                                              WHEN format = 1 THEN audit_entry_digest(a)
                                              ELSE audit_entry_digest_v2(a) END, ''::bytea ORDER BY e.n), ''::bytea))
      FROM unnest(entry_ids) WITH ORDINALITY AS e (id, n)
      LEFT JOIN audit_log a ON a.id = e.id
$$;

CREATE OR REPLACE FUNCTION audit_log_seal() RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    horizon xid8;
    last    audit_seals;
    ids     BIGINT[];
BEGIN
    IF NOT pg_try_advisory_xact_lock(7234001) THEN
        RETURN 0;
    END IF;
    horizon := pg_snapshot_xmin(pg_current_snapshot());
    SELECT * INTO last FROM audit_seals ORDER BY block DESC LIMIT 1;
    IF last.horizon > horizon THEN
        RETURN -1;
    END IF;
    SELECT array_agg(id ORDER BY tx, id) INTO ids
      FROM audit_log WHERE tx >= coalesce(last.horizon, '0') AND tx < horizon;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO audit_seals (block, horizon, entry_ids, prev_hash, hash, format)
    VALUES (coalesce(last.block, 0) + 1, horizon, ids, coalesce(last.hash, '\x00'::bytea),
            audit_block_hash(coalesce(last.hash, '\x00'::bytea), coalesce(last.block, 0) + 1, ids, 2::smallint), 2);
    RETURN cardinality(ids);
END $$;

-- 2. TRUNCATE skips row triggers: refuse it with a statement trigger on both tables.
CREATE FUNCTION audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% can''t be truncated', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();

-- When the chain was last verified, and what was found: the admin audit page shows it.
-- Appended to by the server's scheduled verification and `caduceus audit verify`.
CREATE TABLE audit_verifications (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    blocks      BIGINT NOT NULL,
    entries     BIGINT NOT NULL,
    broken_block BIGINT,
    by_whom     TEXT NOT NULL CHECK (by_whom IN ('schedule', 'command', 'admin'))
);

-- 3. The role the server's requests run as (`caduceus_app`): it owns nothing, so it can't
--    disable a trigger, alter or truncate a table; on the audit tables it may only read and
--    append. Migrations run as the owner. Created only where the migrating role may create
--    roles (the embedded cluster, a superuser); elsewhere an operator creates it and grants
--    as below (README, "Database roles"). The server logs in as it on the embedded cluster,
--    and with CADUCEUS_APP_DATABASE_URL elsewhere.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'caduceus_app')
       AND (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        BEGIN
            CREATE ROLE caduceus_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another database of the cluster migrated at the same moment
        END;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'caduceus_app') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO caduceus_app', current_database());
        GRANT USAGE ON SCHEMA public TO caduceus_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO caduceus_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO caduceus_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_seals, audit_verifications FROM caduceus_app;
        REVOKE ALL ON _sqlx_migrations FROM caduceus_app;
        -- Tables and sequences of later migrations get the same grants (the audit tables'
        -- revokes above stay: they exist already).
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO caduceus_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO caduceus_app;
    END IF;
END $$;
