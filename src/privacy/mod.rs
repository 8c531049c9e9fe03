//! The patient's rights over their data (SPEC features 2 and 17): see who looked at their
//! record, take all of it with them, and leave with all of it deleted.
//!
//! Export and erasure find the tables holding someone's data from the database's own foreign
//! keys to `users` and `patients` (see `service::personal_tables`): a table a later domain
//! adds is exported and erased without anyone editing this code, and a foreign key that would
//! keep a row alive makes erasure fail loudly rather than leave data behind.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One access to the patient's record by someone else, from the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct RecordAccess {
    pub at: DateTime<Utc>,
    /// Who: their name and role (None once their account is gone).
    pub actor_name: Option<String>,
    pub actor_role: Option<crate::identity::Role>,
    /// What they did, e.g. `appointment.view`, `appointment.complete`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub outcome: String,
    /// The reason a doctor gave for emergency (break-glass) access.
    pub reason: Option<String>,
}

impl RecordAccess {
    /// The action in words, for the portal.
    pub fn describe(&self) -> String {
        let what = match self.action.as_str() {
            "appointment.view" => "viewed an appointment",
            "appointment.accept" => "confirmed an appointment",
            "appointment.reject" => "declined an appointment",
            "appointment.complete" => "completed a visit and wrote its notes",
            "appointment.no_show" => "marked a visit as missed",
            "appointment.cancel" => "cancelled an appointment",
            "appointment.reschedule" => "moved an appointment",
            "appointment.book" => "booked an appointment",
            "profile.update" => "changed your details",
            "chart.view" => "opened your chart",
            "chart.history.view" => "read your history",
            "chart.history.add" => "added to your history",
            "chart.allergies.view" => "read your allergies",
            "chart.allergy.add" => "recorded an allergy",
            "chart.allergy.status" => "changed an allergy's status",
            "chart.allergies.none_known" => "recorded that you have no known allergies",
            "chart.vitals.view" => "read your vitals",
            "chart.vitals.add" => "recorded your vitals",
            "chart.encounters.view" => "read your visit notes",
            "chart.encounter.view" => "read a visit note",
            "chart.encounter.add" => "wrote a visit note",
            "chart.encounter.correct" => "corrected a visit note",
            "chart.encounter.addendum" => "added to a visit note",
            "chart.encounter.error" => "marked a visit note entered in error",
            "chart.prescription.allergy_override" => "prescribed despite a recorded allergy",
            "chart.break_glass" => "opened your chart in an emergency (break-glass)",
            "patients.view" => "looked up your registration details",
            "patients.update" => "corrected your registration details",
            "patients.register" => "registered you at the front desk",
            "questions.view" => "read one of your questions",
            "questions.list" => "saw your questions in a list",
            "questions.respond" => "answered your question",
            "chart.documents.view" => "looked at the list of your documents",
            "chart.document.open" => "opened one of your documents",
            "chart.document.add" => "added a document to your chart",
            "xray.upload" => "added an x-ray to your chart",
            "xray.view" => "opened one of your x-rays",
            "xray.image" => "viewed the image of one of your x-rays",
            "xray.pixels" => "viewed one of your x-rays in the viewer",
            "xray.original" => "downloaded the original file of one of your x-rays",
            "xray.result" => "wrote the result of one of your x-rays",
            "xrays.list" => "looked at the list of your x-rays",
            "xrays.worklist" => "saw your x-ray on their reading worklist",
            "billing.view" => "looked at your bills",
            "billing.invoice.create" => "billed you",
            "billing.invoice.edit" => "changed a draft bill of yours",
            "billing.invoice.issue" => "issued a bill to you",
            "billing.invoice.void" => "cancelled one of your bills",
            "billing.payment" => "recorded a payment of yours",
            "billing.payment.declined" => "tried a card payment that was declined",
            "billing.refund" => "refunded you",
            "billing.credit" => "lowered one of your bills (credit note)",
            "billing.insurance.add" => "added an insurance policy of yours",
            "billing.claim.submitted" => "claimed one of your bills from your insurer",
            "billing.claim.in_review" => "recorded that your insurer is reviewing a claim",
            "billing.claim.approved" => "recorded your insurer's approval of a claim",
            "billing.claim.partially_approved" => "recorded your insurer's partial approval of a claim",
            "billing.claim.denied" => "recorded your insurer's denial of a claim",
            "billing.claim.paid" => "recorded your insurer's payment of a claim",
            "chart.prescription.add" => "wrote you a prescription",
            "prescriptions.list" => "looked at your prescriptions",
            "prescriptions.to_dispense" => "saw your prescription in the pharmacy's queue",
            "refills.list" => "saw your refill request in a list",
            "refills.approve" => "approved your refill request",
            "refills.deny" => "declined your refill request",
            "pharmacy.dispense" => "dispensed your medicine",
            other => other,
        };
        what.to_owned()
    }
}

/// `DELETE /api/profile`: the account's password, as proof it is really its owner.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CloseAccount {
    pub password: String,
}

/// `DELETE /api/patients/{id}`: why an admin erases a patient (kept in the audit trail).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErasePatient {
    pub reason: String,
}

/// What the portal asks the patient to type before closing the account.
pub const CONFIRMATION_WORD: &str = "DELETE";
