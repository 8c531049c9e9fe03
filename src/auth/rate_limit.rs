//! Sign-in throttling per client IP and per account (GCRA from `governor`). A guess costs
//! an attacker the same whether the account exists or not.

use crate::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl LoginLimiter {
    pub fn new(per_ip_per_minute: u32, per_account_per_15_minutes: u32) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(per_ip_per_minute, Duration::from_secs(60))),
            per_account: RateLimiter::keyed(quota(per_account_per_15_minutes, Duration::from_secs(15 * 60))),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt from both budgets, or says how long to wait.
    pub fn check(&self, ip: IpAddr, email: &str) -> Result<(), AppError> {
        let too_many = |not_until: governor::NotUntil<_>| AppError::TooManyRequests {
            retry_after_secs: not_until.wait_time_from(self.clock.now()).as_secs().max(1),
        };
        self.per_ip.check_key(&ip).map_err(too_many)?;
        self.per_account.check_key(&email.trim().to_lowercase()).map_err(too_many)?;
        Ok(())
    }

    /// Forgets keys whose budget is full again, so memory stays bounded.
    pub fn forget_idle_keys(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
    }
}

/// `count` attempts per `period`, all of which may come at once.
fn quota(count: u32, period: Duration) -> Quota {
    let count = NonZeroU32::new(count.max(1)).expect("at least one");
    Quota::with_period(period / count.get()).expect("non-zero period").allow_burst(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_its_budget_whatever_the_ip() {
        let limiter = LoginLimiter::new(100, 3);
        for i in 0..3 {
            assert!(limiter.check(IpAddr::from([10, 0, 0, i]), "Ann@example.org").is_ok());
        }
        match limiter.check(IpAddr::from([10, 0, 0, 9]), "ann@example.org") {
            Err(AppError::TooManyRequests { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected 429, got {other:?}"),
        }
    }

    #[test]
    fn an_ip_is_throttled_across_accounts() {
        let limiter = LoginLimiter::new(2, 100);
        let ip = IpAddr::from([192, 0, 2, 1]);
        assert!(limiter.check(ip, "a@example.org").is_ok());
        assert!(limiter.check(ip, "b@example.org").is_ok());
        assert!(limiter.check(ip, "c@example.org").is_err());
        assert!(limiter.check(IpAddr::from([192, 0, 2, 2]), "c@example.org").is_ok());
    }
}
