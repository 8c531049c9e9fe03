-- pgbench script: the statements one booking runs (see appointments::service::book), on
-- random doctors and patients of the generated dataset (run.sh passes -D doctors= -D patients=), at far-future times no one holds.
-- It tells how fast PostgreSQL alone can take bookings on this machine, without HTTP,
-- JSON, the pool or the app's own CPU.
\set doctor random(1, :doctors)
\set patient random(1, :patients)
\set slot random(0, 50000000)
SELECT s.id, u.id, u.name, u.email, u.role FROM auth_sessions s JOIN users u ON u.id = s.user_id
 WHERE s.revoked_at IS NULL AND s.expires_at > now() AND u.active AND s.kind = 'api' AND s.token_hash = sha256(:patient::text::bytea);
BEGIN;
SELECT p.id, p.user_id, u.name, u.email_verified_at IS NOT NULL AND u.active FROM patients p JOIN users u ON u.id = p.user_id WHERE p.id = :patient;
SELECT d.id, d.user_id, u.name, d.specialization, d.fee_cents, d.currency, (u.active AND u.verified_at IS NOT NULL),
       EXISTS (SELECT 1 FROM doctor_days_off o WHERE o.doctor_id = d.id AND o.day = DATE '2030-01-01')
  FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = :doctor;
SELECT d.custom_schedule, coalesce(array_agg(h.weekday ORDER BY h.weekday, h.starts_at) FILTER (WHERE h.doctor_id IS NOT NULL), '{}')
  FROM doctors d LEFT JOIN doctor_working_hours h ON h.doctor_id = d.id WHERE d.id = :doctor GROUP BY d.id;
INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by)
VALUES (:doctor, :patient, TIMESTAMPTZ '2100-01-01 00:00+00' + :slot * INTERVAL '30 minutes',
        TIMESTAMPTZ '2100-01-01 00:30+00' + :slot * INTERVAL '30 minutes', 'pgbench', 10000, 'USD', NULL)
RETURNING id, created_at;
WITH notice AS (
    SELECT n.*, u.email, u.name
      FROM unnest(ARRAY[:doctor, :patient]::bigint[], ARRAY['New appointment request', 'Appointment requested'],
                  ARRAY['body', 'body'], ARRAY['/appointments/1', '/appointments/1']) AS n (user_id, title, body, link)
      JOIN users u ON u.id = n.user_id AND u.active
), in_app AS (
    INSERT INTO notifications (user_id, title, body, link) SELECT user_id, title, body, link FROM notice
)
INSERT INTO outbox (to_address, subject, body) SELECT email, title, body FROM notice;
INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, patient_id, ip, outcome, detail)
VALUES (:patient, 'patient', 'appointment.book', 'appointment', 1, :patient, '127.0.0.1', 'success', NULL);
END;
