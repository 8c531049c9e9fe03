//! `/api/doctors…`.

use super::service::{self, AvailableSlots, DayOffRequest, NewReview, Review};
use super::{DirectoryQuery, DoctorCard, DoctorProfile, DoctorUpdate};
use crate::auth::actor::{Actor, Authentication};
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;

pub async fn search(State(state): State<AppState>, Query(query): Query<DirectoryQuery>) -> AppResult<axum::Json<Vec<DoctorCard>>> {
    Ok(axum::Json(service::search(&state, &query).await?))
}

pub async fn get(
    State(state): State<AppState>,
    authentication: Authentication,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<DoctorProfile>> {
    let viewer = authentication.actor().ok();
    Ok(axum::Json(service::profile(&state, viewer.as_ref(), id).await?))
}

pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(update): Json<DoctorUpdate>,
) -> AppResult<axum::Json<DoctorProfile>> {
    Ok(axum::Json(service::update(&state, &actor, id, update).await?))
}

#[derive(Deserialize)]
pub struct DateQuery {
    pub date: Option<String>,
}

pub async fn available_slots(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DateQuery>,
) -> AppResult<axum::Json<AvailableSlots>> {
    let date = query.date.ok_or_else(|| crate::error::AppError::BadRequest("Give the date as ?date=YYYY-MM-DD.".into()))?;
    Ok(axum::Json(service::available_slots(&state, id, &date).await?))
}

pub async fn days_off(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<NaiveDate>>> {
    Ok(axum::Json(service::days_off(&state, id).await?))
}

pub async fn add_day_off(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(request): Json<DayOffRequest>,
) -> AppResult<axum::Json<Vec<NaiveDate>>> {
    Ok(axum::Json(service::add_day_off(&state, &actor, id, request).await?))
}

pub async fn reviews(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<Review>>> {
    Ok(axum::Json(service::reviews(&state, id).await?))
}

pub async fn add_review(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(review): Json<NewReview>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::add_review(&state, &actor, id, review).await?)))
}
