//! `/api/doctors…`.

use super::service::{self, AvailableSlots, DayOffRequest, NewReview, Review};
use super::{DirectoryQuery, DoctorCard, DoctorProfile, DoctorUpdate, NewDoctor};
use crate::auth::actor::{Actor, Authentication};
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/doctors…`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search, create))
        .routes(routes!(get, update, remove))
        .routes(routes!(available_slots))
        .routes(routes!(days_off, add_day_off))
        .routes(routes!(reviews, add_review))
}

#[utoipa::path(get, path = "/api/doctors", tag = "doctors", params(DirectoryQuery),
    responses((status = 200, description = "Listed doctors matching the filters, a page at a time.", body = Vec<DoctorCard>)))]
pub async fn search(State(state): State<AppState>, Query(query): Query<DirectoryQuery>) -> AppResult<axum::Json<Vec<DoctorCard>>> {
    Ok(axum::Json(service::search(&state, &query).await?))
}

#[utoipa::path(get, path = "/api/doctors/{id}", tag = "doctors", security((), ("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 200, description = "The doctor's profile.", body = DoctorProfile)))]
pub async fn get(
    State(state): State<AppState>,
    authentication: Authentication,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<DoctorProfile>> {
    let viewer = authentication.actor().ok();
    Ok(axum::Json(service::profile(&state, viewer.as_ref(), id).await?))
}

#[utoipa::path(post, path = "/api/doctors", tag = "doctors", security(("bearer" = [])), request_body = NewDoctor,
    responses((status = 201, description = "The new doctor, verified and listed (admins).", body = DoctorProfile)))]
pub async fn create(State(state): State<AppState>, actor: Actor, Json(input): Json<NewDoctor>) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::create(&state, &actor, input).await?)))
}

#[utoipa::path(delete, path = "/api/doctors/{id}", tag = "doctors", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 204, description = "The doctor is off the clinic: deactivated, unlisted, records kept (admins). \
        409 while they have upcoming appointments.")))]
pub async fn remove(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<StatusCode> {
    service::remove(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/doctors/{id}", tag = "doctors", security(("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")), request_body = DoctorUpdate,
    responses((status = 200, description = "The profile as changed (the doctor or an admin).", body = DoctorProfile)))]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(update): Json<DoctorUpdate>,
) -> AppResult<axum::Json<DoctorProfile>> {
    Ok(axum::Json(service::update(&state, &actor, id, update).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    pub date: Option<String>,
}

#[utoipa::path(get, path = "/api/doctors/{id}/available_slots", tag = "doctors", params(("id" = i64, Path, description = "The doctor's id"), DateQuery),
    responses((status = 200, description = "Free slots that day, clinic time.", body = AvailableSlots)))]
pub async fn available_slots(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DateQuery>,
) -> AppResult<axum::Json<AvailableSlots>> {
    let date = query.date.ok_or_else(|| crate::error::AppError::BadRequest("Give the date as ?date=YYYY-MM-DD.".into()))?;
    Ok(axum::Json(service::available_slots(&state, id, &date).await?))
}

#[utoipa::path(get, path = "/api/doctors/{id}/days-off", tag = "doctors", params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 200, description = "Coming days off.", body = Vec<NaiveDate>)))]
pub async fn days_off(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<NaiveDate>>> {
    Ok(axum::Json(service::days_off(&state, id).await?))
}

#[utoipa::path(post, path = "/api/doctors/{id}/days-off", tag = "doctors", security(("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")), request_body = DayOffRequest,
    responses((status = 200, description = "Coming days off, this one included.", body = Vec<NaiveDate>)))]
pub async fn add_day_off(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(request): Json<DayOffRequest>,
) -> AppResult<axum::Json<Vec<NaiveDate>>> {
    Ok(axum::Json(service::add_day_off(&state, &actor, id, request).await?))
}

#[utoipa::path(get, path = "/api/doctors/{id}/reviews", tag = "doctors", params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 200, description = "The doctor's reviews, newest first.", body = Vec<Review>)))]
pub async fn reviews(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<Review>>> {
    Ok(axum::Json(service::reviews(&state, id).await?))
}

#[utoipa::path(post, path = "/api/doctors/{id}/reviews", tag = "doctors", security(("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")), request_body = NewReview,
    responses((status = 201, description = "The review of a completed visit.", body = Review)))]
pub async fn add_review(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(review): Json<NewReview>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::add_review(&state, &actor, id, review).await?)))
}
