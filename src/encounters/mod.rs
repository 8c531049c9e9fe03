//! Encounters (SPEC feature 5): what a doctor wrote about a visit — ICD-10 coded diagnoses,
//! treatment, notes and prescriptions. Records are never silently rewritten: the author may
//! correct an encounter for 24 hours (each earlier version kept), later anyone with the chart's
//! write right appends an addendum, and a wrong one is marked "entered in error" with a reason,
//! hidden from the chart but kept.
//!
//! The rules that need no database (what an encounter may hold, the correction window, the
//! allergy check at prescribing) live here and run in the browser too.

pub mod allergy_check;
pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod icd10;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use crate::text;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long the author may correct an encounter (later: an addendum).
pub const CORRECTION_WINDOW_HOURS: i64 = 24;
/// Diagnoses on one encounter (a claim carries twelve at most).
pub const MAX_DIAGNOSES: usize = 12;
pub const MAX_PRESCRIPTIONS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "encounter_status", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum EncounterStatus {
    Active,
    /// Hidden from the chart, kept, with the reason.
    EnteredInError,
}

/// An ICD-10-CM coded diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Diagnosis {
    /// ICD-10-CM code, e.g. `E11.9` (from the code list the server ships).
    pub code: String,
    /// The doctor's wording, or the code's official description when left out.
    pub description: Option<String>,
}

/// One medicine as prescribed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Prescription {
    pub id: i64,
    pub drug: String,
    pub dose: String,
    pub route: Option<String>,
    pub frequency: String,
    pub duration_days: Option<i32>,
    pub quantity: Option<i32>,
    pub refills: i32,
    /// Why it was prescribed despite a recorded allergy, if it was.
    pub allergy_override_reason: Option<String>,
}

/// A note appended after the correction window, or by someone other than the author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Addendum {
    pub id: i64,
    pub text: String,
    /// Who wrote it (None once their account is gone).
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An encounter as the chart shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Encounter {
    pub id: i64,
    pub patient_id: i64,
    pub appointment_id: Option<i64>,
    /// The doctor who wrote it.
    pub author_user_id: i64,
    pub author: Option<String>,
    pub diagnoses: Vec<Diagnosis>,
    pub treatment: Option<String>,
    pub notes: Option<String>,
    pub prescriptions: Vec<Prescription>,
    pub addenda: Vec<Addendum>,
    /// 1, then one more at each correction (earlier versions: `GET /api/medical-records/{id}`).
    pub version: i32,
    pub status: EncounterStatus,
    pub error_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Encounter {
    /// Until when its author may still correct it.
    pub fn correctable_until(&self) -> DateTime<Utc> {
        self.created_at + Duration::hours(CORRECTION_WINDOW_HOURS)
    }

    /// What it says now, in the shape a correction sends (and an earlier version is kept in).
    pub fn content(&self) -> EncounterCorrection {
        EncounterCorrection {
            diagnoses: self.diagnoses.clone(),
            treatment: self.treatment.clone(),
            notes: self.notes.clone(),
            prescriptions: self
                .prescriptions
                .iter()
                .map(|p| PrescriptionInput {
                    drug: p.drug.clone(),
                    dose: p.dose.clone(),
                    route: p.route.clone(),
                    frequency: p.frequency.clone(),
                    duration_days: p.duration_days,
                    quantity: p.quantity,
                    refills: Some(p.refills),
                    override_reason: p.allergy_override_reason.clone(),
                })
                .collect(),
        }
    }
}

/// An earlier version of an encounter, as it read before a correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EncounterVersion {
    pub version: i32,
    pub diagnoses: Vec<Diagnosis>,
    pub treatment: Option<String>,
    pub notes: Option<String>,
    pub prescriptions: Vec<PrescriptionInput>,
    /// When this version was written and when a correction replaced it.
    pub written_at: DateTime<Utc>,
    pub replaced_at: DateTime<Utc>,
}

/// `GET /api/medical-records/{id}`: the encounter and its earlier versions, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EncounterDetail {
    pub encounter: Encounter,
    pub versions: Vec<EncounterVersion>,
    /// Whether the reader may correct it now (its author, within the window).
    pub may_correct: bool,
    /// Whether the reader may append an addendum or mark it entered in error.
    pub may_add_addendum: bool,
    pub may_mark_in_error: bool,
}

/// A prescription as written on the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PrescriptionInput {
    pub drug: String,
    /// e.g. "500 mg".
    pub dose: String,
    /// e.g. "oral".
    pub route: Option<String>,
    /// e.g. "three times a day".
    pub frequency: String,
    pub duration_days: Option<i32>,
    pub quantity: Option<i32>,
    /// 0 to 12 (0 when left out).
    pub refills: Option<i32>,
    /// Required to prescribe a drug the patient has an active allergy to.
    pub override_reason: Option<String>,
}

/// `POST /api/medical-records`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewEncounter {
    pub patient_id: i64,
    /// The visit it records: the writer's own accepted or completed appointment with the patient.
    pub appointment_id: Option<i64>,
    pub diagnoses: Vec<Diagnosis>,
    pub treatment: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub prescriptions: Vec<PrescriptionInput>,
}

/// `PUT /api/medical-records/{id}`: the author's correction, the whole content anew.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EncounterCorrection {
    pub diagnoses: Vec<Diagnosis>,
    pub treatment: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub prescriptions: Vec<PrescriptionInput>,
}

/// `POST /api/medical-records/{id}/addenda`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewAddendum {
    pub text: String,
}

/// `DELETE /api/medical-records/{id}`: why it was entered in error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnteredInError {
    pub reason: String,
}

/// An encounter's content that passed every check but the code list and the allergies (the
/// server's), with each diagnosis code normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncounterDraft {
    pub diagnoses: Vec<Diagnosis>,
    pub treatment: Option<String>,
    pub notes: Option<String>,
    pub prescriptions: Vec<PrescriptionInput>,
}

impl EncounterCorrection {
    pub fn parse(self) -> Result<EncounterDraft, String> {
        let diagnoses = parse_diagnoses(self.diagnoses)?;
        let treatment = text::optional(self.treatment.as_deref(), "treatment", 4000)?;
        let notes = text::optional(self.notes.as_deref(), "notes", 20_000)?;
        if self.prescriptions.len() > MAX_PRESCRIPTIONS {
            return Err(format!("At most {MAX_PRESCRIPTIONS} prescriptions on one encounter."));
        }
        let prescriptions = self.prescriptions.into_iter().map(PrescriptionInput::parse).collect::<Result<_, _>>()?;
        Ok(EncounterDraft { diagnoses, treatment, notes, prescriptions })
    }
}

impl NewEncounter {
    pub fn content(self) -> EncounterCorrection {
        EncounterCorrection { diagnoses: self.diagnoses, treatment: self.treatment, notes: self.notes, prescriptions: self.prescriptions }
    }
}

fn parse_diagnoses(diagnoses: Vec<Diagnosis>) -> Result<Vec<Diagnosis>, String> {
    if diagnoses.is_empty() {
        return Err("Give at least one diagnosis (an ICD-10 code).".into());
    }
    if diagnoses.len() > MAX_DIAGNOSES {
        return Err(format!("At most {MAX_DIAGNOSES} diagnoses on one encounter."));
    }
    let mut parsed: Vec<Diagnosis> = Vec::with_capacity(diagnoses.len());
    for diagnosis in diagnoses {
        let code = text::required(&diagnosis.code, "diagnosis code", 10)?.to_ascii_uppercase();
        let description = text::optional(diagnosis.description.as_deref(), "diagnosis description", 300)?;
        if parsed.iter().any(|earlier| normalize_code(&earlier.code) == normalize_code(&code)) {
            return Err(format!("The diagnosis {code} is listed twice."));
        }
        parsed.push(Diagnosis { code, description });
    }
    Ok(parsed)
}

/// A code as clinicians type it, normalized: upper case, spaces gone, the dot after the
/// category added when left out ("e119" → "E11.9").
pub fn normalize_code(raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '.').collect::<String>().to_ascii_uppercase();
    // Codes are ASCII; anything else is no code (and must not be cut inside a character).
    if compact.len() > 3 && compact.is_ascii() {
        format!("{}.{}", &compact[..3], &compact[3..])
    } else {
        compact
    }
}

impl PrescriptionInput {
    /// The prescription with its texts trimmed and bounded, and its numbers in range.
    pub fn parse(self) -> Result<PrescriptionInput, String> {
        let drug = text::required(&self.drug, "drug", 200)?;
        let dose = text::required(&self.dose, &format!("dose of {drug}"), 100)?;
        let frequency = text::required(&self.frequency, &format!("frequency of {drug}"), 100)?;
        let route = text::optional(self.route.as_deref(), "route", 50)?;
        let within = |value: Option<i32>, low: i32, high: i32, what: &str| match value {
            Some(v) if !(low..=high).contains(&v) => Err(format!("The {what} of {drug} must be between {low} and {high}.")),
            _ => Ok(value),
        };
        let duration_days = within(self.duration_days, 1, 365, "duration in days")?;
        let quantity = within(self.quantity, 1, 10_000, "quantity")?;
        let refills = within(Some(self.refills.unwrap_or(0)), 0, 12, "number of refills")?;
        let override_reason = text::optional(self.override_reason.as_deref(), "override reason", 500)?;
        Ok(PrescriptionInput { drug, dose, route, frequency, duration_days, quantity, refills, override_reason })
    }
}

/// Why the reader may not correct an encounter, or `Ok` when they may.
pub fn correction_allowed(encounter: &Encounter, reader_user_id: i64, now: DateTime<Utc>) -> Result<(), CorrectionRefused> {
    if encounter.status == EncounterStatus::EnteredInError {
        Err(CorrectionRefused::EnteredInError)
    } else if encounter.author_user_id != reader_user_id {
        Err(CorrectionRefused::NotTheAuthor)
    } else if now > encounter.correctable_until() {
        Err(CorrectionRefused::WindowClosed)
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrectionRefused {
    NotTheAuthor,
    WindowClosed,
    EnteredInError,
}

impl CorrectionRefused {
    pub fn message(self) -> &'static str {
        match self {
            Self::NotTheAuthor => "Only the doctor who wrote this encounter may correct it; add an addendum instead.",
            Self::WindowClosed => "Encounters can be corrected for 24 hours; add an addendum instead.",
            Self::EnteredInError => "This encounter was entered in error; write a new one.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn prescription(drug: &str) -> PrescriptionInput {
        PrescriptionInput { drug: drug.into(), dose: "500 mg".into(), frequency: "twice a day".into(), ..Default::default() }
    }

    fn content(codes: &[&str]) -> EncounterCorrection {
        EncounterCorrection {
            diagnoses: codes.iter().map(|code| Diagnosis { code: (*code).into(), description: None }).collect(),
            treatment: Some(" Rest ".into()),
            notes: None,
            prescriptions: vec![prescription("Amoxicillin")],
        }
    }

    #[test]
    fn an_encounter_needs_one_to_twelve_different_diagnoses() {
        assert!(content(&[]).parse().unwrap_err().contains("at least one diagnosis"));
        let thirteen: Vec<String> = (0..13).map(|i| format!("A0{i}")).collect();
        let thirteen: Vec<&str> = thirteen.iter().map(String::as_str).collect();
        assert!(content(&thirteen).parse().unwrap_err().contains("At most 12"));
        assert_eq!(content(&["E11.9", "e119"]).parse().unwrap_err(), "The diagnosis E119 is listed twice.");
        let draft = content(&["e11.9", "I10"]).parse().unwrap();
        assert_eq!(draft.diagnoses[0].code, "E11.9");
        assert_eq!(draft.treatment.as_deref(), Some("Rest"));
    }

    #[test]
    fn a_prescription_names_drug_dose_and_frequency_within_limits() {
        let mut bad = content(&["I10"]);
        bad.prescriptions = vec![PrescriptionInput { dose: " ".into(), ..prescription("Amoxicillin") }];
        assert_eq!(bad.parse().unwrap_err(), "The dose of Amoxicillin is required.");
        let mut refills = content(&["I10"]);
        refills.prescriptions = vec![PrescriptionInput { refills: Some(13), ..prescription("Amoxicillin") }];
        assert!(refills.parse().unwrap_err().contains("number of refills of Amoxicillin must be between 0 and 12"));
        let mut days = content(&["I10"]);
        days.prescriptions = vec![PrescriptionInput { duration_days: Some(0), ..prescription("Amoxicillin") }];
        assert!(days.parse().is_err());
        let fine = content(&["I10"]).parse().unwrap();
        assert_eq!(fine.prescriptions[0].refills, Some(0));
    }

    fn encounter(author: i64, created_at: DateTime<Utc>, status: EncounterStatus) -> Encounter {
        Encounter {
            id: 1,
            patient_id: 2,
            appointment_id: None,
            author_user_id: author,
            author: None,
            diagnoses: vec![],
            treatment: None,
            notes: None,
            prescriptions: vec![],
            addenda: vec![],
            version: 1,
            status,
            error_reason: None,
            created_at,
            updated_at: created_at,
        }
    }

    #[test]
    fn only_the_author_corrects_and_only_for_24_hours() {
        let written = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let note = encounter(7, written, EncounterStatus::Active);
        assert_eq!(correction_allowed(&note, 7, written + Duration::hours(23)), Ok(()));
        assert_eq!(correction_allowed(&note, 7, written + Duration::hours(24)), Ok(()));
        assert_eq!(
            correction_allowed(&note, 7, written + Duration::hours(24) + Duration::seconds(1)),
            Err(CorrectionRefused::WindowClosed)
        );
        assert_eq!(correction_allowed(&note, 8, written), Err(CorrectionRefused::NotTheAuthor));
        let wrong = encounter(7, written, EncounterStatus::EnteredInError);
        assert_eq!(correction_allowed(&wrong, 7, written), Err(CorrectionRefused::EnteredInError));
    }
}
