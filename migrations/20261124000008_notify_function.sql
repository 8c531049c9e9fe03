-- Storing notices (for the bell) and queueing their emails, as one SQL function, so that a
-- statement that makes a change can notify in the same statement (booking does: one round
-- trip for the appointment, both notices and the audit entry). Deactivated accounts get
-- neither. `base_url` makes the emailed links absolute. Returns how many were notified.
CREATE FUNCTION notify(user_ids BIGINT[], titles TEXT[], bodies TEXT[], links TEXT[], base_url TEXT)
RETURNS INTEGER LANGUAGE sql VOLATILE AS $$
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
    SELECT count(*)::integer FROM mail
$$;
