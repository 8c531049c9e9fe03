//! Appointment use cases: book, see, list, and move through the lifecycle. Shared by the
//! portal and the REST API; every rule about who may do what to a visit is here.

use super::booking::{check_reason, describe_instant, patient_key, slot_on, BookingOrder};
use super::db::{self, AppointmentRow, Scope};
use super::queue::BookingQueue;
use super::{
    Appointment, AppointmentFilter, AppointmentStatus, BookingRequest, Calendar, CalendarDay, CalendarQuery, CalendarSpan, PatientChoice,
    RescheduleRequest, StatusChange, MOST_PER_PAGE, PATIENT_SEARCH_LIMIT,
};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::clinic::Clinic;
use crate::doctors::db as doctors_db;
use crate::doctors::service::parse_date;
use crate::doctors::slots::start_of_day;
use crate::error::{AppError, AppResult};
use crate::notifications::service::{self as notifications, Notice};
use crate::paging;
use chrono::{Datelike, Duration, Utc};
use chrono_tz::Tz;
use sqlx::{Connection, PgConnection};

/// The front desk's patient search for booking on someone's behalf: name or email contains
/// `query`; staff and admins only.
#[tracing::instrument(skip_all)]
pub async fn find_patients(conn: &mut PgConnection, actor: &Actor, query: &str) -> AppResult<Vec<PatientChoice>> {
    actor.require_role(&[Role::Staff, Role::Admin])?;
    let query = query.trim();
    if query.chars().count() < 2 {
        return Err(AppError::validation("Type at least two letters of the patient's name or email."));
    }
    db::find_patients(&mut *conn, query, PATIENT_SEARCH_LIMIT).await
}

/// Books a slot. What needs no database is checked here; the booking queue then reads the
/// parties of every booking waiting at that moment in one statement (doctor, schedule, day
/// off, patient), checks each one's rules ([`prepare_booking`]) and writes the appointments,
/// their notices and audit entries in another (group commit). No transaction spans the read
/// and the write: the write is atomic on its own, and the slot rules that must hold under
/// concurrency are the table's constraints.
#[tracing::instrument(skip_all, fields(doctor_id = request.doctor_id))]
pub async fn book(bookings: &BookingQueue, clinic: &Clinic, actor: &Actor, request: BookingRequest) -> AppResult<Appointment> {
    let order = BookingOrder {
        doctor_id: request.doctor_id,
        date: parse_date(&request.date)?,
        time_slot: request.time_slot,
        reason: check_reason(request.reason.as_deref())?,
        patient: patient_key(actor, request.patient_id)?,
        requested_patient: request.patient_id,
        actor: actor.clone(),
    };
    let row = bookings.book(order).await?;
    Ok(row.shown_to(actor, clinic.timezone))
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
#[tracing::instrument(skip_all, fields(id = id))]
async fn visible(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<(AppointmentRow, Party)> {
    let row = db::find(conn, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    let party = party_of(actor, &row).ok_or_else(|| AppError::concealed("Appointment"))?;
    Ok((row, party))
}

#[tracing::instrument(skip_all, fields(id = id))]
/// One appointment. Someone other than the patient opening it with its clinical content is a
/// read of the patient's record: audited, and shown to the patient in "Who viewed my record".
pub async fn get(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64) -> AppResult<Appointment> {
    let (row, party) = visible(&mut *conn, actor, id).await?;
    if party != Party::Patient && crate::patients::access::reads_clinical_content(actor.role) {
        audit::record(&mut *conn, Entry::new("appointment.view").by(actor).on("appointment", id).patient(row.patient_id)).await?;
    }
    Ok(row.shown_to(actor, clinic.timezone))
}

/// Whose appointments the actor sees: their own (patients, doctors) or all (the clinic).
#[tracing::instrument(skip_all)]
async fn scope_of(conn: &mut PgConnection, actor: &Actor) -> AppResult<Scope> {
    Ok(match actor.role {
        Role::Patient => Scope::Patient(
            crate::patients::access::patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?,
        ),
        Role::Doctor => {
            Scope::Doctor(doctors_db::doctor_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Doctor"))?)
        }
        Role::Staff | Role::Admin | Role::Nurse | Role::Manager => Scope::All,
    })
}

#[tracing::instrument(skip_all)]
async fn list_in(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    scope: Scope,
    filter: &AppointmentFilter,
) -> AppResult<Vec<Appointment>> {
    let rows = db::list(conn, scope, filter).await?;
    Ok(rows.into_iter().map(|row| row.shown_to(actor, clinic.timezone)).collect())
}

#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, filter: &AppointmentFilter) -> AppResult<Vec<Appointment>> {
    check_page(filter)?;
    let scope = scope_of(&mut *conn, actor).await?;
    list_in(conn, clinic, actor, scope, filter).await
}

/// A page asked for must exist: `limit` 1 to [`MOST_PER_PAGE`], `offset` from 0.
fn check_page(filter: &AppointmentFilter) -> AppResult<()> {
    if filter.limit.is_some_and(|limit| !(1..=MOST_PER_PAGE).contains(&limit)) {
        return Err(AppError::validation(format!("limit must be between 1 and {MOST_PER_PAGE}.")));
    }
    if filter.offset.is_some_and(|offset| offset < 0) {
        return Err(AppError::validation("offset must be 0 or more."));
    }
    Ok(())
}

/// The day or week around `date` (default today, clinic time) for the actor's scope, a page
/// of [`MOST_PER_PAGE`] at a time, optionally of one doctor; with the doctor's upcoming
/// requests awaiting an answer, and for the clinic the doctors it can be narrowed to.
#[tracing::instrument(skip_all)]
pub async fn calendar(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, query: &CalendarQuery) -> AppResult<Calendar> {
    let span = match query.span.as_deref().map(str::trim) {
        None | Some("") => CalendarSpan::default(),
        Some("day") => CalendarSpan::Day,
        Some("week") => CalendarSpan::Week,
        Some(other) => return Err(AppError::validation(format!("span must be day or week, not '{other}'."))),
    };
    let page = paging::page_number(query.page, 0)?;
    let tz = clinic.timezone;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let date = match query.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(text) => parse_date(text)?,
        None => today,
    };
    let (first, days, step) = match span {
        CalendarSpan::Day => (date, 1, 1),
        CalendarSpan::Week => (date - Duration::days(i64::from(date.weekday().num_days_from_monday())), 7, 7),
    };
    let window = AppointmentFilter {
        from: Some(start_of_day(&tz, first)),
        to: Some(start_of_day(&tz, first + Duration::days(days))),
        doctor_id: query.doctor_id,
        offset: Some(paging::offset(page, 0, MOST_PER_PAGE)),
        ..AppointmentFilter::default()
    };
    let scope = scope_of(&mut *conn, actor).await?;
    let appointments = list_in(conn, clinic, actor, scope, &window).await?;
    // Counted apart only when this page may not be all there is.
    let per_day = if page == 0 && (appointments.len() as i64) < MOST_PER_PAGE {
        None
    } else {
        Some(db::count_by_day(&mut *conn, scope, &AppointmentFilter { offset: None, ..window.clone() }, tz).await?)
    };
    let pending = if actor.is(Role::Doctor) {
        let waiting =
            AppointmentFilter { status: Some(AppointmentStatus::Pending), from: Some(Utc::now()), ..AppointmentFilter::default() };
        list_in(conn, clinic, actor, scope, &waiting).await?
    } else {
        Vec::new()
    };
    let doctors = if matches!(scope, Scope::All) { db::doctor_choices(&mut *conn).await? } else { Vec::new() };
    let days = (0..days)
        .map(|offset| {
            let day = first + Duration::days(offset);
            let key = day.format("%Y-%m-%d").to_string();
            let shown: Vec<Appointment> = appointments.iter().filter(|a| a.date == key).cloned().collect();
            let total = match &per_day {
                Some(counts) => counts.iter().find(|(d, _)| *d == day).map_or(0, |(_, n)| *n),
                None => shown.len() as i64,
            };
            CalendarDay { label: day.format("%a %-d %b").to_string(), is_today: day == today, appointments: shown, total, date: key }
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
        doctor_id: query.doctor_id,
        doctors,
        page,
        total: per_day.map_or(appointments.len() as i64, |counts| counts.iter().map(|(_, n)| n).sum()),
    })
}

/// Moves an appointment through its lifecycle, enforcing who may make each move.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn change_status(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    id: i64,
    to: AppointmentStatus,
    change: StatusChange,
) -> AppResult<Appointment> {
    use AppointmentStatus::*;
    let mut tx = conn.begin().await?;
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
        return Err(AppError::Conflict(format!(
            "This appointment is {}; it can't be changed that way.",
            row.status.label().to_lowercase()
        )));
    }
    let now = Utc::now();
    match to {
        Rejected if reason.is_none() => return Err(AppError::validation("Give the patient a reason for declining.")),
        Cancelled if party != Party::Patient && reason.is_none() => return Err(AppError::validation("Give a reason for cancelling.")),
        Cancelled if party == Party::Patient && now + clinic.cancel_cutoff() > row.starts_at => {
            return Err(AppError::validation(format!(
                "Appointments can be cancelled online up to {} hours before they start. Please call the clinic.",
                clinic.cancel_cutoff_hours
            )))
        }
        NoShow if now < row.starts_at => return Err(AppError::validation("A visit can be marked as missed only once its time has come.")),
        Completed if now < row.starts_at => return Err(AppError::validation("A visit can be completed only once it has started.")),
        _ => {}
    }
    if !db::set_status(&mut tx, id, row.status, to, reason.as_deref(), notes.as_deref()).await? {
        return Err(AppError::Conflict("The appointment was changed meanwhile. Reload and try again.".into()));
    }
    let updated = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    // The visit's fee is billed in the transaction that completes it: both or neither.
    if to == Completed {
        crate::billing::service::bill_visit(&mut tx, clinic, actor, id).await?;
    }
    notify_change(&mut tx, clinic, &updated, party).await?;
    audit::record(&mut tx, Entry::new(format!("appointment.{}", action_name(to))).by(actor).on("appointment", id).patient(row.patient_id))
        .await?;
    tx.commit().await?;
    Ok(updated.shown_to(actor, clinic.timezone))
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

/// Moves a live appointment to another free slot of the same doctor, atomically. A moved
/// visit waits for the doctor's confirmation again.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn reschedule(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    id: i64,
    request: RescheduleRequest,
) -> AppResult<Appointment> {
    let mut tx = conn.begin().await?;
    let (row, party) = visible(&mut tx, actor, id).await?;
    let may = party == Party::Patient || matches!(actor.role, Role::Staff | Role::Admin);
    if !may {
        return Err(AppError::forbidden());
    }
    if !row.status.is_live() {
        return Err(AppError::Conflict(format!("This appointment is {}; it can't be moved.", row.status.label().to_lowercase())));
    }
    if party == Party::Patient && Utc::now() + clinic.cancel_cutoff() > row.starts_at {
        return Err(AppError::validation(format!(
            "Appointments can be moved online up to {} hours before they start. Please call the clinic.",
            clinic.cancel_cutoff_hours
        )));
    }
    let date = parse_date(&request.date)?;
    let day_off = doctors_db::is_day_off(&mut tx, row.doctor_id, date).await?;
    let blocks = doctors_db::weekly_schedule(&mut tx, row.doctor_id).await?;
    let (starts_at, ends_at) = slot_on(&clinic.timezone, &blocks, day_off, date, &request.time_slot)?;
    if !db::move_to(&mut tx, id, starts_at, ends_at).await? {
        return Err(AppError::Conflict("The appointment was changed meanwhile. Reload and try again.".into()));
    }
    let updated = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Appointment"))?;
    let when = describe_time(&updated, clinic.timezone);
    let notices = [
        notice(
            &updated,
            updated.doctor_user_id,
            "Appointment moved",
            format!("{}'s appointment was moved to {when}. Please confirm the new time.", updated.patient_name),
        ),
        notice(
            &updated,
            updated.patient_user_id,
            "Appointment moved",
            format!("Your appointment with {} is now on {when}, waiting for the doctor's confirmation.", updated.doctor_name),
        ),
    ];
    notifications::send(&mut tx, &clinic.public_url, &notices).await?;
    audit::record(&mut tx, Entry::new("appointment.reschedule").by(actor).on("appointment", id).patient(row.patient_id)).await?;
    tx.commit().await?;
    Ok(updated.shown_to(actor, clinic.timezone))
}

/// Tells the other side of the appointment what happened.
#[tracing::instrument(skip_all)]
async fn notify_change(conn: &mut PgConnection, clinic: &Clinic, row: &AppointmentRow, by: Party) -> AppResult<()> {
    let when = describe_time(row, clinic.timezone);
    let reason = row.status_reason.as_deref().map(|r| format!("\nReason: {r}")).unwrap_or_default();
    let (recipient, title, body) = match (row.status, by) {
        (AppointmentStatus::Accepted, _) => {
            (row.patient_user_id, "Appointment confirmed", format!("{} confirmed your appointment on {when}.", row.doctor_name))
        }
        (AppointmentStatus::Rejected, _) => {
            (row.patient_user_id, "Appointment declined", format!("{} could not take your appointment on {when}.{reason}", row.doctor_name))
        }
        (AppointmentStatus::Completed, _) => (
            row.patient_user_id,
            "Visit completed",
            format!("Your visit with {} on {when} is complete. The visit notes are in your appointments.", row.doctor_name),
        ),
        (AppointmentStatus::NoShow, _) => {
            (row.patient_user_id, "Missed appointment", format!("You missed your appointment with {} on {when}.", row.doctor_name))
        }
        (AppointmentStatus::Cancelled, Party::Patient) => {
            (row.doctor_user_id, "Appointment cancelled", format!("{} cancelled the appointment on {when}.{reason}", row.patient_name))
        }
        (AppointmentStatus::Cancelled, _) => (
            row.patient_user_id,
            "Appointment cancelled",
            format!("Your appointment with {} on {when} was cancelled.{reason}", row.doctor_name),
        ),
        (AppointmentStatus::Pending, _) => return Ok(()),
    };
    notifications::send(conn, &clinic.public_url, &[notice(row, recipient, title, body)]).await
}

fn describe_time(row: &AppointmentRow, tz: Tz) -> String {
    describe_instant(row.starts_at, tz)
}
