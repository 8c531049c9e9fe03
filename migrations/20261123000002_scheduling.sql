-- Doctor schedules and appointments. The two booking rules (a doctor never has two live
-- appointments at once; a patient never has two live appointments at once) are exclusion
-- constraints, so they hold under any concurrency and across server processes.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Working hours per ISO weekday (1 = Monday … 7 = Sunday), as blocks: a lunch break is the
-- gap between two blocks. A doctor without rows works the clinic default (see the code).
CREATE TABLE doctor_working_hours (
    doctor_id  BIGINT NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
    weekday    SMALLINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts_at  TIME NOT NULL,
    ends_at    TIME NOT NULL,
    CHECK (starts_at < ends_at),
    PRIMARY KEY (doctor_id, weekday, starts_at)
);

-- Whether the doctor has set a weekly schedule at all (an empty one means "no hours").
ALTER TABLE doctors ADD COLUMN custom_schedule BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE doctor_days_off (
    doctor_id BIGINT NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
    day       DATE NOT NULL,
    reason    TEXT,
    PRIMARY KEY (doctor_id, day)
);

CREATE TYPE appointment_status AS ENUM ('pending', 'accepted', 'rejected', 'cancelled', 'completed', 'no_show');

CREATE TABLE appointments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doctor_id       BIGINT NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
    patient_id      BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    status          appointment_status NOT NULL DEFAULT 'pending',
    reason          TEXT CHECK (length(reason) <= 1000),
    fee_cents       BIGINT NOT NULL CHECK (fee_cents >= 0),
    currency        TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Why it was rejected or cancelled; the doctor's visit notes once completed.
    status_reason   TEXT,
    visit_notes     TEXT,
    booked_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CONSTRAINT appointments_doctor_slot_taken EXCLUDE USING gist (
        doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status IN ('pending', 'accepted')),
    CONSTRAINT appointments_patient_busy EXCLUDE USING gist (
        patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status IN ('pending', 'accepted'))
);
CREATE INDEX appointments_doctor_time_idx ON appointments (doctor_id, starts_at);
CREATE INDEX appointments_patient_time_idx ON appointments (patient_id, starts_at DESC);
CREATE TRIGGER appointments_updated_at BEFORE UPDATE ON appointments FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One review per completed appointment.
CREATE TABLE reviews (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    appointment_id BIGINT NOT NULL UNIQUE REFERENCES appointments (id) ON DELETE CASCADE,
    doctor_id      BIGINT NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
    patient_id     BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    rating         SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body           TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 4000),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reviews_doctor_idx ON reviews (doctor_id, created_at DESC);

-- Directory search: partial, case-insensitive name matching.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_name_trgm_idx ON users USING gin (name gin_trgm_ops);
CREATE INDEX doctors_specialization_city_idx ON doctors (lower(specialization), lower(city));
