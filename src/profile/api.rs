//! Server functions for the profile page.

use super::Profile;
use crate::error::ApiError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "profile")]
pub async fn get_profile() -> Result<Profile, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::get(&mut conn, &current_actor()?).await?)
}

/// Form fields arrive flat; absent ones (patient fields for staff) stay unchanged.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "update_profile")]
pub async fn update_profile(
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    date_of_birth: Option<String>,
    gender: Option<String>,
    blood_group: Option<String>,
    emergency_contact_name: Option<String>,
    emergency_contact_phone: Option<String>,
) -> Result<Profile, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::auth::sign_ins::SignIns;
    use crate::clinic::Clinic;
    use crate::extract::from_context;
    use std::sync::Arc;
    let (clinic, sign_ins) = (from_context::<Arc<Clinic>>()?, from_context::<Arc<SignIns>>()?);
    let mut conn = crate::extract::connection().await?;
    let update = super::ProfileUpdate {
        name,
        email,
        phone,
        address,
        date_of_birth,
        gender,
        blood_group,
        emergency_contact_name,
        emergency_contact_phone,
    };
    Ok(super::service::update(&mut conn, &clinic, &sign_ins, &current_actor()?, update).await?)
}
