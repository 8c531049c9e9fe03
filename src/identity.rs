//! Who is acting: the roles, the signed-in user's summary and (on the server) the actor of a
//! request. A kernel module below every domain, so that the audit trail, the shared UI and
//! the domains read identities without importing the accounts domain that establishes them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "user_role", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    Patient,
    Doctor,
    Nurse,
    Staff,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Patient, Role::Doctor, Role::Nurse, Role::Staff, Role::Manager, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Doctor => "doctor",
            Role::Nurse => "nurse",
            Role::Staff => "staff",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Patient => "Patient",
            Role::Doctor => "Doctor",
            Role::Nurse => "Nurse",
            Role::Staff => "Staff",
            Role::Manager => "Manager",
            Role::Admin => "Administrator",
        }
    }

    /// Roles anyone may pick when signing up. Everything else is created by an admin.
    pub fn self_registrable(self) -> bool {
        matches!(self, Role::Patient | Role::Doctor)
    }

    /// Clinical and front-desk roles that work with many patients' data.
    pub fn is_care_team(self) -> bool {
        matches!(self, Role::Nurse | Role::Staff | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s.trim().to_ascii_lowercase()).ok_or_else(|| format!("Unknown role '{s}'."))
    }
}

/// The signed-in user as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub email_verified: bool,
    /// Doctors are bookable only once an admin verified them.
    pub verified: bool,
}

#[cfg(feature = "ssr")]
mod actor {
    use super::{CurrentUser, Role};
    use crate::error::{AppError, AppResult};

    /// The signed-in caller of a request, as `auth::actor::resolve_actor` found them.
    #[derive(Debug, Clone)]
    pub struct Actor {
        pub user_id: i64,
        pub role: Role,
        pub name: String,
        pub email: String,
        pub email_verified: bool,
        pub verified: bool,
        /// The `auth_sessions` row this request is signed in with.
        pub session_id: i64,
        pub ip: String,
    }

    impl Actor {
        pub fn is(&self, role: Role) -> bool {
            self.role == role
        }

        /// Deny unless the actor has one of `roles`.
        pub fn require_role(&self, roles: &[Role]) -> AppResult<()> {
            if roles.contains(&self.role) {
                Ok(())
            } else {
                Err(AppError::forbidden())
            }
        }

        pub fn current_user(&self) -> CurrentUser {
            CurrentUser {
                id: self.user_id,
                name: self.name.clone(),
                email: self.email.clone(),
                role: self.role,
                email_verified: self.email_verified,
                verified: self.verified,
            }
        }
    }
}

#[cfg(feature = "ssr")]
pub use actor::Actor;
