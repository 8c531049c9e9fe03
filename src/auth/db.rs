//! SQL for accounts, sign-ins and email verification. Every function takes its connection,
//! so a use case can run several of them in one transaction.

use super::{CurrentUser, Role};
use crate::error::{conflict_on, AppResult};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

pub struct NewUser<'a> {
    /// `None` only for a patient registered at the desk without an address (no sign-in).
    pub email: Option<&'a str>,
    pub name: &'a str,
    /// `None` until a walk-in patient accepts their invitation and sets one.
    pub password_hash: Option<&'a str>,
    pub role: Role,
    pub email_verified: bool,
    pub verified: bool,
    pub demo: bool,
}

#[tracing::instrument(skip_all, fields(role = %new.role))]
pub async fn insert_user(conn: &mut PgConnection, new: &NewUser<'_>) -> AppResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, role, email_verified_at, verified_at, demo)
         VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END, CASE WHEN $6 THEN now() END, $7)
         RETURNING id",
    )
    .bind(new.email)
    .bind(new.name)
    .bind(new.password_hash)
    .bind(new.role)
    .bind(new.email_verified)
    .bind(new.verified)
    .bind(new.demo)
    .fetch_one(conn)
    .await
    .map_err(conflict_on("users_email_key", "An account with this email already exists."))
}

/// The role-specific row every patient and doctor has.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn insert_role_row(conn: &mut PgConnection, user_id: i64, role: Role) -> AppResult<()> {
    let sql = match role {
        Role::Patient => "INSERT INTO patients (user_id) VALUES ($1)",
        Role::Doctor => "INSERT INTO doctors (user_id) VALUES ($1)",
        _ => return Ok(()),
    };
    sqlx::query(sql).bind(user_id).execute(conn).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub role: Role,
    /// `None` for a walk-in patient who has not set a password yet: nothing matches it.
    pub password_hash: Option<String>,
    pub active: bool,
}

#[tracing::instrument(skip_all)]
pub async fn find_credentials(conn: &mut PgConnection, email: &str) -> AppResult<Option<Credentials>> {
    Ok(sqlx::query_as("SELECT id, role, password_hash, active FROM users WHERE email = $1").bind(email).fetch_optional(conn).await?)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn password_hash_of(conn: &mut PgConnection, user_id: i64) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(conn).await?)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn set_password_hash(conn: &mut PgConnection, user_id: i64, hash: &str) -> AppResult<()> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(user_id).bind(hash).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Browser,
    Api,
}

pub struct NewSession<'a> {
    pub user_id: i64,
    pub kind: SessionKind,
    pub token_hash: Option<&'a [u8]>,
    pub ip: &'a str,
    pub user_agent: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all)]
pub async fn insert_session(conn: &mut PgConnection, new: &NewSession<'_>) -> AppResult<i64> {
    let kind = match new.kind {
        SessionKind::Browser => "browser",
        SessionKind::Api => "api",
    };
    Ok(sqlx::query_scalar(
        "INSERT INTO auth_sessions (user_id, kind, token_hash, ip, user_agent, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.user_id)
    .bind(kind)
    .bind(new.token_hash)
    .bind(new.ip)
    .bind(new.user_agent.map(|ua| ua.chars().take(300).collect::<String>()))
    .bind(new.expires_at)
    .fetch_one(conn)
    .await?)
}

/// The live sign-in's user: the session must be unrevoked and unexpired, the account active.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub session_id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub email_verified: bool,
    pub verified: bool,
    /// When the sign-in ends (the remembered copy must not outlive it).
    pub expires_at: DateTime<Utc>,
    /// A bearer token's sign-in (otherwise a browser's).
    pub is_api: bool,
    /// The sign-in's last recorded use (see `auth::idle`).
    pub last_seen_at: DateTime<Utc>,
}

impl SessionUser {
    pub fn kind(&self) -> SessionKind {
        if self.is_api {
            SessionKind::Api
        } else {
            SessionKind::Browser
        }
    }
}

const SESSION_USER: &str = "SELECT s.id AS session_id, u.id AS user_id, u.name, u.email, u.role,
        u.email_verified_at IS NOT NULL AS email_verified, u.verified_at IS NOT NULL AS verified, s.expires_at,
        s.kind = 'api' AS is_api, s.last_seen_at
   FROM auth_sessions s JOIN users u ON u.id = s.user_id
  WHERE s.revoked_at IS NULL AND s.expires_at > now() AND u.active";

#[tracing::instrument(skip_all, fields(session_id = session_id))]
pub async fn session_user_by_id(conn: &mut PgConnection, session_id: i64) -> AppResult<Option<SessionUser>> {
    Ok(sqlx::query_as(&format!("{SESSION_USER} AND s.id = $1 AND s.kind = 'browser'")).bind(session_id).fetch_optional(conn).await?)
}

#[tracing::instrument(skip_all)]
pub async fn session_user_by_token(conn: &mut PgConnection, token_hash: &[u8]) -> AppResult<Option<SessionUser>> {
    Ok(sqlx::query_as(&format!("{SESSION_USER} AND s.token_hash = $1 AND s.kind = 'api'")).bind(token_hash).fetch_optional(conn).await?)
}

/// Records that the sign-in was just used (idle logoff counts from here).
#[tracing::instrument(skip_all, fields(session_id = session_id))]
pub async fn touch_session(conn: &mut PgConnection, session_id: i64) -> AppResult<DateTime<Utc>> {
    Ok(sqlx::query_scalar("UPDATE auth_sessions SET last_seen_at = now() WHERE id = $1 RETURNING last_seen_at")
        .bind(session_id)
        .fetch_optional(conn)
        .await?
        .unwrap_or_else(Utc::now))
}

/// Ends a sign-in left unused too long; answers whether it was still live.
#[tracing::instrument(skip_all, fields(session_id = session_id))]
pub async fn end_idle_session(conn: &mut PgConnection, session_id: i64) -> AppResult<bool> {
    let done = sqlx::query("UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(session_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all, fields(user_id = user_id, session_id = session_id))]
pub async fn revoke_session(conn: &mut PgConnection, user_id: i64, session_id: i64) -> AppResult<bool> {
    let done = sqlx::query("UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(session_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn revoke_all_sessions(conn: &mut PgConnection, user_id: i64) -> AppResult<u64> {
    let done = sqlx::query("UPDATE auth_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn live_sessions(conn: &mut PgConnection, user_id: i64) -> AppResult<Vec<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, ip, user_agent, created_at, expires_at FROM auth_sessions
          WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn insert_email_verification(conn: &mut PgConnection, user_id: i64, token_hash: &[u8]) -> AppResult<()> {
    sqlx::query("INSERT INTO email_verifications (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '7 days')")
        .bind(token_hash)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A one-time link to set a first password (walk-in patients), valid for 14 days. Links sent
/// before it stop working: the address may have been corrected since.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn insert_invitation(conn: &mut PgConnection, user_id: i64, token_hash: &[u8]) -> AppResult<()> {
    sqlx::query("DELETE FROM account_invitations WHERE user_id = $1 AND used_at IS NULL").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO account_invitations (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '14 days')")
        .bind(token_hash)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Consumes an invitation: sets the account's first password and confirms its address.
/// Returns the account, or `None` for a link that is unknown, used, expired, or whose account
/// has a password already.
#[tracing::instrument(skip_all)]
pub async fn accept_invitation(conn: &mut PgConnection, token_hash: &[u8], password_hash: &str) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "WITH invitation AS (
            UPDATE account_invitations SET used_at = now()
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id)
         UPDATE users u SET password_hash = $2, email_verified_at = coalesce(u.email_verified_at, now())
           FROM invitation i
          WHERE u.id = i.user_id AND u.password_hash IS NULL AND u.email IS NOT NULL AND u.active
         RETURNING u.id",
    )
    .bind(token_hash)
    .bind(password_hash)
    .fetch_optional(conn)
    .await?)
}

/// Whether the account can sign in yet (walk-in patients can't until they set a password).
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn has_password(conn: &mut PgConnection, user_id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar("SELECT password_hash IS NOT NULL FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?
        .unwrap_or(false))
}

/// Consumes a verification token; returns the user it verified.
#[tracing::instrument(skip_all)]
pub async fn use_email_verification(conn: &mut PgConnection, token_hash: &[u8]) -> AppResult<Option<i64>> {
    let user_id: Option<i64> = sqlx::query_scalar(
        "UPDATE email_verifications SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = user_id {
        mark_email_verified(conn, id).await?;
    }
    Ok(user_id)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn mark_email_verified(conn: &mut PgConnection, user_id: i64) -> AppResult<bool> {
    let done = sqlx::query("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn current_user(conn: &mut PgConnection, user_id: i64) -> AppResult<Option<CurrentUser>> {
    let row: Option<(i64, String, String, Role, bool, bool)> =
        sqlx::query_as("SELECT id, name, email, role, email_verified_at IS NOT NULL, verified_at IS NOT NULL FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(id, name, email, role, email_verified, verified)| CurrentUser { id, name, email, role, email_verified, verified }))
}
