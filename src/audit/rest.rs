//! `GET /api/audit`: admins search the trail.

use super::{AuditQuery, AuditRecord, ChainState, VerifiedBy};
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
    OpenApiRouter::new().routes(routes!(search)).routes(routes!(chain)).routes(routes!(verify))
}

#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Audit entries, newest first (admins).", body = Vec<AuditRecord>)))]
pub async fn search(State(pool): State<PgPool>, actor: Actor, Query(query): Query<AuditQuery>) -> AppResult<Json<Vec<AuditRecord>>> {
    let mut conn = pool.acquire().await?;
    Ok(Json(super::search(&mut conn, &actor, &query).await?))
}

#[utoipa::path(get, path = "/api/audit/chain", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "The hash chain's state at its latest verification; null before the first (admins).", body = Option<ChainState>)))]
pub async fn chain(State(pool): State<PgPool>, actor: Actor) -> AppResult<Json<Option<ChainState>>> {
    Ok(Json(super::chain_state(&mut *pool.acquire().await?, &actor).await?))
}

#[utoipa::path(post, path = "/api/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "Verifies the whole chain now and answers its state (admins).", body = ChainState)))]
pub async fn verify(State(pool): State<PgPool>, actor: Actor) -> AppResult<Json<ChainState>> {
    actor.require_role(&[crate::identity::Role::Admin])?;
    let mut conn = pool.acquire().await?;
    let state = super::verify_and_record(&mut conn, VerifiedBy::Admin).await?;
    super::record(&mut conn, super::Entry::new("audit.verify").by(&actor).detail(if state.intact { "intact" } else { "broken" })).await?;
    Ok(Json(state))
}
