//! `GET|PUT /api/profile`.

use super::{service, Profile, ProfileUpdate};
use crate::auth::actor::Actor;
use crate::auth::sign_ins::SignIns;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::Json;
use axum::extract::{FromRef, State};
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/profile`.
pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
    Arc<SignIns>: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(get, update))
}

#[utoipa::path(get, path = "/api/profile", tag = "profile", security(("bearer" = [])),
    responses((status = 200, description = "The caller's own profile.", body = Profile)))]
pub async fn get(State(pool): State<PgPool>, actor: Actor) -> AppResult<axum::Json<Profile>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &actor).await?))
}

#[utoipa::path(put, path = "/api/profile", tag = "profile", security(("bearer" = [])), request_body = ProfileUpdate,
    responses((status = 200, description = "The profile as changed.", body = Profile)))]
pub async fn update(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Json(update): Json<ProfileUpdate>,
) -> AppResult<axum::Json<Profile>> {
    Ok(axum::Json(service::update(&mut *pool.acquire().await?, &clinic, &sign_ins, &actor, update).await?))
}
