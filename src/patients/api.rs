//! The server function of the patients page.

use super::PatientSummary;
use crate::error::ApiError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "patients")]
pub async fn search_patients(q: String, page: Option<i64>) -> Result<Vec<PatientSummary>, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::registry::search(&mut conn, &current_actor()?, &q, page).await?)
}
