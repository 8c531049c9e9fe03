//! `/api/profile/export`, `/api/profile/access-log`, `DELETE /api/profile`,
//! `DELETE /api/patients/{id}`.

use super::{service, CloseAccount, ErasePatient, RecordAccess};
use crate::auth::actor::Actor;
use crate::auth::sign_ins::SignIns;
use crate::auth::throttle::Throttles;
use crate::clinic::Clinic;
use crate::documents::storage::DocumentStore;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRef, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
    Arc<SignIns>: FromRef<S>,
    Throttles: FromRef<S>,
    DocumentStore: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(export)).routes(routes!(access_log)).routes(routes!(close_account)).routes(routes!(erase_patient))
}

#[utoipa::path(get, path = "/api/profile/export", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, description = "Everything held about the caller, as one JSON document (a download).", body = Object)))]
pub async fn export(State(pool): State<PgPool>, actor: Actor) -> AppResult<impl IntoResponse> {
    let document = service::export(&mut *pool.acquire().await?, &actor).await?;
    let file = format!("attachment; filename=\"caduceus-data-{}.json\"", chrono::Utc::now().format("%Y-%m-%d"));
    Ok(([(header::CONTENT_DISPOSITION, file)], axum::Json(document)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// Older entries than this one (paging).
    pub before_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/profile/access-log", tag = "privacy", security(("bearer" = [])), params(AccessLogQuery),
    responses((status = 200, description = "Who viewed or changed the patient's record, newest first (patients only).", body = Vec<RecordAccess>)))]
pub async fn access_log(
    State(pool): State<PgPool>,
    actor: Actor,
    Query(query): Query<AccessLogQuery>,
) -> AppResult<axum::Json<Vec<RecordAccess>>> {
    Ok(axum::Json(service::record_accesses(&mut *pool.acquire().await?, &actor, query.before_id).await?))
}

#[utoipa::path(delete, path = "/api/profile", tag = "privacy", security(("bearer" = [])), request_body = CloseAccount,
    responses((status = 204, description = "The account and all the patient's data are deleted; every sign-in is ended."),
              (status = 403, description = "Wrong password, or not a patient account.")))]
pub async fn close_account(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    State(sign_ins): State<Arc<SignIns>>,
    State(throttles): State<Throttles>,
    State(store): State<DocumentStore>,
    actor: Actor,
    Json(input): Json<CloseAccount>,
) -> AppResult<StatusCode> {
    service::close_own_account(&pool, &clinic, &sign_ins, &throttles, &store, &actor, input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/patients/{id}", tag = "privacy", security(("bearer" = [])), request_body = ErasePatient,
    params(("id" = i64, Path, description = "The patient's id (`patient.patient_id` of the profile)")),
    responses((status = 204, description = "The patient's account and data are deleted (admins only).")))]
pub async fn erase_patient(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    State(sign_ins): State<Arc<SignIns>>,
    State(store): State<DocumentStore>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<ErasePatient>,
) -> AppResult<StatusCode> {
    service::erase_patient(&mut *pool.acquire().await?, &clinic, &sign_ins, &store, &actor, id, &input.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
