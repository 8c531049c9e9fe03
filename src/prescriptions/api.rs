//! Server functions of the medications and refill pages; each calls the same use case as the
//! REST API. Forms post their fields as text, so that they work without JavaScript too.

use super::{PatientPrescription, RefillRequest};
use crate::error::ApiError;
use crate::patients::TreatingDoctor;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the patient's medications page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Medications {
    pub prescriptions: Vec<PatientPrescription>,
    pub requests: Vec<RefillRequest>,
    /// The doctors the patient may ask for a new medicine.
    pub doctors: Vec<TreatingDoctor>,
    /// The server's clock, which decides what is current (the browser's has no say).
    pub now: chrono::DateTime<chrono::Utc>,
}

#[server(prefix = "/sfn", endpoint = "medications")]
pub async fn load_medications() -> Result<Medications, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::error::AppError;
    let actor = current_actor()?;
    let mut conn = crate::extract::connection().await?;
    let prescriptions = super::service::list(&mut conn, &actor, Default::default()).await?;
    let requests = super::service::list_requests(&mut conn, &actor, Default::default()).await?;
    let patient_id =
        crate::patients::access::patient_id_of_user(&mut conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    let doctors = crate::patients::access::doctors_of_patient(&mut conn, patient_id).await?;
    Ok(Medications { prescriptions, requests, doctors, now: chrono::Utc::now() })
}

#[server(prefix = "/sfn", endpoint = "request_refill")]
pub async fn request_refill(prescription_id: i64, note: String) -> Result<RefillRequest, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let input = super::NewRefillRequest { note: Some(note) };
    Ok(super::service::request_refill(&mut conn, &clinic, &current_actor()?, prescription_id, input).await?)
}

#[server(prefix = "/sfn", endpoint = "request_medicine")]
pub async fn request_medicine(doctor_id: String, drug: String, note: String) -> Result<RefillRequest, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::error::AppError;
    let doctor_id = doctor_id.trim().parse::<i64>().map_err(|_| AppError::validation("Choose one of your doctors."))?;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let input = super::NewMedicineRequest { doctor_id, drug, note: Some(note) };
    Ok(super::service::request_medicine(&mut conn, &clinic, &current_actor()?, input).await?)
}

/// The doctor's queue (pending first) and what they decided lately.
#[server(prefix = "/sfn", endpoint = "refill_queue")]
pub async fn load_refill_queue() -> Result<Vec<RefillRequest>, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::list_requests(&mut conn, &current_actor()?, Default::default()).await?)
}

/// An optional whole number from a form field ("" is none).
#[cfg(feature = "ssr")]
fn whole_number(raw: &str, what: &str) -> Result<Option<i32>, crate::error::AppError> {
    match raw.trim() {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(|_| crate::error::AppError::validation(format!("The {what} must be a whole number."))),
    }
}

/// Approves a request; a new medicine's prescription comes from the form's fields (`drug`
/// empty for a refill).
#[server(prefix = "/sfn", endpoint = "approve_refill")]
pub async fn approve_refill(
    id: i64,
    note: String,
    drug: Option<String>,
    dose: Option<String>,
    frequency: Option<String>,
    quantity: Option<String>,
    refills: Option<String>,
) -> Result<RefillRequest, ApiError> {
    use crate::auth::actor::current_actor;
    let prescription = match drug.filter(|d| !d.trim().is_empty()) {
        None => None,
        Some(drug) => Some(super::PrescriptionInput {
            drug,
            dose: dose.unwrap_or_default(),
            frequency: frequency.unwrap_or_default(),
            quantity: whole_number(quantity.as_deref().unwrap_or(""), "quantity")?,
            refills: whole_number(refills.as_deref().unwrap_or(""), "number of refills")?,
            ..Default::default()
        }),
    };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let input = super::RefillApproval { note, prescription };
    Ok(super::service::approve(&mut conn, &clinic, &current_actor()?, id, input).await?)
}

#[server(prefix = "/sfn", endpoint = "deny_refill")]
pub async fn deny_refill(id: i64, note: String) -> Result<RefillRequest, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::deny(&mut conn, &clinic, &current_actor()?, id, super::RefillDenial { note }).await?)
}

/// How many requests wait for the doctor (the dashboard's panel).
#[server(prefix = "/sfn", endpoint = "pending_refill_count")]
pub async fn pending_refill_count() -> Result<i64, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::pending_count(&mut conn, &current_actor()?).await?)
}
