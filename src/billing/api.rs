//! Server functions of the billing pages; each calls the same use case as the REST API. Their
//! arguments are the forms' fields, so every form posts without JavaScript too; amounts are
//! typed in major units ("120.50") and parsed here once.

use super::claims::{Claim, Policy};
use super::{Invoice, InvoicePage, Receipt};
use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One line of the new-invoice form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineForm {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
}

#[cfg(feature = "ssr")]
fn minor_units(raw: &str, what: &str) -> Result<i64, crate::error::AppError> {
    crate::money::Money::parse_minor(raw).ok_or_else(|| crate::error::AppError::validation(format!("Enter the {what} like 120 or 120.50.")))
}

#[cfg(feature = "ssr")]
fn method(raw: &str) -> Result<super::PaymentMethod, crate::error::AppError> {
    super::PaymentMethod::parse(raw).ok_or_else(|| crate::error::AppError::validation("Choose how it was paid."))
}

#[server(prefix = "/sfn", endpoint = "bills")]
pub async fn load_bills(status: Option<String>, patient_id: Option<i64>, page: Option<i64>) -> Result<InvoicePage, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    let query = super::InvoiceQuery { status: status.filter(|s| !s.is_empty()), patient_id, page };
    Ok(super::service::list(&mut conn, &current_actor()?, query).await?)
}

/// What is owed (the dashboard's panel).
#[server(prefix = "/sfn", endpoint = "outstanding_bills")]
pub async fn outstanding_bills() -> Result<Vec<super::Outstanding>, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::outstanding(&mut conn, &current_actor()?).await?)
}

/// What the bill's page shows: the invoice, its insurance claims, and the patient's policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSheet {
    pub invoice: Invoice,
    pub claims: Vec<Claim>,
    pub policies: Vec<Policy>,
}

#[server(prefix = "/sfn", endpoint = "invoice")]
pub async fn get_invoice(id: i64) -> Result<InvoiceSheet, ApiError> {
    use crate::auth::actor::current_actor;
    let actor = current_actor()?;
    let mut conn = crate::extract::connection().await?;
    let invoice = super::service::get(&mut conn, &actor, id).await?;
    let query = super::claims::ClaimQuery { invoice_id: Some(id), ..Default::default() };
    let claims = super::claims_service::list(&mut conn, &actor, query).await?;
    let policies = super::claims_service::policies(&mut conn, &actor, invoice.patient_id).await?;
    Ok(InvoiceSheet { invoice, claims, policies })
}

/// The desk's new-invoice form: the patient by MRN or number, lines (blank ones skipped).
#[server(prefix = "/sfn", endpoint = "create_invoice")]
pub async fn create_invoice(patient: String, currency: String, lines: Vec<LineForm>, draft: Option<String>) -> Result<Invoice, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::error::AppError;
    let patient_id = crate::patients::parse_patient_reference(&patient)
        .ok_or_else(|| AppError::validation("Enter the patient's MRN (MRN00000042) or number."))?;
    let mut parsed = Vec::new();
    for (index, line) in lines.iter().enumerate().filter(|(_, l)| !l.description.trim().is_empty()) {
        let quantity = match line.quantity.trim() {
            "" => 1,
            q => q.parse().map_err(|_| AppError::validation(format!("Line {}: the quantity must be a whole number.", index + 1)))?,
        };
        let unit_price_cents = minor_units(&line.unit_price, &format!("price of line {}", index + 1))?;
        parsed.push(super::NewLine { description: line.description.clone(), quantity, unit_price_cents });
    }
    let input = super::NewInvoice { patient_id, lines: parsed, currency, appointment_id: None, draft: draft.is_some() };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::create(&mut conn, &clinic, &current_actor()?, input).await?)
}

/// Issue a draft (`action` = `issued`) or void an invoice (`void`, with a reason).
#[server(prefix = "/sfn", endpoint = "change_invoice")]
pub async fn change_invoice(id: i64, action: String, reason: Option<String>) -> Result<Invoice, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let change = super::InvoiceUpdate { lines: None, status: Some(action), reason };
    Ok(super::service::update(&mut conn, &clinic, &current_actor()?, id, change).await?)
}

/// A payment: the patient's card online, or what the desk received.
#[server(prefix = "/sfn", endpoint = "pay_invoice")]
pub async fn pay_invoice(
    id: i64,
    amount: String,
    method: String,
    reference: Option<String>,
    card_number: Option<String>,
) -> Result<Receipt, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::NewPayment {
        amount_cents: minor_units(&amount, "amount")?,
        method: self::method(&method)?,
        reference: reference.filter(|r| !r.trim().is_empty()),
        card_token: card_number,
    };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let payments = crate::extract::from_context::<super::provider::Payments>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::pay(&mut conn, &clinic, &payments, &current_actor()?, id, input).await?)
}

#[server(prefix = "/sfn", endpoint = "refund_invoice")]
pub async fn refund_invoice(id: i64, amount: String, method: String, reason: String) -> Result<Receipt, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::NewRefund { amount_cents: minor_units(&amount, "amount")?, method: self::method(&method)?, reason, reference: None };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::refund(&mut conn, &clinic, &current_actor()?, id, input).await?)
}

#[server(prefix = "/sfn", endpoint = "credit_invoice")]
pub async fn credit_invoice(id: i64, amount: String, reason: String) -> Result<Invoice, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::NewCreditNote { amount_cents: minor_units(&amount, "amount")?, reason };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::credit(&mut conn, &clinic, &current_actor()?, id, input).await?)
}

#[server(prefix = "/sfn", endpoint = "receipt")]
pub async fn get_receipt(id: i64) -> Result<Receipt, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::receipt(&mut conn, &current_actor()?, id).await?)
}

/// The desk claims part of a bill from one of the patient's policies.
#[server(prefix = "/sfn", endpoint = "submit_claim")]
pub async fn submit_claim(invoice_id: i64, policy_id: i64, amount: String) -> Result<Claim, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::claims::NewClaim { invoice_id, policy_id, amount_cents: minor_units(&amount, "amount claimed")? };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::claims_service::submit(&mut conn, &clinic, &current_actor()?, input).await?)
}

/// The insurer's answer: the claim's next status, with the approved amount or the reason.
#[server(prefix = "/sfn", endpoint = "update_claim")]
pub async fn update_claim(id: i64, status: String, approved: Option<String>, reason: Option<String>) -> Result<Claim, ApiError> {
    use crate::auth::actor::current_actor;
    let approved_cents = match approved.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(text) => Some(minor_units(text, "approved amount")?),
        None => None,
    };
    let change = super::claims::ClaimUpdate { status, approved_cents, reason };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::claims_service::update(&mut conn, &clinic, &current_actor()?, id, change).await?)
}

#[server(prefix = "/sfn", endpoint = "add_policy")]
pub async fn add_policy(
    patient_id: i64,
    payer: String,
    member_id: String,
    plan: Option<String>,
    valid_from: Option<String>,
    valid_to: Option<String>,
) -> Result<Policy, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::claims::NewPolicy { payer, member_id, plan, valid_from, valid_to };
    let mut conn = crate::extract::connection().await?;
    Ok(super::claims_service::add_policy(&mut conn, &current_actor()?, patient_id, input).await?)
}
