//! Appointment use cases: book, see, list, and move through the lifecycle. Shared by the
//! portal and the REST API; every rule about who may do what to a visit is here.

use super::db::{self, AppointmentRow, NewAppointment, Scope};
use super::slots::{check_slot, parse_slot_time};
use super::{Appointment, AppointmentFilter, AppointmentStatus, BookingRequest, RescheduleRequest, StatusChange};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::doctors::db as doctors_db;
use crate::error::{AppError, AppResult};
use crate::mail;
use crate::ui::money;
use crate::server::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

pub fn parse_date(text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| AppError::validation(format!("'{text}' is not a date like 2026-12-01.")))
}

/// A doctor as booking needs them.
#[derive(sqlx::FromRow)]
struct BookableDoctor {
    id: i64,
    fee_cents: i64,
    currency: String,
    listed: bool,
}

async fn bookable_doctor(conn: &mut PgConnection, doctor_id: i64) -> AppResult<BookableDoctor> {
    let doctor: BookableDoctor = sqlx::query_as(
        "SELECT d.id, d.fee_cents, d.currency, (u.active AND u.verified_at IS NOT NULL) AS listed
           FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = $1",
    )
    .bind(doctor_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::not_found("Doctor"))?;
    if !doctor.listed {
        return Err(AppError::validation("This doctor is not taking appointments yet."));
    }
    Ok(doctor)
}

/// Resolves whose appointment this is: a patient books for themselves; staff and admins book
/// for the patient they name. The patient's email must be confirmed.
async fn booking_patient(conn: &mut PgConnection, actor: &Actor, requested: Option<i64>) -> AppResult<i64> {
    match actor.role {
        Role::Patient => {
            let own = db::patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
            if requested.is_some_and(|id| id != own) {
                return Err(AppError::forbidden());
            }
            if !actor.email_verified {
                return Err(AppError::validation("Please confirm your email address before booking (see the link we sent you)."));
            }
            Ok(own)
        }
        Role::Staff | Role::Admin => {
            let patient_id = requested.ok_or_else(|| AppError::validation("Choose the patient to book for (patient_id)."))?;
            let verified: Option<bool> = sqlx::query_scalar(
                "SELECT u.email_verified_at IS NOT NULL AND u.active FROM patients p JOIN users u ON u.id = p.user_id WHERE p.id = $1",
            )
            .bind(patient_id)
            .fetch_optional(conn)
            .await?;
            match verified {
                None => Err(AppError::not_found("Patient")),
                Some(false) => Err(AppError::validation("The patient's email address is not confirmed yet; confirm it first.")),
                Some(true) => Ok(patient_id),
            }
        }
        _ => Err(AppError::forbidden()),
    }
}

fn check_reason(reason: Option<&str>) -> AppResult<Option<String>> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 1000) {
        return Err(AppError::validation("Please keep the reason under 1000 characters."));
    }
    Ok(reason.map(str::to_owned))
}

/// The [start, end) of a requested slot, checked against the doctor's schedule and days off.
async fn requested_slot(state: &AppState, conn: &mut PgConnection, doctor_id: i64, date: &str, time: &str) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let date = parse_date(date)?;
    let time = parse_slot_time(time).map_err(AppError::Validation)?;
    let blocks = doctors_db::weekly_schedule(conn, doctor_id).await?;
    let day_off = doctors_db::is_day_off(conn, doctor_id, date).await?;
    check_slot(&blocks, day_off, &state.config.timezone, Utc::now(), date, time).map_err(|e| AppError::validation(e.message()))
}

#[tracing::instrument(skip_all, fields(doctor_id = request.doctor_id))]
pub async fn book(state: &AppState, actor: &Actor, request: BookingRequest) -> AppResult<Appointment> {
    let mut tx = state.pool.begin().await?;
    let patient_id = booking_patient(&mut tx, actor, request.patient_id).await?;
    let doctor = bookable_doctor(&mut tx, request.doctor_id).await?;
    let reason = check_reason(request.reason.as_deref())?;
    let (starts_at, ends_at) = requested_slot(state, &mut tx, doctor.id, &request.date, &request.time_slot).await?;
    let new = NewAppointment {
        doctor_id: doctor.id,
        patient_id,
        starts_at,
        ends_at,
        reason: reason.as_deref(),
        fee_cents: doctor.fee_cents,
        currency: &doctor.currency,
        booked_by: actor.user_id,
    };
    let id = db::insert(&mut tx, &new).await?;
    let row = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    let when = describe_time(&row, state.config.timezone);
    notify(&mut tx, row.patient_user_id, "Appointment requested", &format!(
        "Your appointment with {} ({}) on {when} is booked and waiting for the doctor's confirmation.\nConsultation fee: {}.\n",
        row.doctor_name, row.specialization, money(row.fee_cents, &row.currency)
    )).await?;
    notify(&mut tx, row.doctor_user_id, "New appointment request", &format!(
        "{} asked for an appointment on {when}. Accept or decline it in your schedule.\n", row.patient_name
    )).await?;
    audit::record(&mut tx, Entry::new("appointment.book").by(actor).on("appointment", id).patient(patient_id)).await?;
    tx.commit().await?;
    Ok(row.into_appointment(state.config.timezone))
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

pub async fn list(state: &AppState, actor: &Actor, filter: &AppointmentFilter) -> AppResult<Vec<Appointment>> {
    let mut conn = state.pool.acquire().await?;
    let scope = match actor.role {
        Role::Patient => Scope::Patient(db::patient_id_of_user(&mut conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?),
        Role::Doctor => Scope::Doctor(doctors_db::doctor_id_of_user(&mut conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Doctor"))?),
        Role::Staff | Role::Admin | Role::Nurse | Role::Manager => Scope::All,
    };
    let rows = db::list(&mut conn, scope, filter).await?;
    Ok(rows.into_iter().map(|row| row.into_appointment(state.config.timezone)).collect())
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
    let (starts_at, ends_at) = requested_slot(state, &mut tx, row.doctor_id, &request.date, &request.time_slot).await?;
    if !db::move_to(&mut tx, id, starts_at, ends_at).await? {
        return Err(AppError::Conflict("The appointment was changed meanwhile. Reload and try again.".into()));
    }
    let updated = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    let when = describe_time(&updated, state.config.timezone);
    notify(&mut tx, updated.doctor_user_id, "Appointment moved", &format!(
        "{}'s appointment was moved to {when}. Please confirm the new time.\n", updated.patient_name
    )).await?;
    notify(&mut tx, updated.patient_user_id, "Appointment moved", &format!(
        "Your appointment with {} is now on {when}, waiting for the doctor's confirmation.\n", updated.doctor_name
    )).await?;
    audit::record(&mut tx, Entry::new("appointment.reschedule").by(actor).on("appointment", id).patient(row.patient_id)).await?;
    tx.commit().await?;
    Ok(updated.into_appointment(state.config.timezone))
}

/// Tells the other side of the appointment what happened.
async fn notify_change(conn: &mut PgConnection, state: &AppState, row: &AppointmentRow, by: Party) -> AppResult<()> {
    let when = describe_time(row, state.config.timezone);
    let reason = row.status_reason.as_deref().map(|r| format!("\nReason: {r}\n")).unwrap_or_default();
    let (recipient, subject, body) = match (row.status, by) {
        (AppointmentStatus::Accepted, _) => (row.patient_user_id, "Appointment confirmed", format!("{} confirmed your appointment on {when}.\n", row.doctor_name)),
        (AppointmentStatus::Rejected, _) => (row.patient_user_id, "Appointment declined", format!("{} could not take your appointment on {when}.{reason}", row.doctor_name)),
        (AppointmentStatus::Completed, _) => (row.patient_user_id, "Visit completed", format!("Your visit with {} on {when} is complete. The visit notes are in your appointments.\n", row.doctor_name)),
        (AppointmentStatus::NoShow, _) => (row.patient_user_id, "Missed appointment", format!("You missed your appointment with {} on {when}.\n", row.doctor_name)),
        (AppointmentStatus::Cancelled, Party::Patient) => (row.doctor_user_id, "Appointment cancelled", format!("{} cancelled the appointment on {when}.{reason}", row.patient_name)),
        (AppointmentStatus::Cancelled, _) => (row.patient_user_id, "Appointment cancelled", format!("Your appointment with {} on {when} was cancelled.{reason}", row.doctor_name)),
        (AppointmentStatus::Pending, _) => return Ok(()),
    };
    notify(conn, recipient, subject, &body).await
}

async fn notify(conn: &mut PgConnection, user_id: i64, subject: &str, body: &str) -> AppResult<()> {
    let (email, name): (String, String) = sqlx::query_as("SELECT email, name FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *conn).await?;
    mail::enqueue(conn, &email, subject, &format!("Hello {name},\n\n{body}\n— Caduceus\n")).await
}

fn describe_time(row: &AppointmentRow, tz: Tz) -> String {
    row.starts_at.with_timezone(&tz).format("%A %-d %B %Y at %H:%M (%Z)").to_string()
}
