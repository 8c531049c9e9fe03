-- Revenue and patient-summary reports (issue 16): rollups kept current by triggers, in the
-- transaction of every write that changes a figure, so a report reads a few hundred or thousand
-- rows instead of millions of invoices, payments and appointments.
--
-- Every rollup is a sum of contributions: each invoice, payment, visit and patient adds its
-- share at its key (day, currency, doctor, ...), and a change takes the old share back before
-- adding the new one. The writes only append (a row per share, `compacted` false): no row is
-- updated in place, so concurrent payments never wait on each other's rollup rows nor deadlock
-- on them. Reports sum by key anyway; `reports_compact()` (every minute, from the server)
-- folds the appended rows of each key into one. `reports_rebuild()` computes the same tables from scratch: the dataset
-- generator calls it after a bulk load, the server when the clinic's time zone changes, and a
-- test compares the rollups kept by the writes with it.
--
-- Days are the clinic's days (`report_settings.time_zone`, written by the server at start).

CREATE TABLE report_settings (
    only_row  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    time_zone TEXT NOT NULL DEFAULT 'UTC'
);
INSERT INTO report_settings DEFAULT VALUES;

CREATE FUNCTION report_day(moment TIMESTAMPTZ) RETURNS DATE LANGUAGE sql STABLE AS $$
    SELECT (moment AT TIME ZONE (SELECT time_zone FROM report_settings))::date
$$;

-- Age groups of the patient summary, at the visit's day.
CREATE FUNCTION report_age_group(born DATE, on_day DATE) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN born IS NULL THEN 'unknown'
        WHEN date_part('year', age(on_day, born)) < 18 THEN '0-17'
        WHEN date_part('year', age(on_day, born)) < 35 THEN '18-34'
        WHEN date_part('year', age(on_day, born)) < 50 THEN '35-49'
        WHEN date_part('year', age(on_day, born)) < 65 THEN '50-64'
        ELSE '65+'
    END
$$;

-- ---------------------------------------------------------------------------------------
-- Revenue. Invoices count on the day they were issued (billed net of credit notes, and what
-- is still owed on them); money counts on the day it moved (collected net of refunds).
-- doctor_id 0: services of no doctor.

CREATE TABLE revenue_daily (
    day               DATE NOT NULL,
    currency          TEXT NOT NULL,
    invoices          INTEGER NOT NULL DEFAULT 0,
    billed_cents      BIGINT NOT NULL DEFAULT 0,
    credited_cents    BIGINT NOT NULL DEFAULT 0,
    outstanding_cents BIGINT NOT NULL DEFAULT 0,
    collected_cents   BIGINT NOT NULL DEFAULT 0,
    compacted         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX revenue_daily_key ON revenue_daily (currency, day);
-- By doctor, a row per doctor and day for the range's partial months, and per doctor and
-- month for its whole months: two years over 2,000 doctors is 48,000 monthly rows to read,
-- not 1.5 million daily ones.
CREATE TABLE revenue_doctor_daily (LIKE revenue_daily INCLUDING DEFAULTS, doctor_id BIGINT NOT NULL);
CREATE INDEX revenue_doctor_daily_key ON revenue_doctor_daily (currency, day, doctor_id);
CREATE TABLE revenue_doctor_monthly (LIKE revenue_daily INCLUDING DEFAULTS, doctor_id BIGINT NOT NULL);
CREATE INDEX revenue_doctor_monthly_key ON revenue_doctor_monthly (currency, day, doctor_id);
COMMENT ON COLUMN revenue_doctor_monthly.day IS 'The first day of the month.';

CREATE TABLE revenue_method_daily (
    day            DATE NOT NULL,
    currency       TEXT NOT NULL,
    method         payment_method NOT NULL,
    paid_cents     BIGINT NOT NULL DEFAULT 0,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    compacted      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX revenue_method_daily_key ON revenue_method_daily (currency, day, method);

CREATE FUNCTION revenue_add(
    p_day DATE, p_currency TEXT, p_doctor BIGINT,
    p_invoices INTEGER, p_billed BIGINT, p_credited BIGINT, p_outstanding BIGINT, p_collected BIGINT
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_invoices = 0 AND p_billed = 0 AND p_credited = 0 AND p_outstanding = 0 AND p_collected = 0 THEN
        RETURN;
    END IF;
    INSERT INTO revenue_daily (day, currency, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents)
    VALUES (p_day, p_currency, p_invoices, p_billed, p_credited, p_outstanding, p_collected);
    INSERT INTO revenue_doctor_daily (day, currency, doctor_id, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents)
    VALUES (p_day, p_currency, coalesce(p_doctor, 0), p_invoices, p_billed, p_credited, p_outstanding, p_collected);
    INSERT INTO revenue_doctor_monthly (day, currency, doctor_id, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents)
    VALUES (date_trunc('month', p_day)::date, p_currency, coalesce(p_doctor, 0), p_invoices, p_billed, p_credited, p_outstanding, p_collected);
END
$$;

-- An issued invoice's share (drafts and void invoices have none).
CREATE FUNCTION revenue_invoice_share(inv invoices, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF inv.state = 'issued' THEN
        PERFORM revenue_add(report_day(inv.issued_at), inv.currency, inv.doctor_id, sign,
            sign * (inv.total_cents - inv.credited_cents), sign * inv.credited_cents, sign * inv.balance_cents, 0);
    END IF;
END
$$;

CREATE FUNCTION revenue_invoices_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM revenue_invoice_share(OLD, -1); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM revenue_invoice_share(NEW, 1); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER invoices_revenue_insert_delete AFTER INSERT OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION revenue_invoices_changed();
CREATE TRIGGER invoices_revenue_update AFTER UPDATE ON invoices FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.issued_at IS DISTINCT FROM NEW.issued_at
          OR OLD.total_cents <> NEW.total_cents OR OLD.credited_cents <> NEW.credited_cents
          OR OLD.balance_cents <> NEW.balance_cents OR OLD.doctor_id IS DISTINCT FROM NEW.doctor_id
          OR OLD.currency <> NEW.currency)
    EXECUTE FUNCTION revenue_invoices_changed();

-- Whose service a payment paid for, kept on the payment: when a patient's records are erased
-- the invoice may be gone before its payments' share is taken back.
ALTER TABLE payments ADD COLUMN doctor_id BIGINT;
UPDATE payments p SET doctor_id = i.doctor_id FROM invoices i WHERE i.id = p.invoice_id;

CREATE FUNCTION payments_doctor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT doctor_id INTO NEW.doctor_id FROM invoices WHERE id = NEW.invoice_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER payments_doctor BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_doctor();

CREATE FUNCTION revenue_payment_share(pay payments, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d DATE := report_day(pay.created_at);
    received BIGINT := CASE WHEN pay.kind = 'payment' THEN pay.amount_cents ELSE 0 END;
    returned BIGINT := CASE WHEN pay.kind = 'refund' THEN pay.amount_cents ELSE 0 END;
BEGIN
    PERFORM revenue_add(d, pay.currency, pay.doctor_id, 0, 0, 0, 0, sign * (received - returned));
    INSERT INTO revenue_method_daily (day, currency, method, paid_cents, refunded_cents)
    VALUES (d, pay.currency, pay.method, sign * received, sign * returned);
END
$$;

CREATE FUNCTION revenue_payments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM revenue_payment_share(OLD, -1); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM revenue_payment_share(NEW, 1); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER payments_revenue AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION revenue_payments_changed();

-- ---------------------------------------------------------------------------------------
-- Patients. Registrations count on the day of the record; visits (completed appointments) and
-- no-shows on the visit's day, by the patient's age group then and gender.

CREATE TABLE registrations_daily (
    day       DATE NOT NULL,
    patients  INTEGER NOT NULL DEFAULT 0,
    compacted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX registrations_daily_key ON registrations_daily (day);

CREATE TABLE visits_daily (
    day       DATE NOT NULL,
    age_group TEXT NOT NULL,
    gender    TEXT NOT NULL,
    visits    INTEGER NOT NULL DEFAULT 0,
    no_shows  INTEGER NOT NULL DEFAULT 0,
    compacted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX visits_daily_key ON visits_daily (day, age_group, gender);

-- Visit frequency: the days of each patient's 1st, 2nd, 4th and 11th visit. The patients with
-- at least k visits by a day are those whose k-th visit came by then, so "how many patients
-- had 1, 2-3, 4-10, more than 10 visits" is four sums over `visit_milestones_daily`.
CREATE TABLE patient_visit_milestones (
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    visits     SMALLINT NOT NULL CHECK (visits IN (1, 2, 4, 11)),
    day        DATE NOT NULL,
    PRIMARY KEY (patient_id, visits)
);
CREATE TABLE visit_milestones_daily (
    day       DATE NOT NULL,
    visits    SMALLINT NOT NULL,
    patients  INTEGER NOT NULL DEFAULT 0,
    compacted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX visit_milestones_daily_key ON visit_milestones_daily (visits, day);

-- A patient's visits and no-shows, in or out of the rollup (sign 1 or -1).
CREATE FUNCTION visits_of_patient(p_patient BIGINT, p_born DATE, p_gender TEXT, sign INTEGER) RETURNS void LANGUAGE sql AS $$
    INSERT INTO visits_daily (day, age_group, gender, visits, no_shows)
    SELECT day, report_age_group(p_born, day), coalesce(p_gender, 'undisclosed'),
           sign * count(*) FILTER (WHERE status = 'completed'), sign * count(*) FILTER (WHERE status = 'no_show')
    FROM (SELECT report_day(starts_at) AS day, status FROM appointments
          WHERE patient_id = p_patient AND status IN ('completed', 'no_show')) a
    GROUP BY day
$$;

-- The patient's milestones recomputed from their completed visits (none when `keep` is false).
-- The patient's row lock serializes two visits of one patient completed at once.
CREATE FUNCTION visit_milestones_refresh(p_patient BIGINT, keep BOOLEAN) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM patients WHERE id = p_patient FOR NO KEY UPDATE;
    WITH gone AS (DELETE FROM patient_visit_milestones WHERE patient_id = p_patient RETURNING visits, day)
    INSERT INTO visit_milestones_daily (day, visits, patients) SELECT day, visits, -1 FROM gone;
    IF NOT keep THEN
        RETURN;
    END IF;
    WITH reached AS (
        INSERT INTO patient_visit_milestones (patient_id, visits, day)
        SELECT p_patient, v.n, v.day FROM (
            SELECT row_number() OVER (ORDER BY a.starts_at, a.id) AS n, report_day(a.starts_at) AS day
            FROM appointments a
            WHERE a.patient_id = p_patient AND a.status = 'completed'
            ORDER BY a.starts_at, a.id
            LIMIT 11
        ) v WHERE v.n IN (1, 2, 4, 11)
        RETURNING visits, day
    )
    INSERT INTO visit_milestones_daily (day, visits, patients) SELECT day, visits, 1 FROM reached;
END
$$;

CREATE FUNCTION report_appointments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p patients;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('completed', 'no_show') THEN
        SELECT * INTO p FROM patients WHERE id = OLD.patient_id;
        -- No patient: erased, and their share was taken back before (patients_report_erased).
        IF FOUND THEN
            INSERT INTO visits_daily (day, age_group, gender, visits, no_shows)
            VALUES (report_day(OLD.starts_at), report_age_group(p.date_of_birth, report_day(OLD.starts_at)),
                    coalesce(p.gender, 'undisclosed'), -(OLD.status = 'completed')::int, -(OLD.status = 'no_show')::int);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('completed', 'no_show') THEN
        SELECT * INTO p FROM patients WHERE id = NEW.patient_id;
        INSERT INTO visits_daily (day, age_group, gender, visits, no_shows)
        VALUES (report_day(NEW.starts_at), report_age_group(p.date_of_birth, report_day(NEW.starts_at)),
                coalesce(p.gender, 'undisclosed'), (NEW.status = 'completed')::int, (NEW.status = 'no_show')::int);
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status = 'completed' AND EXISTS (SELECT FROM patients WHERE id = OLD.patient_id) THEN
        PERFORM visit_milestones_refresh(OLD.patient_id, TRUE);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'completed'
       AND (TG_OP = 'INSERT' OR OLD.status <> 'completed' OR OLD.patient_id <> NEW.patient_id) THEN
        PERFORM visit_milestones_refresh(NEW.patient_id, TRUE);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER appointments_report_insert_delete AFTER INSERT OR DELETE ON appointments
    FOR EACH ROW EXECUTE FUNCTION report_appointments_changed();
CREATE TRIGGER appointments_report_update AFTER UPDATE ON appointments FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.starts_at <> NEW.starts_at OR OLD.patient_id <> NEW.patient_id)
    EXECUTE FUNCTION report_appointments_changed();

CREATE FUNCTION report_patients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO registrations_daily (day, patients) VALUES (report_day(NEW.created_at), 1);
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        -- Before the cascade takes the appointments: their share goes with the patient.
        INSERT INTO registrations_daily (day, patients) VALUES (report_day(OLD.created_at), -1);
        PERFORM visits_of_patient(OLD.id, OLD.date_of_birth, OLD.gender, -1);
        PERFORM visit_milestones_refresh(OLD.id, FALSE);
        RETURN OLD;
    END IF;
    -- A corrected birth date or gender moves the patient's visits between groups.
    PERFORM visits_of_patient(OLD.id, OLD.date_of_birth, OLD.gender, -1);
    PERFORM visits_of_patient(NEW.id, NEW.date_of_birth, NEW.gender, 1);
    RETURN NULL;
END
$$;
CREATE TRIGGER patients_report_insert AFTER INSERT ON patients FOR EACH ROW EXECUTE FUNCTION report_patients_changed();
CREATE TRIGGER patients_report_erased BEFORE DELETE ON patients FOR EACH ROW EXECUTE FUNCTION report_patients_changed();
CREATE TRIGGER patients_report_update AFTER UPDATE ON patients FOR EACH ROW
    WHEN (OLD.date_of_birth IS DISTINCT FROM NEW.date_of_birth OR OLD.gender IS DISTINCT FROM NEW.gender)
    EXECUTE FUNCTION report_patients_changed();

-- ---------------------------------------------------------------------------------------
-- The rollups' keys and measures, for compaction and for the test that compares them with a
-- recomputation.
CREATE TABLE report_rollups (
    name     REGCLASS PRIMARY KEY,
    keys     TEXT[] NOT NULL,
    measures TEXT[] NOT NULL
);
INSERT INTO report_rollups VALUES
    ('revenue_daily', '{currency,day}', '{invoices,billed_cents,credited_cents,outstanding_cents,collected_cents}'),
    ('revenue_doctor_daily', '{currency,day,doctor_id}', '{invoices,billed_cents,credited_cents,outstanding_cents,collected_cents}'),
    ('revenue_doctor_monthly', '{currency,day,doctor_id}', '{invoices,billed_cents,credited_cents,outstanding_cents,collected_cents}'),
    ('revenue_method_daily', '{currency,day,method}', '{paid_cents,refunded_cents}'),
    ('registrations_daily', '{day}', '{patients}'),
    ('visits_daily', '{day,age_group,gender}', '{visits,no_shows}'),
    ('visit_milestones_daily', '{visits,day}', '{patients}');

-- Folds the appended rows of every key into one (keys whose sums are all zero go).
CREATE FUNCTION reports_compact() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r report_rollups;
    key_list TEXT;
    joined TEXT;
    sums TEXT;
    nonzero TEXT;
BEGIN
    FOR r IN SELECT * FROM report_rollups LOOP
        key_list := array_to_string(ARRAY(SELECT quote_ident(k) FROM unnest(r.keys) k), ', ');
        joined := array_to_string(ARRAY(SELECT format('t.%1$I = fresh.%1$I', k) FROM unnest(r.keys) k), ' AND ');
        sums := array_to_string(ARRAY(SELECT format('sum(%I)', m) FROM unnest(r.measures) m), ', ');
        nonzero := array_to_string(ARRAY(SELECT format('sum(%I) <> 0', m) FROM unnest(r.measures) m), ' OR ');
        EXECUTE format(
            'WITH fresh AS (SELECT DISTINCT %2$s FROM %1$s WHERE NOT compacted),
                  gone AS (DELETE FROM %1$s t USING fresh WHERE %3$s RETURNING t.*)
             INSERT INTO %1$s (%2$s, %4$s, compacted)
             SELECT %2$s, %5$s, TRUE FROM gone GROUP BY %2$s HAVING %6$s',
            r.name, key_list, joined, array_to_string(ARRAY(SELECT quote_ident(m) FROM unnest(r.measures) m), ', '), sums, nonzero);
    END LOOP;
END
$$;

-- Every rollup computed from scratch (after a bulk load, a new time zone, or to check them).
CREATE FUNCTION reports_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM revenue_daily;
    DELETE FROM revenue_doctor_daily;
    DELETE FROM revenue_doctor_monthly;
    DELETE FROM revenue_method_daily;
    DELETE FROM registrations_daily;
    DELETE FROM visits_daily;
    DELETE FROM patient_visit_milestones;
    DELETE FROM visit_milestones_daily;

    INSERT INTO revenue_doctor_daily (day, currency, doctor_id, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents)
        SELECT day, currency, doctor_id, sum(invoices), sum(billed), sum(credited), sum(outstanding), sum(collected)
        FROM (
            SELECT report_day(issued_at) AS day, currency, coalesce(doctor_id, 0) AS doctor_id, 1 AS invoices,
                   total_cents - credited_cents AS billed, credited_cents AS credited, balance_cents AS outstanding, 0::bigint AS collected
            FROM invoices WHERE state = 'issued'
            UNION ALL
            SELECT report_day(created_at), currency, coalesce(doctor_id, 0), 0, 0, 0, 0,
                   CASE WHEN kind = 'payment' THEN amount_cents ELSE -amount_cents END
            FROM payments
        ) shares
        GROUP BY day, currency, doctor_id;
    INSERT INTO revenue_daily (day, currency, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents)
        SELECT day, currency, sum(invoices), sum(billed_cents), sum(credited_cents), sum(outstanding_cents), sum(collected_cents)
        FROM revenue_doctor_daily GROUP BY day, currency;
    INSERT INTO revenue_doctor_monthly (day, currency, doctor_id, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents)
        SELECT date_trunc('month', day)::date, currency, doctor_id, sum(invoices), sum(billed_cents), sum(credited_cents), sum(outstanding_cents), sum(collected_cents)
        FROM revenue_doctor_daily GROUP BY 1, currency, doctor_id;
    INSERT INTO revenue_method_daily (day, currency, method, paid_cents, refunded_cents)
        SELECT report_day(created_at), currency, method,
               coalesce(sum(amount_cents) FILTER (WHERE kind = 'payment'), 0), coalesce(sum(amount_cents) FILTER (WHERE kind = 'refund'), 0)
        FROM payments GROUP BY 1, currency, method;

    INSERT INTO registrations_daily (day, patients)
        SELECT report_day(created_at), count(*) FROM patients GROUP BY 1;
    INSERT INTO visits_daily (day, age_group, gender, visits, no_shows)
        SELECT v.day, report_age_group(p.date_of_birth, v.day), coalesce(p.gender, 'undisclosed'),
               count(*) FILTER (WHERE v.status = 'completed'), count(*) FILTER (WHERE v.status = 'no_show')
        FROM (SELECT report_day(starts_at) AS day, patient_id, status FROM appointments WHERE status IN ('completed', 'no_show')) v
        JOIN patients p ON p.id = v.patient_id
        GROUP BY 1, 2, 3;
    INSERT INTO patient_visit_milestones (patient_id, visits, day)
        SELECT patient_id, n, day FROM (
            SELECT patient_id, report_day(starts_at) AS day,
                   row_number() OVER (PARTITION BY patient_id ORDER BY starts_at, id) AS n
            FROM appointments WHERE status = 'completed'
        ) v WHERE n IN (1, 2, 4, 11);
    INSERT INTO visit_milestones_daily (day, visits, patients)
        SELECT day, visits, count(*) FROM patient_visit_milestones GROUP BY day, visits;
    PERFORM reports_compact();
END
$$;

SELECT reports_rebuild();
