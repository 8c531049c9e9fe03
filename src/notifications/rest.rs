//! `/api/notifications`: the caller's own notifications only.

use super::{service, Notification};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::Path;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use sqlx::PgPool;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/notifications…`.
pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(unread)).routes(routes!(mark_read)).routes(routes!(mark_all_read))
}

#[utoipa::path(get, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "The caller's newest notifications.", body = Vec<Notification>)))]
pub async fn list(State(pool): State<PgPool>, actor: Actor) -> AppResult<Json<Vec<Notification>>> {
    Ok(Json(service::list(&mut *pool.acquire().await?, &actor).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MarkedCount {
    pub marked: u64,
}

#[utoipa::path(get, path = "/api/notifications/unread", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "How many are unread.", body = UnreadCount)))]
pub async fn unread(State(pool): State<PgPool>, actor: Actor) -> AppResult<Json<UnreadCount>> {
    Ok(Json(UnreadCount { unread: service::unread_count(&mut *pool.acquire().await?, &actor).await? }))
}

#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications", security(("bearer" = [])), params(("id" = i64, Path, description = "The notification's id")),
    responses((status = 204, description = "Marked read.")))]
pub async fn mark_read(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<StatusCode> {
    service::mark_read(&mut *pool.acquire().await?, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "How many were marked read.", body = MarkedCount)))]
pub async fn mark_all_read(State(pool): State<PgPool>, actor: Actor) -> AppResult<Json<MarkedCount>> {
    Ok(Json(MarkedCount { marked: service::mark_all_read(&mut *pool.acquire().await?, &actor).await? }))
}
