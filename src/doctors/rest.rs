//! `/api/doctors…`.

use super::service::{self, AvailableSlots, DayOffRequest, NewReview, Review};
use super::{DirectoryQuery, DoctorCard, DoctorProfile, DoctorUpdate, NewDoctor};
use crate::auth::actor::{Actor, Authentication};
use crate::auth::sign_ins::SignIns;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/doctors…`.
pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
    Arc<SignIns>: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(search, create))
        .routes(routes!(get, update, remove))
        .routes(routes!(available_slots))
        .routes(routes!(days_off, add_day_off))
        .routes(routes!(reviews, add_review))
}

#[utoipa::path(get, path = "/api/doctors", tag = "doctors", params(DirectoryQuery),
    responses((status = 200, description = "Listed doctors matching the filters, a page at a time.", body = Vec<DoctorCard>)))]
pub async fn search(State(pool): State<PgPool>, Query(query): Query<DirectoryQuery>) -> AppResult<axum::Json<Vec<DoctorCard>>> {
    Ok(axum::Json(service::search(&mut *pool.acquire().await?, &query).await?))
}

#[utoipa::path(get, path = "/api/doctors/{id}", tag = "doctors", security((), ("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 200, description = "The doctor's profile.", body = DoctorProfile)))]
pub async fn get(State(pool): State<PgPool>, authentication: Authentication, Path(id): Path<i64>) -> AppResult<axum::Json<DoctorProfile>> {
    let viewer = authentication.actor().ok();
    Ok(axum::Json(service::profile(&mut *pool.acquire().await?, viewer.as_ref(), id).await?))
}

#[utoipa::path(post, path = "/api/doctors", tag = "doctors", security(("bearer" = [])), request_body = NewDoctor,
    responses((status = 201, description = "The new doctor, verified and listed (admins).", body = DoctorProfile)))]
pub async fn create(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewDoctor>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::create(&mut *pool.acquire().await?, &clinic, &actor, input).await?)))
}

#[utoipa::path(delete, path = "/api/doctors/{id}", tag = "doctors", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 204, description = "The doctor is off the clinic: deactivated, unlisted, records kept (admins). \
        409 while they have upcoming appointments.")))]
pub async fn remove(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    service::remove(&mut *pool.acquire().await?, &sign_ins, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/doctors/{id}", tag = "doctors", security(("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")), request_body = DoctorUpdate,
    responses((status = 200, description = "The profile as changed (the doctor or an admin).", body = DoctorProfile)))]
pub async fn update(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(update): Json<DoctorUpdate>,
) -> AppResult<axum::Json<DoctorProfile>> {
    Ok(axum::Json(service::update(&mut *pool.acquire().await?, &actor, id, update).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    pub date: Option<String>,
}

#[utoipa::path(get, path = "/api/doctors/{id}/available_slots", tag = "doctors", params(("id" = i64, Path, description = "The doctor's id"), DateQuery),
    responses((status = 200, description = "Free slots that day, clinic time.", body = AvailableSlots)))]
pub async fn available_slots(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    Path(id): Path<i64>,
    Query(query): Query<DateQuery>,
) -> AppResult<axum::Json<AvailableSlots>> {
    let date = query.date.ok_or_else(|| crate::error::AppError::BadRequest("Give the date as ?date=YYYY-MM-DD.".into()))?;
    Ok(axum::Json(service::available_slots(&mut *pool.acquire().await?, &clinic, id, &date).await?))
}

#[utoipa::path(get, path = "/api/doctors/{id}/days-off", tag = "doctors", params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 200, description = "Coming days off.", body = Vec<NaiveDate>)))]
pub async fn days_off(State(pool): State<PgPool>, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<NaiveDate>>> {
    Ok(axum::Json(service::days_off(&mut *pool.acquire().await?, id).await?))
}

#[utoipa::path(post, path = "/api/doctors/{id}/days-off", tag = "doctors", security(("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")), request_body = DayOffRequest,
    responses((status = 200, description = "Coming days off, this one included.", body = Vec<NaiveDate>)))]
pub async fn add_day_off(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(request): Json<DayOffRequest>,
) -> AppResult<axum::Json<Vec<NaiveDate>>> {
    Ok(axum::Json(service::add_day_off(&mut *pool.acquire().await?, &actor, id, request).await?))
}

#[utoipa::path(get, path = "/api/doctors/{id}/reviews", tag = "doctors", params(("id" = i64, Path, description = "The doctor's id")),
    responses((status = 200, description = "The doctor's reviews, newest first.", body = Vec<Review>)))]
pub async fn reviews(State(pool): State<PgPool>, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<Review>>> {
    Ok(axum::Json(service::reviews(&mut *pool.acquire().await?, id).await?))
}

#[utoipa::path(post, path = "/api/doctors/{id}/reviews", tag = "doctors", security(("bearer" = [])), params(("id" = i64, Path, description = "The doctor's id")), request_body = NewReview,
    responses((status = 201, description = "The review of a completed visit.", body = Review)))]
pub async fn add_review(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(review): Json<NewReview>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::add_review(&mut *pool.acquire().await?, &actor, id, review).await?)))
}
