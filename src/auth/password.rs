//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane). Hashing
//! is CPU-heavy, so it runs on the blocking pool, never on the async executor, and at most
//! one hash per CPU core runs at a time: a flood of sign-ups or sign-ins waits its turn
//! (memory stays at 19 MiB a core) or, after [`LONGEST_WAIT`], gets a 503.

use crate::error::{AppError, AppResult};
use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The longest a hash waits for a free core before the request is answered 503.
pub const LONGEST_WAIT: Duration = Duration::from_secs(10);

fn cores() -> &'static Semaphore {
    static CORES: OnceLock<Semaphore> = OnceLock::new();
    CORES.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

/// Runs `work` on the blocking pool once a core is free.
async fn on_a_free_core<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = tokio::time::timeout(LONGEST_WAIT, cores().acquire())
        .await
        .map_err(|_| AppError::Unavailable(anyhow::anyhow!("every core is busy hashing passwords")))?
        .context("the hashing semaphore is closed")?;
    Ok(tokio::task::spawn_blocking(work).await.context("Failed to join the hashing task")?)
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The most common passwords of public breach corpora; refusing them is what NIST asks
/// for instead of composition rules.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

pub fn is_common(password: &str) -> bool {
    let candidate = password.trim().to_lowercase();
    COMMON_PASSWORDS.lines().any(|line| line == candidate)
}

/// Checks the password rules and hashes it.
pub async fn hash_new_password(password: String) -> AppResult<String> {
    crate::auth::check_password_length(&password).map_err(AppError::Validation)?;
    if is_common(&password) {
        return Err(AppError::validation("This password is too common. Choose one that is harder to guess."));
    }
    hash(password).await
}

pub async fn hash(password: String) -> AppResult<String> {
    on_a_free_core(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("Failed to hash a password: {e}")))
}

/// Verifies `password` against `stored`, or against a dummy hash when there is no account,
/// so that an unknown email costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
    let matches = on_a_free_core(move || {
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("Stored hash is malformed: {e}"))?;
        Ok::<bool, anyhow::Error>(hasher().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await??;
    Ok(known && matches)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(b"caduceus-dummy-password", &salt).expect("hashing works").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_recognised_in_any_case() {
        assert!(is_common("password"));
        assert!(is_common("Password1"));
        assert!(is_common("QWERTY123"));
        assert!(!is_common("correct horse battery staple"));
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let stored = hash("a long enough secret".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("a long enough secret".into(), Some(stored.clone())).await.unwrap());
        assert!(!verify("another secret".into(), Some(stored)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("caduceus-dummy-password".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn new_passwords_must_be_long_and_uncommon() {
        assert!(matches!(hash_new_password("short".into()).await, Err(AppError::Validation(_))));
        assert!(matches!(hash_new_password("password123".into()).await, Err(AppError::Validation(_))));
        assert!(hash_new_password("violet tractor umbrella".into()).await.is_ok());
    }
}
