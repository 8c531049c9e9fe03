//! Walk-in registration (`POST /api/patients`): the front desk (or an admin) registers a
//! patient in person. The patient may have no email address: they then have a record, can be
//! booked and treated, but can't sign in. With an address they are invited to choose a
//! password (a one-time link through the outbox, see `auth::service::send_invitation`).
//!
//! A person registered twice splits their chart in two, so a patient with the same name and
//! date of birth is a 409 unless the desk confirms it is someone else. Two desks registering
//! the same person at once are serialized on that pair (a transaction-scoped advisory lock),
//! so the check holds under concurrency too.

use super::record;
use super::{NewPatient, PatientRecord};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::db::{self as auth_db, NewUser};
use crate::auth::{service as auth_service, Email, PersonName, Role};
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::profile::{self, ProfileUpdate};
use chrono::NaiveDate;
use sqlx::{Connection, PgConnection};

/// Who registers walk-ins: the front desk and admins.
const REGISTRARS: &[Role] = &[Role::Staff, Role::Admin];

#[tracing::instrument(skip_all)]
pub async fn register(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, input: NewPatient) -> AppResult<PatientRecord> {
    actor.require_role(REGISTRARS)?;
    let today = chrono::Utc::now().date_naive();
    let name = PersonName::parse(&input.name).map_err(AppError::Validation)?;
    let date_of_birth = profile::parse_date_of_birth(&input.date_of_birth, today)
        .map_err(AppError::Validation)?
        .ok_or_else(|| AppError::validation("The date of birth is required (YYYY-MM-DD)."))?;
    let email =
        input.email.as_deref().and_then(profile::blank_to_none).map(|e| Email::parse(&e)).transpose().map_err(AppError::Validation)?;
    let details = ProfileUpdate {
        phone: input.phone,
        address: input.address,
        gender: input.gender,
        blood_group: input.blood_group,
        emergency_contact_name: input.emergency_contact_name,
        emergency_contact_phone: input.emergency_contact_phone,
        ..ProfileUpdate::default()
    };

    let mut tx = conn.begin().await?;
    lock_identity(&mut tx, name.as_str(), date_of_birth).await?;
    if let Some(mrn) = same_person(&mut tx, name.as_str(), date_of_birth).await? {
        if !input.confirm_duplicate {
            return Err(AppError::Conflict(format!(
                "{} born {date_of_birth} is already registered as {mrn}. Open that record, or confirm that this is a different person.",
                name.as_str()
            )));
        }
    }
    let new_user = NewUser {
        email: email.as_ref().map(Email::as_str),
        name: name.as_str(),
        password_hash: None,
        role: Role::Patient,
        email_verified: false,
        verified: false,
        demo: false,
    };
    let user_id = auth_db::insert_user(&mut tx, &new_user).await?;
    auth_db::insert_role_row(&mut tx, user_id, Role::Patient).await?;
    let mut current = profile::db::find(&mut tx, user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    profile::service::apply(&mut current, details, today).map_err(AppError::Validation)?;
    if let Some(patient) = current.patient.as_mut() {
        patient.date_of_birth = Some(date_of_birth);
    }
    profile::db::save(&mut tx, &current, false).await?;
    let patient_id: i64 = sqlx::query_scalar("UPDATE patients SET registered_in_person = TRUE WHERE user_id = $1 RETURNING id")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    if let Some(email) = &email {
        auth_service::send_invitation(&mut tx, &clinic.public_url, user_id, email.as_str(), name.as_str()).await?;
    }
    let mut entry = Entry::new("patients.register").by(actor).patient(patient_id).on("patient", patient_id);
    if input.confirm_duplicate {
        entry = entry.detail("registered beside a patient of the same name and date of birth");
    }
    audit::record(&mut tx, entry).await?;
    let account = record::account_of(&mut tx, patient_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    let registered = record::load(&mut tx, account).await?;
    tx.commit().await?;
    Ok(registered)
}

/// Holds, until the transaction ends, the right to register this name and date of birth.
async fn lock_identity(conn: &mut PgConnection, name: &str, date_of_birth: NaiveDate) -> AppResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('patient:' || lower($1) || ':' || $2::text, 0))")
        .bind(name)
        .bind(date_of_birth)
        .execute(conn)
        .await?;
    Ok(())
}

/// The MRN of a patient with this name (any case) and date of birth, if there is one.
async fn same_person(conn: &mut PgConnection, name: &str, date_of_birth: NaiveDate) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT p.mrn FROM patients p JOIN users u ON u.id = p.user_id AND u.role = 'patient'
          WHERE p.date_of_birth = $2 AND lower(u.name) = lower($1) ORDER BY p.id LIMIT 1",
    )
    .bind(name)
    .bind(date_of_birth)
    .fetch_optional(conn)
    .await?)
}
