//! The rules of a booking, with no database: what the service checks before an order joins
//! the booking queue, and what the queue checks on the parties it read for each order. Both
//! use this file; neither uses the other for it (a booking reads service → queue → db).

use super::db::{AppointmentRow, BookingParties, NewBooking, PartiesKey, PatientKey};
use super::AppointmentStatus;
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::doctors::db as doctors_db;
use crate::doctors::slots::{check_slot, parse_slot_time, WorkBlock};
use crate::error::{AppError, AppResult};
use crate::money::Money;
use crate::notifications::service::Notice;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Whose appointment this is: a patient books for themselves; staff and admins book for the
/// patient they name.
pub fn patient_key(actor: &Actor, requested: Option<i64>) -> AppResult<PatientKey> {
    match actor.role {
        Role::Patient => Ok(PatientKey::Account(actor.user_id)),
        Role::Staff | Role::Admin => {
            Ok(PatientKey::Record(requested.ok_or_else(|| AppError::validation("Choose the patient to book for (patient_id)."))?))
        }
        _ => Err(AppError::forbidden()),
    }
}

/// The patient of a booking, who must exist and have confirmed their email.
struct BookingPatient {
    id: i64,
    user_id: i64,
    name: String,
}

fn booking_patient(actor: &Actor, requested: Option<i64>, parties: &BookingParties) -> AppResult<BookingPatient> {
    let (Some(id), Some(user_id), Some(name), Some(ready)) =
        (parties.patient_id, parties.patient_user_id, parties.patient_name.clone(), parties.patient_ready)
    else {
        return Err(AppError::not_found("Patient"));
    };
    if actor.is(Role::Patient) && requested.is_some_and(|requested| requested != id) {
        return Err(AppError::forbidden());
    }
    if !ready {
        return Err(AppError::validation(if actor.is(Role::Patient) {
            "Please confirm your email address before booking (see the link we sent you)."
        } else {
            "The patient's email address is not confirmed yet; confirm it first."
        }));
    }
    Ok(BookingPatient { id, user_id, name })
}

pub fn check_reason(reason: Option<&str>) -> AppResult<Option<String>> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 1000) {
        return Err(AppError::validation("Please keep the reason under 1000 characters."));
    }
    Ok(reason.map(str::to_owned))
}

/// The [start, end) of `time` on `date`, checked against the doctor's weekly blocks and day off.
pub fn slot_on(tz: &Tz, blocks: &[WorkBlock], day_off: bool, date: NaiveDate, time: &str) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let time = parse_slot_time(time).map_err(AppError::Validation)?;
    check_slot(blocks, day_off, tz, Utc::now(), date, time).map_err(|e| AppError::validation(e.message()))
}

/// A booking as asked, past the checks that need no database; it waits in the booking
/// queue for its parties to be read.
pub struct BookingOrder {
    pub doctor_id: i64,
    pub date: NaiveDate,
    pub time_slot: String,
    pub reason: Option<String>,
    pub patient: PatientKey,
    /// The patient record the caller named, if any (a patient may name only their own).
    pub requested_patient: Option<i64>,
    pub actor: Actor,
}

impl BookingOrder {
    pub fn parties_key(&self) -> PartiesKey {
        PartiesKey { doctor_id: self.doctor_id, date: self.date, patient: self.patient }
    }
}

/// A booking that passed every rule: what to write, and who it is with (for the answer).
pub struct PreparedBooking {
    pub booking: NewBooking,
    doctor_user_id: i64,
    doctor_name: String,
    specialization: String,
    patient_user_id: i64,
    patient_name: String,
}

impl PreparedBooking {
    /// The appointment, once written with this id at this time.
    pub fn written(self, id: i64, created_at: DateTime<Utc>) -> AppointmentRow {
        let booking = self.booking;
        AppointmentRow {
            id,
            status: AppointmentStatus::Pending,
            doctor_id: booking.doctor_id,
            doctor_user_id: self.doctor_user_id,
            doctor_name: self.doctor_name,
            specialization: self.specialization,
            patient_id: booking.patient_id,
            patient_user_id: self.patient_user_id,
            patient_name: self.patient_name,
            starts_at: booking.starts_at,
            ends_at: booking.ends_at,
            reason: booking.reason,
            fee_cents: booking.fee_cents,
            currency: booking.currency,
            status_reason: None,
            visit_notes: None,
            reviewed: false,
            created_at,
        }
    }
}

/// The rules of one booking, on the parties read for it (None: no such doctor): the
/// appointment to write with both notices, or the 404/403/422 that refuses it.
pub fn prepare_booking(tz: &Tz, order: BookingOrder, parties: Option<BookingParties>) -> AppResult<PreparedBooking> {
    let parties = parties.ok_or_else(|| AppError::not_found("Doctor"))?;
    let patient = booking_patient(&order.actor, order.requested_patient, &parties)?;
    if !parties.listed {
        return Err(AppError::validation("This doctor is not taking appointments yet."));
    }
    let blocks = doctors_db::schedule_from(parties.custom_schedule, parties.weekdays, parties.starts, parties.ends);
    let (starts_at, ends_at) = slot_on(tz, &blocks, parties.day_off, order.date, &order.time_slot)?;
    let when = describe_instant(starts_at, *tz);
    let notices = vec![
        Notice {
            user_id: patient.user_id,
            title: "Appointment requested".into(),
            body: format!(
                "Your appointment with {} ({}) on {when} is booked and waiting for the doctor's confirmation.\nConsultation fee: {}.",
                parties.doctor_name,
                parties.specialization,
                Money::new(parties.fee_cents, parties.currency.clone())
            ),
            link: None,
        },
        Notice {
            user_id: parties.doctor_user_id,
            title: "New appointment request".into(),
            body: format!("{} asked for an appointment on {when}. Accept or decline it in your schedule.", patient.name),
            link: None,
        },
    ];
    let booking = NewBooking {
        doctor_id: order.doctor_id,
        patient_id: patient.id,
        starts_at,
        ends_at,
        reason: order.reason,
        fee_cents: parties.fee_cents,
        currency: parties.currency,
        booked_by: order.actor.user_id,
        booked_by_role: order.actor.role,
        ip: order.actor.ip,
        notices,
    };
    Ok(PreparedBooking {
        booking,
        doctor_user_id: parties.doctor_user_id,
        doctor_name: parties.doctor_name,
        specialization: parties.specialization,
        patient_user_id: patient.user_id,
        patient_name: patient.name,
    })
}

/// An instant as the clinic writes it in notices: "Tuesday 1 December 2026 at 10:00 (CET)".
pub fn describe_instant(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%A %-d %B %Y at %H:%M (%Z)").to_string()
}
