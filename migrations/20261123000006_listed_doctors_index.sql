-- Doctors are a few thousand of a million accounts. Joining the directory's doctors to their
-- accounts by scanning users in id order read every account (a 250 ms page for one city);
-- this index holds the doctors' account ids only.
CREATE INDEX users_doctor_id_idx ON users (id) WHERE role = 'doctor';
