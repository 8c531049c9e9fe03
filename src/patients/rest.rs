//! `GET /api/patients`: the registry search.

use super::{registry, PatientSummary};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::Query;
use axum::extract::{FromRef, State};
use serde::Deserialize;
use sqlx::PgPool;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the name (3 letters or more), an MRN (`MRN42`), 4 or more digits of the phone
    /// number, or a date of birth (`YYYY-MM-DD`). Empty: everyone the caller may list.
    pub q: Option<String>,
    /// 1 and up; 20 a page.
    pub page: Option<i64>,
}

#[utoipa::path(get, path = "/api/patients", tag = "patients", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, description = "Patients found (staff, nurses and admins: everyone; doctors: their own patients). Registry fields only; audited.", body = Vec<PatientSummary>)))]
pub async fn search(
    State(pool): State<PgPool>,
    actor: Actor,
    Query(query): Query<SearchQuery>,
) -> AppResult<axum::Json<Vec<PatientSummary>>> {
    let q = query.q.unwrap_or_default();
    Ok(axum::Json(registry::search(&mut *pool.acquire().await?, &actor, &q, query.page).await?))
}
