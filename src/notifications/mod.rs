//! Notifications: what the portal's bell shows, each also sent as an email (through the
//! outbox). Use cases call [`service::send`] inside their own transaction, so a notice exists
//! exactly when the change it reports does.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Where in the portal it leads, e.g. `/appointments/42`.
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// How many of the newest notifications a list shows.
pub const LIST_LIMIT: i64 = 50;
