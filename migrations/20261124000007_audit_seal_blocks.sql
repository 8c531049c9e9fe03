-- Sealing used to UPDATE every entry (seq, prev_hash, hash). With `seq` indexed, that update
-- could never be HOT: each audited write stored its row and its six index entries twice, and
-- the sealer's per-row updates cost more than the bookings they audited (measured: 0.17 ms
-- per entry, the largest item in pg_stat_statements during the booking benchmark).
--
-- Entries are now never touched after their insert. Each entry carries the id of the
-- transaction that wrote it (xid8: 64 bits, never reused). A sealer run takes the horizon
-- H = the oldest transaction still running; every transaction below H has finished, so the
-- entries with tx < H are final (committed or gone for good). It appends ONE block to
-- audit_seals covering the entries with last block's horizon <= tx < H: their ids in
-- (tx, id) order, and a hash over the previous block's hash and every entry's content.
-- Editing or removing a sealed entry changes its block's hash.
--
-- Caveat: a database restored from a dump into a new cluster starts its transaction counter
-- lower than the last horizon; the sealer then reports that it cannot go on (see
-- audit::seal) instead of sealing entries into the wrong place.

ALTER TABLE audit_log DROP CONSTRAINT audit_log_check;
DROP INDEX audit_log_unsealed_idx;
DROP FUNCTION audit_log_seal();
DROP FUNCTION audit_log_hash(BYTEA, audit_log);
ALTER TABLE audit_log DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash;

-- Existing entries get tx = 1, below every real transaction id: the first block seals them.
ALTER TABLE audit_log ADD COLUMN tx xid8 NOT NULL DEFAULT '1';
ALTER TABLE audit_log ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
CREATE INDEX audit_log_tx_idx ON audit_log (tx);

-- Append-only, with no exception any more.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;

CREATE TABLE audit_seals (
    block     BIGINT PRIMARY KEY CHECK (block > 0),
    -- The entries with previous block's horizon <= tx < horizon, in (tx, id) order.
    horizon   xid8 NOT NULL,
    entry_ids BIGINT[] NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL,
    sealed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- What an entry's hash covers. Time as epoch microseconds: independent of TimeZone.
CREATE FUNCTION audit_entry_digest(entry audit_log) RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to(concat_ws('|',
        entry.id, entry.tx, (extract(epoch FROM entry.at) * 1000000)::bigint, entry.actor_id, entry.actor_role, entry.action,
        entry.target_type, entry.target_id, entry.patient_id, entry.ip, entry.outcome, entry.detail), 'UTF8'))
$$;

-- A block's hash: the previous hash, the block number and its entries' digests in order. A
-- listed id whose entry is gone contributes its id and a NULL digest, so a removal shows.
CREATE FUNCTION audit_block_hash(previous BYTEA, block BIGINT, entry_ids BIGINT[]) RETURNS BYTEA LANGUAGE sql STABLE AS $$
    SELECT sha256(previous || convert_to(block::text, 'UTF8')
                  || coalesce(string_agg(CASE WHEN a.id IS NULL THEN convert_to('missing ' || e.id, 'UTF8') ELSE audit_entry_digest(a) END, ''::bytea ORDER BY e.n), ''::bytea))
      FROM unnest(entry_ids) WITH ORDINALITY AS e (id, n)
      LEFT JOIN audit_log a ON a.id = e.id
$$;

-- Seals every final, unsealed entry into one new block; returns how many entries it sealed,
-- or -1 when the transaction counter is behind the last horizon (a restored database). One
-- sealer at a time: the others return 0 at once.
CREATE FUNCTION audit_log_seal() RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    horizon xid8;
    last    audit_seals;
    ids     BIGINT[];
BEGIN
    IF NOT pg_try_advisory_xact_lock(7234001) THEN
        RETURN 0;
    END IF;
    -- Taken under the lock: a horizon from before another sealer's block could be behind it.
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
    INSERT INTO audit_seals (block, horizon, entry_ids, prev_hash, hash)
    VALUES (coalesce(last.block, 0) + 1, horizon, ids, coalesce(last.hash, '\x00'::bytea),
            audit_block_hash(coalesce(last.hash, '\x00'::bytea), coalesce(last.block, 0) + 1, ids));
    RETURN cardinality(ids);
END $$;

SELECT audit_log_seal();
