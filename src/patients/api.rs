//! The server functions of the patients pages.

use super::{PatientRecord, PatientSummary};
use crate::error::ApiError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "patients")]
pub async fn search_patients(q: String, page: Option<i64>) -> Result<Vec<PatientSummary>, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::registry::search(&mut conn, &current_actor()?, &q, page).await?)
}

/// Registers a walk-in from the desk's form (every field as typed; empty ones are absent).
/// `confirm_duplicate` is the form's checkbox: present when ticked.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "register_patient")]
pub async fn register_patient(
    name: String,
    date_of_birth: String,
    gender: String,
    email: String,
    phone: String,
    address: String,
    blood_group: String,
    emergency_contact_name: String,
    emergency_contact_phone: String,
    confirm_duplicate: Option<String>,
) -> Result<PatientRecord, ApiError> {
    use super::NewPatient;
    use crate::auth::actor::current_actor;
    use std::sync::Arc;
    let given = |text: String| (!text.trim().is_empty()).then_some(text);
    let patient = NewPatient {
        name,
        date_of_birth,
        gender: given(gender),
        email: given(email),
        phone: given(phone),
        address: given(address),
        blood_group: given(blood_group),
        emergency_contact_name: given(emergency_contact_name),
        emergency_contact_phone: given(emergency_contact_phone),
        confirm_duplicate: confirm_duplicate.is_some(),
    };
    let clinic = crate::extract::from_context::<Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::registration::register(&mut conn, &clinic, &current_actor()?, patient).await?)
}
