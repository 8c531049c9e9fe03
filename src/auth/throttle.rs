//! Throttles for the credential endpoints (sign-in, registration, password change, email
//! verification), per client IP and per account, with their budgets in PostgreSQL: every
//! server process spends from the same budget, and a restart doesn't refill it.
//!
//! Each key is a GCRA bucket (the generic cell rate algorithm `governor` implements in
//! memory): one timestamp per key, the "theoretical arrival time" `tat`. A budget of `count`
//! attempts per `period` lets one attempt through every `period / count`, all `count` at once
//! when the key has been quiet. An attempt is allowed when `max(tat, now) + interval <= now +
//! period`, and moves `tat` to that. One row per key, updated in one statement: concurrent
//! attempts can't overspend.
//!
//! Per account, only *failures* spend: a nurse who signs in correctly at ten workstations is
//! never refused. Someone else's wrong guesses can use up an account's budget, but a failure
//! never moves `tat` past `now + period`, so the owner is locked out for at most one period
//! after the guessing stops; while the budget is spent, guesses are refused before any
//! password is checked.

use crate::error::{AppError, AppResult};
use sqlx::PgConnection;
use std::time::Duration;

/// `count` attempts per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub count: u32,
    pub period: Duration,
}

impl Budget {
    pub fn new(count: u32, period: Duration) -> Self {
        Self { count: count.max(1), period }
    }

    /// The time one attempt takes from the budget, in microseconds.
    fn interval_micros(&self) -> i64 {
        i64::try_from(self.period.as_micros() / u128::from(self.count)).unwrap_or(i64::MAX).max(1)
    }

    fn period_micros(&self) -> i64 {
        i64::try_from(self.period.as_micros()).unwrap_or(i64::MAX)
    }
}

/// What a throttle counts; part of the key, so each kind has budgets of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    SignIn,
    Registration,
    PasswordChange,
    EmailVerification,
}

impl Attempt {
    fn as_str(self) -> &'static str {
        match self {
            Attempt::SignIn => "sign-in",
            Attempt::Registration => "registration",
            Attempt::PasswordChange => "password",
            Attempt::EmailVerification => "verification",
        }
    }
}

/// The configured budgets.
#[derive(Debug, Clone, Copy)]
pub struct Throttles {
    /// Every attempt from one client IP, per kind of attempt.
    pub per_ip: Budget,
    /// Failed attempts on one account (sign-in, password change).
    pub per_account: Budget,
}

impl Throttles {
    pub fn new(per_ip_per_minute: u32, per_account_per_15_minutes: u32) -> Self {
        Self {
            per_ip: Budget::new(per_ip_per_minute, Duration::from_secs(60)),
            per_account: Budget::new(per_account_per_15_minutes, Duration::from_secs(15 * 60)),
        }
    }

    /// Spends one of the client IP's attempts of this kind, or answers 429.
    pub async fn spend_ip(&self, conn: &mut PgConnection, attempt: Attempt, ip: &str) -> AppResult<()> {
        spend(conn, &format!("ip:{}:{ip}", attempt.as_str()), self.per_ip).await
    }

    /// Spends one of the attempts of this kind on the account named `account` (registrations
    /// of one address), or answers 429. A budget of its own: it doesn't touch the account's
    /// sign-in failures.
    pub async fn spend_account(&self, conn: &mut PgConnection, attempt: Attempt, account: &str) -> AppResult<()> {
        spend(conn, &format!("{}:{}", attempt.as_str(), account_key(account)), self.per_account).await
    }

    /// 429 while the account's failure budget is spent (spends nothing).
    pub async fn check_account(&self, conn: &mut PgConnection, account: &str) -> AppResult<()> {
        check(conn, &account_key(account), self.per_account).await
    }

    /// A failed attempt on the account: spends from its budget.
    pub async fn account_failed(&self, conn: &mut PgConnection, account: &str) -> AppResult<()> {
        record_failure(conn, &account_key(account), self.per_account).await
    }
}

/// Accounts are named by their (case-folded) email, known or not: a guess at an unknown
/// address is throttled the same, so throttling says nothing about who has an account. The
/// address is stored hashed: the table holds no one's email, typed by them or by a guesser.
pub fn account_key(account: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("account:{}", hex::encode(Sha256::digest(account.trim().to_lowercase().as_bytes())))
}

/// Keys are cut to a bounded length: an attacker choosing the email can't grow a row.
fn bounded(key: &str) -> &str {
    match key.char_indices().nth(300) {
        Some((end, _)) => &key[..end],
        None => key,
    }
}

/// Takes one attempt from the key's budget, or answers 429 with how long to wait.
async fn spend(conn: &mut PgConnection, key: &str, budget: Budget) -> AppResult<()> {
    let allowed: Option<bool> = sqlx::query_scalar(
        "INSERT INTO throttles AS t (key, tat) VALUES ($1, now() + $2 * interval '1 microsecond')
         ON CONFLICT (key) DO UPDATE SET tat = greatest(t.tat, now()) + $2 * interval '1 microsecond'
          WHERE greatest(t.tat, now()) + $2 * interval '1 microsecond' <= now() + $3 * interval '1 microsecond'
         RETURNING true",
    )
    .bind(bounded(key))
    .bind(budget.interval_micros())
    .bind(budget.period_micros())
    .fetch_optional(&mut *conn)
    .await?;
    match allowed {
        Some(_) => Ok(()),
        None => Err(too_many(wait_secs(conn, key, budget).await?.unwrap_or(1))),
    }
}

async fn check(conn: &mut PgConnection, key: &str, budget: Budget) -> AppResult<()> {
    match wait_secs(conn, key, budget).await? {
        Some(secs) => Err(too_many(secs)),
        None => Ok(()),
    }
}

/// How long until the key's next attempt would be allowed; None when it would be now.
async fn wait_secs(conn: &mut PgConnection, key: &str, budget: Budget) -> AppResult<Option<u64>> {
    let wait: Option<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM greatest(tat, now()) + $2 * interval '1 microsecond' - $3 * interval '1 microsecond' - now())::float8
           FROM throttles WHERE key = $1",
    )
    .bind(bounded(key))
    .bind(budget.interval_micros())
    .bind(budget.period_micros())
    .fetch_optional(conn)
    .await?;
    Ok(wait.filter(|secs| *secs > 0.0).map(|secs| secs.ceil() as u64))
}

/// Spends unconditionally, but never beyond one period ahead.
async fn record_failure(conn: &mut PgConnection, key: &str, budget: Budget) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO throttles AS t (key, tat) VALUES ($1, now() + $2 * interval '1 microsecond')
         ON CONFLICT (key) DO UPDATE
            SET tat = least(greatest(t.tat, now()) + $2 * interval '1 microsecond', now() + $3 * interval '1 microsecond')",
    )
    .bind(bounded(key))
    .bind(budget.interval_micros())
    .bind(budget.period_micros())
    .execute(conn)
    .await?;
    Ok(())
}

fn too_many(retry_after_secs: u64) -> AppError {
    AppError::TooManyRequests { retry_after_secs: retry_after_secs.max(1) }
}

/// Housekeeping: keys whose budget is full again hold nothing worth keeping.
pub async fn forget_full_budgets(conn: &mut PgConnection) -> AppResult<u64> {
    Ok(sqlx::query("DELETE FROM throttles WHERE tat < now()").execute(conn).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_spreads_its_attempts_over_its_period() {
        let budget = Budget::new(10, Duration::from_secs(15 * 60));
        assert_eq!(budget.interval_micros(), 90_000_000);
        assert_eq!(budget.period_micros(), 900_000_000);
        assert_eq!(Budget::new(0, Duration::from_secs(60)).count, 1, "at least one attempt");
    }

    #[test]
    fn keys_fold_case_and_stay_bounded() {
        assert_eq!(account_key(" Ann@Example.org "), account_key("ann@example.org"));
        assert!(!account_key("ann@example.org").contains("ann"), "no address in the key");
        let long = "x".repeat(5000);
        assert_eq!(bounded(&long).len(), 300);
        assert_eq!(bounded("ip:sign-in:127.0.0.1"), "ip:sign-in:127.0.0.1");
    }
}
