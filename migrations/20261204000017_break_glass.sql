-- Break-glass: a doctor without a visit with the patient opens the chart in an emergency,
-- giving a reason. Access lasts until `expires_at` (the clinic's setting, 4 hours by default);
-- every grant is audited, listed for admins and shown to the patient with its reason.
-- The doctor is a plain user id, as in the chart's tables (see 20261204000015_chart.sql).
CREATE TABLE break_glass (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id     BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    doctor_user_id BIGINT NOT NULL,
    reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
    granted_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    CHECK (expires_at > granted_at)
);
-- The chart rule looks up a doctor's live grant for a patient at every chart request.
CREATE INDEX break_glass_access_idx ON break_glass (patient_id, doctor_user_id, expires_at DESC);
CREATE INDEX break_glass_recent_idx ON break_glass (granted_at DESC);
