//! X-rays (SPEC feature 8): images on a patient's chart (PNG, JPEG or DICOM), uploaded by the
//! patient or their care team, read by their doctors in the browser's viewer, and given a
//! result the patient then reads in "My health record".
//!
//! Pictures go through the documents' pipeline (checked by content, re-encoded without their
//! metadata, kept under random names). A DICOM is decoded in Rust (`dicom.rs`): the viewer gets
//! its samples at full depth and windows them itself (`display`), the original file stays for
//! clinicians. Results are versioned: a change is a new version, the earlier text stays.

pub mod api;
pub mod display;
pub mod pages;
mod viewer;

#[cfg(feature = "ssr")]
pub mod dicom;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What part of the body the image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum XrayKind {
    Chest,
    Limb,
    Spine,
    Skull,
    Dental,
    Abdomen,
    Other,
}

impl XrayKind {
    pub const ALL: [Self; 7] = [Self::Chest, Self::Limb, Self::Spine, Self::Skull, Self::Dental, Self::Abdomen, Self::Other];

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or_else(|| "Type must be chest, limb, spine, skull, dental, abdomen or other.".into())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chest => "chest",
            Self::Limb => "limb",
            Self::Spine => "spine",
            Self::Skull => "skull",
            Self::Dental => "dental",
            Self::Abdomen => "abdomen",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Chest => "Chest",
            Self::Limb => "Limb",
            Self::Spine => "Spine",
            Self::Skull => "Skull",
            Self::Dental => "Dental",
            Self::Abdomen => "Abdomen",
            Self::Other => "Other",
        }
    }
}

/// What was uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum XrayFormat {
    Png,
    Jpeg,
    Dicom,
}

/// What a DICOM file says about its image. The viewer windows `value_offset + sample ×
/// value_scale` (the file's values after its rescale slope and intercept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DicomInfo {
    pub modality: Option<String>,
    pub body_part: Option<String>,
    pub study_date: Option<NaiveDate>,
    /// Millimetres between rows and between columns (Pixel Spacing), when the file gives them.
    pub row_spacing_mm: Option<f64>,
    pub column_spacing_mm: Option<f64>,
    /// Whether `GET /api/xrays/{id}/pixels` has the 16-bit samples (monochrome images).
    pub has_pixels: bool,
    pub value_offset: Option<f64>,
    pub value_scale: Option<f64>,
    /// The file's default window (or its whole range when it names none).
    pub window_center: Option<f64>,
    pub window_width: Option<f64>,
    /// MONOCHROME1: low values are shown white.
    pub inverted: bool,
    /// Frames in the file (the first is shown).
    pub frames: i32,
    pub transfer_syntax: Option<String>,
    /// The name written in the file: only for the patient's clinicians (doctors, nurses),
    /// absent for everyone else.
    pub patient_name_in_file: Option<String>,
}

/// A result, one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct XrayResult {
    pub version: i32,
    pub body: String,
    pub written_by: Option<String>,
    pub written_at: DateTime<Utc>,
}

/// An x-ray as lists and the viewer show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Xray {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: XrayKind,
    pub description: String,
    pub format: XrayFormat,
    pub file_name: String,
    pub width: i32,
    pub height: i32,
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// For a DICOM upload.
    pub dicom: Option<DicomInfo>,
    /// The latest result; `None` while it waits to be read.
    pub result: Option<XrayResult>,
}

/// `GET /api/xrays/{id}`: the x-ray, every version of its result (newest first), and what the
/// caller may do with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct XrayDetail {
    pub xray: Xray,
    pub results: Vec<XrayResult>,
    pub can_write_result: bool,
    pub can_download_original: bool,
}

/// `PUT /api/xrays/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResultInput {
    pub result: String,
    /// The version the writer saw (0: none yet). When given and someone wrote meanwhile, the
    /// answer is 409 and nothing is written, so no one's reading is silently replaced.
    #[serde(default)]
    pub expected_version: Option<i32>,
}

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_RESULT_CHARS: usize = 10_000;

/// A name as given: trimmed, 1 to 200 characters, one line.
pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Give the x-ray a name (e.g. \"Chest, 2 December\").".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("A name is at most {MAX_NAME_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("A name is one line of text.".into());
    }
    Ok(name.to_owned())
}

pub fn parse_description(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!("A description is at most {MAX_DESCRIPTION_CHARS} characters."));
    }
    Ok(text.to_owned())
}

pub fn parse_result(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("Write the result (the findings and the impression).".into());
    }
    if text.chars().count() > MAX_RESULT_CHARS {
        return Err(format!("A result is at most {MAX_RESULT_CHARS} characters."));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_their_names_only() {
        assert_eq!(XrayKind::parse(" Chest ").unwrap(), XrayKind::Chest);
        assert!(XrayKind::parse("knee").is_err());
        assert!(XrayKind::parse("").is_err());
    }

    #[test]
    fn names_descriptions_and_results_have_bounds() {
        assert_eq!(parse_name("  Chest PA ").unwrap(), "Chest PA");
        assert!(parse_name(" ").is_err());
        assert!(parse_name("a\nb").is_err());
        assert!(parse_description(&"x".repeat(2001)).is_err());
        assert_eq!(parse_description("").unwrap(), "");
        assert!(parse_result("  ").is_err());
        assert!(parse_result(&"x".repeat(10_001)).is_err());
        assert_eq!(parse_result(" No fracture. ").unwrap(), "No fracture.");
    }
}
