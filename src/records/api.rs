//! Server functions of the chart pages. Form fields arrive as text (so the forms post without
//! JavaScript too) and are parsed by the same rules as the REST API's JSON.

use super::{Allergy, AllergyList, BreakGlassGrant, Chart, HistoryEntry, Vitals};
use crate::error::ApiError;
use leptos::prelude::*;

/// A patient's chart; `None` is the signed-in patient's own ("My health record").
#[server(prefix = "/sfn", endpoint = "chart")]
pub async fn get_chart(patient_id: Option<i64>) -> Result<Chart, ApiError> {
    use crate::auth::actor::current_actor;
    let actor = current_actor()?;
    let mut conn = crate::extract::connection().await?;
    Ok(match patient_id {
        Some(id) => super::service::chart(&mut conn, &actor, id).await?,
        None => super::service::own_chart(&mut conn, &actor).await?,
    })
}

#[server(prefix = "/sfn", endpoint = "add_allergy")]
pub async fn add_allergy(patient_id: i64, substance: String, reaction: String, severity: String) -> Result<Allergy, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::NewAllergy { substance, reaction: Some(reaction), severity, status: None };
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::add_allergy(&mut conn, &current_actor()?, patient_id, input).await?)
}

#[server(prefix = "/sfn", endpoint = "no_known_allergies")]
pub async fn record_no_known_allergies(patient_id: i64) -> Result<AllergyList, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::mark_no_known_allergies(&mut conn, &current_actor()?, patient_id).await?)
}

#[server(prefix = "/sfn", endpoint = "allergy_status")]
pub async fn change_allergy_status(allergy_id: i64, status: String) -> Result<Allergy, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::change_allergy_status(&mut conn, &current_actor()?, allergy_id, super::AllergyStatusChange { status }).await?)
}

#[server(prefix = "/sfn", endpoint = "add_history")]
pub async fn add_history_entry(
    patient_id: i64,
    kind: String,
    name: String,
    date: String,
    description: String,
) -> Result<HistoryEntry, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::NewHistoryEntry { kind, name, date: Some(date), description: Some(description) };
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::add_history(&mut conn, &current_actor()?, patient_id, input).await?)
}

/// Vitals from the form: every field is optional text; an empty one is "not measured".
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "record_vitals")]
pub async fn record_vitals(
    patient_id: i64,
    systolic: String,
    diastolic: String,
    pulse: String,
    temperature_c: String,
    respiratory_rate: String,
    spo2: String,
    weight_kg: String,
    height_cm: String,
) -> Result<Vitals, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::NewVitals {
        systolic: form_number(&systolic, "Systolic pressure")?,
        diastolic: form_number(&diastolic, "Diastolic pressure")?,
        pulse: form_number(&pulse, "Pulse")?,
        temperature_c: form_number(&temperature_c, "Temperature")?,
        respiratory_rate: form_number(&respiratory_rate, "Respiratory rate")?,
        spo2: form_number(&spo2, "SpO2")?,
        weight_kg: form_number(&weight_kg, "Weight")?,
        height_cm: form_number(&height_cm, "Height")?,
    };
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::add_vitals(&mut conn, &current_actor()?, patient_id, input).await?)
}

/// A form's number field: empty is `None`, anything else must read as a number.
#[cfg(feature = "ssr")]
fn form_number<T: std::str::FromStr>(raw: &str, what: &str) -> Result<Option<T>, crate::error::AppError> {
    let text = raw.trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| crate::error::AppError::validation(format!("{what} must be a number.")))
}

/// Break-glass from the chart page: emergency access, with the reason.
#[server(prefix = "/sfn", endpoint = "break_glass")]
pub async fn break_glass(patient_id: i64, reason: String) -> Result<BreakGlassGrant, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let input = super::BreakGlassRequest { reason };
    Ok(super::service::break_glass(&mut conn, &current_actor()?, patient_id, input, clinic.break_glass_hours).await?)
}

/// Emergency accesses, for the admins' page.
#[server(prefix = "/sfn", endpoint = "break_glass_log")]
pub async fn break_glass_log() -> Result<Vec<BreakGlassGrant>, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::break_glass_log(&mut conn, &current_actor()?, None).await?)
}
