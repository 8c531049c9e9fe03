//! Server functions for the directory and doctor pages.

use super::{DoctorCard, DoctorProfile};
use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::server::state::AppState;

/// Specializations and cities of listed doctors, for the directory filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub specializations: Vec<String>,
    pub cities: Vec<String>,
}

#[server(prefix = "/sfn", endpoint = "doctors")]
pub async fn search_doctors(specialization: Option<String>, city: Option<String>, q: Option<String>) -> Result<Vec<DoctorCard>, ApiError> {
    let state = AppState::from_context()?;
    Ok(super::service::search(&state, &super::DirectoryQuery { specialization, city, q, page: None }).await?)
}

#[server(prefix = "/sfn", endpoint = "doctor_facets")]
pub async fn directory_facets() -> Result<Facets, ApiError> {
    let state = AppState::from_context()?;
    let mut conn = state.pool.acquire().await.map_err(crate::error::AppError::from)?;
    let listed = "FROM doctors d JOIN users u ON u.id = d.user_id WHERE u.active AND u.verified_at IS NOT NULL";
    let specializations = sqlx::query_scalar(&format!("SELECT DISTINCT d.specialization {listed} ORDER BY 1"))
        .fetch_all(&mut *conn)
        .await
        .map_err(crate::error::AppError::from)?;
    let cities = sqlx::query_scalar(&format!("SELECT DISTINCT d.city {listed} AND d.city IS NOT NULL ORDER BY 1"))
        .fetch_all(&mut *conn)
        .await
        .map_err(crate::error::AppError::from)?;
    Ok(Facets { specializations, cities })
}

#[server(prefix = "/sfn", endpoint = "doctor")]
pub async fn get_doctor_profile(id: i64) -> Result<DoctorProfile, ApiError> {
    let state = AppState::from_context()?;
    let viewer = crate::auth::actor::current_actor().ok();
    Ok(super::service::profile(&state, viewer.as_ref(), id).await?)
}

/// Free slots on `date`; without a date, on the next day that has any (within 60 days).
#[server(prefix = "/sfn", endpoint = "doctor_slots")]
pub async fn doctor_slots(id: i64, date: Option<String>) -> Result<(String, Vec<String>), ApiError> {
    let state = AppState::from_context()?;
    let found = match date.filter(|d| !d.trim().is_empty()) {
        Some(date) => super::service::available_slots(&state, id, &date).await?,
        None => super::service::next_available_slots(&state, id).await?,
    };
    Ok((found.date, found.slots))
}

/// (rating, text, first name, date) of the newest reviews.
#[server(prefix = "/sfn", endpoint = "doctor_reviews")]
pub async fn doctor_reviews(id: i64) -> Result<Vec<(i16, String, String, String)>, ApiError> {
    let state = AppState::from_context()?;
    let reviews = super::service::reviews(&state, id).await?;
    Ok(reviews.into_iter().map(|r| (r.rating, r.text, r.patient_name, r.created_at.format("%B %Y").to_string())).collect())
}
