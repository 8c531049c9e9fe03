//! The signed-in user's own profile: contact details for everyone, and for patients the
//! personal data the clinic needs (date of birth, blood group, emergency contact).

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use crate::auth::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Profile {
    pub id: i64,
    pub name: String,
    /// `None` only for a patient registered at the desk without an address (who can't sign in).
    pub email: Option<String>,
    pub role: Role,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub email_verified: bool,
    pub verified: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Present for patients only.
    pub patient: Option<PatientDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PatientDetails {
    pub patient_id: i64,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub blood_group: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
}

/// A profile change. Absent fields stay as they are; an empty string clears an optional one.
/// Unknown fields (`role`, `verified`, …) are refused, never applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub blood_group: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
}

pub const BLOOD_GROUPS: [&str; 8] = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];
pub const GENDERS: [(&str, &str); 4] = [("female", "Female"), ("male", "Male"), ("other", "Other"), ("undisclosed", "Prefer not to say")];

/// `Some("")` and whitespace mean "clear".
pub use crate::text::blank_to_none;

/// Phone numbers as people write them: digits with spaces, dashes, dots, parentheses and a
/// leading +; 5 to 20 digits.
pub fn parse_phone(raw: &str) -> Result<Option<String>, String> {
    let Some(phone) = blank_to_none(raw) else { return Ok(None) };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.char_indices().all(|(i, c)| c.is_ascii_digit() || " -.()".contains(c) || (c == '+' && i == 0));
    if allowed && (5..=20).contains(&digits) {
        Ok(Some(phone))
    } else {
        Err(format!("'{phone}' is not a phone number we can use (digits, spaces, dashes and a leading +)."))
    }
}

pub fn parse_date_of_birth(raw: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let Some(text) = blank_to_none(raw) else { return Ok(None) };
    crate::text::past_date(&text, "date of birth", today).map(Some)
}

pub fn parse_blood_group(raw: &str) -> Result<Option<String>, String> {
    let Some(group) = blank_to_none(raw).map(|g| g.to_uppercase()) else { return Ok(None) };
    if BLOOD_GROUPS.contains(&group.as_str()) {
        Ok(Some(group))
    } else {
        Err(format!("Blood group must be one of {}.", BLOOD_GROUPS.join(", ")))
    }
}

pub fn parse_gender(raw: &str) -> Result<Option<String>, String> {
    let Some(gender) = blank_to_none(raw).map(|g| g.to_lowercase()) else { return Ok(None) };
    if GENDERS.iter().any(|(value, _)| *value == gender) {
        Ok(Some(gender))
    } else {
        Err("Gender must be female, male, other or undisclosed.".into())
    }
}

/// Free text with a length cap (addresses, contact names).
pub fn parse_text(raw: &str, field: &str, max_chars: usize) -> Result<Option<String>, String> {
    crate::text::optional(Some(raw), field, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn phones_accept_common_notations() {
        assert_eq!(parse_phone(" +1 (555) 010-2030 ").unwrap().as_deref(), Some("+1 (555) 010-2030"));
        assert_eq!(parse_phone("").unwrap(), None);
        assert!(parse_phone("call me").is_err());
        assert!(parse_phone("12+34567").is_err());
        assert!(parse_phone("123").is_err());
    }

    #[test]
    fn dates_of_birth_are_real_past_dates() {
        let today = day(2026, 11, 23);
        assert_eq!(parse_date_of_birth("1980-02-29", today).unwrap(), Some(day(1980, 2, 29)));
        assert!(parse_date_of_birth("1981-02-29", today).is_err());
        assert!(parse_date_of_birth("2026-11-24", today).is_err());
        assert!(parse_date_of_birth("1899-12-31", today).is_err());
        assert!(parse_date_of_birth("23/11/1980", today).is_err());
        assert_eq!(parse_date_of_birth(" ", today).unwrap(), None);
    }

    #[test]
    fn blood_groups_are_normalised_and_checked() {
        assert_eq!(parse_blood_group("ab+").unwrap().as_deref(), Some("AB+"));
        assert!(parse_blood_group("C+").is_err());
    }

    #[test]
    fn unknown_fields_in_a_profile_update_are_refused() {
        let attempt = serde_json::from_str::<ProfileUpdate>(r#"{"name":"Eve","role":"admin"}"#);
        assert!(attempt.is_err());
        let fine = serde_json::from_str::<ProfileUpdate>(r#"{"name":"Eve"}"#).unwrap();
        assert_eq!(fine.name.as_deref(), Some("Eve"));
    }
}
