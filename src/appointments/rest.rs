//! `/api/appointments…`.

use super::queue::BookingQueue;
use super::{
    service, Appointment, AppointmentFilter, AppointmentStatus, BookingRequest, Calendar, CalendarQuery, RescheduleRequest, StatusChange,
};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/appointments…`.
pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
    BookingQueue: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list, book))
        .routes(routes!(calendar))
        .routes(routes!(get, reschedule))
        .routes(routes!(cancel))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(complete))
        .routes(routes!(no_show))
}

#[utoipa::path(post, path = "/api/appointments", tag = "appointments", security(("bearer" = [])), request_body = BookingRequest,
    responses((status = 201, description = "The appointment, pending the doctor's answer.", body = Appointment)))]
pub async fn book(
    State(bookings): State<BookingQueue>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(request): Json<BookingRequest>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::book(&bookings, &clinic, &actor, request).await?)))
}

#[utoipa::path(get, path = "/api/appointments", tag = "appointments", security(("bearer" = [])), params(AppointmentFilter),
    responses((status = 200, description = "Appointments the caller may see, by start time.", body = Vec<Appointment>)))]
pub async fn list(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(filter): Query<AppointmentFilter>,
) -> AppResult<axum::Json<Vec<Appointment>>> {
    Ok(axum::Json(service::list(&mut *pool.acquire().await?, &clinic, &actor, &filter).await?))
}

#[utoipa::path(get, path = "/api/appointments/calendar", tag = "appointments", security(("bearer" = [])), params(CalendarQuery),
    responses((status = 200, description = "A day or week of the appointments the caller may see (a patient their own, a doctor theirs, the clinic all).", body = Calendar)))]
pub async fn calendar(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(query): Query<CalendarQuery>,
) -> AppResult<axum::Json<Calendar>> {
    Ok(axum::Json(service::calendar(&mut *pool.acquire().await?, &clinic, &actor, &query).await?))
}

#[utoipa::path(get, path = "/api/appointments/{id}", tag = "appointments", security(("bearer" = [])), params(("id" = i64, Path, description = "The appointment's id")),
    responses((status = 200, description = "The appointment.", body = Appointment)))]
pub async fn get(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<Appointment>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &clinic, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/appointments/{id}", tag = "appointments", security(("bearer" = [])), params(("id" = i64, Path, description = "The appointment's id")), request_body = RescheduleRequest,
    responses((status = 200, description = "The appointment at its new time.", body = Appointment)))]
pub async fn reschedule(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(request): Json<RescheduleRequest>,
) -> AppResult<axum::Json<Appointment>> {
    Ok(axum::Json(service::reschedule(&mut *pool.acquire().await?, &clinic, &actor, id, request).await?))
}

/// The body of a status change is optional (`{}` or nothing at all).
fn change_from(body: &Bytes) -> AppResult<StatusChange> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(StatusChange::default());
    }
    serde_json::from_slice(body).map_err(|e| crate::error::AppError::Validation(format!("Invalid request body: {e}")))
}

macro_rules! status_handler {
    ($name:ident, $status:expr, $path:literal, $what:literal) => {
        #[utoipa::path(post, path = $path, tag = "appointments", security(("bearer" = [])),
            params(("id" = i64, Path, description = "The appointment's id")),
            request_body(content = Option<StatusChange>, description = "Optional: `{\"reason\"}` (cancel, reject) or `{\"notes\"}` (complete)"),
            responses((status = 200, description = $what, body = Appointment)))]
        pub async fn $name(
            State(pool): State<PgPool>,
            State(clinic): State<Arc<Clinic>>,
            actor: Actor,
            Path(id): Path<i64>,
            body: Bytes,
        ) -> AppResult<axum::Json<Appointment>> {
            let change = change_from(&body)?;
            Ok(axum::Json(service::change_status(&mut *pool.acquire().await?, &clinic, &actor, id, $status, change).await?))
        }
    };
}

status_handler!(cancel, AppointmentStatus::Cancelled, "/api/appointments/{id}/cancel", "Cancelled by the patient, the doctor or the desk.");
status_handler!(accept, AppointmentStatus::Accepted, "/api/appointments/{id}/accept", "Accepted by the doctor.");
status_handler!(reject, AppointmentStatus::Rejected, "/api/appointments/{id}/reject", "Declined by the doctor.");
status_handler!(complete, AppointmentStatus::Completed, "/api/appointments/{id}/complete", "Completed, with the visit notes.");
status_handler!(no_show, AppointmentStatus::NoShow, "/api/appointments/{id}/no_show", "Marked missed.");
