//! Appointments: booking a doctor's slot, and the visit's lifecycle
//! (pending → accepted | rejected; accepted → completed | no_show; cancelled by either side).

pub mod api;
pub mod doctor_page;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod booking;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "appointment_status", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum AppointmentStatus {
    Pending,
    Accepted,
    Rejected,
    Cancelled,
    Completed,
    NoShow,
}

impl AppointmentStatus {
    /// Live appointments hold their slot; the others free it.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Pending | Self::Accepted)
    }

    /// The allowed moves of the lifecycle.
    pub fn can_become(self, next: Self) -> bool {
        use AppointmentStatus::*;
        matches!(
            (self, next),
            (Pending, Accepted)
                | (Pending, Rejected)
                | (Pending, Cancelled)
                | (Accepted, Completed)
                | (Accepted, NoShow)
                | (Accepted, Cancelled)
        )
    }

    /// The name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Completed => "completed",
            Self::NoShow => "no_show",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Awaiting confirmation",
            Self::Accepted => "Confirmed",
            Self::Rejected => "Declined",
            Self::Cancelled => "Cancelled",
            Self::Completed => "Completed",
            Self::NoShow => "Missed",
        }
    }
}

/// An appointment as both parties see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Appointment {
    pub id: i64,
    pub status: AppointmentStatus,
    pub doctor_id: i64,
    pub doctor_name: String,
    pub specialization: String,
    pub patient_id: i64,
    pub patient_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The slot in the clinic's time zone: `YYYY-MM-DD` and `HH:MM`.
    pub date: String,
    pub time_slot: String,
    /// Why the patient booked. Clinical content: absent for roles that don't read it (the
    /// front desk, managers), and when the patient gave none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub fee_cents: i64,
    pub currency: String,
    pub status_reason: Option<String>,
    /// The doctor's notes of the visit. Clinical content: absent like `reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_notes: Option<String>,
    /// Whether the patient reviewed this (completed) visit.
    pub reviewed: bool,
    pub created_at: DateTime<Utc>,
}

impl Appointment {
    /// What the visit costs (the doctor's fee when it was booked).
    pub fn fee(&self) -> crate::money::Money {
        crate::money::Money::new(self.fee_cents, self.currency.clone())
    }
}

/// A calendar page: one day or one week (Monday to Sunday) in the clinic's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum CalendarSpan {
    Day,
    #[default]
    Week,
}

impl CalendarSpan {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    /// `YYYY-MM-DD`, with a label like "Mon 23 Nov".
    pub date: String,
    pub label: String,
    pub is_today: bool,
    /// This page's appointments of the day.
    pub appointments: Vec<Appointment>,
    /// The day's appointments on all pages.
    pub total: i64,
}

/// A doctor's (or the desk's) day or week, with the requests still waiting for an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Calendar {
    pub span: CalendarSpan,
    pub title: String,
    pub date: String,
    pub previous: String,
    pub next: String,
    pub today: String,
    pub days: Vec<CalendarDay>,
    /// Upcoming appointments awaiting the doctor's answer (doctors only).
    pub pending: Vec<Appointment>,
    /// The doctor the clinic's calendar is narrowed to, if any.
    pub doctor_id: Option<i64>,
    /// The doctors the clinic's calendar can be narrowed to (staff only).
    pub doctors: Vec<DoctorChoice>,
    /// Pages of [`MOST_PER_PAGE`] appointments, from 0: a busy clinic's week holds more.
    pub page: i64,
    /// Appointments in the span (all pages).
    pub total: i64,
}

impl Calendar {
    /// Whether the span holds appointments beyond this page.
    pub fn has_next_page(&self) -> bool {
        (self.page + 1) * MOST_PER_PAGE < self.total
    }

    /// Which appointments of the span this page shows (1-based, inclusive), when it shows some.
    pub fn shown(&self) -> Option<(i64, i64)> {
        let first = self.page * MOST_PER_PAGE + 1;
        let last = ((self.page + 1) * MOST_PER_PAGE).min(self.total);
        (first <= last).then_some((first, last))
    }
}

/// `GET /api/appointments/calendar?span=day|week&date=YYYY-MM-DD&doctor_id=&page=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CalendarQuery {
    pub span: Option<String>,
    pub date: Option<String>,
    pub doctor_id: Option<i64>,
    pub page: Option<i64>,
}

/// A doctor as the clinic's calendar offers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DoctorChoice {
    pub id: i64,
    pub name: String,
    pub specialization: String,
}

/// `POST /api/appointments`. Staff booking on behalf of a patient name the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BookingRequest {
    pub doctor_id: i64,
    pub date: String,
    pub time_slot: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub patient_id: Option<i64>,
}

/// A patient the front desk can book for, as its patient search lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PatientChoice {
    /// The patient record's id (`patient_id` of a booking).
    pub patient_id: i64,
    pub name: String,
    /// `None` for a patient registered at the desk without an address.
    pub email: Option<String>,
    pub email_verified: bool,
    /// Only patients with a confirmed email, or registered in person at the desk, can be booked.
    pub bookable: bool,
}

/// How many patients one search of the desk shows.
pub const PATIENT_SEARCH_LIMIT: i64 = 20;

/// `PUT /api/appointments/{id}`: move to another free slot of the same doctor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RescheduleRequest {
    pub date: String,
    pub time_slot: String,
}

/// `GET /api/appointments?status=&from=&to=&doctor_id=&patient_id=&limit=&offset=`: filters
/// within what the caller may see, by start time, a page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AppointmentFilter {
    pub status: Option<AppointmentStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub doctor_id: Option<i64>,
    pub patient_id: Option<i64>,
    /// At most 500, the default ([`MOST_PER_PAGE`]).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The most appointments one list or calendar page holds.
pub const MOST_PER_PAGE: i64 = 500;

/// Body of cancel/reject (`reason`) and complete (`notes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusChange {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::AppointmentStatus::*;

    #[test]
    fn the_lifecycle_only_moves_forward() {
        assert!(Pending.can_become(Accepted) && Pending.can_become(Rejected) && Pending.can_become(Cancelled));
        assert!(Accepted.can_become(Completed) && Accepted.can_become(NoShow) && Accepted.can_become(Cancelled));
        assert!(!Pending.can_become(Completed), "a visit must be accepted before it is completed");
        for done in [Rejected, Cancelled, Completed, NoShow] {
            for next in [Pending, Accepted, Rejected, Cancelled, Completed, NoShow] {
                assert!(!done.can_become(next), "{done:?} is final");
            }
            assert!(!done.is_live());
        }
        assert!(Pending.is_live() && Accepted.is_live());
    }
}
