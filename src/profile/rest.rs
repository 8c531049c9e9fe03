//! `GET|PUT /api/profile`.

use super::{service, Profile, ProfileUpdate};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::Json;
use crate::server::state::AppState;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/profile`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get, update))
}

#[utoipa::path(get, path = "/api/profile", tag = "profile", security(("bearer" = [])),
    responses((status = 200, description = "The caller's own profile.", body = Profile)))]
pub async fn get(State(state): State<AppState>, actor: Actor) -> AppResult<axum::Json<Profile>> {
    Ok(axum::Json(service::get(&state, &actor).await?))
}

#[utoipa::path(put, path = "/api/profile", tag = "profile", security(("bearer" = [])), request_body = ProfileUpdate,
    responses((status = 200, description = "The profile as changed.", body = Profile)))]
pub async fn update(State(state): State<AppState>, actor: Actor, Json(update): Json<ProfileUpdate>) -> AppResult<axum::Json<Profile>> {
    Ok(axum::Json(service::update(&state, &actor, update).await?))
}
