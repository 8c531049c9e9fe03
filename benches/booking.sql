-- pgbench script: the statements one booking runs (see appointments::service::book), on
-- random doctors and patients of the generated dataset (run.sh passes -D doctors= -D patients=),
-- at far-future times no one holds. It tells how fast PostgreSQL alone can take bookings on
-- this machine, without HTTP, JSON, the pool or the app's own CPU. Run it with -M prepared,
-- as the app's statements are.
\set doctor random(1, :doctors)
\set patient random(1, :patients)
\set slot random(0, 50000000)
-- 1. the bearer token's session
SELECT s.id, u.id, u.name, u.email, u.role FROM auth_sessions s JOIN users u ON u.id = s.user_id
 WHERE s.revoked_at IS NULL AND s.expires_at > now() AND u.active AND s.kind = 'api' AND s.token_hash = sha256(:patient::text::bytea);
-- 2. everything the rules check: the booking queue's read (appointments::db::booking_parties)
--    with one booking in it, as when bookings come alone
SELECT r.nr, d.user_id, du.name, d.specialization, d.fee_cents, d.currency, (du.active AND du.verified_at IS NOT NULL),
       EXISTS (SELECT 1 FROM doctor_days_off o WHERE o.doctor_id = d.id AND o.day = r.day),
       d.custom_schedule, week.weekdays, week.starts, week.ends,
       pt.id, pt.user_id, pt.name, pt.ready
  FROM booking_keys(ARRAY[:doctor]::bigint[], ARRAY[DATE '2030-01-01'], ARRAY[NULL]::bigint[], ARRAY[:patient]::bigint[]) r
  JOIN doctors d ON d.id = r.doctor_id JOIN users du ON du.id = d.user_id
 CROSS JOIN LATERAL (
       SELECT coalesce(array_agg(h.weekday ORDER BY h.weekday, h.starts_at), '{}') AS weekdays,
              coalesce(array_agg(h.starts_at ORDER BY h.weekday, h.starts_at), '{}') AS starts,
              coalesce(array_agg(h.ends_at ORDER BY h.weekday, h.starts_at), '{}') AS ends
         FROM doctor_working_hours h WHERE h.doctor_id = d.id) week
  LEFT JOIN LATERAL (
       SELECT p.id, p.user_id, pu.name, (pu.email_verified_at IS NOT NULL AND pu.active) AS ready
         FROM patients p JOIN users pu ON pu.id = p.user_id
        WHERE p.user_id = r.patient_account OR p.id = r.patient_record) pt ON true;
-- 3. the appointment, both notices and the audit entry: the booking queue's statement
--    (appointments::db::insert_booked) with one booking in it, as when bookings come alone
WITH request AS (
    SELECT * FROM unnest(ARRAY[:doctor]::bigint[], ARRAY[:patient]::bigint[],
                         ARRAY[TIMESTAMPTZ '2100-01-01 00:00+00' + :slot * INTERVAL '30 minutes'],
                         ARRAY[TIMESTAMPTZ '2100-01-01 00:30+00' + :slot * INTERVAL '30 minutes'],
                         ARRAY['pgbench'], ARRAY[10000]::bigint[], ARRAY['USD'], ARRAY[NULL]::bigint[], ARRAY['patient'], ARRAY['127.0.0.1'])
           WITH ORDINALITY AS r (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by, role, ip, nr)
), booked AS (
    INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by)
    SELECT doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by FROM request ORDER BY nr
    ON CONFLICT DO NOTHING
    RETURNING id, doctor_id, patient_id, starts_at, created_at
), granted AS (
    SELECT DISTINCT ON (b.id) r.nr, r.booked_by, r.role, r.ip, b.id, b.patient_id, b.created_at
      FROM booked b JOIN request r USING (doctor_id, patient_id, starts_at)
     ORDER BY b.id, r.nr
), noticed AS (
    SELECT notify(array_agg(n.user_id), array_agg(n.title), array_agg(n.body), array_agg('/appointments/' || g.id), 'http://127.0.0.1:3300')
      FROM unnest(ARRAY[1, 1]::bigint[], ARRAY[:patient, :doctor]::bigint[], ARRAY['Appointment requested', 'New appointment request'],
                  ARRAY['Your appointment is booked and waiting for the doctor''s confirmation.', 'A patient asked for an appointment.'])
           AS n (nr, user_id, title, body)
      JOIN granted g USING (nr)
), audited AS (
    INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, patient_id, ip, outcome)
    SELECT booked_by, role::user_role, 'appointment.book', 'appointment', id, patient_id, ip, 'success' FROM granted
)
SELECT g.nr, g.id, g.created_at FROM granted g, noticed;
