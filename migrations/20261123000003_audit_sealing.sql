-- The audit chain used to be computed by an insert trigger under one global advisory lock,
-- held until commit: every audited write in the system waited for the previous one's disk
-- flush, so bookings could never share a flush (group commit). Entries are now inserted
-- without a lock and sealed into the chain shortly after they commit, in commit-visible
-- order, by audit_log_seal() — called by a background task of every server process and
-- before each verification. `seq` is the last_seq in the chain.

DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION audit_log_chain();

ALTER TABLE audit_log
    ADD COLUMN seq BIGINT UNIQUE,
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN hash DROP NOT NULL;
-- Unseal what exists; it is re-chained below with the new formula (which covers seq too).
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE audit_log SET prev_hash = NULL, hash = NULL;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;
ALTER TABLE audit_log ADD CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL));
CREATE INDEX audit_log_unsealed_idx ON audit_log (id) WHERE seq IS NULL;

-- The content an entry's hash covers. Time as epoch microseconds: independent of TimeZone.
CREATE FUNCTION audit_log_hash(previous BYTEA, entry audit_log) RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(previous || convert_to(concat_ws('|',
        entry.seq, entry.id, (extract(epoch FROM entry.at) * 1000000)::bigint, entry.actor_id, entry.actor_role, entry.action,
        entry.target_type, entry.target_id, entry.patient_id, entry.ip, entry.outcome, entry.detail), 'UTF8'))
$$;

-- Appends every committed, unsealed entry to the chain; returns how many. One sealer at a
-- time (others return 0 at once and leave the work to it).
CREATE FUNCTION audit_log_seal() RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    previous BYTEA;
    last_seq BIGINT;
    entry    audit_log;
    sealed   INTEGER := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7234001) THEN
        RETURN 0;
    END IF;
    SELECT hash, seq INTO previous, last_seq FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
    previous := coalesce(previous, '\x00'::bytea);
    last_seq := coalesce(last_seq, 0);
    FOR entry IN SELECT * FROM audit_log WHERE seq IS NULL ORDER BY id LOOP
        last_seq := last_seq + 1;
        entry.seq := last_seq;
        entry.prev_hash := previous;
        entry.hash := audit_log_hash(previous, entry);
        UPDATE audit_log SET seq = entry.seq, prev_hash = entry.prev_hash, hash = entry.hash WHERE id = entry.id;
        previous := entry.hash;
        sealed := sealed + 1;
    END LOOP;
    RETURN sealed;
END $$;

-- Still append-only: the one change allowed is sealing an unsealed entry.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL
       AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'] = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END $$;

SELECT audit_log_seal();
