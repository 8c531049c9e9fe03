//! User-management use cases.

use super::{may_create, AccountUpdate, NewAccount, OutboxMessage, UserFilter, UserSummary, USERS_PER_PAGE};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::db as auth_db;
use crate::auth::service::{self as auth_service, AccountDraft};
use crate::auth::sign_ins::SignIns;
use crate::auth::{password, Email, PersonName, Role};
use crate::clinic::Clinic;
use crate::doctors;
use crate::doctors::NewDoctor;
use crate::error::{conflict_on, AppError, AppResult};
use crate::paging;
use sqlx::{Connection, PgConnection};

const SUMMARY: &str = "SELECT id, name, email, role, active, email_verified_at IS NOT NULL AS email_verified,
        verified_at IS NOT NULL AS verified, created_at FROM users";

#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, actor: &Actor, filter: &UserFilter) -> AppResult<Vec<UserSummary>> {
    actor.require_role(&[Role::Admin, Role::Staff])?;
    // Staff see patients only: the desk has no business browsing colleagues' accounts.
    let role = if actor.is(Role::Staff) { Some(Role::Patient) } else { filter.role };
    let page = paging::page_number(filter.page, 1)?;
    Ok(sqlx::query_as(&format!(
        "{SUMMARY} WHERE ($1::user_role IS NULL OR role = $1)
            AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR email ILIKE '%' || $2 || '%')
          ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(role)
    .bind(filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()))
    .bind(USERS_PER_PAGE)
    .bind(paging::offset(page, 1, USERS_PER_PAGE))
    .persistent(false) // planned for the filters given (see `server::startup::connect`)
    .fetch_all(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn get(conn: &mut PgConnection, actor: &Actor, user_id: i64) -> AppResult<UserSummary> {
    actor.require_role(&[Role::Admin, Role::Staff])?;
    let user = find(conn, user_id).await?;
    if actor.is(Role::Staff) && user.role != Role::Patient {
        return Err(AppError::not_found("User"));
    }
    Ok(user)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
async fn find(conn: &mut PgConnection, user_id: i64) -> AppResult<UserSummary> {
    sqlx::query_as(&format!("{SUMMARY} WHERE id = $1")).bind(user_id).fetch_optional(conn).await?.ok_or_else(|| AppError::not_found("User"))
}

/// Creates an account on someone's behalf. Staff accounts start with a confirmed email (the
/// admin vouches for it); a doctor created by an admin is verified; a patient registered at
/// the desk confirms their email like a self-registered one.
#[tracing::instrument(skip_all)]
pub async fn create(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, input: NewAccount) -> AppResult<UserSummary> {
    let role: Role = input.role.parse().map_err(AppError::Validation)?;
    if !may_create(actor.role, role) {
        return Err(AppError::forbidden());
    }
    if role == Role::Doctor {
        // A doctor is an account with a practice: the doctors domain makes both.
        let doctor = doctors::service::create(conn, clinic, actor, new_doctor(input)).await?;
        return find(conn, doctor.card.user_id).await;
    }
    let name = PersonName::parse(&input.name).map_err(AppError::Validation)?;
    let email = Email::parse(&input.email).map_err(AppError::Validation)?;
    let password_hash = password::hash_new_password(input.password).await?;

    let mut tx = conn.begin().await?;
    let draft = AccountDraft { name, email, password_hash, role, email_verified: role != Role::Patient, verified: false };
    let user_id = auth_service::insert_account(&mut tx, &clinic.public_url, &draft).await?;
    audit::record(&mut tx, Entry::new("account.create").by(actor).on("user", user_id).detail(format!("role {role}"))).await?;
    let user = find(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(user)
}

fn new_doctor(input: NewAccount) -> NewDoctor {
    NewDoctor {
        name: input.name,
        email: input.email,
        password: input.password,
        specialization: input.specialization,
        city: input.city,
        license_number: input.license_number,
        experience_years: input.experience_years,
        fee_cents: input.fee_cents,
        currency: input.currency,
    }
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn update(
    conn: &mut PgConnection,
    sign_ins: &SignIns,
    actor: &Actor,
    user_id: i64,
    update: AccountUpdate,
) -> AppResult<UserSummary> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = conn.begin().await?;
    let current = find(&mut tx, user_id).await?;
    if let Some(role) = update.role.filter(|role| *role != current.role) {
        // Patient and doctor accounts carry clinical rows; turning one into the other (or
        // into staff) is not a role edit.
        let clinical = |r: Role| matches!(r, Role::Patient | Role::Doctor);
        if clinical(role) || clinical(current.role) {
            return Err(AppError::validation("Patient and doctor accounts can't change role; create a new account instead."));
        }
    }
    if user_id == actor.user_id && (update.active == Some(false) || update.role.is_some_and(|r| r != Role::Admin)) {
        return Err(AppError::validation("You can't deactivate or demote your own account."));
    }
    let name = update.name.as_deref().map(PersonName::parse).transpose().map_err(AppError::Validation)?;
    let email = update.email.as_deref().map(Email::parse).transpose().map_err(AppError::Validation)?;
    sqlx::query(
        "UPDATE users SET name = coalesce($2, name), email = coalesce($3, email), role = coalesce($4, role),
                active = coalesce($5, active) WHERE id = $1",
    )
    .bind(user_id)
    .bind(name.as_ref().map(PersonName::as_str))
    .bind(email.as_ref().map(Email::as_str))
    .bind(update.role)
    .bind(update.active)
    .execute(&mut *tx)
    .await
    .map_err(conflict_on("users_email_key", "An account with this email already exists."))?;
    if update.active == Some(false) {
        auth_db::revoke_all_sessions(&mut tx, user_id).await?;
    }
    audit::record(&mut tx, Entry::new("account.update").by(actor).on("user", user_id)).await?;
    let user = find(&mut tx, user_id).await?;
    tx.commit().await?;
    sign_ins.forget_user(user_id);
    Ok(user)
}

/// Admin verification of a doctor: from then on they are listed and bookable.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn verify_doctor(conn: &mut PgConnection, sign_ins: &SignIns, actor: &Actor, user_id: i64) -> AppResult<UserSummary> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = conn.begin().await?;
    let user = find(&mut tx, user_id).await?;
    if user.role != Role::Doctor {
        return Err(AppError::validation("Only doctor accounts need verification."));
    }
    sqlx::query("UPDATE users SET verified_at = coalesce(verified_at, now()) WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
    audit::record(&mut tx, Entry::new("account.verify_doctor").by(actor).on("user", user_id)).await?;
    let user = find(&mut tx, user_id).await?;
    tx.commit().await?;
    sign_ins.forget_user(user_id);
    Ok(user)
}

/// Staff or an admin confirm a patient's email in person (e.g. at the front desk).
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn verify_email(conn: &mut PgConnection, sign_ins: &SignIns, actor: &Actor, user_id: i64) -> AppResult<UserSummary> {
    actor.require_role(&[Role::Admin, Role::Staff])?;
    let mut tx = conn.begin().await?;
    let user = find(&mut tx, user_id).await?;
    if actor.is(Role::Staff) && user.role != Role::Patient {
        return Err(AppError::not_found("User"));
    }
    auth_db::mark_email_verified(&mut tx, user_id).await?;
    audit::record(&mut tx, Entry::new("account.email_verified").by(actor).on("user", user_id)).await?;
    let user = find(&mut tx, user_id).await?;
    tx.commit().await?;
    sign_ins.forget_user(user_id);
    Ok(user)
}

/// Deactivation keeps the account and its records but ends its sign-ins and blocks new ones.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn deactivate(conn: &mut PgConnection, sign_ins: &SignIns, actor: &Actor, user_id: i64) -> AppResult<UserSummary> {
    update(conn, sign_ins, actor, user_id, AccountUpdate { active: Some(false), ..Default::default() }).await
}

#[tracing::instrument(skip_all)]
pub async fn outbox(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<OutboxMessage>> {
    actor.require_role(&[Role::Admin])?;
    // The newest first: what an admin checks when someone says an email never came.
    Ok(sqlx::query_as("SELECT id, to_address, subject, body, created_at, sent_at FROM outbox ORDER BY id DESC LIMIT 100")
        .fetch_all(conn)
        .await?)
}

/// `caduceus create-admin`: an administrator created from the command line (no actor).
#[tracing::instrument(skip_all)]
pub async fn create_first_admin(pool: &sqlx::PgPool, email: &str, name: &str, password: String) -> AppResult<i64> {
    let name = PersonName::parse(name).map_err(AppError::Validation)?;
    let email = Email::parse(email).map_err(AppError::Validation)?;
    let password_hash = password::hash_new_password(password).await?;
    let mut tx = pool.begin().await?;
    let draft = AccountDraft { name, email, password_hash, role: Role::Admin, email_verified: true, verified: false };
    let user_id = auth_service::insert_account(&mut tx, "", &draft).await?;
    audit::record(&mut tx, Entry::new("account.create").on("user", user_id).detail("administrator created from the command line")).await?;
    tx.commit().await?;
    Ok(user_id)
}
