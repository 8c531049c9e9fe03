//! Server functions for the directory and doctor pages.

use super::{DoctorCard, DoctorProfile, Practice};
use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {crate::clinic::Clinic, crate::extract::connection, crate::extract::from_context, std::sync::Arc};

/// Specializations and cities of listed doctors, for the directory filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub specializations: Vec<String>,
    pub cities: Vec<String>,
}

#[server(prefix = "/sfn", endpoint = "doctors")]
pub async fn search_doctors(specialization: Option<String>, city: Option<String>, q: Option<String>) -> Result<Vec<DoctorCard>, ApiError> {
    let mut conn = connection().await?;
    Ok(super::service::search(&mut conn, &super::DirectoryQuery { specialization, city, q, page: None }).await?)
}

#[server(prefix = "/sfn", endpoint = "doctor_facets")]
pub async fn directory_facets() -> Result<Facets, ApiError> {
    let mut conn = connection().await?;
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
    let mut conn = connection().await?;
    let viewer = crate::auth::actor::current_actor().ok();
    Ok(super::service::profile(&mut conn, viewer.as_ref(), id).await?)
}

/// Free slots on `date`; without a date, on the next day that has any (within 60 days).
#[server(prefix = "/sfn", endpoint = "doctor_slots")]
pub async fn doctor_slots(id: i64, date: Option<String>) -> Result<(String, Vec<String>), ApiError> {
    let clinic = from_context::<Arc<Clinic>>()?;
    let mut conn = connection().await?;
    let found = match date.filter(|d| !d.trim().is_empty()) {
        Some(date) => super::service::available_slots(&mut conn, &clinic, id, &date).await?,
        None => super::service::next_available_slots(&mut conn, &clinic, id).await?,
    };
    Ok((found.date, found.slots))
}

/// (rating, text, first name, date) of the newest reviews.
#[server(prefix = "/sfn", endpoint = "doctor_reviews")]
pub async fn doctor_reviews(id: i64) -> Result<Vec<(i16, String, String, String)>, ApiError> {
    let reviews = super::service::reviews(&mut *connection().await?, id).await?;
    Ok(reviews.into_iter().map(|r| (r.rating, r.text, r.patient_name, r.created_at.format("%B %Y").to_string())).collect())
}

/// The signed-in doctor's own doctor id.
#[cfg(feature = "ssr")]
async fn own_doctor_id(conn: &mut sqlx::PgConnection, actor: &crate::auth::actor::Actor) -> Result<i64, crate::error::AppError> {
    actor.require_role(&[crate::auth::Role::Doctor])?;
    super::db::doctor_id_of_user(conn, actor.user_id).await?.ok_or_else(|| crate::error::AppError::not_found("Doctor"))
}

#[server(prefix = "/sfn", endpoint = "my_practice")]
pub async fn my_practice() -> Result<Practice, ApiError> {
    let mut conn = connection().await?;
    let actor = crate::auth::actor::current_actor()?;
    let id = own_doctor_id(&mut conn, &actor).await?;
    let profile = super::service::profile(&mut conn, Some(&actor), id).await?;
    let days_off = super::service::days_off(&mut conn, id).await?;
    Ok(Practice { profile, days_off })
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "save_practice")]
pub async fn save_practice(
    specialization: String,
    license_number: String,
    city: String,
    address: String,
    experience_years: String,
    fee: String,
    currency: String,
    bio: String,
    languages: String,
) -> Result<(), ApiError> {
    use crate::error::AppError;
    let mut conn = connection().await?;
    let actor = crate::auth::actor::current_actor()?;
    let id = own_doctor_id(&mut conn, &actor).await?;
    let experience_years =
        experience_years.trim().parse::<i32>().map_err(|_| AppError::validation("Years of experience is a whole number, like 12."))?;
    let fee_cents = crate::money::Money::parse_minor(&fee).ok_or_else(|| AppError::validation("Write the fee like 120 or 120.50."))?;
    let update = super::DoctorUpdate {
        specialization: Some(specialization),
        license_number: Some(license_number),
        city: Some(city),
        address: Some(address),
        experience_years: Some(experience_years),
        fee_cents: Some(fee_cents),
        currency: Some(currency),
        bio: Some(bio),
        languages: Some(languages.split(',').map(str::to_owned).collect()),
        weekly_schedule: None,
    };
    super::service::update(&mut conn, &actor, id, update).await?;
    Ok(())
}

/// The weekly hours, one text per weekday (see [`super::parse_day_hours`]).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "save_hours")]
pub async fn save_hours(
    monday: String,
    tuesday: String,
    wednesday: String,
    thursday: String,
    friday: String,
    saturday: String,
    sunday: String,
) -> Result<(), ApiError> {
    let mut conn = connection().await?;
    let actor = crate::auth::actor::current_actor()?;
    let id = own_doctor_id(&mut conn, &actor).await?;
    let mut blocks = Vec::new();
    for (weekday, text) in (1u8..).zip([monday, tuesday, wednesday, thursday, friday, saturday, sunday]) {
        blocks.extend(super::parse_day_hours(weekday, &text).map_err(crate::error::AppError::Validation)?);
    }
    let update = super::DoctorUpdate { weekly_schedule: Some(blocks), ..Default::default() };
    super::service::update(&mut conn, &actor, id, update).await?;
    Ok(())
}

#[server(prefix = "/sfn", endpoint = "add_day_off")]
pub async fn add_my_day_off(date: String, reason: Option<String>) -> Result<(), ApiError> {
    let mut conn = connection().await?;
    let actor = crate::auth::actor::current_actor()?;
    let id = own_doctor_id(&mut conn, &actor).await?;
    super::service::add_day_off(&mut conn, &actor, id, super::service::DayOffRequest { date, reason }).await?;
    Ok(())
}
