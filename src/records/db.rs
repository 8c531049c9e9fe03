//! SQL for the chart's history, allergies and vitals.

use super::{Allergy, AllergyDraft, ChartPatient, EntryStatus, HistoryDraft, HistoryEntry, NewVitals, Vitals};
use crate::error::{conflict_on, AppResult};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

const ALLERGY_TAKEN: &str = "This patient already has an active allergy to that substance.";

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn history(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<HistoryEntry>> {
    Ok(sqlx::query_as(
        "SELECT h.id, h.patient_id, h.kind, h.name, h.occurred_on AS date, h.description, h.status,
                u.name AS recorded_by, h.recorded_at
           FROM medical_history h LEFT JOIN users u ON u.id = h.recorded_by
          WHERE h.patient_id = $1 AND h.status <> 'entered_in_error'
          ORDER BY h.kind, h.occurred_on DESC NULLS LAST, h.id DESC",
    )
    .bind(patient_id)
    .fetch_all(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn add_history(conn: &mut PgConnection, patient_id: i64, author: i64, draft: &HistoryDraft) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO medical_history (patient_id, kind, name, occurred_on, description, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(patient_id)
    .bind(draft.kind)
    .bind(&draft.name)
    .bind(draft.date)
    .bind(&draft.description)
    .bind(author)
    .fetch_one(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(id = id))]
pub async fn history_entry(conn: &mut PgConnection, id: i64) -> AppResult<Option<HistoryEntry>> {
    Ok(sqlx::query_as(
        "SELECT h.id, h.patient_id, h.kind, h.name, h.occurred_on AS date, h.description, h.status,
                u.name AS recorded_by, h.recorded_at
           FROM medical_history h LEFT JOIN users u ON u.id = h.recorded_by WHERE h.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

const ALLERGY_COLUMNS: &str = "a.id, a.patient_id, a.substance, a.reaction, a.severity, a.status, u.name AS recorded_by, a.recorded_at";

/// The patient's allergies (active first, entered-in-error ones left out) and when "no known
/// allergies" was last recorded.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn allergies(conn: &mut PgConnection, patient_id: i64) -> AppResult<(Vec<Allergy>, Option<DateTime<Utc>>)> {
    let allergies = sqlx::query_as(&format!(
        "SELECT {ALLERGY_COLUMNS} FROM allergies a LEFT JOIN users u ON u.id = a.recorded_by
          WHERE a.patient_id = $1 AND a.status <> 'entered_in_error'
          ORDER BY a.status, a.severity DESC, a.substance"
    ))
    .bind(patient_id)
    .fetch_all(&mut *conn)
    .await?;
    let none_known =
        sqlx::query_scalar("SELECT no_known_allergies_at FROM patients WHERE id = $1").bind(patient_id).fetch_one(conn).await?;
    Ok((allergies, none_known))
}

#[tracing::instrument(skip_all, fields(id = id))]
pub async fn allergy(conn: &mut PgConnection, id: i64) -> AppResult<Option<Allergy>> {
    Ok(sqlx::query_as(&format!("SELECT {ALLERGY_COLUMNS} FROM allergies a LEFT JOIN users u ON u.id = a.recorded_by WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Adds an allergy; an active one clears "no known allergies". A second active entry for the
/// same substance is a 409 (the unique index decides, so two clinicians at once can't both add it).
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn add_allergy(conn: &mut PgConnection, patient_id: i64, author: i64, draft: &AllergyDraft) -> AppResult<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO allergies (patient_id, substance, reaction, severity, status, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(patient_id)
    .bind(&draft.substance)
    .bind(&draft.reaction)
    .bind(draft.severity)
    .bind(draft.status)
    .bind(author)
    .fetch_one(&mut *conn)
    .await
    .map_err(conflict_on("allergies_one_active_per_substance", ALLERGY_TAKEN))?;
    if draft.status == EntryStatus::Active {
        sqlx::query("UPDATE patients SET no_known_allergies_at = NULL, no_known_allergies_by = NULL WHERE id = $1")
            .bind(patient_id)
            .execute(conn)
            .await?;
    }
    Ok(id)
}

#[tracing::instrument(skip_all, fields(id = id))]
pub async fn set_allergy_status(conn: &mut PgConnection, id: i64, status: EntryStatus) -> AppResult<()> {
    sqlx::query("UPDATE allergies SET status = $2 WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(conn)
        .await
        .map_err(conflict_on("allergies_one_active_per_substance", ALLERGY_TAKEN))?;
    Ok(())
}

/// Records "no known allergies"; answers false (and changes nothing) while an active allergy
/// is on file. One statement, so an allergy added at the same moment can't slip between the
/// check and the write.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn mark_no_known_allergies(conn: &mut PgConnection, patient_id: i64, author: i64) -> AppResult<bool> {
    let marked = sqlx::query(
        "UPDATE patients SET no_known_allergies_at = now(), no_known_allergies_by = $2
          WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM allergies WHERE patient_id = $1 AND status = 'active')",
    )
    .bind(patient_id)
    .bind(author)
    .execute(conn)
    .await?;
    Ok(marked.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct VitalsRow {
    id: i64,
    patient_id: i64,
    taken_at: DateTime<Utc>,
    systolic: Option<i16>,
    diastolic: Option<i16>,
    pulse: Option<i16>,
    temperature_c: Option<f64>,
    respiratory_rate: Option<i16>,
    spo2: Option<i16>,
    weight_kg: Option<f64>,
    height_cm: Option<f64>,
    recorded_by: Option<String>,
}

impl From<VitalsRow> for Vitals {
    fn from(r: VitalsRow) -> Self {
        let wide = |v: Option<i16>| v.map(i32::from);
        Vitals {
            id: r.id,
            patient_id: r.patient_id,
            taken_at: r.taken_at,
            systolic: wide(r.systolic),
            diastolic: wide(r.diastolic),
            pulse: wide(r.pulse),
            temperature_c: r.temperature_c,
            respiratory_rate: wide(r.respiratory_rate),
            spo2: wide(r.spo2),
            weight_kg: r.weight_kg,
            height_cm: r.height_cm,
            bmi: None,
            recorded_by: r.recorded_by,
        }
    }
}

const VITALS_COLUMNS: &str = "v.id, v.patient_id, v.taken_at, v.systolic, v.diastolic, v.pulse, v.temperature_c, v.respiratory_rate,
        v.spo2, v.weight_kg, v.height_cm, u.name AS recorded_by";

/// The newest `limit` readings, newest first.
#[tracing::instrument(skip_all, fields(patient_id = patient_id, limit = limit))]
pub async fn vitals(conn: &mut PgConnection, patient_id: i64, limit: i64) -> AppResult<Vec<Vitals>> {
    let rows: Vec<VitalsRow> = sqlx::query_as(&format!(
        "SELECT {VITALS_COLUMNS} FROM vitals v LEFT JOIN users u ON u.id = v.recorded_by
          WHERE v.patient_id = $1 AND v.status = 'active' ORDER BY v.taken_at DESC, v.id DESC LIMIT $2"
    ))
    .bind(patient_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Vitals::from).collect())
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn add_vitals(conn: &mut PgConnection, patient_id: i64, author: i64, vitals: &NewVitals) -> AppResult<Vitals> {
    let narrow = |v: Option<i32>| v.map(|v| i16::try_from(v).unwrap_or(i16::MAX));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO vitals (patient_id, systolic, diastolic, pulse, temperature_c, respiratory_rate, spo2, weight_kg, height_cm, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(patient_id)
    .bind(narrow(vitals.systolic))
    .bind(narrow(vitals.diastolic))
    .bind(narrow(vitals.pulse))
    .bind(vitals.temperature_c)
    .bind(narrow(vitals.respiratory_rate))
    .bind(narrow(vitals.spo2))
    .bind(vitals.weight_kg)
    .bind(vitals.height_cm)
    .bind(author)
    .fetch_one(&mut *conn)
    .await?;
    let row: VitalsRow =
        sqlx::query_as(&format!("SELECT {VITALS_COLUMNS} FROM vitals v LEFT JOIN users u ON u.id = v.recorded_by WHERE v.id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?;
    Ok(row.into())
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn chart_patient(conn: &mut PgConnection, patient_id: i64) -> AppResult<ChartPatient> {
    Ok(sqlx::query_as(
        "SELECT p.id AS patient_id, p.mrn, u.name, p.date_of_birth, p.gender, p.blood_group
           FROM patients p JOIN users u ON u.id = p.user_id WHERE p.id = $1",
    )
    .bind(patient_id)
    .fetch_one(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn patient_exists(conn: &mut PgConnection, patient_id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM patients WHERE id = $1)").bind(patient_id).fetch_one(conn).await?)
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn grant_break_glass(conn: &mut PgConnection, patient_id: i64, doctor_user_id: i64, reason: &str, hours: u32) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO break_glass (patient_id, doctor_user_id, reason, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(hours => $4)) RETURNING id",
    )
    .bind(patient_id)
    .bind(doctor_user_id)
    .bind(reason)
    .bind(hours as i32)
    .fetch_one(conn)
    .await?)
}

/// Emergency accesses, newest first (one of them with `id`).
#[tracing::instrument(skip_all)]
pub async fn break_glass_grants(
    conn: &mut PgConnection,
    id: Option<i64>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<super::BreakGlassGrant>> {
    Ok(sqlx::query_as(
        "SELECT b.id, b.patient_id, pu.name AS patient_name, du.name AS doctor_name, b.reason, b.granted_at, b.expires_at
           FROM break_glass b
           JOIN patients p ON p.id = b.patient_id LEFT JOIN users pu ON pu.id = p.user_id
           LEFT JOIN users du ON du.id = b.doctor_user_id
          WHERE $1::bigint IS NULL OR b.id = $1
          ORDER BY b.granted_at DESC, b.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?)
}
