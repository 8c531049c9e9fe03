//! SQL for the directory and schedules.

use super::slots::{default_week, WorkBlock};
use super::{DirectoryQuery, DoctorCard, DoctorProfile, DOCTORS_PER_PAGE};
use crate::error::AppResult;
use crate::paging;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

/// The rating comes from the tallies the reviews triggers keep on the doctor row.
const CARD: &str = "SELECT d.id, d.user_id, u.name, d.specialization, d.city, d.experience_years, d.fee_cents, d.currency,
        CASE WHEN d.review_count > 0 THEN d.rating_total::float8 / d.review_count END AS rating,
        d.review_count::bigint AS review_count
   FROM doctors d
   JOIN users u ON u.id = d.user_id";

/// Listed doctors only: verified and active. The statement names only the filters given, so
/// each of the eight combinations is its own prepared statement with a plan that uses that
/// combination's index — planned once per connection, not per page (see
/// `server::startup::connect`).
#[tracing::instrument(skip_all)]
pub async fn search(conn: &mut PgConnection, query: &DirectoryQuery, page: i64) -> AppResult<Vec<DoctorCard>> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let mut sql = QueryBuilder::new(CARD);
    sql.push(
        " WHERE u.role = 'doctor' AND u.active
            -- Only doctors are verified, so PostgreSQL, multiplying the two selectivities,
            -- expects a handful of listed doctors among a million accounts and picks plans
            -- that scan them all; the (redundant) OR keeps its estimate honest.
            AND (u.verified_at IS NOT NULL OR u.role <> 'doctor')",
    );
    if let Some(specialization) = text(&query.specialization) {
        sql.push(" AND lower(d.specialization) = lower(").push_bind(specialization).push(")");
    }
    if let Some(city) = text(&query.city) {
        sql.push(" AND lower(d.city) = lower(").push_bind(city).push(")");
    }
    if let Some(name) = text(&query.q) {
        // The search text is matched literally: LIKE wildcards in it are escaped.
        let literal = name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        sql.push(" AND u.name ILIKE '%' || ").push_bind(literal).push(" || '%'");
    }
    sql.push(" ORDER BY u.name, d.id LIMIT ").push_bind(DOCTORS_PER_PAGE).push(" OFFSET ").push_bind(paging::offset(
        page,
        1,
        DOCTORS_PER_PAGE,
    ));
    Ok(sql.build_query_as().fetch_all(conn).await?)
}

#[derive(sqlx::FromRow)]
struct ProfileExtra {
    license_number: Option<String>,
    address: Option<String>,
    bio: Option<String>,
    languages: Vec<String>,
    verified: bool,
    active: bool,
}

/// Any doctor by id (listed or not); the service decides who may see an unlisted one.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn profile(conn: &mut PgConnection, doctor_id: i64) -> AppResult<Option<DoctorProfile>> {
    let card: Option<DoctorCard> = sqlx::query_as(&format!("{CARD} WHERE d.id = $1")).bind(doctor_id).fetch_optional(&mut *conn).await?;
    let Some(card) = card else { return Ok(None) };
    let extra: ProfileExtra = sqlx::query_as(
        "SELECT d.license_number, d.address, d.bio, d.languages, u.verified_at IS NOT NULL AS verified, u.active
           FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = $1",
    )
    .bind(doctor_id)
    .fetch_one(&mut *conn)
    .await?;
    let weekly_schedule = weekly_schedule(conn, doctor_id).await?;
    Ok(Some(DoctorProfile {
        card,
        license_number: extra.license_number,
        address: extra.address,
        bio: extra.bio,
        languages: extra.languages,
        verified: extra.verified,
        active: extra.active,
        weekly_schedule,
    }))
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn doctor_id_of_user(conn: &mut PgConnection, user_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM doctors WHERE user_id = $1").bind(user_id).fetch_optional(conn).await?)
}

/// A doctor's weekly blocks as three arrays in order (weekdays, starts, ends), for
/// `CROSS JOIN LATERAL (…) week` from `doctors d`: the one place that reads them, shared with
/// the booking's single read (`appointments::db::booking_parties`).
pub const WEEK_ARRAYS: &str = "SELECT coalesce(array_agg(h.weekday ORDER BY h.weekday, h.starts_at), '{}') AS weekdays,
        coalesce(array_agg(h.starts_at ORDER BY h.weekday, h.starts_at), '{}') AS starts,
        coalesce(array_agg(h.ends_at ORDER BY h.weekday, h.starts_at), '{}') AS ends
   FROM doctor_working_hours h WHERE h.doctor_id = d.id";

/// The doctor's blocks, or the clinic default when they never set a schedule.
/// One query: it is on the path of every booking and slot lookup.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn weekly_schedule(conn: &mut PgConnection, doctor_id: i64) -> AppResult<Vec<WorkBlock>> {
    let (custom, weekdays, starts, ends): (bool, Vec<i16>, Vec<NaiveTime>, Vec<NaiveTime>) = sqlx::query_as(&format!(
        "SELECT d.custom_schedule, week.weekdays, week.starts, week.ends
           FROM doctors d CROSS JOIN LATERAL ({WEEK_ARRAYS}) week
          WHERE d.id = $1"
    ))
    .bind(doctor_id)
    .fetch_one(conn)
    .await?;
    Ok(schedule_from(custom, weekdays, starts, ends))
}

/// The weekly blocks from their columns (weekday, start and end arrays in order), or the
/// clinic default when the doctor never set a schedule.
pub fn schedule_from(custom: bool, weekdays: Vec<i16>, starts: Vec<NaiveTime>, ends: Vec<NaiveTime>) -> Vec<WorkBlock> {
    if !custom {
        return default_week();
    }
    weekdays.into_iter().zip(starts).zip(ends).map(|((weekday, starts), ends)| WorkBlock { weekday: weekday as u8, starts, ends }).collect()
}

#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn replace_schedule(conn: &mut PgConnection, doctor_id: i64, blocks: &[WorkBlock]) -> AppResult<()> {
    sqlx::query("DELETE FROM doctor_working_hours WHERE doctor_id = $1").bind(doctor_id).execute(&mut *conn).await?;
    for block in blocks {
        sqlx::query("INSERT INTO doctor_working_hours (doctor_id, weekday, starts_at, ends_at) VALUES ($1, $2, $3, $4)")
            .bind(doctor_id)
            .bind(i16::from(block.weekday))
            .bind(block.starts)
            .bind(block.ends)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE doctors SET custom_schedule = true WHERE id = $1").bind(doctor_id).execute(conn).await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn is_day_off(conn: &mut PgConnection, doctor_id: i64, day: NaiveDate) -> AppResult<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM doctor_days_off WHERE doctor_id = $1 AND day = $2)")
        .bind(doctor_id)
        .bind(day)
        .fetch_one(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn days_off(conn: &mut PgConnection, doctor_id: i64, from: NaiveDate) -> AppResult<Vec<NaiveDate>> {
    Ok(sqlx::query_scalar("SELECT day FROM doctor_days_off WHERE doctor_id = $1 AND day >= $2 ORDER BY day")
        .bind(doctor_id)
        .bind(from)
        .fetch_all(conn)
        .await?)
}

/// The doctor's account id, its row locked for the rest of the transaction.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn lock_account(conn: &mut PgConnection, doctor_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT u.id FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = $1 FOR UPDATE OF u")
        .bind(doctor_id)
        .fetch_optional(conn)
        .await?)
}

/// Pending or accepted appointments of the doctor that have not started yet.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn upcoming_live_appointments(conn: &mut PgConnection, doctor_id: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM appointments WHERE doctor_id = $1 AND status IN ('pending', 'accepted') AND starts_at > now()",
    )
    .bind(doctor_id)
    .fetch_one(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn deactivate_account(conn: &mut PgConnection, user_id: i64) -> AppResult<()> {
    sqlx::query("UPDATE users SET active = false WHERE id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Starts of the doctor's live appointments in [from, to).
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn taken_starts(
    conn: &mut PgConnection,
    doctor_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<DateTime<Utc>>> {
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

/// A visit as a review needs it: whose it was, with whom, and whether it took place.
#[derive(sqlx::FromRow)]
pub struct VisitToReview {
    pub id: i64,
    pub patient_id: i64,
    pub patient_user_id: i64,
    pub doctor_id: i64,
    pub completed: bool,
}

#[tracing::instrument(skip_all, fields(appointment_id = appointment_id))]
pub async fn visit_to_review(conn: &mut PgConnection, appointment_id: i64) -> AppResult<Option<VisitToReview>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.patient_id, p.user_id AS patient_user_id, a.doctor_id, a.status = 'completed' AS completed
           FROM appointments a JOIN patients p ON p.id = a.patient_id WHERE a.id = $1",
    )
    .bind(appointment_id)
    .fetch_optional(conn)
    .await?)
}
