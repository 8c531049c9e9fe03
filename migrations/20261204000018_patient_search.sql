-- The patient registry's search: every patient has a medical record number (MRN), and the
-- search finds patients by part of the name (the trigram index on users.name), by MRN, by
-- part of the phone number (digits only, trigram) or by date of birth, each with an index.
ALTER TABLE patients ADD COLUMN mrn TEXT GENERATED ALWAYS AS ('MRN' || lpad(id::text, 8, '0')) STORED;
CREATE UNIQUE INDEX patients_mrn_idx ON patients (mrn);
CREATE INDEX patients_date_of_birth_idx ON patients (date_of_birth);
CREATE INDEX users_patient_phone_digits_trgm_idx ON users
    USING gin ((regexp_replace(phone, '\D', '', 'g')) gin_trgm_ops) WHERE role = 'patient';
