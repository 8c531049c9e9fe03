//! `GET /api/audit`: admins search the trail.

use super::{AuditQuery, AuditRecord};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::Query;
use crate::server::state::AppState;
use axum::extract::State;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/audit`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Audit entries, newest first (admins).", body = Vec<AuditRecord>)))]
pub async fn search(State(state): State<AppState>, actor: Actor, Query(query): Query<AuditQuery>) -> AppResult<Json<Vec<AuditRecord>>> {
    let mut conn = state.pool.acquire().await?;
    Ok(Json(super::search(&mut conn, &actor, &query).await?))
}
