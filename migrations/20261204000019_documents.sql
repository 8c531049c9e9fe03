-- Documents on a patient's chart: lab results, imaging reports, letters (PDF, PNG, JPEG).
-- The file is kept in the upload directory under `storage_key`, a random name; the row says
-- what it is. Checked by content on upload, so `content_type` is what the file really is.
-- The uploader is a plain user id, as in the chart's tables (see 20261204000015_chart.sql):
-- a colleague's account closing doesn't take the patient's documents with it.
CREATE TABLE patient_documents (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id   BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    uploaded_by  BIGINT,
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    kind         TEXT NOT NULL CHECK (kind IN ('lab', 'imaging', 'discharge', 'referral', 'other')),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    file_name    TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 120),
    storage_key  TEXT NOT NULL UNIQUE CHECK (storage_key ~ '^[0-9a-f]{32}$'),
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX patient_documents_patient_idx ON patient_documents (patient_id, created_at DESC, id DESC);
