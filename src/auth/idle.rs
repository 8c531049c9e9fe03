//! Automatic logoff (HIPAA 164.312(a)(2)(iii)): a sign-in ends after a while without a
//! request, and a browser sign-in after an absolute lifetime too, enforced where the caller is
//! resolved (`actor::resolve_actor`), so no page or route can forget it.
//!
//! Each sign-in's last use (`auth_sessions.last_seen_at`) is written at most once every
//! [`TOUCH_EVERY`], so a busy user costs one small UPDATE a minute. The recorded time may
//! therefore lag the real last request by up to that much; the idle limit is counted from the
//! recorded time plus [`TOUCH_EVERY`], so a sign-in never ends early (at most that much late).

use super::db::SessionKind;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How often a sign-in's last use is written.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// How long sign-ins live: configured by `CADUCEUS_SESSION_IDLE_MINUTES`,
/// `CADUCEUS_SESSION_MAX_HOURS` and `CADUCEUS_TOKEN_IDLE_MINUTES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub browser_idle: Duration,
    /// From sign-in, whatever the activity.
    pub browser_lifetime: Duration,
    pub token_idle: Duration,
    pub token_lifetime: Duration,
}

impl SessionPolicy {
    pub fn new(browser_idle_minutes: u32, browser_max_hours: u32, token_idle_minutes: u32) -> Self {
        Self {
            browser_idle: minutes(browser_idle_minutes.max(1)),
            browser_lifetime: minutes(browser_max_hours.max(1) * 60),
            token_idle: minutes(token_idle_minutes.max(1)),
            token_lifetime: Duration::from_secs(30 * 24 * 3600),
        }
    }

    pub fn idle_limit(&self, kind: SessionKind) -> Duration {
        match kind {
            SessionKind::Browser => self.browser_idle,
            SessionKind::Api => self.token_idle,
        }
    }

    pub fn lifetime(&self, kind: SessionKind) -> Duration {
        match kind {
            SessionKind::Browser => self.browser_lifetime,
            SessionKind::Api => self.token_lifetime,
        }
    }

    /// Has the sign-in gone unused for longer than its limit?
    pub fn is_idle(&self, kind: SessionKind, last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let limit = self.idle_limit(kind) + TOUCH_EVERY;
        now.signed_duration_since(last_seen_at).to_std().is_ok_and(|unused| unused > limit)
    }
}

/// Is the recorded last use old enough to be written again?
pub fn needs_touch(last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now.signed_duration_since(last_seen_at).to_std().is_ok_and(|since| since >= TOUCH_EVERY)
}

fn minutes(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration as Span;

    #[test]
    fn a_sign_in_ends_after_its_idle_limit_never_before() {
        let policy = SessionPolicy::new(15, 12, 60);
        let seen = Utc::now();
        assert!(!policy.is_idle(SessionKind::Browser, seen, seen + Span::minutes(15)));
        assert!(!policy.is_idle(SessionKind::Browser, seen, seen + Span::minutes(16)), "last use may be recorded a minute late");
        assert!(policy.is_idle(SessionKind::Browser, seen, seen + Span::minutes(16) + Span::seconds(1)));
        assert!(!policy.is_idle(SessionKind::Api, seen, seen + Span::minutes(30)), "tokens have their own limit");
        assert!(policy.is_idle(SessionKind::Api, seen, seen + Span::minutes(62)));
        assert!(!policy.is_idle(SessionKind::Browser, seen, seen - Span::minutes(5)), "a clock step back is not idleness");
    }

    #[test]
    fn last_use_is_written_at_most_once_a_minute() {
        let seen = Utc::now();
        assert!(!needs_touch(seen, seen + Span::seconds(59)));
        assert!(needs_touch(seen, seen + Span::seconds(60)));
        assert_eq!(SessionPolicy::new(15, 12, 10_080).browser_lifetime, Duration::from_secs(12 * 3600));
    }
}
