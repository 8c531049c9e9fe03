-- The patient chart, first part: medical history, allergies and vitals.
--
-- Who wrote an entry (`recorded_by`) is a plain user id, like the audit trail's actor: a
-- foreign key to `users` would make each clinician's data export carry every entry they wrote
-- about other patients (export walks the foreign keys to `users`). The patient is a real
-- foreign key, so export and erasure find these tables on their own.

CREATE TYPE history_kind AS ENUM ('condition', 'surgery', 'family', 'social');
CREATE TYPE allergy_severity AS ENUM ('mild', 'moderate', 'severe', 'life_threatening');
-- `entered_in_error` hides an entry from the chart but keeps it (records are never deleted
-- by the people who keep them).
CREATE TYPE chart_entry_status AS ENUM ('active', 'inactive', 'entered_in_error');

CREATE TABLE medical_history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id  BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    kind        history_kind NOT NULL,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- When it began or happened, if known.
    occurred_on DATE CHECK (occurred_on >= DATE '1900-01-01'),
    description TEXT CHECK (length(description) <= 2000),
    status      chart_entry_status NOT NULL DEFAULT 'active',
    recorded_by BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX medical_history_patient_idx ON medical_history (patient_id, kind, occurred_on DESC NULLS LAST);

CREATE TABLE allergies (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id  BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    substance   TEXT NOT NULL CHECK (length(substance) BETWEEN 1 AND 100),
    reaction    TEXT CHECK (length(reaction) <= 500),
    severity    allergy_severity NOT NULL,
    status      chart_entry_status NOT NULL DEFAULT 'active',
    recorded_by BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One active entry per substance and patient, whatever the case or spacing it was typed in:
-- two nurses adding "Penicillin" at once get one entry and one 409.
CREATE UNIQUE INDEX allergies_one_active_per_substance ON allergies (patient_id, lower(btrim(substance))) WHERE status = 'active';
CREATE TRIGGER allergies_updated_at BEFORE UPDATE ON allergies FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- "No known allergies" is something a clinician asked and recorded, not the absence of rows:
-- set when they say so, cleared when an allergy is recorded.
ALTER TABLE patients
    ADD COLUMN no_known_allergies_at TIMESTAMPTZ,
    ADD COLUMN no_known_allergies_by BIGINT;

-- Physiologically possible values only; the service says which one is wrong before the
-- database would.
CREATE TABLE vitals (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id       BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    taken_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    systolic         SMALLINT CHECK (systolic BETWEEN 50 AND 300),
    diastolic        SMALLINT CHECK (diastolic BETWEEN 20 AND 200),
    pulse            SMALLINT CHECK (pulse BETWEEN 20 AND 300),
    temperature_c    DOUBLE PRECISION CHECK (temperature_c BETWEEN 25 AND 45),
    respiratory_rate SMALLINT CHECK (respiratory_rate BETWEEN 4 AND 80),
    spo2             SMALLINT CHECK (spo2 BETWEEN 50 AND 100),
    weight_kg        DOUBLE PRECISION CHECK (weight_kg BETWEEN 0.2 AND 650),
    height_cm        DOUBLE PRECISION CHECK (height_cm BETWEEN 20 AND 280),
    status           chart_entry_status NOT NULL DEFAULT 'active' CHECK (status <> 'inactive'),
    recorded_by      BIGINT NOT NULL,
    CHECK ((systolic IS NULL) = (diastolic IS NULL) AND (systolic IS NULL OR systolic > diastolic)),
    CHECK (num_nonnulls(systolic, pulse, temperature_c, respiratory_rate, spo2, weight_kg, height_cm) > 0)
);
CREATE INDEX vitals_patient_idx ON vitals (patient_id, taken_at DESC);

-- A doctor reads a chart once they have met the patient: the access check looks this up.
CREATE INDEX appointments_patient_doctor_idx ON appointments (patient_id, doctor_id) WHERE status IN ('accepted', 'completed', 'no_show');
