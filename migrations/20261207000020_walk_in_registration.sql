-- Walk-in registration: the front desk registers a patient in person. Such a patient may have
-- no email address (and then no way to sign in) and has no password until they accept the
-- invitation the desk's registration sends to the address they gave. Every other account
-- still signs in with an email and a password.
ALTER TABLE users
    ALTER COLUMN email DROP NOT NULL,
    ALTER COLUMN password_hash DROP NOT NULL,
    ADD CONSTRAINT users_only_patients_lack_a_sign_in
        CHECK (role = 'patient' OR (email IS NOT NULL AND password_hash IS NOT NULL));

-- Seen at the desk with their papers: the desk vouches for who they are, so they can be
-- booked before (or without) confirming an email address.
ALTER TABLE patients ADD COLUMN registered_in_person BOOLEAN NOT NULL DEFAULT FALSE;

-- One-time links to set a first password, sent to a walk-in's address. Only the SHA-256 of
-- the token is stored. Accepting one also confirms the address.
CREATE TABLE account_invitations (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX account_invitations_user_idx ON account_invitations (user_id);

-- The duplicate check at registration looks patients up by name and date of birth.
CREATE INDEX users_patient_lower_name_idx ON users (lower(name)) WHERE role = 'patient';

-- Whom each email was for. An address can change: erasing a patient must also take the mails
-- sent to their earlier addresses (an invitation before they changed it), and an export must
-- hold them. The foreign key puts the outbox in the personal tables that export and erasure
-- walk; earlier rows are matched to their account by address.
ALTER TABLE outbox ADD COLUMN recipient_id BIGINT REFERENCES users (id) ON DELETE CASCADE;
UPDATE outbox o SET recipient_id = u.id FROM users u WHERE u.email = lower(o.to_address);
CREATE INDEX outbox_recipient_idx ON outbox (recipient_id) WHERE recipient_id IS NOT NULL;

-- notify(): a person without an email address gets the in-app notice only; mails name their
-- recipient.
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
        INSERT INTO outbox (recipient_id, to_address, subject, body)
        SELECT user_id, email, title, 'Hello ' || name || E',\n\n' || body || coalesce(E'\nOpen it in the portal: ' || base_url || link, '') || E'\n\n— Caduceus\n'
          FROM notice
         WHERE email IS NOT NULL
        RETURNING 1
    )
    SELECT count(*)::integer INTO notified FROM notice;
    RETURN notified;
END
$$;
-- CREATE OR REPLACE resets the function's settings: keep its generic plan (see …13).
ALTER FUNCTION notify(BIGINT[], TEXT[], TEXT[], TEXT[], TEXT) SET plan_cache_mode = force_generic_plan;
