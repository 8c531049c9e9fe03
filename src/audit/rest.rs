//! `GET /api/audit`: admins search the trail.

use super::{AuditQuery, AuditRecord};
use crate::error::AppResult;
use crate::extract::Query;
use crate::identity::Actor;
use axum::extract::{FromRef, State};
use axum::Json;
use sqlx::PgPool;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/audit`.
pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(search))
}

#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Audit entries, newest first (admins).", body = Vec<AuditRecord>)))]
pub async fn search(State(pool): State<PgPool>, actor: Actor, Query(query): Query<AuditQuery>) -> AppResult<Json<Vec<AuditRecord>>> {
    let mut conn = pool.acquire().await?;
    Ok(Json(super::search(&mut conn, &actor, &query).await?))
}
