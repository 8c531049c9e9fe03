//! `/api/xrays…` and `/api/patients/{id}/xrays`.

use super::service::{self, Part, Upload};
use super::{ResultInput, Xray, XrayDetail, XrayKind};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::documents::rest::{content_disposition, form_error};
use crate::documents::storage::DocumentStore;
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path};
use axum::extract::{DefaultBodyLimit, FromRef, Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    DocumentStore: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
{
    OpenApiRouter::new()
        // The request's size is limited outside (`server::body_limit`, the x-ray limit for
        // this route); axum's 2 MB default for multipart would cut a DICOM short.
        .routes(routes!(upload))
        .routes(routes!(worklist))
        .routes(routes!(get, write_result))
        .routes(routes!(image))
        .routes(routes!(pixels))
        .routes(routes!(original))
        .routes(routes!(list_for_patient))
        .layer(DefaultBodyLimit::disable())
}

/// The form of `POST /api/xrays`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct XrayUpload {
    /// What it is, e.g. "Chest PA, 2 December".
    name: String,
    #[schema(rename = "type")]
    kind: XrayKind,
    description: Option<String>,
    /// Whose x-ray (required from doctors, nurses and the desk; a patient's own otherwise).
    patient_id: Option<i64>,
    /// PNG, JPEG or DICOM (checked by content; pictures are re-encoded without metadata).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

#[utoipa::path(post, path = "/api/xrays", tag = "xrays", security(("bearer" = [])),
    request_body(content = XrayUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "The x-ray as kept (the patient to their own record; the patient's doctors, nurses, the desk).", body = Xray),
              (status = 413, description = "Larger than the x-ray upload limit (50 MB by default)."),
              (status = 415, description = "Not a PNG, JPEG or DICOM file, whatever its name says."),
              (status = 422, description = "A missing name or file, a damaged or too large image, or a DICOM transfer syntax that can't be decoded (named).")))]
pub async fn upload(
    State(pool): State<PgPool>,
    State(store): State<DocumentStore>,
    actor: Actor,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<impl IntoResponse> {
    let multipart = multipart.map_err(|_| AppError::BadRequest("Send the x-ray as multipart/form-data.".into()))?;
    let upload = read_form(multipart).await?;
    Ok((StatusCode::CREATED, axum::Json(service::upload(&mut *pool.acquire().await?, &store, &actor, upload).await?)))
}

/// The form's fields; unknown ones are ignored, a repeated one keeps its last value.
async fn read_form(mut multipart: Multipart) -> AppResult<Upload> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            upload.file_name = field.file_name().map(str::to_owned);
            upload.bytes = Some(field.bytes().await.map_err(form_error)?.to_vec());
            continue;
        }
        let text = field.text().await.map_err(form_error)?;
        crate::extract::check_text(&text)?;
        match name.as_str() {
            "name" => upload.name = Some(text),
            "type" => upload.kind = Some(text),
            "description" => upload.description = Some(text),
            "patient_id" if !text.trim().is_empty() => {
                upload.patient_id = Some(text.trim().parse().map_err(|_| AppError::validation("patient_id is a patient's id (a number)."))?)
            }
            _ => {}
        }
    }
    Ok(upload)
}

#[utoipa::path(get, path = "/api/xrays/worklist", tag = "xrays", security(("bearer" = [])),
    responses((status = 200, description = "Doctors: x-rays of their patients without a result, oldest first. Audited on each patient listed.", body = Vec<Xray>)))]
pub async fn worklist(State(pool): State<PgPool>, actor: Actor) -> AppResult<axum::Json<Vec<Xray>>> {
    Ok(axum::Json(service::worklist(&mut *pool.acquire().await?, &actor).await?))
}

#[utoipa::path(get, path = "/api/xrays/{id}", tag = "xrays", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The x-ray's id")),
    responses((status = 200, description = "The x-ray, every version of its result (newest first) and what the caller may do (those who may read the chart; audited). The name inside a DICOM only for the patient's clinicians.", body = XrayDetail),
              (status = 404, description = "No such x-ray, or not one the caller may read.")))]
pub async fn get(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<XrayDetail>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/xrays/{id}", tag = "xrays", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The x-ray's id")), request_body = ResultInput,
    responses((status = 200, description = "The result, as a new version (the patient's doctors; the patient is notified).", body = XrayDetail),
              (status = 409, description = "`expected_version` given and someone wrote a result meanwhile; nothing written."),
              (status = 422, description = "An empty or too long result.")))]
pub async fn write_result(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<ResultInput>,
) -> AppResult<axum::Json<XrayDetail>> {
    Ok(axum::Json(service::write_result(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?))
}

#[utoipa::path(get, path = "/api/xrays/{id}/image", tag = "xrays", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The x-ray's id"),
           ("download" = Option<bool>, Query, description = "Send as an attachment.")),
    responses((status = 200, description = "The picture (PNG or JPEG without metadata; a DICOM rendered with its own window). Audited.", content(("image/png"), ("image/jpeg"))),
              (status = 404, description = "No such x-ray, or not one the caller may read.")))]
pub async fn image(
    State(pool): State<PgPool>,
    State(store): State<DocumentStore>,
    actor: Actor,
    Path(id): Path<i64>,
    crate::extract::Query(query): crate::extract::Query<FileQuery>,
) -> AppResult<Response> {
    send(service::file(&mut *pool.acquire().await?, &store, &actor, id, Part::Image).await?, query.download.unwrap_or(false))
}

#[utoipa::path(get, path = "/api/xrays/{id}/pixels", tag = "xrays", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The x-ray's id")),
    responses((status = 200, description = "A monochrome DICOM's samples at full depth for the viewer: width × height unsigned 16-bit little-endian values, row by row; real value = dicom.value_offset + sample × dicom.value_scale. Audited.", content(("application/octet-stream"))),
              (status = 404, description = "No such x-ray, not one the caller may read, or not a monochrome DICOM.")))]
pub async fn pixels(
    State(pool): State<PgPool>,
    State(store): State<DocumentStore>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    send(service::file(&mut *pool.acquire().await?, &store, &actor, id, Part::Pixels).await?, false)
}

#[utoipa::path(get, path = "/api/xrays/{id}/original", tag = "xrays", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The x-ray's id")),
    responses((status = 200, description = "The DICOM file as uploaded (the patient's doctors and nurses). Audited.", content(("application/dicom"))),
              (status = 403, description = "Not one of the patient's clinicians."),
              (status = 404, description = "No such x-ray, not one the caller may read, or uploaded as a picture.")))]
pub async fn original(
    State(pool): State<PgPool>,
    State(store): State<DocumentStore>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    send(service::file(&mut *pool.acquire().await?, &store, &actor, id, Part::Original).await?, true)
}

#[utoipa::path(get, path = "/api/patients/{id}/xrays", tag = "xrays", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The patient's x-rays, newest first, with their latest result (those who may read the chart; audited).", body = Vec<Xray>)))]
pub async fn list_for_patient(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Vec<Xray>>> {
    Ok(axum::Json(service::list_for_patient(&mut *pool.acquire().await?, &actor, id).await?))
}

#[derive(Debug, serde::Deserialize)]
pub struct FileQuery {
    download: Option<bool>,
}

/// A file with the headers of clinical files: its checked type, never cached, never sniffed,
/// running nothing when shown on its own.
fn send(file: service::XrayFile, download: bool) -> AppResult<Response> {
    let disposition = if download { "attachment" } else { "inline" };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(file.content_type)),
        (header::CONTENT_DISPOSITION, content_disposition(disposition, &file.file_name)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox")),
    ];
    Ok((headers, file.bytes).into_response())
}
