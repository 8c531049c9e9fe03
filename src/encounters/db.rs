//! SQL for encounters, their prescriptions, versions and addenda.

use super::{
    Addendum, Diagnosis, Encounter, EncounterCorrection, EncounterDraft, EncounterStatus, EncounterVersion, Prescription, PrescriptionInput,
};
use crate::error::{conflict_on, AppResult};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgConnection;

const ONE_PER_VISIT: &str = "This visit already has a note: correct it or add an addendum.";

/// An encounter row with its prescriptions and addenda gathered as JSON (one query for a list).
#[derive(sqlx::FromRow)]
struct EncounterRow {
    id: i64,
    patient_id: i64,
    appointment_id: Option<i64>,
    author_user_id: i64,
    author: Option<String>,
    diagnoses: Json<Vec<Diagnosis>>,
    treatment: Option<String>,
    notes: Option<String>,
    prescriptions: Json<Vec<Prescription>>,
    addenda: Json<Vec<Addendum>>,
    version: i32,
    status: EncounterStatus,
    error_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<EncounterRow> for Encounter {
    fn from(row: EncounterRow) -> Self {
        Encounter {
            id: row.id,
            patient_id: row.patient_id,
            appointment_id: row.appointment_id,
            author_user_id: row.author_user_id,
            author: row.author,
            diagnoses: row.diagnoses.0,
            treatment: row.treatment,
            notes: row.notes,
            prescriptions: row.prescriptions.0,
            addenda: row.addenda.0,
            version: row.version,
            status: row.status,
            error_reason: row.error_reason,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const SELECT_ENCOUNTER: &str = "
    SELECT e.id, e.patient_id, e.appointment_id, e.author_id AS author_user_id, u.name AS author,
           e.diagnoses, e.treatment, e.notes, e.version, e.status, e.error_reason, e.created_at, e.updated_at,
           coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'id', p.id, 'drug', p.drug, 'dose', p.dose, 'route', p.route, 'frequency', p.frequency,
                        'duration_days', p.duration_days, 'quantity', p.quantity, 'refills', p.refills,
                        'allergy_override_reason', p.allergy_override_reason) ORDER BY p.position)
                       FROM prescriptions p WHERE p.encounter_id = e.id AND p.status <> 'superseded'), '[]') AS prescriptions,
           coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'text', a.text, 'author', au.name, 'created_at', a.created_at)
                                      ORDER BY a.created_at, a.id)
                       FROM encounter_addenda a LEFT JOIN users au ON au.id = a.author_id WHERE a.encounter_id = e.id), '[]') AS addenda
      FROM encounters e LEFT JOIN users u ON u.id = e.author_id";

#[tracing::instrument(skip_all, fields(id = id))]
pub async fn encounter(conn: &mut PgConnection, id: i64) -> AppResult<Option<Encounter>> {
    let row: Option<EncounterRow> = sqlx::query_as(&format!("{SELECT_ENCOUNTER} WHERE e.id = $1")).bind(id).fetch_optional(conn).await?;
    Ok(row.map(Encounter::from))
}

/// The encounter, locked for a change (a correction or being marked in error).
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn lock(conn: &mut PgConnection, id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM encounters WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(conn).await?.is_some())
}

/// The patient's encounters, newest first: the active ones, and those entered in error too
/// when `with_errors`.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn for_patient(
    conn: &mut PgConnection,
    patient_id: i64,
    with_errors: bool,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Encounter>> {
    let rows: Vec<EncounterRow> = sqlx::query_as(&format!(
        "{SELECT_ENCOUNTER} WHERE e.patient_id = $1 AND ($2 OR e.status = 'active')
          ORDER BY e.created_at DESC, e.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(patient_id)
    .bind(with_errors)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Encounter::from).collect())
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn count_for_patient(conn: &mut PgConnection, patient_id: i64, with_errors: bool) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM encounters WHERE patient_id = $1 AND ($2 OR status = 'active')")
        .bind(patient_id)
        .bind(with_errors)
        .fetch_one(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn insert(
    conn: &mut PgConnection,
    patient_id: i64,
    appointment_id: Option<i64>,
    author: i64,
    draft: &EncounterDraft,
) -> AppResult<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO encounters (patient_id, appointment_id, author_id, diagnoses, treatment, notes)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(patient_id)
    .bind(appointment_id)
    .bind(author)
    .bind(Json(&draft.diagnoses))
    .bind(&draft.treatment)
    .bind(&draft.notes)
    .fetch_one(&mut *conn)
    .await
    .map_err(conflict_on("encounters_one_per_appointment", ONE_PER_VISIT))?;
    insert_prescriptions(conn, id, patient_id, author, &draft.prescriptions).await?;
    Ok(id)
}

async fn insert_prescriptions(
    conn: &mut PgConnection,
    encounter_id: i64,
    patient_id: i64,
    prescriber: i64,
    prescriptions: &[PrescriptionInput],
) -> AppResult<()> {
    for (position, p) in prescriptions.iter().enumerate() {
        insert_prescription(conn, Some(encounter_id), patient_id, prescriber, position as i16, p).await?;
    }
    Ok(())
}

/// One prescription, of an encounter or (`None`) written outside a visit.
pub async fn insert_prescription(
    conn: &mut PgConnection,
    encounter_id: Option<i64>,
    patient_id: i64,
    prescriber: i64,
    position: i16,
    p: &PrescriptionInput,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO prescriptions (encounter_id, patient_id, prescriber_id, position, drug, dose, route, frequency,
                                    duration_days, quantity, refills, allergy_override_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING id",
    )
    .bind(encounter_id)
    .bind(patient_id)
    .bind(prescriber)
    .bind(position)
    .bind(&p.drug)
    .bind(&p.dose)
    .bind(&p.route)
    .bind(&p.frequency)
    .bind(p.duration_days)
    .bind(p.quantity)
    .bind(p.refills.unwrap_or(0))
    .bind(&p.override_reason)
    .fetch_one(&mut *conn)
    .await?)
}

/// The correction: the current content goes to `encounter_versions`, the new one takes its
/// place with the next version number, the old prescriptions are superseded.
#[tracing::instrument(skip_all, fields(id = current.id))]
pub async fn correct(conn: &mut PgConnection, current: &Encounter, author: i64, draft: &EncounterDraft) -> AppResult<()> {
    sqlx::query("INSERT INTO encounter_versions (encounter_id, patient_id, version, content, written_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(current.id)
        .bind(current.patient_id)
        .bind(current.version)
        // The version it replaces, whole, in the shape a correction sends.
        .bind(Json(current.content()))
        .bind(current.updated_at)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE encounters SET diagnoses = $2, treatment = $3, notes = $4, version = version + 1 WHERE id = $1")
        .bind(current.id)
        .bind(Json(&draft.diagnoses))
        .bind(&draft.treatment)
        .bind(&draft.notes)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE prescriptions SET status = 'superseded' WHERE encounter_id = $1 AND status = 'active'")
        .bind(current.id)
        .execute(&mut *conn)
        .await?;
    insert_prescriptions(conn, current.id, current.patient_id, author, &draft.prescriptions).await
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i32,
    content: Json<EncounterCorrection>,
    written_at: DateTime<Utc>,
    replaced_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(encounter_id = encounter_id))]
pub async fn versions(conn: &mut PgConnection, encounter_id: i64) -> AppResult<Vec<EncounterVersion>> {
    let rows: Vec<VersionRow> =
        sqlx::query_as("SELECT version, content, written_at, replaced_at FROM encounter_versions WHERE encounter_id = $1 ORDER BY version")
            .bind(encounter_id)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| EncounterVersion {
            version: row.version,
            diagnoses: row.content.0.diagnoses,
            treatment: row.content.0.treatment,
            notes: row.content.0.notes,
            prescriptions: row.content.0.prescriptions,
            written_at: row.written_at,
            replaced_at: row.replaced_at,
        })
        .collect())
}

#[tracing::instrument(skip_all, fields(encounter_id = encounter_id))]
pub async fn add_addendum(conn: &mut PgConnection, encounter_id: i64, patient_id: i64, author: i64, text: &str) -> AppResult<i64> {
    Ok(sqlx::query_scalar("INSERT INTO encounter_addenda (encounter_id, patient_id, author_id, text) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(encounter_id)
        .bind(patient_id)
        .bind(author)
        .bind(text)
        .fetch_one(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(id = id))]
pub async fn mark_in_error(conn: &mut PgConnection, id: i64, by: i64, reason: &str) -> AppResult<()> {
    sqlx::query("UPDATE encounters SET status = 'entered_in_error', error_reason = $3, errored_by = $2, errored_at = now() WHERE id = $1")
        .bind(id)
        .bind(by)
        .bind(reason)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE prescriptions SET status = 'entered_in_error' WHERE encounter_id = $1 AND status = 'active'")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The active allergies' substances of the patient, for the check at prescribing.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn active_allergies(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<(String, String)>> {
    Ok(sqlx::query_as("SELECT substance, severity::text FROM allergies WHERE patient_id = $1 AND status = 'active' ORDER BY recorded_at")
        .bind(patient_id)
        .fetch_all(conn)
        .await?)
}

/// The appointment's doctor (user id), patient and status, to check a note is written for the
/// writer's own visit.
#[tracing::instrument(skip_all, fields(appointment_id = appointment_id))]
pub async fn appointment_parties(conn: &mut PgConnection, appointment_id: i64) -> AppResult<Option<(i64, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT d.user_id, a.patient_id, a.status::text FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE a.id = $1",
    )
    .bind(appointment_id)
    .fetch_optional(conn)
    .await?)
}

/// The active note of a visit: (encounter id, patient id).
#[tracing::instrument(skip_all, fields(appointment_id = appointment_id))]
pub async fn of_appointment(conn: &mut PgConnection, appointment_id: i64) -> AppResult<Option<(i64, i64)>> {
    Ok(sqlx::query_as("SELECT id, patient_id FROM encounters WHERE appointment_id = $1 AND status = 'active'")
        .bind(appointment_id)
        .fetch_optional(conn)
        .await?)
}
