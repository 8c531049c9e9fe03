//! Patients: the rule of who may see a patient's clinical data, and the registry — every
//! patient's medical record number (MRN) and the search the front desk, nurses and doctors
//! find patients with.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod record;
#[cfg(feature = "ssr")]
pub mod registration;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
pub mod rest;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One of a patient's doctors: one they have seen (a confirmed, past or missed visit), whom
/// they may ask a question or for a prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TreatingDoctor {
    pub doctor_id: i64,
    pub name: String,
    pub specialization: String,
}

/// A patient as the registry lists them: who they are and how to reach them, nothing clinical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct PatientSummary {
    pub patient_id: i64,
    /// Medical record number, e.g. `MRN00000042`.
    pub mrn: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    /// Their latest visit (for doctors: with them) that was confirmed or took place.
    pub last_visit: Option<DateTime<Utc>>,
}

/// A patient's registration (`GET|PUT /api/patients/{id}`): identity and contact details, the
/// fields the front desk keeps; nothing clinical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PatientRecord {
    pub patient_id: i64,
    pub mrn: String,
    pub name: String,
    /// `None` for a walk-in registered without an address (they can't sign in).
    pub email: Option<String>,
    pub email_verified: bool,
    /// Whether they can sign in (a walk-in can't until they accept their invitation).
    pub can_sign_in: bool,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub blood_group: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub registered_at: DateTime<Utc>,
}

impl PatientRecord {
    /// The registration in a patient's profile (`None` for other accounts).
    pub fn from_profile(profile: crate::profile::Profile, mrn: String, can_sign_in: bool) -> Option<Self> {
        let patient = profile.patient?;
        Some(Self {
            patient_id: patient.patient_id,
            mrn,
            name: profile.name,
            email: profile.email,
            email_verified: profile.email_verified,
            can_sign_in,
            phone: profile.phone,
            address: profile.address,
            date_of_birth: patient.date_of_birth,
            gender: patient.gender,
            blood_group: patient.blood_group,
            emergency_contact_name: patient.emergency_contact_name,
            emergency_contact_phone: patient.emergency_contact_phone,
            registered_at: profile.created_at,
        })
    }
}

/// A walk-in patient registered at the front desk (`POST /api/patients`). Name and date of
/// birth are required (together they find a patient registered twice); the rest as the
/// patient's own profile takes it. With an email the patient is invited to set a password;
/// without one they have a record but no sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewPatient {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub blood_group: Option<String>,
    #[serde(default)]
    pub emergency_contact_name: Option<String>,
    #[serde(default)]
    pub emergency_contact_phone: Option<String>,
    /// Register even though a patient with the same name and date of birth exists (the desk
    /// checked: a different person). Without it such a registration is a 409.
    #[serde(default)]
    pub confirm_duplicate: bool,
}

/// What a registry search looks for, decided from what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientQuery {
    /// Nothing typed: everyone the caller may list (a doctor's patients, latest visit first).
    All,
    Name(String),
    Mrn(String),
    /// Digits of a phone number (4 or more), found anywhere in the patient's number.
    Phone(String),
    DateOfBirth(NaiveDate),
}

/// The shortest name fragment searched for (shorter ones match too much to be useful).
pub const MIN_NAME_CHARS: usize = 3;

impl PatientQuery {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(Self::All);
        }
        if text.chars().count() > 100 {
            return Err("Type at most 100 characters.".into());
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Self::DateOfBirth(date));
        }
        // "MRN 42", "mrn00000042" (a name that merely starts with the letters goes on below).
        let mrn_number = after_mrn_prefix(text);
        if let Some(number) = mrn_number.filter(|n| n.starts_with(|c: char| c.is_ascii_digit())) {
            if number.len() <= 8 && number.chars().all(|c| c.is_ascii_digit()) {
                return Ok(Self::Mrn(mrn_of(number)));
            }
            return Err("An MRN is MRN followed by up to 8 digits.".into());
        }
        let looks_like_phone = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if looks_like_phone {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            return if digits.len() >= 4 { Ok(Self::Phone(digits)) } else { Err("Type at least 4 digits of a phone number.".into()) };
        }
        if text.chars().count() < MIN_NAME_CHARS {
            return Err(format!("Type at least {MIN_NAME_CHARS} letters of the name."));
        }
        Ok(Self::Name(text.to_owned()))
    }
}

/// What follows "MRN" (any case, then spaces, `-` or `:`) in `text`, if it starts so.
fn after_mrn_prefix(text: &str) -> Option<&str> {
    text.get(..3).filter(|p| p.eq_ignore_ascii_case("mrn")).map(|_| text[3..].trim_start_matches([' ', '-', ':']))
}

/// The MRN with this number, e.g. `42` → `MRN00000042` (the database derives it the same way).
pub fn mrn_of(number: &str) -> String {
    format!("MRN{:0>8}", number.trim_start_matches('0'))
}

/// The patient a form names by MRN (`MRN00000042`, `mrn 42`) or by number (`42`): their
/// `patients.id`, which the MRN spells.
pub fn parse_patient_reference(raw: &str) -> Option<i64> {
    let text = raw.trim();
    let number = after_mrn_prefix(text).unwrap_or(text);
    if number.is_empty() || number.len() > 18 || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    number.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patient_is_named_by_mrn_or_number() {
        assert_eq!(parse_patient_reference("MRN00000042"), Some(42));
        assert_eq!(parse_patient_reference(" mrn 42 "), Some(42));
        assert_eq!(parse_patient_reference("42"), Some(42));
        assert_eq!(parse_patient_reference("MRN"), None);
        assert_eq!(parse_patient_reference("0"), None);
        assert_eq!(parse_patient_reference("Jonas"), None);
        assert_eq!(parse_patient_reference("99999999999999999999"), None);
    }

    #[test]
    fn what_was_typed_decides_what_is_searched() {
        assert_eq!(PatientQuery::parse("  "), Ok(PatientQuery::All));
        assert_eq!(PatientQuery::parse("Pat Pat"), Ok(PatientQuery::Name("Pat Pat".into())));
        assert_eq!(PatientQuery::parse("1985-02-14"), Ok(PatientQuery::DateOfBirth(NaiveDate::from_ymd_opt(1985, 2, 14).unwrap())));
        assert_eq!(PatientQuery::parse("mrn 42"), Ok(PatientQuery::Mrn("MRN00000042".into())));
        assert_eq!(PatientQuery::parse("MRN00000042"), Ok(PatientQuery::Mrn("MRN00000042".into())));
        assert_eq!(PatientQuery::parse("+1 (555) 01-99"), Ok(PatientQuery::Phone("15550199".into())));
    }

    #[test]
    fn too_little_to_search_for_is_refused_with_the_reason() {
        assert!(PatientQuery::parse("Al").unwrap_err().contains("3 letters"));
        assert!(PatientQuery::parse("555").unwrap_err().contains("4 digits"));
        assert!(PatientQuery::parse("MRN12345678901").unwrap_err().contains("MRN"));
        assert!(PatientQuery::parse(&"x".repeat(101)).is_err());
        assert_eq!(PatientQuery::parse("Mrnaz"), Ok(PatientQuery::Name("Mrnaz".into())));
    }

    #[test]
    fn mrns_are_the_number_padded_to_eight_digits() {
        assert_eq!(mrn_of("7"), "MRN00000007");
        assert_eq!(mrn_of("00000007"), "MRN00000007");
        assert_eq!(mrn_of("12345678"), "MRN12345678");
    }
}
