//! SQL for appointments. The booking rules are constraints of the table; their violations
//! come back from here as 409s.

use super::{Appointment, AppointmentFilter, AppointmentStatus, PatientChoice};
use crate::auth::actor::Actor;
use crate::doctors::db::WEEK_ARRAYS;
use crate::error::{AppError, AppResult};
use crate::notifications::service::{base_url, Notice, NoticeColumns};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppointmentRow {
    pub id: i64,
    pub status: AppointmentStatus,
    pub doctor_id: i64,
    pub doctor_user_id: i64,
    pub doctor_name: String,
    pub specialization: String,
    pub patient_id: i64,
    pub patient_user_id: i64,
    pub patient_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub fee_cents: i64,
    pub currency: String,
    pub status_reason: Option<String>,
    pub visit_notes: Option<String>,
    pub reviewed: bool,
    pub created_at: DateTime<Utc>,
}

impl AppointmentRow {
    /// The API view, with the slot written in the clinic's time zone.
    pub fn into_appointment(self, tz: Tz) -> Appointment {
        let local = self.starts_at.with_timezone(&tz);
        Appointment {
            id: self.id,
            status: self.status,
            doctor_id: self.doctor_id,
            doctor_name: self.doctor_name,
            specialization: self.specialization,
            patient_id: self.patient_id,
            patient_name: self.patient_name,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            date: local.format("%Y-%m-%d").to_string(),
            time_slot: local.format("%H:%M").to_string(),
            reason: self.reason,
            fee_cents: self.fee_cents,
            currency: self.currency,
            status_reason: self.status_reason,
            visit_notes: self.visit_notes,
            reviewed: self.reviewed,
            created_at: self.created_at,
        }
    }
}

const SELECT: &str = "SELECT a.id, a.status, a.doctor_id, d.user_id AS doctor_user_id, du.name AS doctor_name, d.specialization,
        a.patient_id, p.user_id AS patient_user_id, pu.name AS patient_name, a.starts_at, a.ends_at, a.reason,
        a.fee_cents, a.currency, a.status_reason, a.visit_notes,
        EXISTS (SELECT 1 FROM reviews r WHERE r.appointment_id = a.id) AS reviewed, a.created_at
   FROM appointments a
   JOIN doctors d ON d.id = a.doctor_id JOIN users du ON du.id = d.user_id
   JOIN patients p ON p.id = a.patient_id JOIN users pu ON pu.id = p.user_id";

/// Maps the two booking constraints to their 409 messages.
fn booking_conflict(err: sqlx::Error) -> AppError {
    match &err {
        sqlx::Error::Database(db) => match db.constraint() {
            Some("appointments_doctor_slot_taken") => AppError::Conflict("That slot is already booked. Please choose another time.".into()),
            Some("appointments_patient_busy") => AppError::Conflict("The patient already has an appointment at that time.".into()),
            _ => AppError::from(err),
        },
        _ => AppError::from(err),
    }
}

pub struct NewAppointment<'a> {
    pub doctor_id: i64,
    pub patient_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: Option<&'a str>,
    pub fee_cents: i64,
    pub currency: &'a str,
    pub booked_by: i64,
}

/// Inserts a pending appointment together with its notices and its audit entry, in ONE
/// statement: booking is the hottest write, and a transaction of one statement per row cost a
/// round trip each. All or nothing: a taken slot (409) leaves no notice and no entry behind.
/// The notices' links lead to the new appointment. Returns its id and creation time.
#[tracing::instrument(skip_all, fields(doctor_id = new.doctor_id, patient_id = new.patient_id))]
pub async fn insert_booked(
    conn: &mut PgConnection,
    new: &NewAppointment<'_>,
    notices: &[Notice],
    public_url: &str,
    actor: &Actor,
) -> AppResult<(i64, DateTime<Utc>)> {
    let notices = NoticeColumns::of(notices);
    sqlx::query_as(
        "WITH booked AS (
             INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at
         ), noticed AS (
             SELECT notify($9, $10, $11, array_fill('/appointments/' || id, ARRAY[cardinality($9)]), $12) FROM booked
         ), audited AS (
             INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, patient_id, ip, outcome)
             SELECT $8, $13, 'appointment.book', 'appointment', id, $2, $14, 'success' FROM booked
         )
         SELECT id, created_at FROM booked, noticed",
    )
    .bind(new.doctor_id)
    .bind(new.patient_id)
    .bind(new.starts_at)
    .bind(new.ends_at)
    .bind(new.reason)
    .bind(new.fee_cents)
    .bind(new.currency)
    .bind(new.booked_by)
    .bind(notices.user_ids)
    .bind(notices.titles)
    .bind(notices.bodies)
    .bind(base_url(public_url))
    .bind(actor.role)
    .bind(&actor.ip)
    .fetch_one(conn)
    .await
    .map_err(booking_conflict)
}

/// Active patients whose name or email contains `query` (case-insensitive), by name.
pub async fn find_patients(conn: &mut PgConnection, query: &str, limit: i64) -> AppResult<Vec<PatientChoice>> {
    Ok(sqlx::query_as(
        "SELECT p.id AS patient_id, u.name, u.email, u.email_verified_at IS NOT NULL AS email_verified
           FROM users u JOIN patients p ON p.user_id = u.id
          WHERE u.active AND (u.name ILIKE '%' || $1 || '%' OR u.email ILIKE '%' || $1 || '%')
          ORDER BY u.name, p.id LIMIT $2",
    )
    .bind(query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Who a booking is for, as the caller names them: patients by their account, the desk by
/// the patient's record id.
#[derive(Debug, Clone, Copy)]
pub enum PatientKey {
    Account(i64),
    Record(i64),
}

/// Everything a booking checks, read at once: the doctor with their listing, weekly schedule
/// and whether they took the day off, and the patient (None when there is no such patient).
#[derive(sqlx::FromRow)]
pub struct BookingParties {
    pub doctor_user_id: i64,
    pub doctor_name: String,
    pub specialization: String,
    pub fee_cents: i64,
    pub currency: String,
    pub listed: bool,
    pub day_off: bool,
    pub custom_schedule: bool,
    pub weekdays: Vec<i16>,
    pub starts: Vec<NaiveTime>,
    pub ends: Vec<NaiveTime>,
    pub patient_id: Option<i64>,
    pub patient_user_id: Option<i64>,
    pub patient_name: Option<String>,
    pub patient_ready: Option<bool>,
}

/// None when the doctor does not exist.
pub async fn booking_parties(conn: &mut PgConnection, doctor_id: i64, date: NaiveDate, patient: PatientKey) -> AppResult<Option<BookingParties>> {
    let (key, value) = match patient {
        PatientKey::Account(user_id) => ("p.user_id", user_id),
        PatientKey::Record(id) => ("p.id", id),
    };
    Ok(sqlx::query_as(&format!(
        "SELECT d.user_id AS doctor_user_id, du.name AS doctor_name, d.specialization, d.fee_cents, d.currency,
                (du.active AND du.verified_at IS NOT NULL) AS listed,
                EXISTS (SELECT 1 FROM doctor_days_off o WHERE o.doctor_id = d.id AND o.day = $2) AS day_off,
                d.custom_schedule, week.weekdays, week.starts, week.ends,
                p.id AS patient_id, p.user_id AS patient_user_id, pu.name AS patient_name,
                (pu.email_verified_at IS NOT NULL AND pu.active) AS patient_ready
           FROM doctors d JOIN users du ON du.id = d.user_id
          CROSS JOIN LATERAL ({WEEK_ARRAYS}) week
           LEFT JOIN (patients p JOIN users pu ON pu.id = p.user_id) ON {key} = $3
          WHERE d.id = $1"
    ))
    .bind(doctor_id)
    .bind(date)
    .bind(value)
    .fetch_optional(conn)
    .await?)
}

pub async fn find(conn: &mut PgConnection, id: i64) -> AppResult<Option<AppointmentRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE a.id = $1")).bind(id).fetch_optional(conn).await?)
}

/// Who a list is for: one patient, one doctor, or everyone (staff).
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Patient(i64),
    Doctor(i64),
    All,
}

pub async fn list(conn: &mut PgConnection, scope: Scope, filter: &AppointmentFilter) -> AppResult<Vec<AppointmentRow>> {
    let (patient, doctor) = match scope {
        Scope::Patient(id) => (Some(id), None),
        Scope::Doctor(id) => (None, Some(id)),
        Scope::All => (None, None),
    };
    Ok(sqlx::query_as(&format!(
        "{SELECT}
          WHERE ($1::bigint IS NULL OR a.patient_id = $1) AND ($2::bigint IS NULL OR a.doctor_id = $2)
            AND ($3::appointment_status IS NULL OR a.status = $3)
            AND ($4::timestamptz IS NULL OR a.starts_at >= $4) AND ($5::timestamptz IS NULL OR a.starts_at < $5)
          ORDER BY a.starts_at LIMIT 500"
    ))
    .bind(patient)
    .bind(doctor)
    .bind(filter.status)
    .bind(filter.from)
    .bind(filter.to)
    .fetch_all(conn)
    .await?)
}

/// Starts of the doctor's live appointments in [from, to).
pub async fn taken_starts(conn: &mut PgConnection, doctor_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT starts_at FROM appointments
          WHERE doctor_id = $1 AND status IN ('pending', 'accepted') AND starts_at >= $2 AND starts_at < $3",
    )
    .bind(doctor_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// Moves `id` from status `from` to `to`; false when someone changed it first.
pub async fn set_status(
    conn: &mut PgConnection,
    id: i64,
    from: AppointmentStatus,
    to: AppointmentStatus,
    reason: Option<&str>,
    notes: Option<&str>,
) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE appointments SET status = $3, status_reason = coalesce($4, status_reason), visit_notes = coalesce($5, visit_notes)
          WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(reason)
    .bind(notes)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a live appointment to another slot in one statement: the constraints see the
/// old slot released and the new one taken atomically. A moved visit waits for the doctor's
/// confirmation again.
pub async fn move_to(conn: &mut PgConnection, id: i64, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> AppResult<bool> {
    let done = sqlx::query("UPDATE appointments SET starts_at = $2, ends_at = $3, status = 'pending'
          WHERE id = $1 AND status IN ('pending', 'accepted')")
        .bind(id)
        .bind(starts_at)
        .bind(ends_at)
        .execute(conn)
        .await
        .map_err(booking_conflict)?;
    Ok(done.rows_affected() == 1)
}

pub async fn patient_id_of_user(conn: &mut PgConnection, user_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM patients WHERE user_id = $1").bind(user_id).fetch_optional(conn).await?)
}

/// Have this doctor and patient (user ids) ever had an appointment together?
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
