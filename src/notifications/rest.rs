//! `/api/notifications`: the caller's own notifications only.

use super::{service, Notification};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::Path;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

pub async fn list(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<Notification>>> {
    Ok(Json(service::list(&state, &actor).await?))
}

pub async fn unread(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "unread": service::unread_count(&state, &actor).await? })))
}

pub async fn mark_read(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<StatusCode> {
    service::mark_read(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn mark_all_read(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "marked": service::mark_all_read(&state, &actor).await? })))
}
