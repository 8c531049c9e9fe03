//! `GET|PUT /api/profile`.

use super::{service, Profile, ProfileUpdate};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::Json;
use crate::server::state::AppState;
use axum::extract::State;

pub async fn get(State(state): State<AppState>, actor: Actor) -> AppResult<axum::Json<Profile>> {
    Ok(axum::Json(service::get(&state, &actor).await?))
}

pub async fn update(State(state): State<AppState>, actor: Actor, Json(update): Json<ProfileUpdate>) -> AppResult<axum::Json<Profile>> {
    Ok(axum::Json(service::update(&state, &actor, update).await?))
}
