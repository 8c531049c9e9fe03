-- Foundation: accounts, roles, sessions, email verification, outbox, audit log.
-- Ids are BIGINT identities everywhere; the API exposes them as integers.

CREATE TYPE user_role AS ENUM ('patient', 'doctor', 'nurse', 'staff', 'manager', 'admin');

-- Keeps updated_at honest without every UPDATE having to remember it.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TABLE users (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email             TEXT NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash     TEXT NOT NULL,
    role              user_role NOT NULL,
    phone             TEXT,
    address           TEXT,
    email_verified_at TIMESTAMPTZ,
    -- Admin verification; only doctors need it to be listed and bookable.
    verified_at       TIMESTAMPTZ,
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    -- Accounts created by demo mode; removed whenever the server starts without it.
    demo              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_role_idx ON users (role);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Patient-only data, one row per patient account.
CREATE TABLE patients (
    id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                 BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    date_of_birth           DATE CHECK (date_of_birth >= DATE '1900-01-01'),
    gender                  TEXT CHECK (gender IN ('female', 'male', 'other', 'undisclosed')),
    blood_group             TEXT CHECK (blood_group IN ('A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-')),
    emergency_contact_name  TEXT,
    emergency_contact_phone TEXT,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER patients_updated_at BEFORE UPDATE ON patients FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Doctor profile, one row per doctor account.
CREATE TABLE doctors (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    specialization   TEXT NOT NULL DEFAULT 'General Practice',
    license_number   TEXT,
    city             TEXT,
    address          TEXT,
    experience_years INTEGER NOT NULL DEFAULT 0 CHECK (experience_years BETWEEN 0 AND 80),
    fee_cents        BIGINT NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
    currency         TEXT NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    bio              TEXT,
    languages        TEXT[] NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER doctors_updated_at BEFORE UPDATE ON doctors FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per signed-in device: a browser session (referenced from the cookie session)
-- or a bearer token (stored as its SHA-256 only). Revoking a row ends that sign-in.
CREATE TABLE auth_sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('browser', 'api')),
    token_hash   BYTEA UNIQUE,
    ip           TEXT,
    user_agent   TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    CHECK ((kind = 'api') = (token_hash IS NOT NULL))
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE email_verifications (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every email the system sends. Without SMTP it stays here for admins to read.
CREATE TABLE outbox (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at    TIMESTAMPTZ,
    last_error TEXT
);

-- Append-only, hash-chained audit trail. Actor and patient ids are plain numbers, not
-- foreign keys, so the trail outlives deleted accounts (without their personal data).
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    actor_id    BIGINT,
    actor_role  user_role,
    action      TEXT NOT NULL,
    target_type TEXT,
    target_id   BIGINT,
    patient_id  BIGINT,
    ip          TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
    detail      TEXT,
    prev_hash   BYTEA NOT NULL,
    hash        BYTEA NOT NULL
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_patient_idx ON audit_log (patient_id, at DESC) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);

-- Each entry's hash covers its content and the previous hash, so an edited or removed
-- row breaks the chain. Time is hashed as epoch microseconds: independent of TimeZone. The advisory lock orders concurrent appends.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous BYTEA;
BEGIN
    PERFORM pg_advisory_xact_lock(7234001);
    SELECT hash INTO previous FROM audit_log ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(previous, '\x00'::bytea);
    NEW.hash := sha256(NEW.prev_hash || convert_to(concat_ws('|',
        NEW.id, (extract(epoch FROM NEW.at) * 1000000)::bigint, NEW.actor_id, NEW.actor_role, NEW.action, NEW.target_type,
        NEW.target_id, NEW.patient_id, NEW.ip, NEW.outcome, NEW.detail), 'UTF8'));
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
