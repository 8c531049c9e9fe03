//! `/api/medical-records`, `/api/patients/{id}/medical-records` and `/api/icd10`.

use super::service::{self, EncounterPage};
use super::{Diagnosis, Encounter, EncounterCorrection, EncounterDetail, EnteredInError, NewAddendum, NewEncounter};
use crate::auth::actor::Actor;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
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
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(list))
        .routes(routes!(get, correct, mark_in_error))
        .routes(routes!(add_addendum))
        .routes(routes!(icd10))
}

#[utoipa::path(post, path = "/api/medical-records", tag = "encounters", security(("bearer" = [])), request_body = NewEncounter,
    responses((status = 201, description = "The encounter as written (doctors who treat the patient).", body = Encounter),
              (status = 409, description = "The visit already has a note."),
              (status = 422, description = "An unknown ICD-10 code, a missing field, or a drug the patient is allergic to without override_reason.")))]
pub async fn create(State(pool): State<PgPool>, actor: Actor, Json(input): Json<NewEncounter>) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::create(&mut *pool.acquire().await?, &actor, input).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1 and up.
    pub page: Option<i64>,
    /// Include encounters entered in error (clinicians and admins; ignored for patients).
    pub include_entered_in_error: Option<bool>,
}

#[utoipa::path(get, path = "/api/patients/{id}/medical-records", tag = "encounters", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id"), ListQuery),
    responses((status = 200, description = "The patient's encounters, newest first, 50 a page (audited).", body = EncounterPage)))]
pub async fn list(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> AppResult<axum::Json<EncounterPage>> {
    let with_errors = query.include_entered_in_error.unwrap_or(false);
    Ok(axum::Json(service::list(&mut *pool.acquire().await?, &actor, id, query.page, with_errors).await?))
}

#[utoipa::path(get, path = "/api/medical-records/{id}", tag = "encounters", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The encounter's id")),
    responses((status = 200, description = "The encounter, its earlier versions and what the reader may do with it (audited).", body = EncounterDetail)))]
pub async fn get(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<EncounterDetail>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/medical-records/{id}", tag = "encounters", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The encounter's id")), request_body = EncounterCorrection,
    responses((status = 200, description = "Corrected; the version it replaced is kept.", body = EncounterDetail),
              (status = 403, description = "Not the author: add an addendum."),
              (status = 409, description = "Past the 24-hour window, or entered in error: add an addendum.")))]
pub async fn correct(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<EncounterCorrection>,
) -> AppResult<axum::Json<EncounterDetail>> {
    Ok(axum::Json(service::correct(&mut *pool.acquire().await?, &actor, id, input).await?))
}

#[utoipa::path(delete, path = "/api/medical-records/{id}", tag = "encounters", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The encounter's id")), request_body = EnteredInError,
    responses((status = 200, description = "Marked entered in error (its author or an admin): hidden from the chart, kept.", body = Encounter)))]
pub async fn mark_in_error(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<EnteredInError>,
) -> AppResult<axum::Json<Encounter>> {
    Ok(axum::Json(service::mark_in_error(&mut *pool.acquire().await?, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/medical-records/{id}/addenda", tag = "encounters", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The encounter's id")), request_body = NewAddendum,
    responses((status = 201, description = "The encounter with the addendum appended.", body = Encounter)))]
pub async fn add_addendum(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewAddendum>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::add_addendum(&mut *pool.acquire().await?, &actor, id, input).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// Part of a code ("E11") or words of its description ("type 2 diabetes").
    pub q: String,
}

#[utoipa::path(get, path = "/api/icd10", tag = "encounters", security(("bearer" = [])), params(CodeQuery),
    responses((status = 200, description = "Up to 20 ICD-10-CM codes for the diagnosis field's type-ahead.", body = Vec<Diagnosis>)))]
pub async fn icd10(actor: Actor, Query(query): Query<CodeQuery>) -> AppResult<axum::Json<Vec<Diagnosis>>> {
    Ok(axum::Json(service::suggest_codes(&actor, &query.q)?))
}
