//! SQL for appointments. The booking rules are constraints of the table; their violations
//! come back from here as 409s.

use super::{Appointment, AppointmentFilter, AppointmentStatus, DoctorChoice, PatientChoice, MOST_PER_PAGE};
use crate::auth::Role;
use crate::doctors::db::WEEK_ARRAYS;
use crate::error::{AppError, AppResult};
use crate::notifications::service::{base_url, Notice};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, Postgres, QueryBuilder};

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
    /// The API view for `actor`, with the slot written in the clinic's time zone. The visit's
    /// clinical content (its reason and notes) is left out for roles that work with the
    /// schedule only: minimum necessary (see `patients::access::reads_clinical_content`).
    pub fn shown_to(self, actor: &crate::identity::Actor, tz: Tz) -> Appointment {
        let clinical = crate::patients::access::reads_clinical_content(actor.role);
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
            reason: self.reason.filter(|_| clinical),
            fee_cents: self.fee_cents,
            currency: self.currency,
            status_reason: self.status_reason,
            visit_notes: self.visit_notes.filter(|_| clinical),
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

/// The 409s of the two booking constraints.
const SLOT_TAKEN: &str = "That slot is already booked. Please choose another time.";
const PATIENT_BUSY: &str = "The patient already has an appointment at that time.";

/// Maps the two booking constraints to their 409 messages.
fn booking_conflict(err: sqlx::Error) -> AppError {
    match &err {
        sqlx::Error::Database(db) => match db.constraint() {
            Some("appointments_doctor_slot_taken") => AppError::Conflict(SLOT_TAKEN.into()),
            Some("appointments_patient_busy") => AppError::Conflict(PATIENT_BUSY.into()),
            _ => AppError::from(err),
        },
        _ => AppError::from(err),
    }
}

/// A booking that passed every rule, ready to be written with its two notices and its audit
/// entry. Owned, because it waits in the [`super::queue::BookingQueue`] for a shared statement.
pub struct NewBooking {
    pub doctor_id: i64,
    pub patient_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub fee_cents: i64,
    pub currency: String,
    /// Who books (the patient, or the desk for them), as the audit entry names them.
    pub booked_by: i64,
    pub booked_by_role: Role,
    pub ip: String,
    pub notices: Vec<Notice>,
}

/// A booking's id and creation time once written; `None` when it was skipped.
pub type WrittenBooking = Option<(i64, DateTime<Utc>)>;

/// Writes bookings in ONE statement: the appointments, their notices (the SQL function
/// `notify`, called once for all of them) and their audit entries. Booking is the hottest
/// write; the per-statement and per-commit costs are shared by every booking in it.
///
/// A booking whose slot is taken, or whose patient is busy, is skipped (`ON CONFLICT DO
/// NOTHING` works with exclusion constraints) and leaves no notice and no entry behind; its
/// answer is `None` — [`why_refused`] tells the reason. Of identical bookings only the first
/// is written. The notices' links lead to the new appointment. Answers, in order: each
/// booking's id and creation time.
#[tracing::instrument(skip_all, fields(bookings = bookings.len()))]
pub async fn insert_booked(conn: &mut PgConnection, bookings: &[&NewBooking], public_url: &str) -> AppResult<Vec<WrittenBooking>> {
    let notices: Vec<(i64, &Notice)> =
        bookings.iter().enumerate().flat_map(|(i, b)| b.notices.iter().map(move |n| (i as i64 + 1, n))).collect();
    let written: Vec<(i64, i64, DateTime<Utc>)> = sqlx::query_as(
        "WITH request AS (
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::bigint[],
                                  $7::text[], $8::bigint[], $9::text[], $10::text[])
                    WITH ORDINALITY AS r (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by, role, ip, nr)
         ), booked AS (
             INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by)
             SELECT doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, booked_by FROM request ORDER BY nr
             ON CONFLICT DO NOTHING
             RETURNING id, doctor_id, patient_id, starts_at, created_at
         ), granted AS (
             SELECT DISTINCT ON (b.id) r.nr, r.booked_by, r.role, r.ip, b.id, b.patient_id, b.created_at
               FROM booked b JOIN request r USING (doctor_id, patient_id, starts_at)
              ORDER BY b.id, r.nr
         ), noticed AS (
             SELECT notify(array_agg(n.user_id), array_agg(n.title), array_agg(n.body), array_agg('/appointments/' || g.id), $15)
               FROM unnest($11::bigint[], $12::bigint[], $13::text[], $14::text[]) AS n (nr, user_id, title, body)
               JOIN granted g USING (nr)
         ), audited AS (
             INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, patient_id, ip, outcome)
             SELECT booked_by, role::user_role, 'appointment.book', 'appointment', id, patient_id, ip, 'success' FROM granted
         )
         SELECT g.nr, g.id, g.created_at FROM granted g, noticed",
    )
    .bind(column(bookings, |b| b.doctor_id))
    .bind(column(bookings, |b| b.patient_id))
    .bind(column(bookings, |b| b.starts_at))
    .bind(column(bookings, |b| b.ends_at))
    .bind(column(bookings, |b| b.reason.as_deref()))
    .bind(column(bookings, |b| b.fee_cents))
    .bind(column(bookings, |b| b.currency.as_str()))
    .bind(column(bookings, |b| b.booked_by))
    .bind(column(bookings, |b| b.booked_by_role.as_str()))
    .bind(column(bookings, |b| b.ip.as_str()))
    .bind(notices.iter().map(|(nr, _)| *nr).collect::<Vec<_>>())
    .bind(notices.iter().map(|(_, n)| n.user_id).collect::<Vec<_>>())
    .bind(notices.iter().map(|(_, n)| n.title.as_str()).collect::<Vec<_>>())
    .bind(notices.iter().map(|(_, n)| n.body.as_str()).collect::<Vec<_>>())
    .bind(base_url(public_url))
    .fetch_all(conn)
    .await?;
    let mut answers = vec![None; bookings.len()];
    for (nr, id, created_at) in written {
        answers[nr as usize - 1] = Some((id, created_at));
    }
    Ok(answers)
}

/// One field of every booking, as one array parameter.
fn column<'a, T>(bookings: &[&'a NewBooking], field: impl Fn(&'a NewBooking) -> T) -> Vec<T> {
    bookings.iter().map(|b| field(b)).collect()
}

/// Why a booking that [`insert_booked`] skipped was refused: the 409 of the rule it broke, or
/// `None` when no live appointment holds the time any more (it was cancelled meanwhile, so
/// the booking may be tried again). The partial GiST indexes of the two constraints answer.
#[tracing::instrument(skip_all)]
pub async fn why_refused(conn: &mut PgConnection, booking: &NewBooking) -> AppResult<Option<AppError>> {
    let (slot_taken, patient_busy): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM appointments WHERE doctor_id = $1 AND status IN ('pending', 'accepted')
                           AND tstzrange(starts_at, ends_at) && tstzrange($3, $4)),
                EXISTS (SELECT 1 FROM appointments WHERE patient_id = $2 AND status IN ('pending', 'accepted')
                           AND tstzrange(starts_at, ends_at) && tstzrange($3, $4))",
    )
    .bind(booking.doctor_id)
    .bind(booking.patient_id)
    .bind(booking.starts_at)
    .bind(booking.ends_at)
    .fetch_one(conn)
    .await?;
    Ok(if slot_taken {
        Some(AppError::Conflict(SLOT_TAKEN.into()))
    } else if patient_busy {
        Some(AppError::Conflict(PATIENT_BUSY.into()))
    } else {
        None
    })
}

/// Active patients whose name or email contains `query` (case-insensitive), by name.
#[tracing::instrument(skip_all, fields(limit = limit))]
pub async fn find_patients(conn: &mut PgConnection, query: &str, limit: i64) -> AppResult<Vec<PatientChoice>> {
    Ok(sqlx::query_as(
        "SELECT p.id AS patient_id, u.name, u.email, u.email_verified_at IS NOT NULL AS email_verified,
                (u.email_verified_at IS NOT NULL OR p.registered_in_person) AS bookable
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

/// What one booking's parties are looked up by.
#[derive(Debug, Clone, Copy)]
pub struct PartiesKey {
    pub doctor_id: i64,
    pub date: NaiveDate,
    pub patient: PatientKey,
}

/// The parties of several bookings in one read (the booking queue reads a batch at once), in
/// the order asked; None where the doctor does not exist.
#[tracing::instrument(skip_all)]
pub async fn booking_parties(conn: &mut PgConnection, keys: &[PartiesKey]) -> AppResult<Vec<Option<BookingParties>>> {
    let account = |k: &PartiesKey| match k.patient {
        PatientKey::Account(user_id) => Some(user_id),
        PatientKey::Record(_) => None,
    };
    let record = |k: &PartiesKey| match k.patient {
        PatientKey::Record(id) => Some(id),
        PatientKey::Account(_) => None,
    };
    let rows = sqlx::query_as::<_, NumberedParties>(&format!(
        "SELECT r.nr, d.user_id AS doctor_user_id, du.name AS doctor_name, d.specialization, d.fee_cents, d.currency,
                (du.active AND du.verified_at IS NOT NULL) AS listed,
                EXISTS (SELECT 1 FROM doctor_days_off o WHERE o.doctor_id = d.id AND o.day = r.day) AS day_off,
                d.custom_schedule, week.weekdays, week.starts, week.ends,
                pt.patient_id, pt.patient_user_id, pt.patient_name, pt.patient_ready
           FROM booking_keys($1, $2, $3, $4) r
           JOIN doctors d ON d.id = r.doctor_id JOIN users du ON du.id = d.user_id
          CROSS JOIN LATERAL ({WEEK_ARRAYS}) week
           LEFT JOIN LATERAL (
                SELECT p.id AS patient_id, p.user_id AS patient_user_id, pu.name AS patient_name,
                       ((pu.email_verified_at IS NOT NULL OR p.registered_in_person) AND pu.active) AS patient_ready
                  FROM patients p JOIN users pu ON pu.id = p.user_id
                 WHERE p.user_id = r.patient_account OR p.id = r.patient_record) pt ON true"
    ))
    .bind(keys.iter().map(|k| k.doctor_id).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.date).collect::<Vec<_>>())
    .bind(keys.iter().map(account).collect::<Vec<_>>())
    .bind(keys.iter().map(record).collect::<Vec<_>>())
    .fetch_all(conn)
    .await?;
    let mut parties: Vec<Option<BookingParties>> = keys.iter().map(|_| None).collect();
    for row in rows {
        parties[row.nr as usize - 1] = Some(row.parties);
    }
    Ok(parties)
}

/// A row of [`booking_parties`]: which key it answers (1-based) and the parties.
#[derive(sqlx::FromRow)]
struct NumberedParties {
    nr: i64,
    #[sqlx(flatten)]
    parties: BookingParties,
}

#[tracing::instrument(skip_all, fields(id = id))]
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

/// The appointments in `scope` that match `filter`, by start time, one page (at most
/// [`MOST_PER_PAGE`]). The statement names only the filters given, so each combination is
/// prepared once per connection with a plan for its index (planning it per call had been
/// 0.46 ms, three times per list page).
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, scope: Scope, filter: &AppointmentFilter) -> AppResult<Vec<AppointmentRow>> {
    let mut sql = QueryBuilder::new(SELECT);
    push_conditions(&mut sql, scope, filter);
    // Ties in start time (a clinic's doctors all start at 10:00) are ordered by id, so that
    // pages neither repeat nor skip an appointment.
    sql.push(" ORDER BY a.starts_at, a.id LIMIT ").push_bind(filter.limit.unwrap_or(MOST_PER_PAGE).clamp(1, MOST_PER_PAGE));
    sql.push(" OFFSET ").push_bind(filter.offset.unwrap_or(0).max(0));
    Ok(sql.build_query_as().fetch_all(conn).await?)
}

/// How many appointments in `scope` match `filter` (all pages), per day in `timezone`.
#[tracing::instrument(skip_all)]
pub async fn count_by_day(
    conn: &mut PgConnection,
    scope: Scope,
    filter: &AppointmentFilter,
    timezone: Tz,
) -> AppResult<Vec<(NaiveDate, i64)>> {
    let mut sql = QueryBuilder::new("SELECT (a.starts_at AT TIME ZONE ");
    sql.push_bind(timezone.name()).push(")::date AS day, count(*) FROM appointments a");
    push_conditions(&mut sql, scope, filter);
    sql.push(" GROUP BY 1");
    Ok(sql.build_query_as().fetch_all(conn).await?)
}

fn push_conditions(sql: &mut QueryBuilder<'_, Postgres>, scope: Scope, filter: &AppointmentFilter) {
    sql.push(" WHERE true");
    match scope {
        Scope::Patient(id) => {
            sql.push(" AND a.patient_id = ").push_bind(id);
        }
        Scope::Doctor(id) => {
            sql.push(" AND a.doctor_id = ").push_bind(id);
        }
        Scope::All => {}
    }
    if let Some(doctor_id) = filter.doctor_id {
        sql.push(" AND a.doctor_id = ").push_bind(doctor_id);
    }
    if let Some(patient_id) = filter.patient_id {
        sql.push(" AND a.patient_id = ").push_bind(patient_id);
    }
    if let Some(status) = filter.status {
        sql.push(" AND a.status = ").push_bind(status);
    }
    if let Some(from) = filter.from {
        sql.push(" AND a.starts_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        sql.push(" AND a.starts_at < ").push_bind(to);
    }
}

/// Every active doctor, by name: whom the clinic's calendar can be narrowed to.
#[tracing::instrument(skip_all)]
pub async fn doctor_choices(conn: &mut PgConnection) -> AppResult<Vec<DoctorChoice>> {
    Ok(sqlx::query_as(
        "SELECT d.id, u.name, d.specialization FROM doctors d JOIN users u ON u.id = d.user_id
          WHERE u.active ORDER BY u.name, d.id",
    )
    .fetch_all(conn)
    .await?)
}

/// Moves `id` from status `from` to `to`; false when someone changed it first.
#[tracing::instrument(skip_all, fields(id = id))]
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
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn move_to(conn: &mut PgConnection, id: i64, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE appointments SET starts_at = $2, ends_at = $3, status = 'pending'
          WHERE id = $1 AND status IN ('pending', 'accepted')",
    )
    .bind(id)
    .bind(starts_at)
    .bind(ends_at)
    .execute(conn)
    .await
    .map_err(booking_conflict)?;
    Ok(done.rows_affected() == 1)
}
