//! Uploading, listing and opening a patient's documents.

use super::content::{self, Checked};
use super::storage::DocumentStore;
use super::{parse_title, safe_file_name, Report, ReportKind};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::error::{AppError, AppResult};
use crate::patients::access::{require_chart_access, ChartUse};
use sqlx::{Connection, PgConnection};

/// An upload as received: the form's fields and the file's bytes, not yet checked.
#[derive(Debug, Default)]
pub struct Upload {
    pub title: Option<String>,
    pub kind: Option<String>,
    pub file_name: Option<String>,
    pub bytes: Option<Vec<u8>>,
}

/// A document's file, ready to send.
#[derive(Debug)]
pub struct ReportFile {
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

const SELECT_REPORT: &str = "SELECT r.id, r.patient_id, r.title, r.kind, r.content_type, r.file_name, r.size_bytes,
                                   u.name AS uploaded_by, r.created_at
                              FROM patient_documents r LEFT JOIN users u ON u.id = r.uploaded_by";

/// Who may add a document: the clinicians who may write the chart, and the front desk (who
/// scan the letters patients bring), who may not read it.
async fn require_upload_right(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<()> {
    if actor.role != Role::Staff {
        return require_chart_access(conn, actor, patient_id, ChartUse::Write).await;
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM patients WHERE id = $1)").bind(patient_id).fetch_one(conn).await?;
    if exists {
        Ok(())
    } else {
        Err(AppError::not_found("Patient"))
    }
}

/// Adds a document to the chart: the caller's right first, then the fields, then the file
/// by its content (decoding runs off the async workers); the file is written before the row,
/// and removed again if the row can't be.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn upload(conn: &mut PgConnection, store: &DocumentStore, actor: &Actor, patient_id: i64, upload: Upload) -> AppResult<Report> {
    require_upload_right(conn, actor, patient_id).await?;
    let title = parse_title(upload.title.as_deref().unwrap_or("")).map_err(AppError::Validation)?;
    let kind = ReportKind::parse(upload.kind.as_deref().unwrap_or("other")).map_err(AppError::Validation)?;
    let bytes = upload.bytes.filter(|b| !b.is_empty()).ok_or_else(|| AppError::validation("Choose a file to upload."))?;
    let Checked { format, bytes } = tokio::task::spawn_blocking(move || content::check(&bytes))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("checking an upload: {e}")))??;
    let file_name = safe_file_name(upload.file_name.as_deref(), format);
    let key = store.put(&bytes).await?;
    let saved = save(conn, actor, patient_id, &title, kind, format.content_type(), &file_name, &key, bytes.len()).await;
    if saved.is_err() {
        store.remove(std::slice::from_ref(&key)).await;
    }
    saved
}

#[allow(clippy::too_many_arguments)]
async fn save(
    conn: &mut PgConnection,
    actor: &Actor,
    patient_id: i64,
    title: &str,
    kind: ReportKind,
    content_type: &str,
    file_name: &str,
    key: &str,
    size: usize,
) -> AppResult<Report> {
    let mut tx = conn.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patient_documents (patient_id, uploaded_by, title, kind, content_type, file_name, storage_key, size_bytes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(patient_id)
    .bind(actor.user_id)
    .bind(title)
    .bind(kind.as_str())
    .bind(content_type)
    .bind(file_name)
    .bind(key)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, Entry::new("chart.document.add").by(actor).patient(patient_id).on("document", id)).await?;
    let report = sqlx::query_as(&format!("{SELECT_REPORT} WHERE r.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(report)
}

/// The patient's documents, newest first (one audit entry for the list).
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn list(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<Vec<Report>> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
    let reports = for_patient(&mut tx, patient_id).await?;
    audit::record(&mut tx, Entry::new("chart.documents.view").by(actor).patient(patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    Ok(reports)
}

/// The documents of a patient, for a read already allowed and audited (the chart's).
pub async fn for_patient(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<Report>> {
    Ok(sqlx::query_as(&format!("{SELECT_REPORT} WHERE r.patient_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 200"))
        .bind(patient_id)
        .fetch_all(conn)
        .await?)
}

/// A document's file, for someone who may read the chart (anyone else: 404); audited.
#[tracing::instrument(skip_all, fields(report_id = report_id))]
pub async fn open(conn: &mut PgConnection, store: &DocumentStore, actor: &Actor, report_id: i64) -> AppResult<ReportFile> {
    let mut tx = conn.begin().await?;
    let found: Option<(i64, String, String, String)> =
        sqlx::query_as("SELECT patient_id, content_type, file_name, storage_key FROM patient_documents WHERE id = $1")
            .bind(report_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((patient_id, content_type, file_name, key)) = found else { return Err(AppError::not_found("Document")) };
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await.map_err(|e| match e {
        // Whether the patient or the document exists is not for the caller to learn.
        AppError::NotFound(_) | AppError::Concealed(_) | AppError::Forbidden(_) => AppError::concealed("Document"),
        other => other,
    })?;
    audit::record(&mut tx, Entry::new("chart.document.open").by(actor).patient(patient_id).on("document", report_id)).await?;
    let bytes = store.get(&key).await?;
    tx.commit().await?;
    Ok(ReportFile { content_type, file_name, bytes })
}

/// The stored files of a patient's documents (for erasure, which removes them once the rows
/// are gone).
pub async fn storage_keys_of_patient(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT storage_key FROM patient_documents WHERE patient_id = $1").bind(patient_id).fetch_all(conn).await?)
}
