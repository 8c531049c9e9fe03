//! `/api/reports/revenue-summary` and `/api/reports/patient-summary`, as JSON and as CSV.

use super::service::{self, Report};
use super::{PatientSummaryReport, ReportQuery, RevenueSummary};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::Query;
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
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
        .routes(routes!(revenue_summary))
        .routes(routes!(revenue_csv))
        .routes(routes!(patient_summary))
        .routes(routes!(patients_csv))
}

#[utoipa::path(get, path = "/api/reports/revenue-summary", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "Billed, collected and outstanding in one currency over the range (default: the last twelve months), by month, doctor, specialization and payment method, and what is owed by age. Managers and admins; everyone else 403.", body = RevenueSummary),
              (status = 422, description = "A date that can't be read, from after to, more than ten years, or a currency that isn't a three-letter code.")))]
pub async fn revenue_summary(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(query): Query<ReportQuery>,
) -> AppResult<axum::Json<RevenueSummary>> {
    Ok(axum::Json(service::revenue(&mut *pool.acquire().await?, &clinic, &actor, &query).await?))
}

#[utoipa::path(get, path = "/api/reports/patient-summary", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "Patients registered (all, and new by month), visits and no-shows by month, age group and gender, the no-show rate, and patients by their number of visits. Managers and admins; everyone else 403.", body = PatientSummaryReport),
              (status = 422, description = "A date that can't be read, from after to, or more than ten years.")))]
pub async fn patient_summary(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(query): Query<ReportQuery>,
) -> AppResult<axum::Json<PatientSummaryReport>> {
    Ok(axum::Json(service::patients(&mut *pool.acquire().await?, &clinic, &actor, &query).await?))
}

#[utoipa::path(get, path = "/api/reports/revenue-summary.csv", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "One table of the revenue summary (`table`: by_month, by_doctor, by_specialization, by_method, ageing) as a CSV download, amounts in major units.", content_type = "text/csv", body = String),
              (status = 422, description = "An unknown table, or a bad range or currency.")))]
pub async fn revenue_csv(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(query): Query<ReportQuery>,
) -> AppResult<Response> {
    let (name, body) = service::csv(&mut *pool.acquire().await?, &clinic, &actor, Report::Revenue, &query).await?;
    Ok(download(&name, body))
}

#[utoipa::path(get, path = "/api/reports/patient-summary.csv", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "One table of the patient summary (`table`: by_month, by_age_group, by_gender, visit_frequency) as a CSV download.", content_type = "text/csv", body = String),
              (status = 422, description = "An unknown table or a bad range.")))]
pub async fn patients_csv(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(query): Query<ReportQuery>,
) -> AppResult<Response> {
    let (name, body) = service::csv(&mut *pool.acquire().await?, &clinic, &actor, Report::Patients, &query).await?;
    Ok(download(&name, body))
}

fn download(name: &str, body: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, crate::documents::rest::content_disposition("attachment", name)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, body).into_response()
}
