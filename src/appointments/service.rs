//! Appointment use cases: book, see, list, and move through the lifecycle. Shared by the
//! portal and the REST API; every rule about who may do what to a visit is here.

use super::db::{self, AppointmentRow, NewAppointment, Scope};
use super::slots::{check_slot, parse_slot_time};
use super::slots::local_instant;
use super::{Appointment, AppointmentFilter, AppointmentStatus, BookingRequest, Calendar, CalendarDay, CalendarSpan, RescheduleRequest, StatusChange};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::doctors::db as doctors_db;
use crate::error::{AppError, AppResult};
use crate::notifications::service::{self as notifications, Notice};
use crate::ui::money;
use crate::server::state::AppState;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

pub fn parse_date(text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| AppError::validation(format!("'{text}' is not a date like 2026-12-01.")))
}

/// A doctor as booking needs them, with whether they took `date` off.
#[derive(sqlx::FromRow)]
struct BookableDoctor {
    id: i64,
    user_id: i64,
    name: String,
    specialization: String,
    fee_cents: i64,
    currency: String,
    listed: bool,
    day_off: bool,
}

async fn bookable_doctor(conn: &mut PgConnection, doctor_id: i64, date: NaiveDate) -> AppResult<BookableDoctor> {
    let doctor: BookableDoctor = sqlx::query_as(
        "SELECT d.id, d.user_id, u.name, d.specialization, d.fee_cents, d.currency, (u.active AND u.verified_at IS NOT NULL) AS listed,
                EXISTS (SELECT 1 FROM doctor_days_off o WHERE o.doctor_id = d.id AND o.day = $2) AS day_off
           FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = $1",
    )
    .bind(doctor_id)
    .bind(date)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::not_found("Doctor"))?;
    if !doctor.listed {
        return Err(AppError::validation("This doctor is not taking appointments yet."));
    }
    Ok(doctor)
}

/// Who an appointment is booked for.
#[derive(sqlx::FromRow)]
struct BookingPatient {
    id: i64,
    user_id: i64,
    name: String,
    ready: bool,
}

/// Resolves whose appointment this is: a patient books for themselves; staff and admins book
/// for the patient they name. The patient's email must be confirmed.
async fn booking_patient(conn: &mut PgConnection, actor: &Actor, requested: Option<i64>) -> AppResult<BookingPatient> {
    let query = |by_user: bool| {
        let key = if by_user { "p.user_id" } else { "p.id" };
        format!(
            "SELECT p.id, p.user_id, u.name, u.email_verified_at IS NOT NULL AND u.active AS ready
               FROM patients p JOIN users u ON u.id = p.user_id WHERE {key} = $1"
        )
    };
    let (by_user, key) = match actor.role {
        Role::Patient => (true, actor.user_id),
        Role::Staff | Role::Admin => (false, requested.ok_or_else(|| AppError::validation("Choose the patient to book for (patient_id)."))?),
        _ => return Err(AppError::forbidden()),
    };
    let patient: BookingPatient =
        sqlx::query_as(&query(by_user)).bind(key).fetch_optional(conn).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    if actor.is(Role::Patient) && requested.is_some_and(|id| id != patient.id) {
        return Err(AppError::forbidden());
    }
    if !patient.ready {
        return Err(AppError::validation(if actor.is(Role::Patient) {
            "Please confirm your email address before booking (see the link we sent you)."
        } else {
            "The patient's email address is not confirmed yet; confirm it first."
        }));
    }
    Ok(patient)
}

fn check_reason(reason: Option<&str>) -> AppResult<Option<String>> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 1000) {
        return Err(AppError::validation("Please keep the reason under 1000 characters."));
    }
    Ok(reason.map(str::to_owned))
}

/// The [start, end) of `time` on `date`, checked against the doctor's schedule and days off.
async fn checked_slot(
    state: &AppState,
    conn: &mut PgConnection,
    doctor_id: i64,
    date: NaiveDate,
    day_off: bool,
    time: &str,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let time = parse_slot_time(time).map_err(AppError::Validation)?;
    let blocks = doctors_db::weekly_schedule(conn, doctor_id).await?;
    check_slot(&blocks, day_off, &state.config.timezone, Utc::now(), date, time).map_err(|e| AppError::validation(e.message()))
}

/// Books a slot. Kept to few round trips (it is the hottest write): the doctor comes with
/// their day-off flag, both parties' notices go in one statement, and the answer is built
/// from what was read instead of reading the new row back.
#[tracing::instrument(skip_all, fields(doctor_id = request.doctor_id))]
pub async fn book(state: &AppState, actor: &Actor, request: BookingRequest) -> AppResult<Appointment> {
    let date = parse_date(&request.date)?;
    let reason = check_reason(request.reason.as_deref())?;
    let mut tx = state.pool.begin().await?;
    let patient = booking_patient(&mut tx, actor, request.patient_id).await?;
    let doctor = bookable_doctor(&mut tx, request.doctor_id, date).await?;
    let (starts_at, ends_at) = checked_slot(state, &mut tx, doctor.id, date, doctor.day_off, &request.time_slot).await?;
    let new = NewAppointment {
        doctor_id: doctor.id,
        patient_id: patient.id,
        starts_at,
        ends_at,
        reason: reason.as_deref(),
        fee_cents: doctor.fee_cents,
        currency: &doctor.currency,
        booked_by: actor.user_id,
    };
    let (id, created_at) = db::insert(&mut tx, &new).await?;
    let row = AppointmentRow {
        id,
        status: AppointmentStatus::Pending,
        doctor_id: doctor.id,
        doctor_user_id: doctor.user_id,
        doctor_name: doctor.name,
        specialization: doctor.specialization,
        patient_id: patient.id,
        patient_user_id: patient.user_id,
        patient_name: patient.name,
        starts_at,
        ends_at,
        reason,
        fee_cents: doctor.fee_cents,
        currency: doctor.currency,
        status_reason: None,
        visit_notes: None,
        reviewed: false,
        created_at,
    };
    let when = describe_time(&row, state.config.timezone);
    let notices = [
        notice(&row, row.patient_user_id, "Appointment requested", format!(
            "Your appointment with {} ({}) on {when} is booked and waiting for the doctor's confirmation.\nConsultation fee: {}.",
            row.doctor_name, row.specialization, money(row.fee_cents, &row.currency)
        )),
        notice(&row, row.doctor_user_id, "New appointment request", format!(
            "{} asked for an appointment on {when}. Accept or decline it in your schedule.", row.patient_name
        )),
    ];
    notifications::send(&mut tx, &state.public_url, &notices).await?;
    audit::record(&mut tx, Entry::new("appointment.book").by(actor).on("appointment", id).patient(patient.id)).await?;
    tx.commit().await?;
    Ok(row.into_appointment(state.config.timezone))
}

/// A notice about `row` for `user_id`, leading to the appointment's page.
fn notice(row: &AppointmentRow, user_id: i64, title: &str, body: String) -> Notice {
    Notice { user_id, title: title.to_owned(), body, link: Some(format!("/appointments/{}", row.id)) }
}

/// Who the actor is to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Patient,
    Doctor,
    Staff,
}

fn party_of(actor: &Actor, row: &AppointmentRow) -> Option<Party> {
    match actor.role {
        Role::Patient if row.patient_user_id == actor.user_id => Some(Party::Patient),
        Role::Doctor if row.doctor_user_id == actor.user_id => Some(Party::Doctor),
        Role::Staff | Role::Admin | Role::Nurse | Role::Manager => Some(Party::Staff),
        _ => None,
    }
}

/// The appointment if the actor may see it; 404 otherwise (its existence is not revealed).
async fn visible(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<(AppointmentRow, Party)> {
    let row = db::find(conn, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    let party = party_of(actor, &row).ok_or_else(|| AppError::not_found("Appointment"))?;
    Ok((row, party))
}

pub async fn get(state: &AppState, actor: &Actor, id: i64) -> AppResult<Appointment> {
    let mut conn = state.pool.acquire().await?;
    let (row, _) = visible(&mut conn, actor, id).await?;
    Ok(row.into_appointment(state.config.timezone))
}

/// Whose appointments the actor sees: their own (patients, doctors) or all (the clinic).
async fn scope_of(conn: &mut PgConnection, actor: &Actor) -> AppResult<Scope> {
    Ok(match actor.role {
        Role::Patient => Scope::Patient(db::patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?),
        Role::Doctor => Scope::Doctor(doctors_db::doctor_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Doctor"))?),
        Role::Staff | Role::Admin | Role::Nurse | Role::Manager => Scope::All,
    })
}

async fn list_in(conn: &mut PgConnection, state: &AppState, scope: Scope, filter: &AppointmentFilter) -> AppResult<Vec<Appointment>> {
    let rows = db::list(conn, scope, filter).await?;
    Ok(rows.into_iter().map(|row| row.into_appointment(state.config.timezone)).collect())
}

pub async fn list(state: &AppState, actor: &Actor, filter: &AppointmentFilter) -> AppResult<Vec<Appointment>> {
    let mut conn = state.pool.acquire().await?;
    let scope = scope_of(&mut conn, actor).await?;
    list_in(&mut conn, state, scope, filter).await
}

/// The day or week around `date` (default today, clinic time) for the actor's scope, with
/// the doctor's upcoming requests awaiting an answer.
pub async fn calendar(state: &AppState, actor: &Actor, span: CalendarSpan, date: Option<&str>) -> AppResult<Calendar> {
    let tz = state.config.timezone;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let date = match date.map(str::trim).filter(|d| !d.is_empty()) {
        Some(text) => parse_date(text)?,
        None => today,
    };
    let (first, days, step) = match span {
        CalendarSpan::Day => (date, 1, 1),
        CalendarSpan::Week => (date - Duration::days(i64::from(date.weekday().num_days_from_monday())), 7, 7),
    };
    let midnight = |day: NaiveDate| local_instant(&tz, day, chrono::NaiveTime::MIN).unwrap_or_else(|| day.and_hms_opt(1, 0, 0).expect("valid time").and_utc());
    let window = AppointmentFilter { status: None, from: Some(midnight(first)), to: Some(midnight(first + Duration::days(days))) };
    let mut conn = state.pool.acquire().await?;
    let scope = scope_of(&mut conn, actor).await?;
    let appointments = list_in(&mut conn, state, scope, &window).await?;
    let pending = if actor.is(Role::Doctor) {
        let waiting = AppointmentFilter { status: Some(AppointmentStatus::Pending), from: Some(Utc::now()), to: None };
        list_in(&mut conn, state, scope, &waiting).await?
    } else {
        Vec::new()
    };
    let days = (0..days)
        .map(|offset| {
            let day = first + Duration::days(offset);
            let key = day.format("%Y-%m-%d").to_string();
            CalendarDay {
                label: day.format("%a %-d %b").to_string(),
                is_today: day == today,
                appointments: appointments.iter().filter(|a| a.date == key).cloned().collect(),
                date: key,
            }
        })
        .collect();
    let title = match span {
        CalendarSpan::Day => date.format("%A %-d %B %Y").to_string(),
        CalendarSpan::Week => format!("Week of {}", first.format("%-d %B %Y")),
    };
    Ok(Calendar {
        span,
        title,
        date: date.to_string(),
        previous: (date - Duration::days(step)).to_string(),
        next: (date + Duration::days(step)).to_string(),
        today: today.to_string(),
        days,
        pending,
    })
}

/// Moves an appointment through its lifecycle, enforcing who may make each move.
pub async fn change_status(state: &AppState, actor: &Actor, id: i64, to: AppointmentStatus, change: StatusChange) -> AppResult<Appointment> {
    use AppointmentStatus::*;
    let mut tx = state.pool.begin().await?;
    let (row, party) = visible(&mut tx, actor, id).await?;
    let reason = check_reason(change.reason.as_deref())?;
    let notes = check_reason(change.notes.as_deref())?;
    let is_admin = actor.is(Role::Admin);
    let allowed = match to {
        Accepted | Rejected | Completed | NoShow => party == Party::Doctor || is_admin,
        Cancelled => matches!(party, Party::Patient | Party::Doctor) || actor.role == Role::Staff || is_admin,
        Pending => false,
    };
    if !allowed {
        return Err(AppError::forbidden());
    }
    if !row.status.can_become(to) {
        return Err(AppError::Conflict(format!("This appointment is {}; it can't be changed that way.", row.status.label().to_lowercase())));
    }
    let now = Utc::now();
    match to {
        Rejected if reason.is_none() => return Err(AppError::validation("Give the patient a reason for declining.")),
        Cancelled if party != Party::Patient && reason.is_none() => return Err(AppError::validation("Give a reason for cancelling.")),
        Cancelled if party == Party::Patient && now + cutoff(state) > row.starts_at => {
            return Err(AppError::validation(format!(
                "Appointments can be cancelled online up to {} hours before they start. Please call the clinic.",
                state.config.cancel_cutoff_hours
            )))
        }
        NoShow if now < row.starts_at => return Err(AppError::validation("A visit can be marked as missed only once its time has come.")),
        _ => {}
    }
    if !db::set_status(&mut tx, id, row.status, to, reason.as_deref(), notes.as_deref()).await? {
        return Err(AppError::Conflict("The appointment was changed meanwhile. Reload and try again.".into()));
    }
    let updated = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    notify_change(&mut tx, state, &updated, party).await?;
    audit::record(&mut tx, Entry::new(format!("appointment.{}", action_name(to))).by(actor).on("appointment", id).patient(row.patient_id)).await?;
    tx.commit().await?;
    Ok(updated.into_appointment(state.config.timezone))
}

fn action_name(status: AppointmentStatus) -> &'static str {
    match status {
        AppointmentStatus::Pending => "pending",
        AppointmentStatus::Accepted => "accept",
        AppointmentStatus::Rejected => "reject",
        AppointmentStatus::Cancelled => "cancel",
        AppointmentStatus::Completed => "complete",
        AppointmentStatus::NoShow => "no_show",
    }
}

fn cutoff(state: &AppState) -> Duration {
    Duration::hours(i64::from(state.config.cancel_cutoff_hours))
}

/// Moves a live appointment to another free slot of the same doctor, atomically. A moved
/// visit waits for the doctor's confirmation again.
pub async fn reschedule(state: &AppState, actor: &Actor, id: i64, request: RescheduleRequest) -> AppResult<Appointment> {
    let mut tx = state.pool.begin().await?;
    let (row, party) = visible(&mut tx, actor, id).await?;
    let may = party == Party::Patient || matches!(actor.role, Role::Staff | Role::Admin);
    if !may {
        return Err(AppError::forbidden());
    }
    if !row.status.is_live() {
        return Err(AppError::Conflict(format!("This appointment is {}; it can't be moved.", row.status.label().to_lowercase())));
    }
    if party == Party::Patient && Utc::now() + cutoff(state) > row.starts_at {
        return Err(AppError::validation(format!(
            "Appointments can be moved online up to {} hours before they start. Please call the clinic.",
            state.config.cancel_cutoff_hours
        )));
    }
    let date = parse_date(&request.date)?;
    let day_off = doctors_db::is_day_off(&mut tx, row.doctor_id, date).await?;
    let (starts_at, ends_at) = checked_slot(state, &mut tx, row.doctor_id, date, day_off, &request.time_slot).await?;
    if !db::move_to(&mut tx, id, starts_at, ends_at).await? {
        return Err(AppError::Conflict("The appointment was changed meanwhile. Reload and try again.".into()));
    }
    let updated = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    let when = describe_time(&updated, state.config.timezone);
    let notices = [
        notice(&updated, updated.doctor_user_id, "Appointment moved", format!(
            "{}'s appointment was moved to {when}. Please confirm the new time.", updated.patient_name
        )),
        notice(&updated, updated.patient_user_id, "Appointment moved", format!(
            "Your appointment with {} is now on {when}, waiting for the doctor's confirmation.", updated.doctor_name
        )),
    ];
    notifications::send(&mut tx, &state.public_url, &notices).await?;
    audit::record(&mut tx, Entry::new("appointment.reschedule").by(actor).on("appointment", id).patient(row.patient_id)).await?;
    tx.commit().await?;
    Ok(updated.into_appointment(state.config.timezone))
}

/// Tells the other side of the appointment what happened.
async fn notify_change(conn: &mut PgConnection, state: &AppState, row: &AppointmentRow, by: Party) -> AppResult<()> {
    let when = describe_time(row, state.config.timezone);
    let reason = row.status_reason.as_deref().map(|r| format!("\nReason: {r}")).unwrap_or_default();
    let (recipient, title, body) = match (row.status, by) {
        (AppointmentStatus::Accepted, _) => (row.patient_user_id, "Appointment confirmed", format!("{} confirmed your appointment on {when}.", row.doctor_name)),
        (AppointmentStatus::Rejected, _) => (row.patient_user_id, "Appointment declined", format!("{} could not take your appointment on {when}.{reason}", row.doctor_name)),
        (AppointmentStatus::Completed, _) => (row.patient_user_id, "Visit completed", format!("Your visit with {} on {when} is complete. The visit notes are in your appointments.", row.doctor_name)),
        (AppointmentStatus::NoShow, _) => (row.patient_user_id, "Missed appointment", format!("You missed your appointment with {} on {when}.", row.doctor_name)),
        (AppointmentStatus::Cancelled, Party::Patient) => (row.doctor_user_id, "Appointment cancelled", format!("{} cancelled the appointment on {when}.{reason}", row.patient_name)),
        (AppointmentStatus::Cancelled, _) => (row.patient_user_id, "Appointment cancelled", format!("Your appointment with {} on {when} was cancelled.{reason}", row.doctor_name)),
        (AppointmentStatus::Pending, _) => return Ok(()),
    };
    notifications::send(conn, &state.public_url, &[notice(row, recipient, title, body)]).await
}

fn describe_time(row: &AppointmentRow, tz: Tz) -> String {
    row.starts_at.with_timezone(&tz).format("%A %-d %B %Y at %H:%M (%Z)").to_string()
}
