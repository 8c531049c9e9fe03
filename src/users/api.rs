//! Server functions for user management, the outbox and the audit log.

use super::{OutboxMessage, UserSummary};
use crate::audit::AuditRecord;
use crate::auth::Role;
use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::auth::actor::current_actor, crate::auth::sign_ins::SignIns, crate::clinic::Clinic, crate::extract::from_context, std::sync::Arc,
};

#[server(prefix = "/sfn", endpoint = "users")]
pub async fn list_users(role: Option<Role>, q: Option<String>) -> Result<Vec<UserSummary>, ApiError> {
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::list(&mut conn, &current_actor()?, &super::UserFilter { role, q, page: None }).await?)
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "create_account")]
pub async fn create_account(
    name: String,
    email: String,
    password: String,
    role: String,
    specialization: Option<String>,
    city: Option<String>,
    license_number: Option<String>,
    experience_years: Option<String>,
    fee: Option<String>,
) -> Result<UserSummary, ApiError> {
    use crate::error::AppError;
    let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let experience_years = blank(&experience_years)
        .map(|v| v.parse::<i32>().map_err(|_| AppError::validation("Years of experience must be a whole number.")))
        .transpose()?;
    let fee_cents = blank(&fee)
        .map(|v| crate::money::Money::parse_minor(&v).ok_or_else(|| AppError::validation("Write the fee like 120 or 120.50.")))
        .transpose()?;
    let input = super::NewAccount {
        name,
        email,
        password,
        role,
        specialization,
        city,
        license_number,
        experience_years,
        fee_cents,
        currency: None,
    };
    let clinic = from_context::<Arc<Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::create(&mut conn, &clinic, &current_actor()?, input).await?)
}

#[server(prefix = "/sfn", endpoint = "verify_doctor")]
pub async fn verify_doctor(id: i64) -> Result<UserSummary, ApiError> {
    let sign_ins = from_context::<Arc<SignIns>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::verify_doctor(&mut conn, &sign_ins, &current_actor()?, id).await?)
}

#[server(prefix = "/sfn", endpoint = "verify_user_email")]
pub async fn verify_user_email(id: i64) -> Result<UserSummary, ApiError> {
    let sign_ins = from_context::<Arc<SignIns>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::verify_email(&mut conn, &sign_ins, &current_actor()?, id).await?)
}

#[server(prefix = "/sfn", endpoint = "deactivate_user")]
pub async fn deactivate_user(id: i64) -> Result<UserSummary, ApiError> {
    let sign_ins = from_context::<Arc<SignIns>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::deactivate(&mut conn, &sign_ins, &current_actor()?, id).await?)
}

#[server(prefix = "/sfn", endpoint = "outbox")]
pub async fn get_outbox() -> Result<Vec<OutboxMessage>, ApiError> {
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::outbox(&mut conn, &current_actor()?).await?)
}

#[server(prefix = "/sfn", endpoint = "audit")]
pub async fn search_audit(action: Option<String>, outcome: Option<String>) -> Result<Vec<AuditRecord>, ApiError> {
    let mut conn = crate::extract::connection().await?;
    let query = crate::audit::AuditQuery { action, outcome, limit: Some(200), ..Default::default() };
    Ok(crate::audit::search(&mut conn, &current_actor()?, &query).await?)
}

/// The audit chain at its latest verification (admins).
#[server(prefix = "/sfn", endpoint = "audit_chain")]
pub async fn audit_chain_state() -> Result<Option<crate::audit::ChainState>, ApiError> {
    let mut conn = crate::extract::connection().await?;
    Ok(crate::audit::chain_state(&mut conn, &current_actor()?).await?)
}

/// "Verify now" (admins): recomputes the whole chain.
#[server(prefix = "/sfn", endpoint = "verify_audit_chain")]
pub async fn verify_audit_chain() -> Result<crate::audit::ChainState, ApiError> {
    let actor = current_actor()?;
    actor.require_role(&[crate::auth::Role::Admin])?;
    let mut conn = crate::extract::connection().await?;
    let state = crate::audit::verify_and_record(&mut conn, crate::audit::VerifiedBy::Admin).await?;
    let entry = crate::audit::Entry::new("audit.verify").by(&actor).detail(if state.intact { "intact" } else { "broken" });
    crate::audit::record(&mut conn, entry).await?;
    Ok(state)
}
