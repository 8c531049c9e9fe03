//! The patient chart (SPEC feature 5): medical, surgical, family and social history,
//! allergies and vitals. Every read and write goes through one access rule
//! (`patients::access::require_chart_access`) and is audited, so the patient sees it under
//! "Who viewed your record".
//!
//! The rules that need no database (what a history entry, an allergy or a set of vitals may
//! hold; BMI) live here and run in the browser too.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use crate::text;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Shared shapes

/// What a chart entry is now. `EnteredInError` hides it from the chart but keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "chart_entry_status", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Active,
    Inactive,
    EnteredInError,
}

impl EntryStatus {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            "entered_in_error" => Ok(Self::EnteredInError),
            _ => Err("Status must be active, inactive or entered_in_error.".into()),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
            Self::EnteredInError => "Entered in error",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// History

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "history_kind", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum HistoryKind {
    /// A medical condition (past or present).
    Condition,
    Surgery,
    /// A condition of a relative.
    Family,
    /// Smoking, alcohol, occupation…
    Social,
}

impl HistoryKind {
    pub const ALL: [HistoryKind; 4] = [Self::Condition, Self::Surgery, Self::Family, Self::Social];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Condition => "condition",
            Self::Surgery => "surgery",
            Self::Family => "family",
            Self::Social => "social",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Condition => "Medical conditions",
            Self::Surgery => "Surgeries",
            Self::Family => "Family history",
            Self::Social => "Social history",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or_else(|| "Kind must be condition, surgery, family or social.".to_owned())
    }
}

/// One line of the patient's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct HistoryEntry {
    pub id: i64,
    pub patient_id: i64,
    pub kind: HistoryKind,
    pub name: String,
    /// When it began or happened, if known.
    pub date: Option<NaiveDate>,
    pub description: Option<String>,
    pub status: EntryStatus,
    /// Who wrote it (None once their account is gone).
    pub recorded_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// `POST /api/patients/{id}/history`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewHistoryEntry {
    /// `condition`, `surgery`, `family` or `social`.
    pub kind: String,
    pub name: String,
    /// `YYYY-MM-DD`, not in the future.
    pub date: Option<String>,
    pub description: Option<String>,
}

/// A history entry that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryDraft {
    pub kind: HistoryKind,
    pub name: String,
    pub date: Option<NaiveDate>,
    pub description: Option<String>,
}

impl NewHistoryEntry {
    pub fn parse(self, today: NaiveDate) -> Result<HistoryDraft, String> {
        let kind = HistoryKind::parse(&self.kind)?;
        let name = text::required(&self.name, "name", 200)?;
        let date = match self.date.as_deref().and_then(text::blank_to_none) {
            None => None,
            Some(raw) => Some(text::past_date(&raw, "date", today)?),
        };
        let description = text::optional(self.description.as_deref(), "description", 2000)?;
        Ok(HistoryDraft { kind, name, date, description })
    }
}

// ---------------------------------------------------------------------------------------------
// Allergies

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "allergy_severity", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
    LifeThreatening,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Mild, Self::Moderate, Self::Severe, Self::LifeThreatening];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mild => "mild",
            Self::Moderate => "moderate",
            Self::Severe => "severe",
            Self::LifeThreatening => "life_threatening",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Mild => "Mild",
            Self::Moderate => "Moderate",
            Self::Severe => "Severe",
            Self::LifeThreatening => "Life-threatening",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim().to_ascii_lowercase().replace(['-', ' '], "_"))
            .ok_or_else(|| "Severity must be mild, moderate, severe or life_threatening.".to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Allergy {
    pub id: i64,
    pub patient_id: i64,
    pub substance: String,
    pub reaction: Option<String>,
    pub severity: Severity,
    pub status: EntryStatus,
    pub recorded_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// What the chart knows about the patient's allergies. "No known allergies" is something a
/// clinician asked and recorded; `unknown` means nobody has asked yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AllergyState {
    Unknown,
    NoKnownAllergies,
    HasAllergies,
}

/// `GET /api/patients/{id}/allergies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AllergyList {
    pub state: AllergyState,
    /// When "no known allergies" was recorded (with `state = no_known_allergies`).
    pub no_known_allergies_at: Option<DateTime<Utc>>,
    /// Active and inactive entries (entered-in-error ones are left out), active first.
    pub allergies: Vec<Allergy>,
}

impl AllergyList {
    pub fn new(allergies: Vec<Allergy>, no_known_allergies_at: Option<DateTime<Utc>>) -> Self {
        let state = if allergies.iter().any(|a| a.status == EntryStatus::Active) {
            AllergyState::HasAllergies
        } else if no_known_allergies_at.is_some() {
            AllergyState::NoKnownAllergies
        } else {
            AllergyState::Unknown
        };
        let no_known_allergies_at = no_known_allergies_at.filter(|_| state == AllergyState::NoKnownAllergies);
        Self { state, no_known_allergies_at, allergies }
    }

    pub fn active(&self) -> impl Iterator<Item = &Allergy> {
        self.allergies.iter().filter(|a| a.status == EntryStatus::Active)
    }
}

/// `POST /api/patients/{id}/allergies`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewAllergy {
    pub substance: String,
    pub reaction: Option<String>,
    /// `mild`, `moderate`, `severe` or `life_threatening`.
    pub severity: String,
    /// `active` (the default) or `inactive`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AllergyDraft {
    pub substance: String,
    pub reaction: Option<String>,
    pub severity: Severity,
    pub status: EntryStatus,
}

impl NewAllergy {
    pub fn parse(self) -> Result<AllergyDraft, String> {
        let substance = text::required(&self.substance, "substance", 100)?;
        let reaction = text::optional(self.reaction.as_deref(), "reaction", 500)?;
        let severity = Severity::parse(&self.severity)?;
        let status = match self.status.as_deref().and_then(text::blank_to_none) {
            None => EntryStatus::Active,
            Some(raw) => match EntryStatus::parse(&raw)? {
                EntryStatus::EnteredInError => return Err("A new allergy is active or inactive.".into()),
                status => status,
            },
        };
        Ok(AllergyDraft { substance, reaction, severity, status })
    }
}

/// `PUT /api/allergies/{id}`: an allergy's status changes (it resolved, or was entered in
/// error); what was recorded stays as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AllergyStatusChange {
    /// `active`, `inactive` or `entered_in_error`.
    pub status: String,
}

/// The key two allergy entries are the same substance by (also the database's unique index:
/// `lower(btrim(substance))`).
pub fn substance_key(substance: &str) -> String {
    substance.trim().to_lowercase()
}

// ---------------------------------------------------------------------------------------------
// Vitals

/// `POST /api/patients/{id}/vitals`: any subset of the measurements, at least one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewVitals {
    /// mmHg, with `diastolic`.
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    /// Beats per minute.
    pub pulse: Option<i32>,
    pub temperature_c: Option<f64>,
    /// Breaths per minute.
    pub respiratory_rate: Option<i32>,
    /// Oxygen saturation, %.
    pub spo2: Option<i32>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
}

/// A measurement and the values a living patient can have (the database checks the same).
struct Range {
    field: &'static str,
    what: &'static str,
    low: f64,
    high: f64,
}

const SYSTOLIC: Range = Range { field: "systolic", what: "Systolic pressure (mmHg)", low: 50.0, high: 300.0 };
const DIASTOLIC: Range = Range { field: "diastolic", what: "Diastolic pressure (mmHg)", low: 20.0, high: 200.0 };
const PULSE: Range = Range { field: "pulse", what: "Pulse (beats per minute)", low: 20.0, high: 300.0 };
const TEMPERATURE: Range = Range { field: "temperature_c", what: "Temperature (°C)", low: 25.0, high: 45.0 };
const RESPIRATORY_RATE: Range = Range { field: "respiratory_rate", what: "Respiratory rate (breaths per minute)", low: 4.0, high: 80.0 };
const SPO2: Range = Range { field: "spo2", what: "SpO2 (%)", low: 50.0, high: 100.0 };
const WEIGHT: Range = Range { field: "weight_kg", what: "Weight (kg)", low: 0.2, high: 650.0 };
const HEIGHT: Range = Range { field: "height_cm", what: "Height (cm)", low: 20.0, high: 280.0 };

impl Range {
    fn check(&self, value: Option<f64>) -> Result<(), String> {
        match value {
            Some(v) if !v.is_finite() || v < self.low || v > self.high => {
                Err(format!("{} must be between {} and {} ({}: {v}).", self.what, self.low, self.high, self.field))
            }
            _ => Ok(()),
        }
    }
}

impl NewVitals {
    /// Refuses what no living patient can have; answers the values rounded as stored (one
    /// decimal for temperature, weight and height).
    pub fn parse(self) -> Result<NewVitals, String> {
        let whole = |v: Option<i32>| v.map(f64::from);
        SYSTOLIC.check(whole(self.systolic))?;
        DIASTOLIC.check(whole(self.diastolic))?;
        PULSE.check(whole(self.pulse))?;
        TEMPERATURE.check(self.temperature_c)?;
        RESPIRATORY_RATE.check(whole(self.respiratory_rate))?;
        SPO2.check(whole(self.spo2))?;
        WEIGHT.check(self.weight_kg)?;
        HEIGHT.check(self.height_cm)?;
        match (self.systolic, self.diastolic) {
            (Some(s), Some(d)) if s <= d => return Err("Systolic pressure must be higher than diastolic.".into()),
            (Some(_), None) | (None, Some(_)) => return Err("Blood pressure needs both systolic and diastolic.".into()),
            _ => {}
        }
        let round = |v: Option<f64>| v.map(|v| (v * 10.0).round() / 10.0);
        let vitals = NewVitals {
            temperature_c: round(self.temperature_c),
            weight_kg: round(self.weight_kg),
            height_cm: round(self.height_cm),
            ..self
        };
        if vitals == NewVitals::default() {
            return Err("Record at least one measurement.".into());
        }
        Ok(vitals)
    }
}

/// One set of vitals as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Vitals {
    pub id: i64,
    pub patient_id: i64,
    pub taken_at: DateTime<Utc>,
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    pub pulse: Option<i32>,
    pub temperature_c: Option<f64>,
    pub respiratory_rate: Option<i32>,
    pub spo2: Option<i32>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
    /// Body-mass index from this weight and the latest height measured with or before it.
    pub bmi: Option<f64>,
    pub recorded_by: Option<String>,
}

/// kg / m², one decimal.
pub fn bmi(weight_kg: f64, height_cm: f64) -> f64 {
    let metres = height_cm / 100.0;
    (weight_kg / (metres * metres) * 10.0).round() / 10.0
}

/// Fills in each reading's BMI, newest first as the chart lists them: a weight is paired with
/// the height of the same reading or, failing that, the latest height measured before it
/// (height is rarely measured at every visit).
pub fn with_bmi(mut readings: Vec<Vitals>) -> Vec<Vitals> {
    readings.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then(b.id.cmp(&a.id)));
    let mut height = None;
    for reading in readings.iter_mut().rev() {
        height = reading.height_cm.or(height);
        reading.bmi = match (reading.weight_kg, height) {
            (Some(weight), Some(height)) => Some(bmi(weight, height)),
            _ => None,
        };
    }
    readings
}

// ---------------------------------------------------------------------------------------------
// The chart as one page reads it

/// Who the chart is about: the registry fields a clinician checks before anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ChartPatient {
    pub patient_id: i64,
    /// Medical record number.
    pub mrn: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub blood_group: Option<String>,
}

/// `POST /api/patients/{id}/break-glass`: why a doctor without a visit with the patient must
/// open the chart now.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BreakGlassRequest {
    /// 10 to 500 characters; the patient and the admins read it.
    pub reason: String,
}

/// An emergency access to a chart: who, whose, why, until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct BreakGlassGrant {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: Option<String>,
    pub doctor_name: Option<String>,
    pub reason: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// `GET /api/patients/{id}/chart`: everything above in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Chart {
    pub patient: ChartPatient,
    pub allergies: AllergyList,
    pub history: Vec<HistoryEntry>,
    /// Newest first.
    pub vitals: Vec<Vitals>,
    /// The newest encounters (visit notes), newest first, and how many there are in all.
    pub encounters: Vec<crate::encounters::Encounter>,
    pub encounter_count: i64,
    /// Lab results, imaging reports and letters, newest first.
    pub documents: Vec<crate::documents::Report>,
    /// X-rays, newest first, with their latest result.
    pub xrays: Vec<crate::xrays::Xray>,
    /// Whether the caller may add to this chart (clinicians who may read it).
    pub may_write: bool,
    /// Whether the caller may write visit notes here (a doctor who treats the patient).
    pub may_write_notes: bool,
}

impl fmt::Display for HistoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    #[test]
    fn a_history_entry_needs_a_known_kind_a_name_and_a_past_date() {
        let entry =
            NewHistoryEntry { kind: "Surgery".into(), name: " Appendectomy ".into(), date: Some("2001-06-30".into()), description: None };
        let draft = entry.parse(today()).unwrap();
        assert_eq!((draft.kind, draft.name.as_str()), (HistoryKind::Surgery, "Appendectomy"));
        let wrong_kind = NewHistoryEntry { kind: "hobby".into(), name: "Chess".into(), ..Default::default() };
        assert!(wrong_kind.parse(today()).is_err());
        let nameless = NewHistoryEntry { kind: "condition".into(), name: "  ".into(), ..Default::default() };
        assert!(nameless.parse(today()).is_err());
        let future =
            NewHistoryEntry { kind: "condition".into(), name: "Asthma".into(), date: Some("2027-01-01".into()), description: None };
        assert!(future.parse(today()).unwrap_err().contains("future"));
    }

    #[test]
    fn allergies_name_a_substance_and_a_known_severity() {
        let allergy = NewAllergy {
            substance: "Penicillin".into(),
            reaction: Some("Hives".into()),
            severity: "Life-threatening".into(),
            status: None,
        };
        let draft = allergy.parse().unwrap();
        assert_eq!((draft.severity, draft.status), (Severity::LifeThreatening, EntryStatus::Active));
        assert!(NewAllergy { substance: "Latex".into(), severity: "deadly".into(), ..Default::default() }.parse().is_err());
        assert!(NewAllergy { substance: "".into(), severity: "mild".into(), ..Default::default() }.parse().is_err());
        let in_error =
            NewAllergy { substance: "Latex".into(), severity: "mild".into(), status: Some("entered_in_error".into()), reaction: None };
        assert!(in_error.parse().is_err());
        assert_eq!(substance_key("  PeniCillin "), substance_key("penicillin"));
    }

    #[test]
    fn impossible_vitals_are_refused_and_possible_ones_rounded() {
        let fine =
            NewVitals { systolic: Some(120), diastolic: Some(80), temperature_c: Some(37.04), ..Default::default() }.parse().unwrap();
        assert_eq!(fine.temperature_c, Some(37.0));
        for impossible in [
            NewVitals { pulse: Some(0), ..Default::default() },
            NewVitals { temperature_c: Some(60.0), ..Default::default() },
            NewVitals { temperature_c: Some(f64::NAN), ..Default::default() },
            NewVitals { spo2: Some(101), ..Default::default() },
            NewVitals { weight_kg: Some(-3.0), ..Default::default() },
            NewVitals { systolic: Some(80), diastolic: Some(120), ..Default::default() },
            NewVitals { systolic: Some(120), ..Default::default() },
            NewVitals::default(),
        ] {
            assert!(impossible.clone().parse().is_err(), "{impossible:?} was accepted");
        }
        let message = NewVitals { spo2: Some(140), ..Default::default() }.parse().unwrap_err();
        assert!(message.contains("spo2"), "{message}");
    }

    fn reading(id: i64, day: u32, weight_kg: Option<f64>, height_cm: Option<f64>) -> Vitals {
        Vitals {
            id,
            patient_id: 1,
            taken_at: Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap(),
            systolic: None,
            diastolic: None,
            pulse: None,
            temperature_c: None,
            respiratory_rate: None,
            spo2: None,
            weight_kg,
            height_cm,
            bmi: None,
            recorded_by: None,
        }
    }

    #[test]
    fn bmi_pairs_a_weight_with_the_latest_height_measured_with_or_before_it() {
        assert_eq!(bmi(70.0, 175.0), 22.9);
        let readings = with_bmi(vec![
            reading(1, 1, Some(80.0), None),        // no height yet
            reading(2, 2, Some(80.0), Some(180.0)), // its own height
            reading(3, 3, Some(90.0), None),        // the height of the 2nd
            reading(4, 4, None, Some(170.0)),       // height only
            reading(5, 5, Some(72.25), None),       // the height of the 4th
        ]);
        let bmis: Vec<_> = readings.iter().map(|r| (r.id, r.bmi)).collect();
        assert_eq!(bmis, vec![(5, Some(25.0)), (4, None), (3, Some(27.8)), (2, Some(24.7)), (1, None)]);
    }

    #[test]
    fn the_allergy_state_tells_never_asked_from_none_known() {
        let none = AllergyList::new(vec![], None);
        assert_eq!(none.state, AllergyState::Unknown);
        let asked = AllergyList::new(vec![], Some(Utc::now()));
        assert_eq!(asked.state, AllergyState::NoKnownAllergies);
        let mut penicillin = Allergy {
            id: 1,
            patient_id: 1,
            substance: "Penicillin".into(),
            reaction: None,
            severity: Severity::Severe,
            status: EntryStatus::Inactive,
            recorded_by: None,
            recorded_at: Utc::now(),
        };
        assert_eq!(AllergyList::new(vec![penicillin.clone()], None).state, AllergyState::Unknown, "an inactive allergy alone says nothing");
        penicillin.status = EntryStatus::Active;
        let has = AllergyList::new(vec![penicillin], Some(Utc::now()));
        assert_eq!((has.state, has.no_known_allergies_at), (AllergyState::HasAllergies, None));
    }
}
