//! Prescriptions and refills (SPEC feature 6): a patient sees their prescriptions and asks for a
//! refill of one, or asks one of their doctors for a new medicine; the doctor asked (or, while
//! they are away, another of the patient's doctors) approves or denies with a note; the
//! pharmacy dispenses what was approved (see `pharmacy`).
//!
//! Prescriptions are written in visit notes (`encounters`). What must hold under concurrency is
//! a CHECK on the prescription row: approved refills never pass the refills written, and fills
//! never pass the first fill and the approved refills, so two approvals racing past the last
//! refill give one success, and an approved refill is dispensed once.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

pub use crate::encounters::PrescriptionInput;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A prescription can be refilled for this long after it was written; then the patient asks
/// for a new one.
pub const REFILLABLE_DAYS: i64 = 365;
/// The longest note on a request or a decision, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// Where a prescription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "prescription_status", rename_all = "snake_case"))]
pub enum PrescriptionStatus {
    Active,
    /// Replaced by a correction of its visit note.
    Superseded,
    EnteredInError,
}

/// A prescription as the patient's medications page and the pharmacy show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct PatientPrescription {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    pub drug: String,
    pub dose: String,
    pub route: Option<String>,
    pub frequency: String,
    pub duration_days: Option<i32>,
    /// How much one fill hands out, in the medicine's units, when the doctor said.
    pub quantity: Option<i32>,
    /// Refills written.
    pub refills: i32,
    /// Refills approved so far.
    pub refills_used: i32,
    /// Times dispensed (the first fill and each refill).
    pub fills: i32,
    pub last_filled_at: Option<DateTime<Utc>>,
    pub prescriber_name: Option<String>,
    pub status: PrescriptionStatus,
    pub prescribed_at: DateTime<Utc>,
    /// The patient's request waiting for a doctor, if there is one.
    pub open_request_id: Option<i64>,
}

impl PatientPrescription {
    pub fn refills_left(&self) -> i32 {
        (self.refills - self.refills_used).max(0)
    }

    /// The last moment a refill can be approved.
    pub fn refillable_until(&self) -> DateTime<Utc> {
        self.prescribed_at + Duration::days(REFILLABLE_DAYS)
    }

    /// A fill is waiting at the pharmacy: the first one, or an approved refill.
    pub fn fill_waiting(&self) -> bool {
        self.status == PrescriptionStatus::Active && self.fills < 1 + self.refills_used
    }

    /// Why a refill can't be asked for or approved now, if it can't.
    pub fn refill_refusal(&self, now: DateTime<Utc>) -> Option<&'static str> {
        if self.status != PrescriptionStatus::Active {
            Some("This prescription is no longer in use; ask your doctor for a new one.")
        } else if self.refills_left() == 0 {
            Some("This prescription has no refills left; ask your doctor for a new one.")
        } else if now > self.refillable_until() {
            Some("This prescription is more than a year old and can't be refilled; ask your doctor for a new one.")
        } else {
            None
        }
    }

    /// Current: in use and not past its refill year.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.status == PrescriptionStatus::Active && now <= self.refillable_until()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "refill_request_status", rename_all = "snake_case"))]
pub enum RefillStatus {
    Pending,
    Approved,
    Denied,
    /// Handed out by the pharmacy.
    Dispensed,
}

impl RefillStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting for the doctor",
            Self::Approved => "Approved — being prepared",
            Self::Denied => "Denied",
            Self::Dispensed => "Ready for pickup",
        }
    }
}

/// A patient's request for a refill (of `prescription_id`) or for a new medicine (none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct RefillRequest {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    pub prescription_id: Option<i64>,
    /// The doctor asked (`doctors.id`).
    pub doctor_id: Option<i64>,
    pub doctor_name: Option<String>,
    pub drug: String,
    pub note: Option<String>,
    pub status: RefillStatus,
    pub decided_by_name: Option<String>,
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The prescription approving a request for a new medicine wrote.
    pub issued_prescription_id: Option<i64>,
    pub dispensed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Of the prescription to refill: when it was last dispensed, and the refills it has left.
    pub last_filled_at: Option<DateTime<Utc>>,
    pub refills_left: Option<i32>,
}

impl RefillRequest {
    pub fn is_new_medicine(&self) -> bool {
        self.prescription_id.is_none()
    }
}

/// `POST /api/prescriptions/{id}/refill-requests`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewRefillRequest {
    /// For the doctor: "running out on Friday".
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/refill-requests`: a new medicine, from one of the patient's doctors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewMedicineRequest {
    /// A doctor the patient has seen (`doctors.id`).
    pub doctor_id: i64,
    pub drug: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/refill-requests/{id}/approve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RefillApproval {
    /// For the patient.
    pub note: String,
    /// Required to approve a request for a new medicine: the prescription written for it.
    #[serde(default)]
    pub prescription: Option<PrescriptionInput>,
}

/// `POST /api/refill-requests/{id}/deny`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RefillDenial {
    /// Why, for the patient.
    pub note: String,
}

/// `GET /api/refill-requests?status=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct RefillQuery {
    /// Only requests in this state.
    pub status: Option<RefillStatus>,
}

/// `GET /api/prescriptions?patient_id=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct PrescriptionQuery {
    /// Whose prescriptions (clinicians and admins; a patient always gets their own).
    pub patient_id: Option<i64>,
}

/// A patient's note on a request: optional, at most [`MAX_NOTE_CHARS`].
pub fn parse_request_note(raw: Option<&str>) -> Result<Option<String>, String> {
    crate::text::optional(raw, "note", MAX_NOTE_CHARS)
}

/// A doctor's note on a decision: required (the patient reads why), at most [`MAX_NOTE_CHARS`].
pub fn parse_decision_note(raw: &str) -> Result<String, String> {
    crate::text::required(raw, "note", MAX_NOTE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prescription(refills: i32, refills_used: i32, fills: i32, written_days_ago: i64) -> PatientPrescription {
        PatientPrescription {
            id: 1,
            patient_id: 1,
            patient_name: "Pat".into(),
            drug: "Amoxicillin".into(),
            dose: "500 mg".into(),
            route: None,
            frequency: "three times a day".into(),
            duration_days: Some(10),
            quantity: Some(30),
            refills,
            refills_used,
            fills,
            last_filled_at: None,
            prescriber_name: None,
            status: PrescriptionStatus::Active,
            prescribed_at: Utc::now() - Duration::days(written_days_ago),
            open_request_id: None,
        }
    }

    #[test]
    fn a_refill_needs_refills_left_within_the_year() {
        let now = Utc::now();
        assert_eq!(prescription(2, 1, 2, 30).refill_refusal(now), None);
        assert!(prescription(2, 2, 3, 30).refill_refusal(now).unwrap().contains("no refills left"));
        assert!(prescription(0, 0, 1, 30).refill_refusal(now).unwrap().contains("no refills left"));
        assert!(prescription(3, 0, 1, REFILLABLE_DAYS + 1).refill_refusal(now).unwrap().contains("more than a year"));
        let stopped = PatientPrescription { status: PrescriptionStatus::Superseded, ..prescription(3, 0, 1, 1) };
        assert!(stopped.refill_refusal(now).unwrap().contains("no longer in use"));
    }

    #[test]
    fn a_fill_waits_until_each_approved_fill_is_dispensed() {
        assert!(prescription(2, 0, 0, 1).fill_waiting(), "never filled");
        assert!(!prescription(2, 0, 1, 1).fill_waiting(), "filled, no refill approved");
        assert!(prescription(2, 1, 1, 1).fill_waiting(), "a refill approved");
        assert!(!prescription(2, 1, 2, 1).fill_waiting(), "the refill dispensed");
        assert_eq!(prescription(2, 1, 2, 1).refills_left(), 1);
    }

    #[test]
    fn decision_notes_are_required_and_request_notes_are_not() {
        assert_eq!(parse_request_note(Some("  ")), Ok(None));
        assert_eq!(parse_request_note(Some(" out on Friday ")), Ok(Some("out on Friday".into())));
        assert!(parse_decision_note(" ").unwrap_err().contains("required"));
        assert!(parse_decision_note(&"x".repeat(MAX_NOTE_CHARS + 1)).unwrap_err().contains("too long"));
    }
}
