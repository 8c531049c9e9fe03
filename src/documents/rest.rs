//! `/api/patients/{id}/reports` and `/api/reports/{id}/file`.

use super::service::{self, Upload};
use super::storage::DocumentStore;
use super::{Report, ReportKind};
use crate::auth::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::extract::Path;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, FromRef, Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    DocumentStore: FromRef<S>,
{
    OpenApiRouter::new()
        // The whole request's size is limited outside (`server::body_limit`, the upload limit
        // for this route); axum's own 2 MB default for multipart would cut uploads short.
        .routes(routes!(list, upload))
        .routes(routes!(file))
        .layer(DefaultBodyLimit::disable())
}

/// The form of `POST /api/patients/{id}/reports`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportUpload {
    /// What the document is, e.g. "Full blood count".
    title: String,
    kind: ReportKind,
    /// The document: PDF, PNG or JPEG (checked by content; images are re-encoded without their
    /// metadata).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

#[utoipa::path(get, path = "/api/patients/{id}/reports", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The patient's documents, newest first (those who may read the chart; audited).", body = Vec<Report>)))]
pub async fn list(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<Report>>> {
    Ok(axum::Json(service::list(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/patients/{id}/reports", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    request_body(content = ReportUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "The document as kept (doctors who treated the patient, nurses, staff).", body = Report),
              (status = 413, description = "Larger than the upload limit (20 MB by default)."),
              (status = 415, description = "Not a PDF, PNG or JPEG, whatever its name says."),
              (status = 422, description = "A missing title or file, or a file that is damaged or too large to open.")))]
pub async fn upload(
    State(pool): State<PgPool>,
    State(store): State<DocumentStore>,
    actor: Actor,
    Path(id): Path<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<impl IntoResponse> {
    let multipart = multipart.map_err(|_| AppError::BadRequest("Send the document as multipart/form-data.".into()))?;
    let upload = read_form(multipart).await?;
    Ok((StatusCode::CREATED, axum::Json(service::upload(&mut *pool.acquire().await?, &store, &actor, id, upload).await?)))
}

/// The form's fields; unknown ones are ignored, a repeated one keeps its last value.
async fn read_form(mut multipart: Multipart) -> AppResult<Upload> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                upload.file_name = field.file_name().map(str::to_owned);
                upload.bytes = Some(field.bytes().await.map_err(form_error)?.to_vec());
            }
            name @ ("title" | "kind") => {
                let text = field.text().await.map_err(form_error)?;
                crate::extract::check_text(&text)?;
                if name == "title" {
                    upload.title = Some(text);
                } else {
                    upload.kind = Some(text);
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

pub(crate) fn form_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest("The upload could not be read as multipart/form-data.".into())
    }
}

#[utoipa::path(get, path = "/api/reports/{id}/file", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The document's id"),
           ("download" = Option<bool>, Query, description = "Send as an attachment (saved) rather than shown in the browser.")),
    responses((status = 200, description = "The file with its checked content type (audited).", content(("application/pdf"), ("image/png"), ("image/jpeg"))),
              (status = 404, description = "No such document, or not one the caller may read.")))]
pub async fn file(
    State(pool): State<PgPool>,
    State(store): State<DocumentStore>,
    actor: Actor,
    Path(id): Path<i64>,
    crate::extract::Query(query): crate::extract::Query<FileQuery>,
) -> AppResult<Response> {
    let file = service::open(&mut *pool.acquire().await?, &store, &actor, id).await?;
    let disposition = if query.download.unwrap_or(false) { "attachment" } else { "inline" };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_str(&file.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"))),
        (header::CONTENT_DISPOSITION, content_disposition(disposition, &file.file_name)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        // Shown on its own, a document runs nothing and reaches nothing of the portal.
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"),
        ),
    ];
    Ok((headers, file.bytes).into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct FileQuery {
    download: Option<bool>,
}

/// `inline; filename="scan.png"; filename*=UTF-8''scan.png`: the plain name with anything
/// outside printable ASCII replaced, and the exact one percent-encoded.
pub(crate) fn content_disposition(disposition: &str, file_name: &str) -> HeaderValue {
    let plain: String =
        file_name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let exact = crate::ui::urlencode(file_name);
    HeaderValue::from_str(&format!("{disposition}; filename=\"{plain}\"; filename*=UTF-8''{exact}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_quoted_safely() {
        assert_eq!(
            content_disposition("attachment", "blood count.pdf").to_str().unwrap(),
            "attachment; filename=\"blood count.pdf\"; filename*=UTF-8''blood%20count.pdf"
        );
        assert_eq!(
            content_disposition("inline", "Röntgen.png").to_str().unwrap(),
            "inline; filename=\"R_ntgen.png\"; filename*=UTF-8''R%C3%B6ntgen.png"
        );
    }
}
