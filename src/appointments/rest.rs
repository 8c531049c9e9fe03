//! `/api/appointments…`.

use super::{
    service, Appointment, AppointmentFilter, AppointmentStatus, BookingRequest, Calendar, CalendarQuery, RescheduleRequest, StatusChange,
};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

pub async fn book(State(state): State<AppState>, actor: Actor, Json(request): Json<BookingRequest>) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::book(&state, &actor, request).await?)))
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(filter): Query<AppointmentFilter>,
) -> AppResult<axum::Json<Vec<Appointment>>> {
    Ok(axum::Json(service::list(&state, &actor, &filter).await?))
}

pub async fn calendar(State(state): State<AppState>, actor: Actor, Query(query): Query<CalendarQuery>) -> AppResult<axum::Json<Calendar>> {
    Ok(axum::Json(service::calendar(&state, &actor, &query).await?))
}

pub async fn get(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Appointment>> {
    Ok(axum::Json(service::get(&state, &actor, id).await?))
}

pub async fn reschedule(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(request): Json<RescheduleRequest>,
) -> AppResult<axum::Json<Appointment>> {
    Ok(axum::Json(service::reschedule(&state, &actor, id, request).await?))
}

/// The body of a status change is optional (`{}` or nothing at all).
fn change_from(body: &Bytes) -> AppResult<StatusChange> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(StatusChange::default());
    }
    serde_json::from_slice(body).map_err(|e| crate::error::AppError::Validation(format!("Invalid request body: {e}")))
}

macro_rules! status_handler {
    ($name:ident, $status:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            actor: Actor,
            Path(id): Path<i64>,
            body: Bytes,
        ) -> AppResult<axum::Json<Appointment>> {
            let change = change_from(&body)?;
            Ok(axum::Json(service::change_status(&state, &actor, id, $status, change).await?))
        }
    };
}

status_handler!(cancel, AppointmentStatus::Cancelled);
status_handler!(accept, AppointmentStatus::Accepted);
status_handler!(reject, AppointmentStatus::Rejected);
status_handler!(complete, AppointmentStatus::Completed);
status_handler!(no_show, AppointmentStatus::NoShow);
