//! `/api/billing…` and `/api/receipts…`: invoices, payments, refunds, credit notes, receipts.

use super::claims::{Claim, ClaimQuery, ClaimUpdate, NewClaim, NewPolicy, Policy};
use super::claims_service;
use super::provider::Payments;
use super::{service, Invoice, InvoicePage, InvoiceQuery, InvoiceUpdate, NewCreditNote, NewInvoice, NewPayment, NewRefund, Receipt};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderValue, StatusCode};
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
    Payments: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(pay))
        .routes(routes!(refund))
        .routes(routes!(credit))
        .routes(routes!(receipt))
        .routes(routes!(receipt_pdf))
        .routes(routes!(claims, submit_claim))
        .routes(routes!(claim, update_claim))
        .routes(routes!(policies, add_policy))
}

#[utoipa::path(get, path = "/api/billing", tag = "billing", security(("bearer" = [])), params(InvoiceQuery),
    responses((status = 200, description = "Invoices, newest first, 25 a page, with what they owe by currency: a patient's own; every invoice (or one patient's) for staff and admins, audited on each patient shown. Managers, doctors and nurses: 403.", body = InvoicePage),
              (status = 422, description = "An unknown status or a page out of range.")))]
pub async fn list(State(pool): State<PgPool>, actor: Actor, Query(query): Query<InvoiceQuery>) -> AppResult<axum::Json<InvoicePage>> {
    Ok(axum::Json(service::list(&mut *pool.acquire().await?, &actor, query).await?))
}

#[utoipa::path(post, path = "/api/billing", tag = "billing", security(("bearer" = [])), request_body = NewInvoice,
    responses((status = 201, description = "The invoice (staff and admins), issued (the patient is notified) or a draft.", body = Invoice),
              (status = 409, description = "The visit already has an invoice."),
              (status = 422, description = "No lines, a line out of range, an unknown patient or currency, or a visit that isn't this patient's completed one.")))]
pub async fn create(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewInvoice>,
) -> AppResult<(StatusCode, axum::Json<Invoice>)> {
    let invoice = service::create(&mut *pool.acquire().await?, &clinic, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(invoice)))
}

#[utoipa::path(get, path = "/api/billing/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The invoice's id")),
    responses((status = 200, description = "The invoice with its lines, payments, refunds and credit notes (its patient, staff, admins; audited for the desk).", body = Invoice),
              (status = 404, description = "No such invoice, or another patient's.")))]
pub async fn get(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Invoice>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/billing/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The invoice's id")), request_body = InvoiceUpdate,
    responses((status = 200, description = "The invoice (staff and admins): a draft's new lines, a draft issued, or an invoice voided with a reason.", body = Invoice),
              (status = 409, description = "Lines sent for an issued invoice (void or credit it instead), already issued or void, or money still held (refund it first)."),
              (status = 422, description = "Bad lines, an unknown status, or no reason for a void.")))]
pub async fn update(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(change): Json<InvoiceUpdate>,
) -> AppResult<axum::Json<Invoice>> {
    Ok(axum::Json(service::update(&mut *pool.acquire().await?, &clinic, &actor, id, change).await?))
}

#[utoipa::path(post, path = "/api/billing/{id}/payments", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The invoice's id")), request_body = NewPayment,
    responses((status = 201, description = "The receipt: the patient paid online by card (`card_token`, charged through the payment provider), or the desk recorded cash, card, transfer or insurance.", body = Receipt),
              (status = 409, description = "The invoice is a draft, void or already paid."),
              (status = 422, description = "Not positive, more than the balance, or the card was declined.")))]
pub async fn pay(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    State(payments): State<Payments>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewPayment>,
) -> AppResult<(StatusCode, axum::Json<Receipt>)> {
    let receipt = service::pay(&mut *pool.acquire().await?, &clinic, &payments, &actor, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(receipt)))
}

#[utoipa::path(post, path = "/api/billing/{id}/refunds", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The invoice's id")), request_body = NewRefund,
    responses((status = 201, description = "The refund's receipt (staff and admins): money given back, with a reason, never more than was paid.", body = Receipt),
              (status = 422, description = "Not positive, more than was paid, or no reason.")))]
pub async fn refund(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewRefund>,
) -> AppResult<(StatusCode, axum::Json<Receipt>)> {
    let receipt = service::refund(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(receipt)))
}

#[utoipa::path(post, path = "/api/billing/{id}/credit-notes", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The invoice's id")), request_body = NewCreditNote,
    responses((status = 201, description = "The invoice, lowered by a credit note (staff and admins) with a reason.", body = Invoice),
              (status = 409, description = "The invoice is a draft or void."),
              (status = 422, description = "Not positive, more than the balance, or no reason.")))]
pub async fn credit(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewCreditNote>,
) -> AppResult<(StatusCode, axum::Json<Invoice>)> {
    let invoice = service::credit(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(invoice)))
}

#[utoipa::path(get, path = "/api/receipts/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The payment's or refund's id")),
    responses((status = 200, description = "The receipt (its patient, staff, admins).", body = Receipt),
              (status = 404, description = "No such receipt, or another patient's.")))]
pub async fn receipt(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Receipt>> {
    Ok(axum::Json(service::receipt(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/receipts/{id}/pdf", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The payment's or refund's id")),
    responses((status = 200, description = "The receipt as a one-page PDF.", content_type = "application/pdf", body = Vec<u8>),
              (status = 404, description = "No such receipt, or another patient's.")))]
pub async fn receipt_pdf(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let receipt = service::receipt(&mut *pool.acquire().await?, &actor, id).await?;
    let bytes = super::receipt::pdf(&receipt, clinic.timezone).map_err(|e| AppError::Internal(e.into()))?;
    let file_name = format!("receipt-{}.pdf", receipt.payment.receipt_number);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
        (header::CONTENT_DISPOSITION, crate::documents::rest::content_disposition("inline", &file_name)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok((headers, bytes).into_response())
}

#[utoipa::path(get, path = "/api/claims", tag = "billing", security(("bearer" = [])), params(ClaimQuery),
    responses((status = 200, description = "Insurance claims with their history, newest first (100 at most): a patient's own; every claim (or one patient's, one invoice's) for staff and admins, audited.", body = Vec<Claim>),
              (status = 422, description = "An unknown status.")))]
pub async fn claims(State(pool): State<PgPool>, actor: Actor, Query(query): Query<ClaimQuery>) -> AppResult<axum::Json<Vec<Claim>>> {
    Ok(axum::Json(claims_service::list(&mut *pool.acquire().await?, &actor, query).await?))
}

#[utoipa::path(post, path = "/api/claims", tag = "billing", security(("bearer" = [])), request_body = NewClaim,
    responses((status = 201, description = "The claim (staff and admins), submitted; the patient is notified.", body = Claim),
              (status = 409, description = "The invoice already has a claim in progress, or is a draft, void or paid."),
              (status = 422, description = "Not positive, more than the balance, or a policy that isn't the invoice's patient's.")))]
pub async fn submit_claim(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewClaim>,
) -> AppResult<(StatusCode, axum::Json<Claim>)> {
    let claim = claims_service::submit(&mut *pool.acquire().await?, &clinic, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(claim)))
}

#[utoipa::path(get, path = "/api/claims/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The claim's id")),
    responses((status = 200, description = "The claim with every change of its status (its patient, staff, admins).", body = Claim),
              (status = 404, description = "No such claim, or another patient's.")))]
pub async fn claim(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Claim>> {
    Ok(axum::Json(claims_service::get(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/claims/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The claim's id")), request_body = ClaimUpdate,
    responses((status = 200, description = "The claim at its next status (staff and admins): submitted → in_review → approved | partially_approved (`approved_cents`) | denied (`reason`) → paid, which records the insurer's payment on the invoice. The patient is notified.", body = Claim),
              (status = 422, description = "Any other move, or a partial approval without a fitting amount, a denial without a reason.")))]
pub async fn update_claim(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(change): Json<ClaimUpdate>,
) -> AppResult<axum::Json<Claim>> {
    Ok(axum::Json(claims_service::update(&mut *pool.acquire().await?, &clinic, &actor, id, change).await?))
}

#[utoipa::path(get, path = "/api/patients/{id}/insurance", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The patient's insurance policies (the patient, staff, admins).", body = Vec<Policy>),
              (status = 404, description = "No such patient, or another patient.")))]
pub async fn policies(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<Policy>>> {
    Ok(axum::Json(claims_service::policies(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/patients/{id}/insurance", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")), request_body = NewPolicy,
    responses((status = 201, description = "The policy, added by the patient or the desk.", body = Policy),
              (status = 409, description = "The same insurer and member number are already on file."),
              (status = 422, description = "A missing insurer or member number, a bad date, or an end before the start.")))]
pub async fn add_policy(
    State(pool): State<PgPool>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewPolicy>,
) -> AppResult<(StatusCode, axum::Json<Policy>)> {
    let policy = claims_service::add_policy(&mut *pool.acquire().await?, &actor, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(policy)))
}
