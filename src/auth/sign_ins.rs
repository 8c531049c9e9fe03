//! Who a bearer token or a browser sign-in belongs to, remembered by this process so that a
//! request needn't ask PostgreSQL first (one round trip on every signed-in request; on the
//! booking path it was a third of the round trips).
//!
//! Remembering is only safe while this process hears of every change that could make an
//! answer wrong: triggers on `auth_sessions` and `users` (migration 12) send the account's id
//! on the `auth_changed` channel at commit, and [`listen`] forgets that account's sign-ins.
//! While the listener is not connected nothing is remembered or served from here. The
//! services that sign out, revoke, deactivate or edit an account also forget it themselves
//! right after their commit, so this process never lags behind its own changes. Entries
//! also lapse after [`KEEP`] and at the session's own expiry.

use super::db::SessionUser;
use chrono::Utc;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The channel the triggers notify on; the payload is the account's id.
pub const CHANNEL: &str = "auth_changed";
/// The longest an answer is kept, even when no change is heard of.
pub const KEEP: Duration = Duration::from_secs(60);
/// Beyond this many remembered sign-ins everything is forgotten (a crude bound on memory).
const MOST: usize = 100_000;

/// How a request names its sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignInKey {
    /// SHA-256 of a bearer token.
    Token(Vec<u8>),
    /// A browser sign-in's `auth_sessions` id.
    Browser(i64),
}

struct Remembered {
    user: SessionUser,
    until: Instant,
}

#[derive(Default)]
pub struct SignIns {
    remembered: Mutex<HashMap<SignInKey, Remembered>>,
    /// Bumped whenever something is forgotten: an answer read from the database before that
    /// may be stale, so it is not remembered (see [`SignIns::remember`]).
    generation: AtomicU64,
    listening: AtomicBool,
}

impl SignIns {
    /// The remembered sign-in, if it is still good.
    pub fn get(&self, key: &SignInKey) -> Option<SessionUser> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let remembered = self.remembered.lock().expect("sign-ins lock");
        let entry = remembered.get(key)?;
        (entry.until > Instant::now() && entry.user.expires_at > Utc::now()).then(|| entry.user.clone())
    }

    /// Take this before reading a sign-in from the database, and give it back to [`remember`].
    ///
    /// [`remember`]: SignIns::remember
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers what the database said, unless something was forgotten since it was asked
    /// (`generation` is from before the read) or the listener is down.
    pub fn remember(&self, key: SignInKey, user: SessionUser, generation: u64) {
        let mut remembered = self.remembered.lock().expect("sign-ins lock");
        // Checked under the lock: `forget_*` bump the generation while holding it.
        if !self.listening.load(Ordering::Acquire) || self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if remembered.len() >= MOST {
            remembered.clear();
        }
        remembered.insert(key, Remembered { user, until: Instant::now() + KEEP });
    }

    /// Keeps the remembered copy's last use in step with what was just written.
    pub fn touched(&self, key: &SignInKey, at: chrono::DateTime<Utc>) {
        let mut remembered = self.remembered.lock().expect("sign-ins lock");
        if let Some(entry) = remembered.get_mut(key) {
            entry.user.last_seen_at = at;
        }
    }

    /// Forgets every sign-in of the account.
    pub fn forget_user(&self, user_id: i64) {
        let mut remembered = self.remembered.lock().expect("sign-ins lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        remembered.retain(|_, entry| entry.user.user_id != user_id);
    }

    fn forget_all(&self) {
        let mut remembered = self.remembered.lock().expect("sign-ins lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        remembered.clear();
    }

    fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Release);
        // Whatever was remembered before (re)connecting may have changed unheard.
        self.forget_all();
    }
}

/// Runs for the life of the pool: forgets the accounts the database says changed, and
/// reconnects when the connection is lost (remembering nothing meanwhile).
pub async fn listen(pool: PgPool, sign_ins: std::sync::Arc<SignIns>) {
    loop {
        match subscribe(&pool).await {
            Ok(mut listener) => {
                sign_ins.set_listening(true);
                loop {
                    match listener.try_recv().await {
                        Ok(Some(notification)) => match notification.payload().parse::<i64>() {
                            Ok(user_id) => sign_ins.forget_user(user_id),
                            Err(_) => sign_ins.forget_all(),
                        },
                        Ok(None) => break, // the connection was lost: notices may have been missed
                        Err(sqlx::Error::PoolClosed) => {
                            sign_ins.set_listening(false);
                            return;
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "sign-in listener failed");
                            break;
                        }
                    }
                }
                sign_ins.set_listening(false);
            }
            Err(sqlx::Error::PoolClosed) => return,
            Err(err) => tracing::warn!(error = %err, "sign-in listener can't connect; signed-in requests read the database"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn user(user_id: i64, session_id: i64) -> SessionUser {
        SessionUser {
            session_id,
            user_id,
            name: "Pat".into(),
            email: "pat@example.org".into(),
            role: Role::Patient,
            email_verified: true,
            verified: false,
            expires_at: Utc::now() + chrono::Duration::hours(1),
            is_api: false,
            last_seen_at: Utc::now(),
        }
    }

    fn listening() -> SignIns {
        let sign_ins = SignIns::default();
        sign_ins.set_listening(true);
        sign_ins
    }

    #[test]
    fn nothing_is_remembered_or_served_while_not_listening() {
        let sign_ins = SignIns::default();
        sign_ins.remember(SignInKey::Browser(1), user(7, 1), sign_ins.generation());
        assert!(sign_ins.get(&SignInKey::Browser(1)).is_none());
        let sign_ins = listening();
        sign_ins.remember(SignInKey::Browser(1), user(7, 1), sign_ins.generation());
        assert!(sign_ins.get(&SignInKey::Browser(1)).is_some());
        sign_ins.set_listening(false);
        assert!(sign_ins.get(&SignInKey::Browser(1)).is_none(), "served while deaf");
    }

    #[test]
    fn forgetting_an_account_forgets_all_its_sign_ins_and_only_those() {
        let sign_ins = listening();
        let generation = sign_ins.generation();
        sign_ins.remember(SignInKey::Browser(1), user(7, 1), generation);
        sign_ins.remember(SignInKey::Token(vec![1, 2]), user(7, 2), generation);
        sign_ins.remember(SignInKey::Browser(3), user(8, 3), generation);
        sign_ins.forget_user(7);
        assert!(sign_ins.get(&SignInKey::Browser(1)).is_none());
        assert!(sign_ins.get(&SignInKey::Token(vec![1, 2])).is_none());
        assert_eq!(sign_ins.get(&SignInKey::Browser(3)).map(|u| u.user_id), Some(8));
    }

    #[test]
    fn an_answer_read_before_something_was_forgotten_is_not_remembered() {
        let sign_ins = listening();
        let before_the_read = sign_ins.generation();
        sign_ins.forget_user(42); // a change lands while the read is under way
        sign_ins.remember(SignInKey::Browser(1), user(7, 1), before_the_read);
        assert!(sign_ins.get(&SignInKey::Browser(1)).is_none());
    }

    #[test]
    fn an_expired_sign_in_is_not_served() {
        let sign_ins = listening();
        let mut expired = user(7, 1);
        expired.expires_at = Utc::now() - chrono::Duration::seconds(1);
        sign_ins.remember(SignInKey::Browser(1), expired, sign_ins.generation());
        assert!(sign_ins.get(&SignInKey::Browser(1)).is_none());
    }
}
