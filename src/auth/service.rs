//! Account use cases, shared by the portal (server functions) and the REST API.

use super::actor::{hash_token, Actor};
use super::db::{self, NewSession, NewUser, SessionKind};
use super::idle::SessionPolicy;
use super::sign_ins::SignIns;
use super::throttle::{Attempt, Throttles};
use super::{password, CurrentUser, Email, PersonName, Role};
use crate::audit::{self, Entry, Outcome};
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::mail;
use chrono::{Duration, Utc};
use rand::RngCore;
use serde::Deserialize;
use sqlx::{Connection, PgConnection, PgPool};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegisterInput {
    pub name: String,
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

/// Where a request comes from, for sessions and the audit trail.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub user_agent: Option<String>,
}

pub struct LoginOutcome {
    pub user: CurrentUser,
    pub session_id: i64,
    /// The bearer token (API sign-ins only); shown once, stored hashed.
    pub token: Option<String>,
}

/// Self-registration: a patient, or a doctor who stays unlisted until an admin verifies them.
/// Patients get an email with a verification link.
/// Takes the pool rather than a connection: the password is hashed (tens of milliseconds of
/// CPU) before the account is written, and no connection should wait on that.
#[tracing::instrument(skip_all)]
pub async fn register(
    pool: &PgPool,
    clinic: &Clinic,
    throttles: &Throttles,
    input: RegisterInput,
    client: &Client,
) -> AppResult<CurrentUser> {
    {
        let mut conn = pool.acquire().await?;
        throttles.spend_ip(&mut conn, Attempt::Registration, &client.ip).await?;
        throttles.spend_account(&mut conn, Attempt::Registration, &input.email).await?;
    }
    let role = match input.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => Role::Patient,
        Some(raw) => raw.parse::<Role>().map_err(AppError::Validation)?,
    };
    if !role.self_registrable() {
        audit::record_detached(
            pool,
            Entry::new("account.register").from_ip(&client.ip).outcome(Outcome::Denied).detail(format!("asked for role {role}")),
        )
        .await;
        return Err(AppError::Forbidden("Only patient and doctor accounts can be created by signing up.".into()));
    }
    let name = PersonName::parse(&input.name).map_err(AppError::Validation)?;
    let email = Email::parse(&input.email).map_err(AppError::Validation)?;
    let password_hash = password::hash_new_password(input.password).await?;

    let mut tx = pool.begin().await?;
    let draft = AccountDraft { name, email, password_hash, role, email_verified: false, verified: false };
    let user_id = insert_account(&mut tx, &clinic.public_url, &draft).await?;
    audit::record(&mut tx, Entry::new("account.register").by_user(user_id, role).from_ip(&client.ip).on("user", user_id)).await?;
    let user = db::current_user(&mut tx, user_id).await?.ok_or_else(|| AppError::not_found("Account"))?;
    tx.commit().await?;
    Ok(user)
}

/// A validated account about to be created (by sign-up, an admin, the desk or the CLI).
pub struct AccountDraft {
    pub name: PersonName,
    pub email: Email,
    pub password_hash: String,
    pub role: Role,
    pub email_verified: bool,
    pub verified: bool,
}

/// Inserts the account with its role row (patients, doctors); a patient whose email is not
/// confirmed yet is sent the confirmation link.
#[tracing::instrument(skip_all)]
pub async fn insert_account(conn: &mut sqlx::PgConnection, public_url: &str, draft: &AccountDraft) -> AppResult<i64> {
    let new_user = NewUser {
        email: Some(draft.email.as_str()),
        name: draft.name.as_str(),
        password_hash: Some(&draft.password_hash),
        role: draft.role,
        email_verified: draft.email_verified,
        verified: draft.verified,
        demo: false,
    };
    let user_id = db::insert_user(conn, &new_user).await?;
    db::insert_role_row(conn, user_id, draft.role).await?;
    if draft.role == Role::Patient && !draft.email_verified {
        send_verification_email(conn, public_url, user_id, draft.email.as_str(), draft.name.as_str()).await?;
    }
    Ok(user_id)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn send_verification_email(
    conn: &mut sqlx::PgConnection,
    public_url: &str,
    user_id: i64,
    email: &str,
    name: &str,
) -> AppResult<()> {
    let token = random_token();
    db::insert_email_verification(conn, user_id, &hash_token(&token)).await?;
    let link = format!("{public_url}/verify-email?token={token}");
    let body = format!(
        "Hello {name},\n\nWelcome to Caduceus. Please confirm your email address by opening this link:\n\n{link}\n\n\
         The link is valid for 7 days. If you did not create an account, ignore this message.\n"
    );
    mail::enqueue(conn, user_id, email, "Confirm your email address", &body).await
}

/// Invites a patient registered at the desk to set their first password: a one-time link to
/// `/welcome`, valid for 14 days, through the outbox. Opening it also confirms the address.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn send_invitation(conn: &mut sqlx::PgConnection, public_url: &str, user_id: i64, email: &str, name: &str) -> AppResult<()> {
    let token = random_token();
    db::insert_invitation(conn, user_id, &hash_token(&token)).await?;
    let link = format!("{public_url}/welcome?token={token}");
    let body = format!(
        "Hello {name},\n\nYou were registered as a patient at our clinic. To see your visits, records and bills online, \
         choose a password by opening this link:\n\n{link}\n\nThe link is valid for 14 days and works once. \
         If you were not registered with us, ignore this message.\n"
    );
    mail::enqueue(conn, user_id, email, "Your patient portal account", &body).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AcceptInvitationInput {
    /// The token of the emailed link.
    pub token: String,
    /// The first password (the usual rules).
    pub password: String,
}

/// A walk-in patient sets their first password from the invitation link; their address is
/// confirmed at the same time. The link works once. Throttled like email confirmation; the
/// password is hashed before a connection is taken.
#[tracing::instrument(skip_all)]
pub async fn accept_invitation(
    pool: &PgPool,
    sign_ins: &SignIns,
    throttles: &Throttles,
    input: AcceptInvitationInput,
    client: &Client,
) -> AppResult<CurrentUser> {
    throttles.spend_ip(&mut *pool.acquire().await?, Attempt::EmailVerification, &client.ip).await?;
    let password_hash = password::hash_new_password(input.password).await?;
    let mut tx = pool.begin().await?;
    let user_id = db::accept_invitation(&mut tx, &hash_token(input.token.trim()), &password_hash).await?.ok_or_else(|| {
        AppError::validation("This invitation link is invalid, expired or already used. Ask the front desk for a new one.")
    })?;
    let user = db::current_user(&mut tx, user_id).await?.ok_or_else(|| AppError::not_found("Account"))?;
    audit::record(&mut tx, Entry::new("account.invitation_accepted").by_user(user.id, user.role).from_ip(&client.ip).on("user", user.id))
        .await?;
    tx.commit().await?;
    sign_ins.forget_user(user.id);
    Ok(user)
}

/// Confirms an email address from the link's token.
#[tracing::instrument(skip_all)]
pub async fn verify_email(
    conn: &mut PgConnection,
    sign_ins: &SignIns,
    throttles: &Throttles,
    token: &str,
    client: &Client,
) -> AppResult<CurrentUser> {
    throttles.spend_ip(&mut *conn, Attempt::EmailVerification, &client.ip).await?;
    let mut tx = conn.begin().await?;
    let user_id = db::use_email_verification(&mut tx, &hash_token(token.trim()))
        .await?
        .ok_or_else(|| AppError::validation("This verification link is invalid, expired or already used."))?;
    let user = db::current_user(&mut tx, user_id).await?.ok_or_else(|| AppError::not_found("Account"))?;
    audit::record(&mut tx, Entry::new("account.email_verified").by_user(user.id, user.role).from_ip(&client.ip).on("user", user.id))
        .await?;
    tx.commit().await?;
    sign_ins.forget_user(user.id);
    Ok(user)
}

/// Signs in. Unknown email and wrong password take the same time and give the same answer.
/// Every attempt spends from the client IP's budget, only a failure from the account's (see
/// `throttle`). No connection is held while the password is checked.
#[tracing::instrument(skip_all)]
pub async fn login(
    pool: &PgPool,
    throttles: &Throttles,
    sessions: &SessionPolicy,
    input: LoginInput,
    client: &Client,
    kind: SessionKind,
) -> AppResult<LoginOutcome> {
    let email = input.email.trim().to_lowercase();
    let credentials = {
        let mut conn = pool.acquire().await?;
        throttles.spend_ip(&mut conn, Attempt::SignIn, &client.ip).await?;
        throttles.check_account(&mut conn, &email).await?;
        db::find_credentials(&mut conn, &email).await?
    };
    let stored_hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let password_ok = password::verify(input.password, stored_hash).await?;
    let mut conn = pool.acquire().await?;
    let credentials = match credentials {
        Some(c) if password_ok => c,
        other => {
            throttles.account_failed(&mut conn, &email).await?;
            let entry = Entry::new("auth.login").from_ip(&client.ip).outcome(Outcome::Failure);
            let entry = match other {
                Some(c) => entry.by_user(c.id, c.role).detail("wrong password"),
                None => entry.detail("unknown email"),
            };
            audit::record(&mut conn, entry).await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    if !credentials.active {
        audit::record(
            &mut conn,
            Entry::new("auth.login")
                .by_user(credentials.id, credentials.role)
                .from_ip(&client.ip)
                .outcome(Outcome::Denied)
                .detail("account deactivated"),
        )
        .await?;
        return Err(AppError::Forbidden("This account has been deactivated. Contact the clinic.".into()));
    }

    let token = (kind == SessionKind::Api).then(|| format!("cad_{}", random_token()));
    let token_hash = token.as_deref().map(hash_token);
    let lifetime = Duration::from_std(sessions.lifetime(kind)).unwrap_or(Duration::hours(12));
    let mut tx = conn.begin().await?;
    let session_id = db::insert_session(
        &mut tx,
        &NewSession {
            user_id: credentials.id,
            kind,
            token_hash: token_hash.as_deref(),
            ip: &client.ip,
            user_agent: client.user_agent.as_deref(),
            expires_at: Utc::now() + lifetime,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::new("auth.login").by_user(credentials.id, credentials.role).from_ip(&client.ip).on("session", session_id),
    )
    .await?;
    let user = db::current_user(&mut tx, credentials.id).await?.ok_or_else(|| AppError::not_found("Account"))?;
    tx.commit().await?;
    Ok(LoginOutcome { user, session_id, token })
}

#[tracing::instrument(skip_all)]
pub async fn logout(conn: &mut PgConnection, sign_ins: &SignIns, actor: &Actor) -> AppResult<()> {
    let mut tx = conn.begin().await?;
    db::revoke_session(&mut tx, actor.user_id, actor.session_id).await?;
    audit::record(&mut tx, Entry::new("auth.logout").by(actor).on("session", actor.session_id)).await?;
    tx.commit().await?;
    sign_ins.forget_user(actor.user_id);
    Ok(())
}

/// Ends the actor's sign-in for inactivity, at the portal's request (see `auth::idle`).
#[tracing::instrument(skip_all)]
pub async fn end_idle_session(conn: &mut PgConnection, sign_ins: &SignIns, actor: &Actor) -> AppResult<()> {
    let mut tx = conn.begin().await?;
    if db::end_idle_session(&mut tx, actor.session_id).await? {
        audit::record(&mut tx, Entry::new("auth.logoff_idle").by(actor).on("session", actor.session_id)).await?;
    }
    tx.commit().await?;
    sign_ins.forget_user(actor.user_id);
    Ok(())
}

/// Changes the password and ends every sign-in of the account, this one included. A wrong
/// current password is a failed attempt on the account, like a failed sign-in.
/// Takes the pool: no connection is held while the passwords are hashed.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    pool: &PgPool,
    sign_ins: &SignIns,
    throttles: &Throttles,
    actor: &Actor,
    current: String,
    new: String,
) -> AppResult<()> {
    if !confirm_password(pool, throttles, actor, current, "account.password_changed").await? {
        return Err(AppError::validation("The current password is not correct."));
    }
    let new_hash = password::hash_new_password(new).await?;
    let mut tx = pool.begin().await?;
    db::set_password_hash(&mut tx, actor.user_id, &new_hash).await?;
    let ended = db::revoke_all_sessions(&mut tx, actor.user_id).await?;
    audit::record(
        &mut tx,
        Entry::new("account.password_changed").by(actor).on("user", actor.user_id).detail(format!("{ended} sign-ins ended")),
    )
    .await?;
    tx.commit().await?;
    sign_ins.forget_user(actor.user_id);
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn sessions(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<super::SessionInfo>> {
    let rows = db::live_sessions(conn, actor.user_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| super::SessionInfo {
            id: row.id,
            kind: row.kind,
            ip: row.ip,
            user_agent: row.user_agent,
            created_at: row.created_at,
            expires_at: row.expires_at,
            current: row.id == actor.session_id,
        })
        .collect())
}

#[tracing::instrument(skip_all, fields(session_id = session_id))]
pub async fn revoke_session(conn: &mut PgConnection, sign_ins: &SignIns, actor: &Actor, session_id: i64) -> AppResult<()> {
    let mut tx = conn.begin().await?;
    if !db::revoke_session(&mut tx, actor.user_id, session_id).await? {
        // Someone else's sign-in is a 404 too, but an audited one.
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM auth_sessions WHERE id = $1)").bind(session_id).fetch_one(&mut *tx).await?;
        return Err(if exists { AppError::concealed("Session") } else { AppError::not_found("Session") });
    }
    audit::record(&mut tx, Entry::new("auth.session_revoked").by(actor).on("session", session_id)).await?;
    tx.commit().await?;
    sign_ins.forget_user(actor.user_id);
    Ok(())
}

/// A verified doctor whose identity on record (name, license number or specialization) was
/// changed by anyone but an admin goes back to unverified, unlisted and unbookable, until an
/// admin checks the new details and verifies again. `what` names the change for the audit
/// trail. Answers whether the doctor was verified before.
#[tracing::instrument(skip_all, fields(doctor_user_id = doctor_user_id))]
pub async fn unverify_doctor_after_change(conn: &mut PgConnection, actor: &Actor, doctor_user_id: i64, what: &str) -> AppResult<bool> {
    if actor.is(Role::Admin) {
        return Ok(false);
    }
    let done = sqlx::query("UPDATE users SET verified_at = NULL WHERE id = $1 AND role = 'doctor' AND verified_at IS NOT NULL")
        .bind(doctor_user_id)
        .execute(&mut *conn)
        .await?;
    let was_verified = done.rows_affected() == 1;
    if was_verified {
        let entry = Entry::new("account.unverify_doctor")
            .by(actor)
            .on("user", doctor_user_id)
            .detail(format!("{what} changed; needs verifying again"));
        audit::record(conn, entry).await?;
    }
    Ok(was_verified)
}

/// Is `password` the actor's own? Asked before a sensitive change (a new password, closing the
/// account). Throttled like a sign-in: every attempt spends from the client IP's budget, a
/// wrong password from the account's, and is audited as a failure of `action`. Holds no
/// connection while the password is checked.
#[tracing::instrument(skip_all)]
pub async fn confirm_password(pool: &PgPool, throttles: &Throttles, actor: &Actor, password: String, action: &str) -> AppResult<bool> {
    let stored = {
        let mut conn = pool.acquire().await?;
        throttles.spend_ip(&mut conn, Attempt::PasswordChange, &actor.ip).await?;
        throttles.check_account(&mut conn, &actor.email).await?;
        db::password_hash_of(&mut conn, actor.user_id).await?
    };
    if password::verify(password, stored).await? {
        return Ok(true);
    }
    let mut conn = pool.acquire().await?;
    throttles.account_failed(&mut conn, &actor.email).await?;
    let entry = Entry::new(action).by(actor).on("user", actor.user_id).outcome(Outcome::Failure).detail("wrong password");
    audit::record(&mut conn, entry).await?;
    Ok(false)
}

/// 32 random bytes, hex-encoded: unguessable, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
