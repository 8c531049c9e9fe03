//! Documents on a patient's chart (issue 14): lab results, imaging reports, discharge letters,
//! referrals, uploaded by doctors, nurses and the front desk as PDF, PNG or JPEG, checked by
//! content, kept outside the site under random names, and served only to those who may read
//! the chart (the patient among them), every read audited.

pub mod api;
#[cfg(feature = "ssr")]
pub mod content;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod storage;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The formats kept: what the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Format {
    Pdf,
    Png,
    Jpeg,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Jpeg => "jpg",
        }
    }
}

/// What a document is, for the chart's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Lab,
    Imaging,
    Discharge,
    Referral,
    Other,
}

impl ReportKind {
    pub const ALL: [Self; 5] = [Self::Lab, Self::Imaging, Self::Discharge, Self::Referral, Self::Other];

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or_else(|| "Kind must be lab, imaging, discharge, referral or other.".into())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lab => "lab",
            Self::Imaging => "imaging",
            Self::Discharge => "discharge",
            Self::Referral => "referral",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Lab => "Lab result",
            Self::Imaging => "Imaging",
            Self::Discharge => "Discharge letter",
            Self::Referral => "Referral",
            Self::Other => "Other",
        }
    }
}

/// A document as listed on the chart (its file is at `GET /api/reports/{id}/file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Report {
    pub id: i64,
    pub patient_id: i64,
    pub title: String,
    pub kind: ReportKind,
    /// `application/pdf`, `image/png` or `image/jpeg`: what the file is, checked on upload.
    pub content_type: String,
    /// The name it is downloaded under (the uploader's name for it, made safe, with the
    /// extension of what it really is).
    pub file_name: String,
    pub size_bytes: i64,
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The longest title kept.
pub const MAX_TITLE_CHARS: usize = 200;

/// A title as given: trimmed, 1 to 200 characters, no control characters.
pub fn parse_title(raw: &str) -> Result<String, String> {
    let title = raw.trim();
    if title.is_empty() {
        return Err("Give the document a title (e.g. \"Blood count, 2 December\").".into());
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!("A title is at most {MAX_TITLE_CHARS} characters."));
    }
    if title.chars().any(char::is_control) {
        return Err("A title is one line of text.".into());
    }
    Ok(title.to_owned())
}

/// The name a file is downloaded under: the last part of what the uploader called it (no
/// folders, so no `../`), printable characters only, at most 100 of them, ending in the
/// extension of the format it really is.
pub fn safe_file_name(given: Option<&str>, format: Format) -> String {
    let last_part = given.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        last_part.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';' | ':' | '*' | '?' | '<' | '>' | '|')).collect();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => cleaned.as_str(),
    };
    let stem: String = stem.trim().trim_matches('.').chars().take(100).collect();
    let stem = if stem.is_empty() { "document" } else { stem.as_str() };
    format!("{stem}.{}", format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_folders_and_take_the_real_extension() {
        assert_eq!(safe_file_name(Some("../../etc/passwd"), Format::Pdf), "passwd.pdf");
        assert_eq!(safe_file_name(Some("..\\..\\boot.ini"), Format::Png), "boot.png");
        assert_eq!(safe_file_name(Some("scan.png"), Format::Jpeg), "scan.jpg");
        assert_eq!(safe_file_name(Some("lab \"results\";.pdf"), Format::Pdf), "lab results.pdf");
        assert_eq!(safe_file_name(Some(".."), Format::Pdf), "document.pdf");
        assert_eq!(safe_file_name(None, Format::Png), "document.png");
        assert_eq!(safe_file_name(Some("a\u{0}b\nc.pdf"), Format::Pdf), "abc.pdf");
        assert_eq!(safe_file_name(Some(&"x".repeat(300)), Format::Pdf).len(), 104);
    }

    #[test]
    fn titles_are_one_line_of_sensible_length() {
        assert_eq!(parse_title("  Blood count  ").unwrap(), "Blood count");
        assert!(parse_title("   ").is_err());
        assert!(parse_title("a\nb").is_err());
        assert!(parse_title(&"x".repeat(201)).is_err());
    }

    #[test]
    fn kinds_parse_from_their_names() {
        assert_eq!(ReportKind::parse(" Lab ").unwrap(), ReportKind::Lab);
        assert!(ReportKind::parse("x-ray").is_err());
    }
}
