//! Accounts, roles, sign-in and the authorization rules.
//!
//! This file is shared by server and browser: roles, the signed-in user's summary and the
//! input rules (so a form can explain a rule before it is sent; the server checks again).

pub mod api;
pub mod guard;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod actor;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod idle;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod sign_ins;
#[cfg(feature = "ssr")]
pub mod throttle;

use serde::{Deserialize, Serialize};

pub use crate::identity::{CurrentUser, Role};

/// An email address, trimmed and lower-cased, with one `@` and a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.chars().all(|c| !c.is_whitespace() && !c.is_control())
            && matches!(email.split_once('@'), Some((local, domain))
                if !local.is_empty() && local.len() <= 64 && !domain.contains('@')
                && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
                && !domain.contains(".."));
        if valid {
            Ok(Email(email))
        } else {
            Err("Enter a valid email address, like name@example.com.".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Enter a name.".into());
        }
        if name.chars().count() > 200 {
            return Err("The name is too long (200 characters at most).".into());
        }
        if name.chars().any(char::is_control) {
            return Err("The name contains characters that are not allowed.".into());
        }
        Ok(PersonName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// The length rule of NIST SP 800-63B: 8 to 128 characters, no composition rules. The
/// server also refuses common passwords (see `password::is_common`).
pub fn check_password_length(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(format!("Use at least {PASSWORD_MIN_CHARS} characters for the password."))
    } else if chars > PASSWORD_MAX_CHARS {
        Err(format!("Use at most {PASSWORD_MAX_CHARS} characters for the password."))
    } else {
        Ok(())
    }
}

/// "Chrome on Linux" from a User-Agent header: what a person recognises in a session list.
pub fn describe_user_agent(user_agent: &str) -> String {
    let ua = user_agent.to_ascii_lowercase();
    let browser = [("edg/", "Edge"), ("firefox/", "Firefox"), ("chrome/", "Chrome"), ("safari/", "Safari"), ("curl/", "curl")]
        .into_iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| name);
    let system =
        [("android", "Android"), ("iphone", "iPhone"), ("ipad", "iPad"), ("windows", "Windows"), ("mac os x", "macOS"), ("linux", "Linux")]
            .into_iter()
            .find(|(marker, _)| ua.contains(marker))
            .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) if user_agent.trim().is_empty() => "Unknown device".to_owned(),
        (None, None) => user_agent.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_described_as_people_know_them() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(describe_user_agent(chrome), "Chrome on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(iphone), "Safari on iPhone");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(describe_user_agent(edge), "Edge on Windows");
        assert_eq!(describe_user_agent("curl/8.5.0"), "curl");
        assert_eq!(describe_user_agent(""), "Unknown device");
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(Email::parse("  Ann@Example.ORG ").unwrap().as_str(), "ann@example.org");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "ann@@example.org",
            "ann@example..org",
            "ann@.example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_must_be_present_and_reasonable() {
        assert_eq!(PersonName::parse("  Dr. Grey ").unwrap().as_str(), "Dr. Grey");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(201)).is_err());
        assert!(PersonName::parse("evil\u{0007}name").is_err());
    }

    #[test]
    fn password_length_is_counted_in_characters_not_bytes() {
        assert!(check_password_length("1234567").is_err());
        assert!(check_password_length("ééééééée").is_ok());
        assert!(check_password_length(&"a".repeat(128)).is_ok());
        assert!(check_password_length(&"a".repeat(129)).is_err());
    }

    #[test]
    fn only_patients_and_doctors_may_self_register() {
        let allowed: Vec<Role> = Role::ALL.into_iter().filter(|r| r.self_registrable()).collect();
        assert_eq!(allowed, vec![Role::Patient, Role::Doctor]);
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("superuser".parse::<Role>().is_err());
    }
}

/// One live sign-in of the current user, for the "where you're signed in" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: i64,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub current: bool,
}
