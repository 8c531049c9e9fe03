//! The chart page's upload: a server function taking the form as `multipart/form-data` (the
//! same form posts without JavaScript too), parsed into the use case's `Upload`.

use super::Report;
use crate::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

#[server(prefix = "/sfn", endpoint = "upload_document", input = MultipartFormData)]
pub async fn upload_document(data: MultipartData) -> Result<Report, ApiError> {
    use super::service::{self, Upload};
    use super::storage::DocumentStore;
    use crate::auth::actor::current_actor;
    use crate::error::AppError;
    let actor = current_actor()?;
    let store = crate::extract::from_context::<DocumentStore>()?;
    let mut form = data.into_inner().ok_or_else(|| AppError::BadRequest("Send the document as multipart/form-data.".into()))?;
    let (mut upload, mut patient_id) = (Upload::default(), None);
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
            "patient_id" => patient_id = text.trim().parse::<i64>().ok(),
            "title" => upload.title = Some(text),
            "kind" => upload.kind = Some(text),
            _ => {}
        }
    }
    let patient_id = patient_id.ok_or_else(|| AppError::BadRequest("The form names no patient.".into()))?;
    Ok(service::upload(&mut *crate::extract::connection().await?, &store, &actor, patient_id, upload).await?)
}

/// A form cut off by the upload limit is a 413; anything else unreadable a 400.
#[cfg(feature = "ssr")]
pub fn form_error(error: &(dyn std::error::Error + 'static)) -> crate::error::AppError {
    use crate::error::AppError;
    let mut cause = Some(error);
    while let Some(err) = cause {
        if err.is::<http_body_util::LengthLimitError>() || err.to_string().contains("length limit exceeded") {
            return AppError::PayloadTooLarge;
        }
        cause = err.source();
    }
    AppError::BadRequest("The upload could not be read as multipart/form-data.".into())
}
