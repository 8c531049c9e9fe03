//! Server functions of the report pages; each calls the same use case as the REST API.

use super::{PatientSummaryReport, RevenueSummary};
use crate::error::ApiError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A report with the clinic's today, from which the page's range presets count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard<T> {
    pub report: T,
    pub today: NaiveDate,
}

#[cfg(feature = "ssr")]
fn query(from: Option<String>, to: Option<String>, currency: Option<String>) -> super::ReportQuery {
    super::ReportQuery { from, to, currency, table: None }
}

#[cfg(feature = "ssr")]
fn today() -> Result<NaiveDate, ApiError> {
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    Ok(clinic.today())
}

#[server(prefix = "/sfn", endpoint = "revenue_report")]
pub async fn revenue_report(
    from: Option<String>,
    to: Option<String>,
    currency: Option<String>,
) -> Result<Dashboard<RevenueSummary>, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let report = super::service::revenue(&mut conn, &clinic, &current_actor()?, &query(from, to, currency)).await?;
    Ok(Dashboard { report, today: today()? })
}

#[server(prefix = "/sfn", endpoint = "patient_report")]
pub async fn patient_report(from: Option<String>, to: Option<String>) -> Result<Dashboard<PatientSummaryReport>, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let report = super::service::patients(&mut conn, &clinic, &current_actor()?, &query(from, to, None)).await?;
    Ok(Dashboard { report, today: today()? })
}

/// The last 30 days, for the dashboard's panel (a month so far is empty on its first days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Glance {
    pub currency: String,
    pub billed_cents: i64,
    pub collected_cents: i64,
    pub outstanding_cents: i64,
    pub visits: i64,
    pub new_patients: i64,
    /// The no-show rate in tenths of a percent: an integer, so that the dashboard's code needs
    /// no floating-point formatting (a first-load page, kept small).
    pub no_show_permille: i64,
}

#[server(prefix = "/sfn", endpoint = "month_glance")]
pub async fn month_glance() -> Result<Glance, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let actor = current_actor()?;
    let mut conn = crate::extract::connection().await?;
    let from = (today()? - chrono::Duration::days(29)).to_string();
    let revenue = super::service::revenue(&mut conn, &clinic, &actor, &query(Some(from.clone()), None, None)).await?;
    let patients = super::service::patients(&mut conn, &clinic, &actor, &query(Some(from), None, None)).await?;
    Ok(Glance {
        currency: revenue.currency,
        billed_cents: revenue.totals.billed_cents,
        collected_cents: revenue.totals.collected_cents,
        outstanding_cents: revenue.totals.outstanding_cents,
        visits: patients.visits,
        new_patients: patients.new_patients,
        no_show_permille: (patients.no_show_rate * 1000.0).round() as i64,
    })
}
