//! The audit trail: who did what to which record, from where, with what outcome. Rows are
//! hash-chained and append-only in the database (see the foundation migration).

#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
mod trail;

#[cfg(feature = "ssr")]
pub use trail::*;

use crate::identity::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_role: Option<Role>,
    /// The actor's current name; None once the account is deleted.
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub ip: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

/// The chain's state at its latest verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ChainState {
    pub verified_at: DateTime<Utc>,
    /// Every block recomputed to the same hash, in an unbroken sequence.
    pub intact: bool,
    pub blocks: i64,
    pub entries: i64,
    /// The first block that doesn't match: one of its entries was edited or removed.
    pub broken_block: Option<i64>,
    /// `schedule` (the server, every 15 minutes), `command` (`caduceus audit verify`) or `admin`.
    pub by_whom: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AuditQuery {
    pub actor_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before_id: Option<i64>,
    pub limit: Option<i64>,
}
