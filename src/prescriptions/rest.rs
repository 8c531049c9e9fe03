//! `/api/prescriptions…` and `/api/refill-requests…`.

use super::{
    service, NewMedicineRequest, NewRefillRequest, PatientPrescription, PrescriptionQuery, RefillApproval, RefillDenial, RefillQuery,
    RefillRequest,
};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(to_dispense))
        .routes(routes!(request_refill))
        .routes(routes!(request_medicine, list_requests))
        .routes(routes!(approve))
        .routes(routes!(deny))
}

#[utoipa::path(get, path = "/api/prescriptions", tag = "prescriptions", security(("bearer" = [])), params(PrescriptionQuery),
    responses((status = 200, description = "A patient's prescriptions, current first: the caller's own (patients), or those of `patient_id` for whoever may read that chart (the patient's doctors, nurses, admins). With refills written and used, fills and the last fill. Audited.", body = Vec<PatientPrescription>),
              (status = 422, description = "`patient_id` missing (callers other than patients).")))]
pub async fn list(
    State(pool): State<PgPool>,
    actor: Actor,
    Query(query): Query<PrescriptionQuery>,
) -> AppResult<axum::Json<Vec<PatientPrescription>>> {
    Ok(axum::Json(service::list(&mut *pool.acquire().await?, &actor, query).await?))
}

#[utoipa::path(get, path = "/api/prescriptions/to-dispense", tag = "prescriptions", security(("bearer" = [])),
    responses((status = 200, description = "The pharmacy's queue (staff, admins), oldest first: approved refills, and prescriptions of the last 30 days not yet filled. Audited on each patient.", body = Vec<PatientPrescription>)))]
pub async fn to_dispense(State(pool): State<PgPool>, actor: Actor) -> AppResult<axum::Json<Vec<PatientPrescription>>> {
    Ok(axum::Json(service::to_dispense(&mut *pool.acquire().await?, &actor).await?))
}

#[utoipa::path(post, path = "/api/prescriptions/{id}/refill-requests", tag = "prescriptions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The prescription's id")), request_body = NewRefillRequest,
    responses((status = 201, description = "The request (the prescription's patient); the prescriber is notified.", body = RefillRequest),
              (status = 404, description = "No such prescription of the caller's."),
              (status = 409, description = "A request for this prescription is open already."),
              (status = 422, description = "No refills left, past its year, or no longer in use.")))]
pub async fn request_refill(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewRefillRequest>,
) -> AppResult<(StatusCode, axum::Json<RefillRequest>)> {
    let request = service::request_refill(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(request)))
}

#[utoipa::path(post, path = "/api/refill-requests", tag = "prescriptions", security(("bearer" = [])), request_body = NewMedicineRequest,
    responses((status = 201, description = "A request for a new medicine (patients), to one of their doctors, who is notified.", body = RefillRequest),
              (status = 422, description = "Empty medicine, or `doctor_id` is not a doctor the patient has seen.")))]
pub async fn request_medicine(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewMedicineRequest>,
) -> AppResult<(StatusCode, axum::Json<RefillRequest>)> {
    let request = service::request_medicine(&mut *pool.acquire().await?, &clinic, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(request)))
}

#[utoipa::path(get, path = "/api/refill-requests", tag = "prescriptions", security(("bearer" = [])), params(RefillQuery),
    responses((status = 200, description = "Patients: their requests. Doctors: those they may decide (asked of them, or of an away colleague for a patient of theirs), pending first and oldest first, with the last fill. Admins: all. Audited.", body = Vec<RefillRequest>)))]
pub async fn list_requests(
    State(pool): State<PgPool>,
    actor: Actor,
    Query(query): Query<RefillQuery>,
) -> AppResult<axum::Json<Vec<RefillRequest>>> {
    Ok(axum::Json(service::list_requests(&mut *pool.acquire().await?, &actor, query).await?))
}

#[utoipa::path(post, path = "/api/refill-requests/{id}/approve", tag = "prescriptions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request's id")), request_body = RefillApproval,
    responses((status = 200, description = "Approved: a refill uses one of the prescription's refills; a new medicine's prescription is written. The patient is notified.", body = RefillRequest),
              (status = 404, description = "No such request the caller may decide."),
              (status = 409, description = "Decided already."),
              (status = 422, description = "No note; no refills left or past its year; a new medicine without its prescription, or one the patient is allergic to without an override reason.")))]
pub async fn approve(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<RefillApproval>,
) -> AppResult<axum::Json<RefillRequest>> {
    Ok(axum::Json(service::approve(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/refill-requests/{id}/deny", tag = "prescriptions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request's id")), request_body = RefillDenial,
    responses((status = 200, description = "Denied with the doctor's note; the patient is notified.", body = RefillRequest),
              (status = 404, description = "No such request the caller may decide."),
              (status = 409, description = "Decided already.")))]
pub async fn deny(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<RefillDenial>,
) -> AppResult<axum::Json<RefillRequest>> {
    Ok(axum::Json(service::deny(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?))
}
