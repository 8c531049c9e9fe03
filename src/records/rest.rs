//! `/api/patients/{id}/chart|history|allergies|vitals|break-glass`, `/api/allergies/{id}` and
//! `/api/break-glass`.

use super::{
    service, Allergy, AllergyList, AllergyStatusChange, BreakGlassGrant, BreakGlassRequest, Chart, HistoryEntry, NewAllergy,
    NewHistoryEntry, NewVitals, Vitals,
};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use sqlx::PgPool;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(chart))
        .routes(routes!(history, add_history))
        .routes(routes!(allergies, add_allergy))
        .routes(routes!(no_known_allergies))
        .routes(routes!(change_allergy))
        .routes(routes!(vitals, add_vitals))
        .routes(routes!(break_glass))
        .routes(routes!(break_glass_log))
}

#[utoipa::path(post, path = "/api/patients/{id}/break-glass", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")), request_body = BreakGlassRequest,
    responses((status = 201, description = "Emergency access to the chart for the clinic's break-glass time (4 hours by default); audited with the reason, which the patient sees.", body = BreakGlassGrant),
              (status = 409, description = "The doctor already has access.")))]
pub async fn break_glass(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<BreakGlassRequest>,
) -> AppResult<impl IntoResponse> {
    let grant = service::break_glass(&mut *pool.acquire().await?, &actor, id, input, clinic.break_glass_hours).await?;
    Ok((StatusCode::CREATED, axum::Json(grant)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 and up.
    pub page: Option<i64>,
}

#[utoipa::path(get, path = "/api/break-glass", tag = "records", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "Emergency accesses to charts, newest first, 100 a page (admins).", body = Vec<BreakGlassGrant>)))]
pub async fn break_glass_log(
    State(pool): State<PgPool>,
    actor: Actor,
    Query(query): Query<PageQuery>,
) -> AppResult<axum::Json<Vec<BreakGlassGrant>>> {
    Ok(axum::Json(service::break_glass_log(&mut *pool.acquire().await?, &actor, query.page).await?))
}

#[utoipa::path(get, path = "/api/patients/{id}/chart", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The patient, allergies, history and recent vitals in one read (audited).", body = Chart)))]
pub async fn chart(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Chart>> {
    Ok(axum::Json(service::chart(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/patients/{id}/history", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "Medical, surgical, family and social history (entries entered in error left out).", body = Vec<HistoryEntry>)))]
pub async fn history(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<HistoryEntry>>> {
    Ok(axum::Json(service::history(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/patients/{id}/history", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")), request_body = NewHistoryEntry,
    responses((status = 201, description = "The entry as recorded (doctors who treated the patient, nurses).", body = HistoryEntry)))]
pub async fn add_history(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewHistoryEntry>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::add_history(&mut *pool.acquire().await?, &actor, id, input).await?)))
}

#[utoipa::path(get, path = "/api/patients/{id}/allergies", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The allergies, and whether \"no known allergies\" was recorded.", body = AllergyList)))]
pub async fn allergies(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<AllergyList>> {
    Ok(axum::Json(service::allergies(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/patients/{id}/allergies", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")), request_body = NewAllergy,
    responses((status = 201, description = "The allergy as recorded.", body = Allergy),
              (status = 409, description = "An active allergy to that substance is already on file.")))]
pub async fn add_allergy(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewAllergy>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::add_allergy(&mut *pool.acquire().await?, &actor, id, input).await?)))
}

#[utoipa::path(post, path = "/api/patients/{id}/allergies/none-known", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "\"No known allergies\" recorded.", body = AllergyList),
              (status = 409, description = "Active allergies are on file.")))]
pub async fn no_known_allergies(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<AllergyList>> {
    Ok(axum::Json(service::mark_no_known_allergies(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/allergies/{id}", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The allergy's id")), request_body = AllergyStatusChange,
    responses((status = 200, description = "The allergy with its new status.", body = Allergy)))]
pub async fn change_allergy(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(change): Json<AllergyStatusChange>,
) -> AppResult<axum::Json<Allergy>> {
    Ok(axum::Json(service::change_allergy_status(&mut *pool.acquire().await?, &actor, id, change).await?))
}

#[utoipa::path(get, path = "/api/patients/{id}/vitals", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The newest 50 readings, newest first, each with its BMI where a weight and height are known.", body = Vec<Vitals>)))]
pub async fn vitals(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<Vitals>>> {
    Ok(axum::Json(service::vitals(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/patients/{id}/vitals", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")), request_body = NewVitals,
    responses((status = 201, description = "The reading as recorded (nurses, and doctors who treated the patient).", body = Vitals)))]
pub async fn add_vitals(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewVitals>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::add_vitals(&mut *pool.acquire().await?, &actor, id, input).await?)))
}
