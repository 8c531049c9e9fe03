//! A patient's registration (`GET|PUT /api/patients/{id}`): who they are and how to reach
//! them, nothing clinical. The front desk, nurses and admins read and correct it for any
//! patient; a doctor reads it for the patients whose chart they may open; a patient reads
//! their own (and changes it under Profile). Reads and changes are audited on the patient.

use super::access::{require_chart_access, ChartUse};
use super::PatientRecord;
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::sign_ins::SignIns;
use crate::auth::{service as auth_service, Role};
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::profile::{self, ProfileUpdate};
use sqlx::{Connection, PgConnection};

/// Who may correct a registration: the desk that keeps it, nurses, admins.
const REGISTRARS: &[Role] = &[Role::Staff, Role::Nurse, Role::Admin];

/// The account behind a patient id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Account {
    pub user_id: i64,
    pub mrn: String,
    /// Whether it has a password (a walk-in has none until they accept their invitation).
    pub can_sign_in: bool,
}

pub(crate) async fn account_of(conn: &mut PgConnection, patient_id: i64) -> AppResult<Option<Account>> {
    Ok(sqlx::query_as(
        "SELECT p.user_id, p.mrn, u.password_hash IS NOT NULL AS can_sign_in FROM patients p JOIN users u ON u.id = p.user_id WHERE p.id = $1",
    )
    .bind(patient_id)
    .fetch_optional(conn)
    .await?)
}

async fn require_read(conn: &mut PgConnection, actor: &Actor, patient_id: i64, patient_user_id: i64) -> AppResult<()> {
    match actor.role {
        Role::Staff | Role::Nurse | Role::Admin => Ok(()),
        Role::Patient if actor.user_id == patient_user_id => Ok(()),
        Role::Doctor => require_chart_access(conn, actor, patient_id, ChartUse::Read).await,
        Role::Patient => Err(AppError::concealed("Patient")),
        Role::Manager => Err(AppError::forbidden()),
    }
}

pub(crate) async fn load(conn: &mut PgConnection, account: Account) -> AppResult<PatientRecord> {
    let profile = profile::db::find(conn, account.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    PatientRecord::from_profile(profile, account.mrn, account.can_sign_in).ok_or_else(|| AppError::not_found("Patient"))
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn get(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<PatientRecord> {
    let mut tx = conn.begin().await?;
    let account = account_of(&mut tx, patient_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    let user_id = account.user_id;
    require_read(&mut tx, actor, patient_id, user_id).await?;
    let record = load(&mut tx, account).await?;
    if actor.user_id != user_id {
        audit::record(&mut tx, Entry::new("patients.view").by(actor).patient(patient_id).on("patient", patient_id)).await?;
    }
    tx.commit().await?;
    Ok(record)
}

/// Corrects a registration: absent fields stay, an empty string clears an optional one, the
/// same rules as the patient's own profile. A new email address must be confirmed again (the
/// patient gets a link).
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn update(
    conn: &mut PgConnection,
    clinic: &Clinic,
    sign_ins: &SignIns,
    actor: &Actor,
    patient_id: i64,
    update: ProfileUpdate,
) -> AppResult<PatientRecord> {
    if actor.role == Role::Patient {
        return Err(AppError::Forbidden("Change your own details under Profile.".into()));
    }
    actor.require_role(REGISTRARS)?;
    let mut tx = conn.begin().await?;
    let account = account_of(&mut tx, patient_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    let user_id = account.user_id;
    let mut current = profile::db::find(&mut tx, user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    let before_email = current.email.clone();
    profile::service::apply(&mut current, update, chrono::Utc::now().date_naive()).map_err(AppError::Validation)?;
    let email_changed = current.email != before_email;
    profile::db::save(&mut tx, &current, email_changed).await?;
    if let (true, Some(email)) = (email_changed, &current.email) {
        current.email_verified = false;
        // A walk-in without a password yet gets the invitation (which confirms the address too).
        if account.can_sign_in {
            auth_service::send_verification_email(&mut tx, &clinic.public_url, user_id, email, &current.name).await?;
        } else {
            auth_service::send_invitation(&mut tx, &clinic.public_url, user_id, email, &current.name).await?;
        }
    }
    audit::record(&mut tx, Entry::new("patients.update").by(actor).patient(patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    sign_ins.forget_user(user_id);
    PatientRecord::from_profile(current, account.mrn, account.can_sign_in).ok_or_else(|| AppError::not_found("Patient"))
}
