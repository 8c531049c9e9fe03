//! `GET /api/patients`: the registry search; `POST /api/patients`: a walk-in's registration;
//! `GET|PUT /api/patients/{id}`: a registration.

use super::{record, registration, registry, NewPatient, PatientRecord, PatientSummary};
use crate::auth::actor::Actor;
use crate::auth::sign_ins::SignIns;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use crate::profile::ProfileUpdate;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
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
    Arc<SignIns>: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(search, register)).routes(routes!(get_record, update_record))
}

#[utoipa::path(get, path = "/api/patients/{id}", tag = "patients", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The registration (the desk, nurses, admins; doctors who may open the chart; the patient). Audited.", body = PatientRecord),
              (status = 404, description = "No such patient, or not one the caller may see.")))]
pub async fn get_record(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<PatientRecord>> {
    Ok(axum::Json(record::get(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/patients/{id}", tag = "patients", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")), request_body = ProfileUpdate,
    responses((status = 200, description = "The corrected registration (the desk, nurses, admins): absent fields stay, an empty string clears an optional one; a new email must be confirmed again.", body = PatientRecord)))]
pub async fn update_record(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(update): Json<ProfileUpdate>,
) -> AppResult<axum::Json<PatientRecord>> {
    Ok(axum::Json(record::update(&mut *pool.acquire().await?, &clinic, &sign_ins, &actor, id, update).await?))
}

#[utoipa::path(post, path = "/api/patients", tag = "patients", security(("bearer" = [])), request_body = NewPatient,
    responses((status = 201, description = "The walk-in's registration with its MRN (the front desk and admins). With an email the patient is sent a link to choose a password; without one they have no sign-in. Audited.", body = PatientRecord),
              (status = 409, description = "A patient with the same name and date of birth is registered already (send `confirm_duplicate: true` for a different person), or the email belongs to an account.")))]
pub async fn register(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewPatient>,
) -> AppResult<(StatusCode, axum::Json<PatientRecord>)> {
    let registered = registration::register(&mut *pool.acquire().await?, &clinic, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(registered)))
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
