//! `/api/users…` and `/api/outbox`.

use super::{service, AccountUpdate, NewAccount, OutboxMessage, UserFilter, UserSummary};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(filter): Query<UserFilter>,
) -> AppResult<axum::Json<Vec<UserSummary>>> {
    Ok(axum::Json(service::list(&state, &actor, &filter).await?))
}

pub async fn create(State(state): State<AppState>, actor: Actor, Json(input): Json<NewAccount>) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::create(&state, &actor, input).await?)))
}

pub async fn get(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::get(&state, &actor, id).await?))
}

pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<AccountUpdate>,
) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::update(&state, &actor, id, input).await?))
}

pub async fn verify(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::verify_doctor(&state, &actor, id).await?))
}

pub async fn verify_email(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::verify_email(&state, &actor, id).await?))
}

pub async fn deactivate(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::deactivate(&state, &actor, id).await?))
}

pub async fn outbox(State(state): State<AppState>, actor: Actor) -> AppResult<axum::Json<Vec<OutboxMessage>>> {
    Ok(axum::Json(service::outbox(&state, &actor).await?))
}
