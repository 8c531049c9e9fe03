//! Server functions of the x-ray pages; each calls the same use case as the REST API.

use super::{Xray, XrayDetail};
use crate::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

/// What the x-rays page shows: a patient's own x-rays, or a doctor's reading worklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XraysOverview {
    pub mine: Vec<Xray>,
    pub worklist: Vec<Xray>,
}

#[server(prefix = "/sfn", endpoint = "xrays")]
pub async fn load_xrays_page() -> Result<XraysOverview, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::auth::Role;
    let actor = current_actor()?;
    let mut conn = crate::extract::connection().await?;
    Ok(match actor.role {
        Role::Patient => XraysOverview { mine: super::service::list_own(&mut conn, &actor).await?, worklist: Vec::new() },
        Role::Doctor => XraysOverview { mine: Vec::new(), worklist: super::service::worklist(&mut conn, &actor).await? },
        _ => XraysOverview { mine: Vec::new(), worklist: Vec::new() },
    })
}

#[server(prefix = "/sfn", endpoint = "xray")]
pub async fn get_xray(id: i64) -> Result<XrayDetail, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::get(&mut conn, &current_actor()?, id).await?)
}

/// The result form: `expected_version` is the version the doctor saw, so a result written
/// meanwhile by someone else is not silently replaced.
#[server(prefix = "/sfn", endpoint = "write_xray_result")]
pub async fn write_xray_result(id: i64, result: String, expected_version: i32) -> Result<XrayDetail, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let input = super::ResultInput { result, expected_version: Some(expected_version) };
    Ok(super::service::write_result(&mut conn, &clinic, &current_actor()?, id, input).await?)
}

/// How many x-rays wait on the doctor's worklist (the dashboard).
#[server(prefix = "/sfn", endpoint = "xray_worklist_count")]
pub async fn xray_worklist_count() -> Result<i64, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::worklist_count(&mut conn, &current_actor()?).await?)
}

/// The upload form, as `multipart/form-data` (it posts without JavaScript too).
#[server(prefix = "/sfn", endpoint = "upload_xray", input = MultipartFormData)]
pub async fn upload_xray(data: MultipartData) -> Result<Xray, ApiError> {
    use super::service::{self, Upload};
    use crate::auth::actor::current_actor;
    use crate::documents::api::form_error;
    use crate::documents::storage::DocumentStore;
    use crate::error::AppError;
    let actor = current_actor()?;
    let store = crate::extract::from_context::<DocumentStore>()?;
    let mut form = data.into_inner().ok_or_else(|| AppError::BadRequest("Send the x-ray as multipart/form-data.".into()))?;
    let mut upload = Upload::default();
    while let Some(field) = form.next_field().await.map_err(|e| form_error(&e))? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            upload.file_name = field.file_name().map(str::to_owned);
            upload.bytes = Some(field.bytes().await.map_err(|e| form_error(&e))?.to_vec());
            continue;
        }
        let text = field.text().await.map_err(|e| form_error(&e))?;
        crate::extract::check_text(&text)?;
        match name.as_str() {
            "patient_id" => upload.patient_id = text.trim().parse::<i64>().ok(),
            "name" => upload.name = Some(text),
            "type" => upload.kind = Some(text),
            "description" => upload.description = Some(text),
            _ => {}
        }
    }
    Ok(service::upload(&mut *crate::extract::connection().await?, &store, &actor, upload).await?)
}
