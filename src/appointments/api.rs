//! Server functions for booking and the appointment pages.

use super::{Appointment, Calendar, PatientChoice};
use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::queue::BookingQueue,
    super::{service, AppointmentFilter, AppointmentStatus, BookingRequest, CalendarQuery, RescheduleRequest, StatusChange},
    crate::auth::actor::current_actor,
    crate::clinic::Clinic,
    crate::extract::{connection, from_context},
    std::sync::Arc,
};

#[server(prefix = "/sfn", endpoint = "book")]
pub async fn book_appointment(
    doctor_id: i64,
    date: String,
    time_slot: String,
    reason: Option<String>,
    /// Set by the front desk booking for a patient; patients book for themselves.
    patient_id: Option<i64>,
) -> Result<Appointment, ApiError> {
    let (bookings, clinic) = (from_context::<BookingQueue>()?, from_context::<Arc<Clinic>>()?);
    let request = BookingRequest { doctor_id, date, time_slot, reason, patient_id };
    let appointment = service::book(&bookings, &clinic, &current_actor()?, request).await?;
    leptos_axum::redirect(&format!("/appointments/{}?booked=1", appointment.id));
    Ok(appointment)
}

#[server(prefix = "/sfn", endpoint = "find_patients")]
pub async fn find_patients(query: String) -> Result<Vec<PatientChoice>, ApiError> {
    Ok(service::find_patients(&mut *connection().await?, &current_actor()?, &query).await?)
}

#[server(prefix = "/sfn", endpoint = "appointments")]
pub async fn my_appointments() -> Result<Vec<Appointment>, ApiError> {
    let (clinic, mut conn) = (from_context::<Arc<Clinic>>()?, connection().await?);
    Ok(service::list(&mut conn, &clinic, &current_actor()?, &AppointmentFilter::default()).await?)
}

#[server(prefix = "/sfn", endpoint = "appointment_calendar")]
pub async fn appointment_calendar(
    span: Option<String>,
    date: Option<String>,
    doctor_id: Option<i64>,
    page: Option<i64>,
) -> Result<Calendar, ApiError> {
    // Flat arguments, not a `CalendarQuery`: a struct whose fields are all absent encodes as
    // an empty form, which doesn't decode back into the struct.
    let (clinic, mut conn) = (from_context::<Arc<Clinic>>()?, connection().await?);
    Ok(service::calendar(&mut conn, &clinic, &current_actor()?, &CalendarQuery { span, date, doctor_id, page }).await?)
}

#[server(prefix = "/sfn", endpoint = "appointment")]
pub async fn get_appointment(id: i64) -> Result<Appointment, ApiError> {
    let (clinic, mut conn) = (from_context::<Arc<Clinic>>()?, connection().await?);
    Ok(service::get(&mut conn, &clinic, &current_actor()?, id).await?)
}

#[server(prefix = "/sfn", endpoint = "reschedule")]
pub async fn reschedule_appointment(id: i64, date: String, time_slot: String) -> Result<Appointment, ApiError> {
    let (clinic, mut conn) = (from_context::<Arc<Clinic>>()?, connection().await?);
    let appointment = service::reschedule(&mut conn, &clinic, &current_actor()?, id, RescheduleRequest { date, time_slot }).await?;
    leptos_axum::redirect(&format!("/appointments/{id}?moved=1"));
    Ok(appointment)
}

/// One server function for every lifecycle move: `action` is cancel, accept, reject,
/// complete or no_show.
#[server(prefix = "/sfn", endpoint = "appointment_status")]
pub async fn change_appointment(id: i64, action: String, reason: Option<String>, notes: Option<String>) -> Result<Appointment, ApiError> {
    let (clinic, mut conn) = (from_context::<Arc<Clinic>>()?, connection().await?);
    let to = match action.as_str() {
        "cancel" => AppointmentStatus::Cancelled,
        "accept" => AppointmentStatus::Accepted,
        "reject" => AppointmentStatus::Rejected,
        "complete" => AppointmentStatus::Completed,
        "no_show" => AppointmentStatus::NoShow,
        _ => return Err(crate::error::AppError::validation("Unknown action.").into()),
    };
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    Ok(service::change_status(&mut conn, &clinic, &current_actor()?, id, to, StatusChange { reason: blank(reason), notes: blank(notes) })
        .await?)
}

/// Free slots of this appointment's doctor on `date` (or the next day with any), for moving it.
#[server(prefix = "/sfn", endpoint = "appointment_slots")]
pub async fn appointment_slots(id: i64, date: Option<String>) -> Result<(String, Vec<String>), ApiError> {
    let (clinic, mut conn) = (from_context::<Arc<Clinic>>()?, connection().await?);
    let appointment = service::get(&mut conn, &clinic, &current_actor()?, id).await?;
    let found = match date.filter(|d| !d.trim().is_empty()) {
        Some(date) => crate::doctors::service::available_slots(&mut conn, &clinic, appointment.doctor_id, &date).await?,
        None => crate::doctors::service::next_available_slots(&mut conn, &clinic, appointment.doctor_id).await?,
    };
    Ok((found.date, found.slots))
}

/// A patient's review of a completed visit (one per visit).
#[server(prefix = "/sfn", endpoint = "review")]
pub async fn leave_review(doctor_id: i64, appointment_id: i64, rating: i16, text: Option<String>) -> Result<(), ApiError> {
    let mut conn = connection().await?;
    let review = crate::doctors::service::NewReview { appointment_id, rating, text: text.unwrap_or_default() };
    crate::doctors::service::add_review(&mut conn, &current_actor()?, doctor_id, review).await?;
    Ok(())
}
