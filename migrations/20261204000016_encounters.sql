-- Encounters: what a doctor wrote about a visit (coded diagnoses, treatment, notes,
-- prescriptions), its earlier versions, addenda, and "entered in error".
--
-- Authors are plain user ids, as in the chart's other tables (see 20261204000015_chart.sql);
-- every table has the patient as a real foreign key (versions and addenda too, though their
-- encounter names the patient): export and erasure find tables by their keys to `patients`.

CREATE TYPE encounter_status AS ENUM ('active', 'entered_in_error');

CREATE TABLE encounters (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id     BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    appointment_id BIGINT REFERENCES appointments (id) ON DELETE SET NULL,
    author_id      BIGINT NOT NULL,
    -- [{"code": "E11.9", "description": "..."}], checked against the shipped code list.
    diagnoses      JSONB NOT NULL CHECK (jsonb_typeof(diagnoses) = 'array' AND jsonb_array_length(diagnoses) BETWEEN 1 AND 12),
    treatment      TEXT CHECK (length(treatment) <= 4000),
    notes          TEXT CHECK (length(notes) <= 20000),
    version        INT NOT NULL DEFAULT 1 CHECK (version >= 1),
    status         encounter_status NOT NULL DEFAULT 'active',
    error_reason   TEXT CHECK (length(error_reason) BETWEEN 1 AND 500),
    errored_by     BIGINT,
    errored_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'entered_in_error') = (error_reason IS NOT NULL AND errored_at IS NOT NULL))
);
CREATE INDEX encounters_patient_idx ON encounters (patient_id, created_at DESC);
-- One note per visit: two "write the visit note" submits racing give one encounter and a 409
-- (a second thought is a correction or an addendum).
CREATE UNIQUE INDEX encounters_one_per_appointment ON encounters (appointment_id) WHERE status = 'active';
CREATE TRIGGER encounters_updated_at BEFORE UPDATE ON encounters FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Each correction keeps the version it replaced, whole.
CREATE TABLE encounter_versions (
    encounter_id BIGINT NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    patient_id   BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    version      INT NOT NULL,
    -- {"diagnoses": [...], "treatment": ..., "notes": ..., "prescriptions": [...]}
    content      JSONB NOT NULL,
    written_at   TIMESTAMPTZ NOT NULL,
    replaced_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (encounter_id, version)
);

CREATE TABLE encounter_addenda (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    encounter_id BIGINT NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    patient_id   BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    author_id    BIGINT NOT NULL,
    text         TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX encounter_addenda_encounter_idx ON encounter_addenda (encounter_id, created_at);

-- `superseded`: replaced by a correction of its encounter (the version keeps what it said).
CREATE TYPE prescription_status AS ENUM ('active', 'superseded', 'entered_in_error');

CREATE TABLE prescriptions (
    id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    encounter_id            BIGINT NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    patient_id              BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    prescriber_id           BIGINT NOT NULL,
    position                SMALLINT NOT NULL,
    drug                    TEXT NOT NULL CHECK (length(drug) BETWEEN 1 AND 200),
    dose                    TEXT NOT NULL CHECK (length(dose) BETWEEN 1 AND 100),
    route                   TEXT CHECK (length(route) <= 50),
    frequency               TEXT NOT NULL CHECK (length(frequency) BETWEEN 1 AND 100),
    duration_days           INT CHECK (duration_days BETWEEN 1 AND 365),
    quantity                INT CHECK (quantity BETWEEN 1 AND 10000),
    refills                 INT NOT NULL DEFAULT 0 CHECK (refills BETWEEN 0 AND 12),
    allergy_override_reason TEXT CHECK (length(allergy_override_reason) BETWEEN 1 AND 500),
    status                  prescription_status NOT NULL DEFAULT 'active',
    prescribed_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX prescriptions_encounter_idx ON prescriptions (encounter_id, position);
CREATE INDEX prescriptions_patient_idx ON prescriptions (patient_id, prescribed_at DESC) WHERE status = 'active';
