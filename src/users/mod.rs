//! User management: admins (and front-desk staff, for patients) create accounts, verify
//! doctors and emails, deactivate accounts, and read the email outbox.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use crate::auth::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A row of the user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub name: String,
    /// `None` for a patient registered at the desk without an address.
    pub email: Option<String>,
    pub role: Role,
    pub active: bool,
    pub email_verified: bool,
    pub verified: bool,
    pub created_at: DateTime<Utc>,
}

/// An account created by an admin (any role) or staff (patients). Doctor fields apply to
/// doctors only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub password: String,
    pub role: String,
    pub specialization: Option<String>,
    pub city: Option<String>,
    pub license_number: Option<String>,
    pub experience_years: Option<i32>,
    pub fee_cents: Option<i64>,
    pub currency: Option<String>,
}

/// An admin's change to an account. Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UserFilter {
    pub role: Option<Role>,
    pub q: Option<String>,
    pub page: Option<i64>,
}

pub const USERS_PER_PAGE: i64 = 50;

/// An email as queued for delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Who may create an account of `role`: admins any; staff register patients at the desk.
pub fn may_create(creator: Role, role: Role) -> bool {
    match creator {
        Role::Admin => true,
        Role::Staff => role == Role::Patient,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_create_staff_accounts_and_staff_register_patients() {
        for role in Role::ALL {
            assert!(may_create(Role::Admin, role));
            assert_eq!(may_create(Role::Staff, role), role == Role::Patient);
            for creator in [Role::Patient, Role::Doctor, Role::Nurse, Role::Manager] {
                assert!(!may_create(creator, role));
            }
        }
    }
}
