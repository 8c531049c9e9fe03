//! Insurance policies and claims: types and the claim's state machine (pure, shared by the
//! server and the browser). A claim moves `submitted` → `in_review` → `approved` |
//! `partially_approved` | `denied`, and an approved one → `paid`, when the insurer's payment
//! is recorded on the invoice. Any other move is refused.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "claim_status", rename_all = "snake_case"))]
pub enum ClaimStatus {
    Submitted,
    InReview,
    Approved,
    PartiallyApproved,
    Denied,
    Paid,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 6] = [Self::Submitted, Self::InReview, Self::Approved, Self::PartiallyApproved, Self::Denied, Self::Paid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::PartiallyApproved => "partially_approved",
            Self::Denied => "denied",
            Self::Paid => "paid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted",
            Self::InReview => "In review",
            Self::Approved => "Approved",
            Self::PartiallyApproved => "Partly approved",
            Self::Denied => "Denied",
            Self::Paid => "Paid",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The moves the state machine allows from here.
    pub fn next(self) -> &'static [ClaimStatus] {
        match self {
            Self::Submitted => &[Self::InReview],
            Self::InReview => &[Self::Approved, Self::PartiallyApproved, Self::Denied],
            Self::Approved | Self::PartiallyApproved => &[Self::Paid],
            Self::Denied | Self::Paid => &[],
        }
    }
}

/// A checked move: the new status with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimMove {
    InReview,
    /// The whole amount claimed.
    Approved {
        approved_cents: i64,
    },
    PartiallyApproved {
        approved_cents: i64,
    },
    Denied {
        reason: String,
    },
    /// The insurer paid what it approved.
    Paid,
}

impl ClaimMove {
    pub fn status(&self) -> ClaimStatus {
        match self {
            Self::InReview => ClaimStatus::InReview,
            Self::Approved { .. } => ClaimStatus::Approved,
            Self::PartiallyApproved { .. } => ClaimStatus::PartiallyApproved,
            Self::Denied { .. } => ClaimStatus::Denied,
            Self::Paid => ClaimStatus::Paid,
        }
    }
}

/// Checks a requested move of a claim of `amount_cents` now at `from`: allowed by the state
/// machine, with an approved amount for a partial approval (more than 0, less than the
/// claim) and a reason for a denial.
pub fn check_move(from: ClaimStatus, amount_cents: i64, change: &ClaimUpdate) -> Result<ClaimMove, String> {
    let to = ClaimStatus::parse(change.status.trim())
        .ok_or_else(|| "status must be in_review, approved, partially_approved, denied or paid.".to_owned())?;
    if !from.next().contains(&to) {
        return Err(format!("A claim that is {} can't become {}.", from.label().to_lowercase(), to.label().to_lowercase()));
    }
    let reason = change.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > super::MAX_REASON_CHARS) {
        return Err(format!("The reason is too long (at most {} characters).", super::MAX_REASON_CHARS));
    }
    Ok(match to {
        ClaimStatus::InReview => ClaimMove::InReview,
        ClaimStatus::Approved => match change.approved_cents {
            None => ClaimMove::Approved { approved_cents: amount_cents },
            Some(cents) if cents == amount_cents => ClaimMove::Approved { approved_cents: amount_cents },
            Some(_) => return Err("An approval is of the whole amount claimed; send partially_approved for less.".into()),
        },
        ClaimStatus::PartiallyApproved => match change.approved_cents {
            Some(cents) if cents > 0 && cents < amount_cents => ClaimMove::PartiallyApproved { approved_cents: cents },
            _ => return Err("A partial approval needs approved_cents, more than 0 and less than the amount claimed.".into()),
        },
        ClaimStatus::Denied => {
            ClaimMove::Denied { reason: reason.ok_or_else(|| "Give the insurer's reason for the denial.".to_owned())?.to_owned() }
        }
        ClaimStatus::Paid => ClaimMove::Paid,
        ClaimStatus::Submitted => unreachable!("no move leads back to submitted"),
    })
}

/// A patient's insurance policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Policy {
    pub id: i64,
    pub patient_id: i64,
    pub payer: String,
    pub member_id: String,
    pub plan: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl Policy {
    /// "Acme Health · member 12345 · Gold".
    pub fn describe(&self) -> String {
        let plan = self.plan.as_deref().map(|p| format!(" · {p}")).unwrap_or_default();
        format!("{} · member {}{plan}", self.payer, self.member_id)
    }
}

/// `POST /api/patients/{id}/insurance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewPolicy {
    pub payer: String,
    pub member_id: String,
    #[serde(default)]
    pub plan: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
}

/// One change of a claim's status, with who made it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ClaimEvent {
    pub status: ClaimStatus,
    pub approved_cents: Option<i64>,
    pub reason: Option<String>,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// A claim with its policy and its history, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Claim {
    pub id: i64,
    pub invoice_id: i64,
    /// `INV-000123`.
    pub invoice_number: String,
    pub patient_id: i64,
    pub patient_name: String,
    pub policy: Policy,
    pub amount_cents: i64,
    pub currency: String,
    pub status: ClaimStatus,
    pub approved_cents: Option<i64>,
    pub reason: Option<String>,
    /// The insurer's payment on the invoice, once paid.
    pub payment_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub history: Vec<ClaimEvent>,
}

/// `POST /api/claims`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewClaim {
    pub invoice_id: i64,
    pub policy_id: i64,
    pub amount_cents: i64,
}

/// `PUT /api/claims/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClaimUpdate {
    /// `in_review`, `approved`, `partially_approved`, `denied` or `paid`.
    pub status: String,
    /// For `partially_approved` (and, equal to the amount claimed, `approved`).
    #[serde(default)]
    pub approved_cents: Option<i64>,
    /// For `denied`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `GET /api/claims?status=&patient_id=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct ClaimQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub patient_id: Option<i64>,
    /// One invoice's claims.
    #[serde(default)]
    pub invoice_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(status: &str, approved_cents: Option<i64>, reason: Option<&str>) -> ClaimUpdate {
        ClaimUpdate { status: status.into(), approved_cents, reason: reason.map(Into::into) }
    }

    #[test]
    fn a_claim_moves_only_along_the_state_machine() {
        use ClaimStatus::*;
        assert_eq!(check_move(Submitted, 500, &change("in_review", None, None)), Ok(ClaimMove::InReview));
        assert_eq!(check_move(InReview, 500, &change("approved", None, None)), Ok(ClaimMove::Approved { approved_cents: 500 }));
        assert_eq!(check_move(Approved, 500, &change("paid", None, None)), Ok(ClaimMove::Paid));
        assert_eq!(check_move(PartiallyApproved, 500, &change("paid", None, None)), Ok(ClaimMove::Paid));
        for (from, to) in [
            (Submitted, "approved"),
            (Submitted, "paid"),
            (InReview, "paid"),
            (InReview, "submitted"),
            (Approved, "denied"),
            (Denied, "in_review"),
            (Paid, "in_review"),
            (Paid, "paid"),
        ] {
            assert!(check_move(from, 500, &change(to, Some(100), Some("no"))).unwrap_err().contains("can't become"), "{from:?} → {to}");
        }
        assert!(check_move(InReview, 500, &change("settled", None, None)).unwrap_err().contains("status must be"));
        // Every status but the final ones has somewhere to go; the final ones nowhere.
        for status in ClaimStatus::ALL {
            assert_eq!(status.next().is_empty(), matches!(status, Denied | Paid), "{status:?}");
        }
    }

    #[test]
    fn approvals_carry_their_amount_and_denials_their_reason() {
        use ClaimStatus::*;
        assert_eq!(
            check_move(InReview, 500, &change("partially_approved", Some(300), None)),
            Ok(ClaimMove::PartiallyApproved { approved_cents: 300 })
        );
        for wrong in [None, Some(0), Some(500), Some(900), Some(-1)] {
            assert!(check_move(InReview, 500, &change("partially_approved", wrong, None)).is_err(), "{wrong:?}");
        }
        assert!(check_move(InReview, 500, &change("approved", Some(300), None)).unwrap_err().contains("partially_approved"));
        assert_eq!(
            check_move(InReview, 500, &change("denied", None, Some(" Not covered "))),
            Ok(ClaimMove::Denied { reason: "Not covered".into() })
        );
        assert!(check_move(InReview, 500, &change("denied", None, Some("  "))).unwrap_err().contains("reason"));
        assert!(check_move(InReview, 500, &change("denied", None, Some(&"x".repeat(501)))).unwrap_err().contains("too long"));
    }
}
