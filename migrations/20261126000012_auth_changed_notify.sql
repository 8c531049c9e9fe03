-- Each server process remembers recently resolved sign-ins (src/auth/sign_ins.rs). Any change
-- to a sign-in or to its account (revoked, expired early, deactivated, role, name, email,
-- verification) is announced on the `auth_changed` channel with the account's id, at commit,
-- so every process forgets that account's sign-ins. Whoever changes these tables, by the app
-- or by hand in psql, is heard.
-- OLD is there for updates and deletes alike, and neither id changes.
CREATE FUNCTION announce_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('auth_changed', OLD.id::text);
    ELSE
        PERFORM pg_notify('auth_changed', OLD.user_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION announce_auth_change();
CREATE TRIGGER auth_sessions_auth_changed AFTER UPDATE OR DELETE ON auth_sessions
    FOR EACH ROW EXECUTE FUNCTION announce_auth_change();
