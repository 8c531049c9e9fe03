-- The booking path, measured on the benchmark dataset (benches/run.sh).

-- 1. notify() as PL/pgSQL instead of SQL, same signature and effect. A SQL function that can't
-- be inlined (this one writes) is parsed and planned again on every call; PL/pgSQL keeps its
-- statement's plan for the connection. Measured on the benchmark dataset: the booking
-- statement (appointments, both notices, audit) went from 1.68 ms to 1.15 ms per batch of
-- ~3.5 bookings, and the function's parsing and planning had been a quarter of PostgreSQL's
-- CPU time under booking load.
CREATE OR REPLACE FUNCTION notify(user_ids BIGINT[], titles TEXT[], bodies TEXT[], links TEXT[], base_url TEXT)
RETURNS INTEGER LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    notified INTEGER;
BEGIN
    WITH notice AS (
        SELECT n.*, u.email, u.name
          FROM unnest(user_ids, titles, bodies, links) AS n (user_id, title, body, link)
          JOIN users u ON u.id = n.user_id AND u.active
    ), in_app AS (
        INSERT INTO notifications (user_id, title, body, link) SELECT user_id, title, body, link FROM notice
    ), mail AS (
        INSERT INTO outbox (to_address, subject, body)
        SELECT email, title, 'Hello ' || name || E',\n\n' || body || coalesce(E'\nOpen it in the portal: ' || base_url || link, '') || E'\n\n— Caduceus\n'
          FROM notice
        RETURNING 1
    )
    SELECT count(*)::integer INTO notified FROM mail;
    RETURN notified;
END
$$;

-- 2. The keys of a batch of bookings (appointments::db::booking_parties reads the parties of
-- every booking waiting in the queue at once). Not `unnest` in the query itself: PostgreSQL
-- plans a query over parameter arrays for each call (a plan for 3 rows is always cheaper than
-- a generic one for unnest's default 100), which took 0.5 ms per batch; behind a function
-- with a fixed estimate the plan is the same for every batch, so it is kept (0.01 ms).
CREATE FUNCTION booking_keys(doctor_ids BIGINT[], days DATE[], accounts BIGINT[], records BIGINT[])
RETURNS TABLE (doctor_id BIGINT, day DATE, patient_account BIGINT, patient_record BIGINT, nr BIGINT)
LANGUAGE plpgsql IMMUTABLE ROWS 8 AS $$
BEGIN
    RETURN QUERY SELECT * FROM unnest(doctor_ids, days, accounts, records) WITH ORDINALITY;
END
$$;
