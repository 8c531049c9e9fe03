//! Uploading x-rays, reading them (metadata, image, full-depth samples, the original DICOM),
//! the doctors' reading worklist and results. Every read is audited on the patient.

use super::dicom;
use super::{parse_description, parse_name, parse_result, DicomInfo, ResultInput, Xray, XrayDetail, XrayFormat, XrayKind, XrayResult};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::clinic::Clinic;
use crate::documents::content::{self, Checked};
use crate::documents::storage::DocumentStore;
use crate::documents::{safe_file_name, Format};
use crate::error::{AppError, AppResult};
use crate::notifications::service::{self as notifications, Notice};
use crate::patients::access::{patient_id_of_user, require_chart_access, ChartUse};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Connection, PgConnection};

/// An upload as received, not yet checked.
#[derive(Debug, Default)]
pub struct Upload {
    /// Required from clinicians and the desk; a patient uploads to their own record.
    pub patient_id: Option<i64>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub file_name: Option<String>,
    pub bytes: Option<Vec<u8>>,
}

/// A file to send.
#[derive(Debug)]
pub struct XrayFile {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What is kept of an upload once checked.
struct Prepared {
    format: XrayFormat,
    image: Vec<u8>,
    image_type: &'static str,
    width: u32,
    height: u32,
    samples: Option<Vec<u8>>,
    original: Option<Vec<u8>>,
    info: Option<DicomInfo>,
}

/// PNG and JPEG as documents are (decoded within limits, re-encoded without metadata); DICOM
/// decoded here. Anything else: 415.
fn prepare(bytes: Vec<u8>) -> AppResult<Prepared> {
    if dicom::looks_like_dicom(&bytes) {
        let decoded = dicom::decode(&bytes)?;
        return Ok(Prepared {
            format: XrayFormat::Dicom,
            image: decoded.preview_png,
            image_type: "image/png",
            width: decoded.width,
            height: decoded.height,
            samples: decoded.samples,
            original: Some(bytes),
            info: Some(decoded.info),
        });
    }
    let refused = || AppError::UnsupportedMediaType("Upload a PNG, JPEG or DICOM (.dcm) image.".into());
    match content::sniff(&bytes) {
        Some(Format::Png | Format::Jpeg) => {}
        _ => return Err(refused()),
    }
    let Checked { format, bytes } = content::check(&bytes)?;
    let (width, height) = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .ok()
        .and_then(|reader| reader.into_dimensions().ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a re-encoded x-ray has no dimensions")))?;
    Ok(Prepared {
        format: if format == Format::Png { XrayFormat::Png } else { XrayFormat::Jpeg },
        image_type: format.content_type(),
        image: bytes,
        width,
        height,
        samples: None,
        original: None,
        info: None,
    })
}

/// Whose record an upload goes to, and whether the caller may add to it: the patient their
/// own; doctors who treat the patient and nurses; the desk (who scan what patients bring).
async fn upload_target(conn: &mut PgConnection, actor: &Actor, patient_id: Option<i64>) -> AppResult<i64> {
    match actor.role {
        Role::Patient => {
            let own = patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
            match patient_id {
                Some(other) if other != own => Err(AppError::concealed("Patient")),
                _ => Ok(own),
            }
        }
        Role::Doctor | Role::Nurse => {
            let id = patient_id.ok_or_else(|| AppError::validation("Say whose x-ray this is (patient_id)."))?;
            require_chart_access(conn, actor, id, ChartUse::Write).await?;
            Ok(id)
        }
        Role::Staff => {
            let id = patient_id.ok_or_else(|| AppError::validation("Say whose x-ray this is (patient_id)."))?;
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM patients WHERE id = $1)").bind(id).fetch_one(conn).await?;
            if exists {
                Ok(id)
            } else {
                Err(AppError::not_found("Patient"))
            }
        }
        Role::Manager | Role::Admin => Err(AppError::forbidden()),
    }
}

/// Adds an x-ray: the caller's right, the fields, then the file by its content (off the async
/// workers). The files are written before the row and removed again if the row can't be.
#[tracing::instrument(skip_all)]
pub async fn upload(conn: &mut PgConnection, store: &DocumentStore, actor: &Actor, upload: Upload) -> AppResult<Xray> {
    let patient_id = upload_target(conn, actor, upload.patient_id).await?;
    let name = parse_name(upload.name.as_deref().unwrap_or("")).map_err(AppError::Validation)?;
    let kind = XrayKind::parse(upload.kind.as_deref().unwrap_or("other")).map_err(AppError::Validation)?;
    let description = parse_description(upload.description.as_deref().unwrap_or("")).map_err(AppError::Validation)?;
    let bytes = upload.bytes.filter(|b| !b.is_empty()).ok_or_else(|| AppError::validation("Choose an image to upload."))?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let prepared = tokio::task::spawn_blocking(move || prepare(bytes))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("checking an x-ray: {e}")))??;
    let file_name = match prepared.format {
        XrayFormat::Dicom => dicom_file_name(upload.file_name.as_deref()),
        XrayFormat::Png => safe_file_name(upload.file_name.as_deref(), Format::Png),
        XrayFormat::Jpeg => safe_file_name(upload.file_name.as_deref(), Format::Jpeg),
    };
    let mut keys = vec![store.put(&prepared.image).await?];
    let stored = async {
        let pixels_key = match &prepared.samples {
            Some(samples) => Some(store.put(samples).await?),
            None => None,
        };
        keys.extend(pixels_key.clone());
        let original_key = match &prepared.original {
            Some(original) => Some(store.put(original).await?),
            None => None,
        };
        keys.extend(original_key.clone());
        let row = NewRow { patient_id, name, kind, description, file_name, size, keys: (keys[0].clone(), pixels_key, original_key) };
        save(conn, actor, row, &prepared).await
    }
    .await;
    if stored.is_err() {
        store.remove(&keys).await;
    }
    stored
}

/// The name a DICOM is downloaded under (`.dcm`).
fn dicom_file_name(given: Option<&str>) -> String {
    let as_pdf = safe_file_name(given, Format::Pdf);
    let stem = as_pdf.strip_suffix(".pdf").unwrap_or(&as_pdf);
    let stem = if stem == "document" { "xray" } else { stem };
    format!("{stem}.dcm")
}

struct NewRow {
    patient_id: i64,
    name: String,
    kind: XrayKind,
    description: String,
    file_name: String,
    size: i64,
    /// Image, samples, original.
    keys: (String, Option<String>, Option<String>),
}

async fn save(conn: &mut PgConnection, actor: &Actor, row: NewRow, prepared: &Prepared) -> AppResult<Xray> {
    let info = prepared.info.clone().unwrap_or_else(empty_info);
    let mut tx = conn.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO xrays (patient_id, uploaded_by, name, kind, description, format, file_name, width, height, image_key,
                            image_type, pixels_key, original_key, size_bytes, modality, body_part, study_date, row_spacing_mm,
                            column_spacing_mm, value_offset, value_scale, window_center, window_width, inverted, frames,
                            transfer_syntax, patient_name_in_file)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
                 $25, $26, $27)
         RETURNING id",
    )
    .bind(row.patient_id)
    .bind(actor.user_id)
    .bind(&row.name)
    .bind(row.kind)
    .bind(&row.description)
    .bind(prepared.format)
    .bind(&row.file_name)
    .bind(i32::try_from(prepared.width).unwrap_or(i32::MAX))
    .bind(i32::try_from(prepared.height).unwrap_or(i32::MAX))
    .bind(&row.keys.0)
    .bind(prepared.image_type)
    .bind(&row.keys.1)
    .bind(&row.keys.2)
    .bind(row.size)
    .bind(&info.modality)
    .bind(&info.body_part)
    .bind(info.study_date)
    .bind(info.row_spacing_mm)
    .bind(info.column_spacing_mm)
    .bind(info.value_offset)
    .bind(info.value_scale)
    .bind(info.window_center)
    .bind(info.window_width)
    .bind(info.inverted)
    .bind(info.frames)
    .bind(&info.transfer_syntax)
    .bind(&info.patient_name_in_file)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, Entry::new("xray.upload").by(actor).patient(row.patient_id).on("xray", id)).await?;
    let xray = find(&mut tx, id).await?.ok_or_else(|| AppError::Internal(anyhow::anyhow!("x-ray {id} vanished")))?;
    tx.commit().await?;
    Ok(xray.shown_to(actor))
}

fn empty_info() -> DicomInfo {
    DicomInfo {
        modality: None,
        body_part: None,
        study_date: None,
        row_spacing_mm: None,
        column_spacing_mm: None,
        has_pixels: false,
        value_offset: None,
        value_scale: None,
        window_center: None,
        window_width: None,
        inverted: false,
        frames: 1,
        transfer_syntax: None,
        patient_name_in_file: None,
    }
}

const SELECT_XRAY: &str = "
    SELECT x.id, x.patient_id, pu.name AS patient_name, x.name, x.kind, x.description, x.format, x.file_name, x.width,
           x.height, uu.name AS uploaded_by, x.created_at, x.modality, x.body_part, x.study_date, x.row_spacing_mm,
           x.column_spacing_mm, x.pixels_key IS NOT NULL AS has_pixels, x.value_offset, x.value_scale, x.window_center,
           x.window_width, x.inverted, x.frames, x.transfer_syntax, x.patient_name_in_file, x.result_version,
           r.body AS result_body, ru.name AS result_by, r.written_at AS result_at
      FROM xrays x
      JOIN patients p ON p.id = x.patient_id
      JOIN users pu ON pu.id = p.user_id
      LEFT JOIN users uu ON uu.id = x.uploaded_by
      LEFT JOIN xray_results r ON r.xray_id = x.id AND r.version = x.result_version
      LEFT JOIN users ru ON ru.id = r.written_by";

/// A row of `SELECT_XRAY`, with everything; `shown_to` leaves out what the reader may not see.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    patient_id: i64,
    patient_name: String,
    name: String,
    kind: XrayKind,
    description: String,
    format: XrayFormat,
    file_name: String,
    width: i32,
    height: i32,
    uploaded_by: Option<String>,
    created_at: DateTime<Utc>,
    modality: Option<String>,
    body_part: Option<String>,
    study_date: Option<NaiveDate>,
    row_spacing_mm: Option<f64>,
    column_spacing_mm: Option<f64>,
    has_pixels: bool,
    value_offset: Option<f64>,
    value_scale: Option<f64>,
    window_center: Option<f64>,
    window_width: Option<f64>,
    inverted: bool,
    frames: i32,
    transfer_syntax: Option<String>,
    patient_name_in_file: Option<String>,
    result_version: i32,
    result_body: Option<String>,
    result_by: Option<String>,
    result_at: Option<DateTime<Utc>>,
}

impl Row {
    /// The x-ray as `actor` may see it: the name inside a DICOM only for clinicians.
    fn shown_to(self, actor: &Actor) -> Xray {
        let clinician = matches!(actor.role, Role::Doctor | Role::Nurse);
        let dicom = (self.format == XrayFormat::Dicom).then_some(DicomInfo {
            modality: self.modality,
            body_part: self.body_part,
            study_date: self.study_date,
            row_spacing_mm: self.row_spacing_mm,
            column_spacing_mm: self.column_spacing_mm,
            has_pixels: self.has_pixels,
            value_offset: self.value_offset,
            value_scale: self.value_scale,
            window_center: self.window_center,
            window_width: self.window_width,
            inverted: self.inverted,
            frames: self.frames,
            transfer_syntax: self.transfer_syntax,
            patient_name_in_file: if clinician { self.patient_name_in_file } else { None },
        });
        let result = match (self.result_body, self.result_at) {
            (Some(body), Some(written_at)) => {
                Some(XrayResult { version: self.result_version, body, written_by: self.result_by, written_at })
            }
            _ => None,
        };
        Xray {
            id: self.id,
            patient_id: self.patient_id,
            patient_name: self.patient_name,
            name: self.name,
            kind: self.kind,
            description: self.description,
            format: self.format,
            file_name: self.file_name,
            width: self.width,
            height: self.height,
            uploaded_by: self.uploaded_by,
            created_at: self.created_at,
            dicom,
            result,
        }
    }
}

async fn find(conn: &mut PgConnection, id: i64) -> AppResult<Option<Row>> {
    Ok(sqlx::query_as(&format!("{SELECT_XRAY} WHERE x.id = $1")).bind(id).fetch_optional(conn).await?)
}

/// The x-ray's patient, once the caller's right to read their chart is checked (anyone else:
/// 404, whether or not it exists).
async fn readable(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<i64> {
    let patient_id: Option<i64> =
        sqlx::query_scalar("SELECT patient_id FROM xrays WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    let patient_id = patient_id.ok_or_else(|| AppError::concealed("X-ray"))?;
    require_chart_access(conn, actor, patient_id, ChartUse::Read).await.map_err(conceal)?;
    Ok(patient_id)
}

fn conceal(error: AppError) -> AppError {
    match error {
        AppError::NotFound(_) | AppError::Concealed(_) | AppError::Forbidden(_) => AppError::concealed("X-ray"),
        other => other,
    }
}

/// `GET /api/xrays/{id}`: the x-ray with every version of its result; audited.
#[tracing::instrument(skip_all, fields(xray_id = id))]
pub async fn get(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<XrayDetail> {
    let mut tx = conn.begin().await?;
    let patient_id = readable(&mut tx, actor, id).await?;
    let row = find(&mut tx, id).await?.ok_or_else(|| AppError::concealed("X-ray"))?;
    let results = sqlx::query_as(
        "SELECT r.version, r.body, u.name AS written_by, r.written_at FROM xray_results r LEFT JOIN users u ON u.id = r.written_by
          WHERE r.xray_id = $1 ORDER BY r.version DESC",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let can_write_result = actor.is(Role::Doctor) && require_chart_access(&mut tx, actor, patient_id, ChartUse::Write).await.is_ok();
    let can_download_original = row.format == XrayFormat::Dicom && matches!(actor.role, Role::Doctor | Role::Nurse);
    audit::record(&mut tx, Entry::new("xray.view").by(actor).patient(patient_id).on("xray", id)).await?;
    tx.commit().await?;
    Ok(XrayDetail { xray: row.shown_to(actor), results, can_write_result, can_download_original })
}

/// Which of an x-ray's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The picture (a DICOM's preview).
    Image,
    /// A monochrome DICOM's 16-bit samples.
    Pixels,
    /// The DICOM as sent: clinicians only.
    Original,
}

/// One of an x-ray's files, for those who may read the chart; audited.
#[tracing::instrument(skip_all, fields(xray_id = id, part = ?part))]
pub async fn file(conn: &mut PgConnection, store: &DocumentStore, actor: &Actor, id: i64, part: Part) -> AppResult<XrayFile> {
    let mut tx = conn.begin().await?;
    let patient_id = readable(&mut tx, actor, id).await?;
    if part == Part::Original && !matches!(actor.role, Role::Doctor | Role::Nurse) {
        return Err(AppError::Forbidden("The original DICOM file is for the patient's clinicians.".into()));
    }
    let (image_key, image_type, pixels_key, original_key, file_name): (String, String, Option<String>, Option<String>, String) =
        sqlx::query_as("SELECT image_key, image_type, pixels_key, original_key, file_name FROM xrays WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let stem = file_name.rsplit_once('.').map_or(file_name.as_str(), |(stem, _)| stem).to_owned();
    let (key, content_type, file_name, action) = match part {
        Part::Image => {
            let (content_type, extension) = if image_type == "image/jpeg" { ("image/jpeg", "jpg") } else { ("image/png", "png") };
            (image_key, content_type, format!("{stem}.{extension}"), "xray.image")
        }
        Part::Pixels => {
            let key = pixels_key.ok_or_else(|| AppError::not_found("Full-depth pixels (only monochrome DICOM images have them)"))?;
            (key, "application/octet-stream", format!("{stem}.u16"), "xray.pixels")
        }
        Part::Original => {
            let key = original_key.ok_or_else(|| AppError::not_found("Original DICOM file (this x-ray was uploaded as a picture)"))?;
            (key, "application/dicom", file_name, "xray.original")
        }
    };
    audit::record(&mut tx, Entry::new(action).by(actor).patient(patient_id).on("xray", id)).await?;
    let bytes = store.get(&key).await?;
    tx.commit().await?;
    Ok(XrayFile { content_type, file_name, bytes })
}

/// A patient's x-rays, newest first (one audit entry for the list).
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn list_for_patient(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<Vec<Xray>> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
    let xrays = for_patient(&mut tx, actor, patient_id).await?;
    audit::record(&mut tx, Entry::new("xrays.list").by(actor).patient(patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    Ok(xrays)
}

/// The x-rays of a patient as `actor` may see them, for a read already allowed and audited
/// (the chart's).
pub async fn for_patient(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<Vec<Xray>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT_XRAY} WHERE x.patient_id = $1 ORDER BY x.created_at DESC, x.id DESC LIMIT 200"))
        .bind(patient_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| row.shown_to(actor)).collect())
}

/// The patient's own x-rays (the portal's "My health record").
pub async fn list_own(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<Xray>> {
    actor.require_role(&[Role::Patient])?;
    let patient_id = patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    list_for_patient(conn, actor, patient_id).await
}

/// The reading worklist: x-rays without a result of the patients this doctor treats (an
/// accepted, completed or missed visit, or emergency access), oldest first. Each patient on it
/// is audited once.
#[tracing::instrument(skip_all)]
pub async fn worklist(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<Xray>> {
    actor.require_role(&[Role::Doctor])?;
    let mut tx = conn.begin().await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT_XRAY}
          WHERE x.result_version = 0
            AND (EXISTS (SELECT 1 FROM appointments a JOIN doctors d ON d.id = a.doctor_id
                          WHERE a.patient_id = x.patient_id AND d.user_id = $1 AND a.status IN ('accepted', 'completed', 'no_show'))
                 OR EXISTS (SELECT 1 FROM break_glass b WHERE b.patient_id = x.patient_id AND b.doctor_user_id = $1 AND b.expires_at > now()))
          ORDER BY x.created_at, x.id
          LIMIT 200"
    ))
    .bind(actor.user_id)
    .fetch_all(&mut *tx)
    .await?;
    audit::record_per_patient(&mut tx, actor, "xrays.worklist", rows.iter().map(|row| row.patient_id)).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(|row| row.shown_to(actor)).collect())
}

/// How many x-rays wait on this doctor's worklist (the dashboard's count: no patient is named,
/// so nothing is audited).
pub async fn worklist_count(conn: &mut PgConnection, actor: &Actor) -> AppResult<i64> {
    actor.require_role(&[Role::Doctor])?;
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM xrays x
          WHERE x.result_version = 0
            AND EXISTS (SELECT 1 FROM appointments a JOIN doctors d ON d.id = a.doctor_id
                         WHERE a.patient_id = x.patient_id AND d.user_id = $1 AND a.status IN ('accepted', 'completed', 'no_show'))",
    )
    .bind(actor.user_id)
    .fetch_one(conn)
    .await?)
}

/// A doctor writes the result (a new version; the earlier text stays). With `expected_version`
/// and someone else's result written meanwhile: 409, nothing written. The patient is notified.
#[tracing::instrument(skip_all, fields(xray_id = id))]
pub async fn write_result(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, input: ResultInput) -> AppResult<XrayDetail> {
    actor.require_role(&[Role::Doctor])?;
    let body = parse_result(&input.result).map_err(AppError::Validation)?;
    if input.expected_version.is_some_and(|v| v < 0) {
        return Err(AppError::validation("expected_version is 0 or more."));
    }
    let mut tx = conn.begin().await?;
    let patient_id = readable(&mut tx, actor, id).await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Write).await.map_err(conceal)?;
    // The row's lock orders concurrent writers; each gets the next version.
    let current: i32 = sqlx::query_scalar("SELECT result_version FROM xrays WHERE id = $1 FOR UPDATE").bind(id).fetch_one(&mut *tx).await?;
    if let Some(expected) = input.expected_version {
        if expected != current {
            return Err(AppError::Conflict(
                "Someone wrote a result for this x-ray while you were reading it. Reload to see it, then write yours.".into(),
            ));
        }
    }
    let version = current + 1;
    sqlx::query("UPDATE xrays SET result_version = $2 WHERE id = $1").bind(id).bind(version).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO xray_results (xray_id, version, body, written_by) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(version)
        .bind(&body)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, Entry::new("xray.result").by(actor).patient(patient_id).on("xray", id)).await?;
    let patient_user: i64 = sqlx::query_scalar("SELECT user_id FROM patients WHERE id = $1").bind(patient_id).fetch_one(&mut *tx).await?;
    let (title, verb) =
        if version == 1 { ("Your x-ray result is ready", "read") } else { ("Your x-ray result was updated", "updated the result of") };
    let name: String = sqlx::query_scalar("SELECT name FROM xrays WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    let notice = Notice {
        user_id: patient_user,
        title: title.into(),
        body: format!("{} {verb} your x-ray \"{name}\".", actor.name),
        link: Some(format!("/xrays/{id}")),
    };
    notifications::send(&mut tx, &clinic.public_url, &[notice]).await?;
    tx.commit().await?;
    get(conn, actor, id).await
}

/// The stored files of a patient's x-rays (for erasure, which removes them once the rows are
/// gone).
pub async fn storage_keys_of_patient(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT key FROM xrays, LATERAL unnest(ARRAY[image_key, pixels_key, original_key]) AS key
          WHERE patient_id = $1 AND key IS NOT NULL",
    )
    .bind(patient_id)
    .fetch_all(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dicom_downloads_keep_a_safe_name_ending_in_dcm() {
        assert_eq!(dicom_file_name(Some("../../CT_small.dcm")), "CT_small.dcm");
        assert_eq!(dicom_file_name(None), "xray.dcm");
        assert_eq!(dicom_file_name(Some("IM0001")), "IM0001.dcm");
    }
}
