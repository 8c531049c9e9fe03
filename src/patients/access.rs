//! Who may see a patient's clinical data: one rule, owned by the patients domain. It reads
//! the appointments table directly (a doctor's access follows from having met the patient)
//! rather than importing the appointments domain, which sits above this one.

use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::error::{AppError, AppResult};
use sqlx::PgConnection;

/// May `actor` see the clinical data of the patient whose account is `patient_user_id`?
/// Patients see their own; nurses, staff and admins work with every patient; doctors only
/// with patients they have (had) an appointment with. Managers see aggregates, never records.
#[tracing::instrument(skip_all, fields(patient_user_id = patient_user_id))]
pub async fn can_access_patient(conn: &mut PgConnection, actor: &Actor, patient_user_id: i64) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Patient => actor.user_id == patient_user_id,
        Role::Nurse | Role::Staff | Role::Admin => true,
        Role::Doctor => have_met(conn, actor.user_id, patient_user_id).await?,
        Role::Manager => false,
    })
}

/// May this role read clinical content (visit reasons and notes, and every clinical record)
/// of the patients it works with? Minimum necessary: the front desk works with the schedule
/// (who, when, status) and managers with aggregates, so neither reads it. Which patients a
/// role works with at all is [`can_access_patient`]'s rule.
pub fn reads_clinical_content(role: Role) -> bool {
    match role {
        Role::Patient | Role::Doctor | Role::Nurse | Role::Admin => true,
        Role::Staff | Role::Manager => false,
    }
}

/// Like [`can_access_patient`], as an error: a patient probing someone else gets 404 (the
/// record's existence is not revealed); staff without the right get 403.
#[tracing::instrument(skip_all, fields(patient_user_id = patient_user_id))]
pub async fn require_patient_access(conn: &mut PgConnection, actor: &Actor, patient_user_id: i64) -> AppResult<()> {
    if can_access_patient(conn, actor, patient_user_id).await? {
        Ok(())
    } else if actor.is(Role::Patient) {
        Err(AppError::concealed("Patient"))
    } else {
        Err(AppError::forbidden())
    }
}

/// Have this doctor and patient (user ids) ever had an appointment together?
#[tracing::instrument(skip_all, fields(doctor_user_id = doctor_user_id, patient_user_id = patient_user_id))]
pub async fn have_met(conn: &mut PgConnection, doctor_user_id: i64, patient_user_id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM appointments a JOIN doctors d ON d.id = a.doctor_id JOIN patients p ON p.id = a.patient_id
                         WHERE d.user_id = $1 AND p.user_id = $2 AND a.status IN ('pending', 'accepted', 'completed', 'no_show'))",
    )
    .bind(doctor_user_id)
    .bind(patient_user_id)
    .fetch_one(conn)
    .await?)
}

/// What a caller wants to do with a patient's chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartUse {
    Read,
    /// Add to it or change an entry's status: clinicians only.
    Write,
}

/// The chart rule (minimum necessary): the patient reads their own chart; a doctor reads and
/// writes the charts of patients they have treated (an accepted, completed or missed visit —
/// a pending request is not enough) or opened through break-glass, while that lasts; nurses read and write every chart; admins read. The
/// front desk works with the registry and managers with aggregates: 403. A patient or doctor
/// asking about someone else's chart gets a concealed (audited) 404, as does a chart that
/// doesn't exist for anyone.
#[tracing::instrument(skip_all, fields(patient_id = patient_id, use_ = ?use_))]
pub async fn require_chart_access(conn: &mut PgConnection, actor: &Actor, patient_id: i64, use_: ChartUse) -> AppResult<()> {
    let writes = use_ == ChartUse::Write;
    match actor.role {
        Role::Staff | Role::Manager => return Err(AppError::forbidden()),
        Role::Admin if writes => return Err(AppError::forbidden()),
        _ => {}
    }
    let found: Option<(i64, bool)> = sqlx::query_as(
        "SELECT p.user_id,
                EXISTS (SELECT 1 FROM appointments a JOIN doctors d ON d.id = a.doctor_id
                         WHERE a.patient_id = p.id AND d.user_id = $2 AND a.status IN ('accepted', 'completed', 'no_show'))
                OR EXISTS (SELECT 1 FROM break_glass b WHERE b.patient_id = p.id AND b.doctor_user_id = $2 AND b.expires_at > now())
           FROM patients p WHERE p.id = $1",
    )
    .bind(patient_id)
    .bind(actor.user_id)
    .fetch_optional(conn)
    .await?;
    let Some((patient_user_id, treated)) = found else { return Err(AppError::not_found("Patient")) };
    match actor.role {
        Role::Patient if patient_user_id == actor.user_id => {
            if writes {
                Err(AppError::Forbidden("Your care team keeps your chart; tell them what should change.".into()))
            } else {
                Ok(())
            }
        }
        Role::Doctor if treated => Ok(()),
        Role::Nurse | Role::Admin => Ok(()),
        _ => Err(AppError::concealed("Patient")),
    }
}

/// The patient id of a patient's account (None for other accounts).
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn patient_id_of_user(conn: &mut PgConnection, user_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM patients WHERE user_id = $1").bind(user_id).fetch_optional(conn).await?)
}

/// The account (user id) of a patient (`patients.id`), if the patient exists.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn user_of_patient(conn: &mut PgConnection, patient_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT user_id FROM patients WHERE id = $1").bind(patient_id).fetch_optional(conn).await?)
}

/// Is this doctor (`doctors.id`, active and listed) one of the patient's doctors: a visit that
/// was confirmed, took place or was missed?
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id, patient_id = patient_id))]
pub async fn treats(conn: &mut PgConnection, doctor_id: i64, patient_id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM appointments a JOIN doctors d ON d.id = a.doctor_id JOIN users u ON u.id = d.user_id
                         WHERE a.doctor_id = $1 AND a.patient_id = $2 AND a.status IN ('accepted', 'completed', 'no_show') AND u.active)",
    )
    .bind(doctor_id)
    .bind(patient_id)
    .fetch_one(conn)
    .await?)
}

/// The active doctors a patient has seen (a confirmed, past or missed visit), by name.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn doctors_of_patient(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<super::TreatingDoctor>> {
    Ok(sqlx::query_as(
        "SELECT d.id AS doctor_id, u.name, d.specialization FROM doctors d JOIN users u ON u.id = d.user_id AND u.active
          WHERE EXISTS (SELECT 1 FROM appointments a WHERE a.doctor_id = d.id AND a.patient_id = $1
                           AND a.status IN ('accepted', 'completed', 'no_show'))
          ORDER BY u.name, d.id",
    )
    .bind(patient_id)
    .fetch_all(conn)
    .await?)
}
