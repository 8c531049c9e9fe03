//! Questions to doctors (SPEC feature 7): a patient asks one of their doctors, or the clinic's
//! doctors; doctors see the pending queue and answer; the patient reads the answer, may follow
//! up, and closes the question when it is settled.
//!
//! A question to the clinic is claimed by the first doctor who answers it, atomically (one
//! conditional UPDATE: of two doctors answering at once, one claims it and the other gets 409).
//! Questions are clinical content: every read by a doctor or admin is audited on the patient.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use crate::auth::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest question, answer or follow-up, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "question_status", rename_all = "snake_case"))]
pub enum QuestionStatus {
    /// Waiting for a doctor (new, or the patient followed up).
    Pending,
    Answered,
    /// Settled, by the patient.
    Closed,
}

impl QuestionStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting for an answer",
            Self::Answered => "Answered",
            Self::Closed => "Closed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "question_message_kind", rename_all = "snake_case"))]
pub enum MessageKind {
    /// A doctor's answer.
    Response,
    /// The patient's follow-up.
    FollowUp,
}

/// A question, as lists and the thread show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Question {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    /// The doctor (`doctors.id`) it was asked of, or who claimed it; `None` while a question to
    /// the clinic waits for its first answer.
    pub doctor_id: Option<i64>,
    pub doctor_name: Option<String>,
    /// The patient chose the doctor (otherwise it was asked of the clinic's doctors).
    pub addressed: bool,
    pub question_text: String,
    pub status: QuestionStatus,
    pub created_at: DateTime<Utc>,
    /// When the first answer came.
    pub first_answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Question {
    /// "answered within 3 hours", once answered.
    pub fn answered_within(&self) -> Option<String> {
        self.first_answered_at.map(|answered| format!("answered within {}", duration_words(answered - self.created_at)))
    }
}

/// An answer or follow-up in a question's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct QuestionMessage {
    pub id: i64,
    pub kind: MessageKind,
    pub author_name: String,
    pub author_role: Role,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/questions/{id}`: the question and its thread, oldest message first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuestionThread {
    pub question: Question,
    pub messages: Vec<QuestionMessage>,
}

/// `POST /api/questions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewQuestion {
    pub question_text: String,
    /// One of the patient's doctors (`doctors.id`: a confirmed or past visit with them); absent:
    /// the clinic's doctors.
    #[serde(default)]
    pub doctor_id: Option<i64>,
}

/// `POST /api/questions/{id}/response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuestionResponse {
    pub response_text: String,
}

/// `POST /api/questions/{id}/follow-up`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub text: String,
}

/// The text of a question, answer or follow-up: required, at most [`MAX_TEXT_CHARS`].
pub fn parse_text(raw: &str, what: &str) -> Result<String, String> {
    crate::text::required(raw, what, MAX_TEXT_CHARS)
}

/// A duration as people say it: "12 minutes", "3 hours", "2 days" (rounded up, never "0").
pub fn duration_words(elapsed: chrono::Duration) -> String {
    let minutes = (elapsed.num_seconds().max(1) + 59) / 60;
    let (count, unit) = match minutes {
        ..=59 => (minutes, "minute"),
        60..=2879 => ((minutes + 59) / 60, "hour"),
        _ => ((minutes + 1439) / 1440, "day"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// A doctor a patient may ask: one they have seen.
pub use crate::patients::TreatingDoctor as DoctorChoice;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn waiting_times_read_as_people_say_them() {
        assert_eq!(duration_words(Duration::seconds(0)), "1 minute");
        assert_eq!(duration_words(Duration::seconds(61)), "2 minutes");
        assert_eq!(duration_words(Duration::minutes(59)), "59 minutes");
        assert_eq!(duration_words(Duration::minutes(60)), "1 hour");
        assert_eq!(duration_words(Duration::minutes(61)), "2 hours");
        assert_eq!(duration_words(Duration::hours(47)), "47 hours");
        assert_eq!(duration_words(Duration::hours(48)), "2 days");
        assert_eq!(duration_words(Duration::hours(49)), "3 days");
    }

    #[test]
    fn texts_are_required_and_bounded() {
        assert_eq!(parse_text("  Is this rash serious? ", "question"), Ok("Is this rash serious?".into()));
        assert!(parse_text("   ", "question").unwrap_err().contains("required"));
        assert!(parse_text(&"x".repeat(MAX_TEXT_CHARS + 1), "answer").unwrap_err().contains("too long"));
    }

    #[test]
    fn an_answered_question_says_how_soon() {
        let asked = DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z").unwrap().with_timezone(&Utc);
        let question = Question {
            id: 1,
            patient_id: 1,
            patient_name: "Pat".into(),
            doctor_id: Some(1),
            doctor_name: Some("Dr. Grey".into()),
            addressed: true,
            question_text: "?".into(),
            status: QuestionStatus::Answered,
            created_at: asked,
            first_answered_at: Some(asked + Duration::minutes(150)),
            closed_at: None,
        };
        assert_eq!(question.answered_within().as_deref(), Some("answered within 3 hours"));
        assert_eq!(Question { first_answered_at: None, ..question }.answered_within(), None);
    }
}
