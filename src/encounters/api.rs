//! Server functions of the visit-note and encounter pages. The note form is built in the
//! browser (rows of diagnoses and medicines come and go), so it posts JSON; the small forms
//! (addendum, entered in error) post as plain forms.

use super::{Diagnosis, Encounter, EncounterCorrection, EncounterDetail, NewEncounter};
use crate::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(prefix = "/sfn", endpoint = "write_encounter", input = Json)]
pub async fn write_encounter(input: NewEncounter) -> Result<Encounter, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::create(&mut conn, &current_actor()?, input).await?)
}

#[server(prefix = "/sfn", endpoint = "correct_encounter", input = Json)]
pub async fn correct_encounter(id: i64, input: EncounterCorrection) -> Result<EncounterDetail, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::correct(&mut conn, &current_actor()?, id, input).await?)
}

#[server(prefix = "/sfn", endpoint = "encounter")]
pub async fn get_encounter(id: i64) -> Result<EncounterDetail, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::get(&mut conn, &current_actor()?, id).await?)
}

#[server(prefix = "/sfn", endpoint = "add_addendum")]
pub async fn add_addendum(id: i64, text: String) -> Result<Encounter, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::add_addendum(&mut conn, &current_actor()?, id, super::NewAddendum { text }).await?)
}

#[server(prefix = "/sfn", endpoint = "encounter_in_error")]
pub async fn mark_encounter_in_error(id: i64, reason: String) -> Result<Encounter, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::mark_in_error(&mut conn, &current_actor()?, id, super::EnteredInError { reason }).await?)
}

/// The note already written for a visit, if any.
#[server(prefix = "/sfn", endpoint = "visit_note_of")]
pub async fn visit_note_of(appointment_id: i64) -> Result<Option<i64>, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::note_of_visit(&mut conn, &current_actor()?, appointment_id).await?)
}

/// The diagnosis field's type-ahead.
#[server(prefix = "/sfn", endpoint = "icd10")]
pub async fn suggest_diagnoses(q: String) -> Result<Vec<Diagnosis>, ApiError> {
    use crate::auth::actor::current_actor;
    Ok(super::service::suggest_codes(&current_actor()?, &q)?)
}
