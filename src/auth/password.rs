//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane). Hashing
//! is CPU-heavy, so it runs on threads of its own (one per core), never on the async
//! executor: a flood of sign-ups or sign-ins waits its turn (memory stays at about 19 MiB a
//! core) or, after [`LONGEST_WAIT`], gets a 503.

use crate::error::{AppError, AppResult};
use anyhow::Context;
use argon2::password_hash::{self, rand_core::OsRng, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The longest a hash waits for a free core before the request is answered 503.
pub const LONGEST_WAIT: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

/// One hashing thread per core, for the life of the process, each with its argon2 memory
/// allocated once ([`MEMORY`]). Hashes used to run on tokio's blocking pool and allocate
/// 19 MiB each: the allocator kept the freed blocks in one arena after another, and a burst of
/// 64 sign-ups left the server at 670 MB. The semaphore bounds how many requests wait.
struct Hashers {
    jobs: std::sync::mpsc::SyncSender<Job>,
    waiting: Semaphore,
}

fn hashers() -> &'static Hashers {
    static HASHERS: OnceLock<Hashers> = OnceLock::new();
    HASHERS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(cores);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..cores {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hasher-{n}"))
                .spawn(move || loop {
                    // The lock is held only while taking the next job.
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })
                .expect("a password-hashing thread starts");
        }
        Hashers { jobs, waiting: Semaphore::new(cores) }
    })
}

/// Runs `work` on a hashing thread once one is free, or answers 503 after [`LONGEST_WAIT`].
async fn on_a_free_core<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let hashers = hashers();
    let _permit = tokio::time::timeout(LONGEST_WAIT, hashers.waiting.acquire())
        .await
        .map_err(|_| AppError::Unavailable(anyhow::anyhow!("every core is busy hashing passwords")))?
        .context("the hashing semaphore is closed")?;
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    // A permit means a thread is free or about to be: the channel has room.
    hashers.jobs.try_send(job).map_err(|_| AppError::Unavailable(anyhow::anyhow!("the password hashers are gone")))?;
    Ok(result.await.context("a password-hashing thread stopped")?)
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
    on_a_free_core(move || hash_now(password.as_bytes()))
        .await?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("Failed to hash a password: {e}")))
}

/// Verifies `password` against `stored`, or against a dummy hash when there is no account,
/// so that an unknown email costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    let known = stored.is_some();
    let matches = on_a_free_core(move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        verify_now(password.as_bytes(), &stored).map_err(|e| anyhow::anyhow!("Stored hash is malformed: {e}"))
    })
    .await??;
    Ok(known && matches)
}

thread_local! {
    /// This hashing thread's argon2 memory (19 MiB), reused by every hash it computes rather
    /// than allocated and freed each time (see [`Hashers`]).
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The argon2 output of `password` with `salt`, in this thread's reused memory. What
/// `PasswordHasher::hash_password` computes, minus its allocation.
fn compute(argon2: &Argon2<'_>, password: &[u8], salt: Salt<'_>) -> password_hash::Result<Output> {
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buffer)?;
    let output_len = argon2.params().output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let blocks = argon2.params().block_count();
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() != blocks {
            *memory = vec![Block::default(); blocks];
        }
        Output::init_with(output_len, |out| Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..])?))
    })
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
fn hash_now(password: &[u8]) -> password_hash::Result<String> {
    let argon2 = hasher();
    let salt = SaltString::generate(&mut OsRng);
    let output = compute(&argon2, password, salt.as_salt())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, with the parameters it was made with
/// (constant-time comparison of the outputs).
fn verify_now(password: &[u8], stored: &str) -> password_hash::Result<bool> {
    let parsed = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Ok(false) };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let argon2 = Argon2::new(algorithm, version, Params::try_from(&parsed)?);
    Ok(compute(&argon2, password, salt)? == expected)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now(b"caduceus-dummy-password").expect("hashing works"))
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
