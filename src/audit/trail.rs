//! Writing and searching the trail (server only).

use super::{AuditQuery, AuditRecord, ChainState};
use crate::error::AppResult;
use crate::identity::Actor;
use crate::identity::Role;
use sqlx::PgConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }
}

/// One audit entry, built fluently: `Entry::new("auth.login").by(&actor).on("user", id)`.
#[derive(Debug, Clone)]
pub struct Entry {
    actor_id: Option<i64>,
    actor_role: Option<Role>,
    action: String,
    target_type: Option<&'static str>,
    target_id: Option<i64>,
    patient_id: Option<i64>,
    ip: Option<String>,
    outcome: Outcome,
    detail: Option<String>,
}

impl Entry {
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            actor_id: None,
            actor_role: None,
            action: action.into(),
            target_type: None,
            target_id: None,
            patient_id: None,
            ip: None,
            outcome: Outcome::Success,
            detail: None,
        }
    }

    pub fn by(mut self, actor: &Actor) -> Self {
        self.actor_id = Some(actor.user_id);
        self.actor_role = Some(actor.role);
        self.ip = Some(actor.ip.clone());
        self
    }

    pub fn by_user(mut self, user_id: i64, role: Role) -> Self {
        self.actor_id = Some(user_id);
        self.actor_role = Some(role);
        self
    }

    pub fn from_ip(mut self, ip: &str) -> Self {
        self.ip = Some(ip.to_owned());
        self
    }

    pub fn on(mut self, target_type: &'static str, target_id: i64) -> Self {
        self.target_type = Some(target_type);
        self.target_id = Some(target_id);
        self
    }

    pub fn patient(mut self, patient_id: i64) -> Self {
        self.patient_id = Some(patient_id);
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Free text for the reviewer. Never put secrets or clinical content here.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

#[tracing::instrument(skip_all, fields(action = %entry.action))]
pub async fn record(conn: &mut PgConnection, entry: Entry) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, patient_id, ip, outcome, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.actor_id)
    .bind(entry.actor_role)
    .bind(&entry.action)
    .bind(entry.target_type)
    .bind(entry.target_id)
    .bind(entry.patient_id)
    .bind(&entry.ip)
    .bind(entry.outcome.as_str())
    .bind(&entry.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// A list read: one `action` entry by `actor` for each patient among `patients` (repeats and
/// order don't matter), so "Who viewed my record" names each list once per patient.
pub async fn record_per_patient(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    patients: impl IntoIterator<Item = i64>,
) -> AppResult<()> {
    let mut patients: Vec<i64> = patients.into_iter().collect();
    patients.sort_unstable();
    patients.dedup();
    for patient in patients {
        record(conn, Entry::new(action).by(actor).patient(patient)).await?;
    }
    Ok(())
}

/// Records on its own connection: for failures and denials, whose request transaction (if
/// any) is rolled back. A lost audit write is logged, and does not hide the original answer.
#[tracing::instrument(skip_all)]
pub async fn record_detached(pool: &sqlx::PgPool, entry: Entry) {
    let result = async {
        let mut conn = pool.acquire().await?;
        record(&mut conn, entry).await
    }
    .await;
    if let Err(err) = result {
        tracing::error!(error = ?err, "failed to write an audit entry");
    }
}

/// Admin search, newest first, paged by `before_id`.
#[tracing::instrument(skip_all)]
pub async fn search(conn: &mut PgConnection, actor: &Actor, query: &AuditQuery) -> AppResult<Vec<AuditRecord>> {
    actor.require_role(&[Role::Admin])?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    Ok(sqlx::query_as(
        "SELECT a.id, a.at, a.actor_id, a.actor_role, u.name AS actor_name, a.action, a.target_type, a.target_id,
                a.patient_id, a.ip, a.outcome, a.detail
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
          WHERE ($1::bigint IS NULL OR a.actor_id = $1)
            AND ($2::bigint IS NULL OR a.patient_id = $2)
            AND ($3::text IS NULL OR a.action LIKE $3 || '%')
            AND ($4::text IS NULL OR a.outcome = $4)
            AND ($5::timestamptz IS NULL OR a.at >= $5)
            AND ($6::timestamptz IS NULL OR a.at < $6)
            AND ($7::bigint IS NULL OR a.id < $7)
          ORDER BY a.id DESC LIMIT $8",
    )
    .bind(query.actor_id)
    .bind(query.patient_id)
    .bind(query.action.as_deref().filter(|a| !a.is_empty()))
    .bind(query.outcome.as_deref().filter(|o| !o.is_empty()))
    .bind(query.from)
    .bind(query.to)
    .bind(query.before_id)
    .bind(limit)
    .persistent(false) // planned for the filters given (see `server::startup::connect`)
    .fetch_all(conn)
    .await?)
}

/// How often each server process seals new entries into the chain.
pub const SEAL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// What a sealer run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    /// This many entries went into a new block (0: nothing final was waiting, or another
    /// process was sealing at that moment).
    Entries(i32),
    /// The transaction counter is behind the last block's horizon: the database was restored
    /// into a new cluster. Sealing stops rather than put entries in the wrong block.
    CounterBehind,
}

/// Seals every final, unsealed entry into one new block (see migration `…07`).
#[tracing::instrument(skip_all)]
pub async fn seal(conn: &mut PgConnection) -> AppResult<Sealed> {
    let sealed: i32 = sqlx::query_scalar("SELECT audit_log_seal()").fetch_one(conn).await?;
    Ok(if sealed < 0 { Sealed::CounterBehind } else { Sealed::Entries(sealed) })
}

/// Runs for the life of the server: entries join the chain within about a second of their
/// transaction's end.
#[tracing::instrument(skip_all)]
pub async fn run_sealer(pool: sqlx::PgPool) {
    let mut ticks = tokio::time::interval(SEAL_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reported = false;
    loop {
        ticks.tick().await;
        match async { seal(&mut *pool.acquire().await?).await }.await {
            Ok(Sealed::CounterBehind) if !reported => {
                reported = true;
                tracing::error!("audit sealing stopped: the transaction counter is behind the last sealed block (restored database?)");
            }
            Ok(_) => {}
            // Usually the database is restarting; the next tick catches up.
            Err(err) => tracing::warn!(error = ?err, "audit sealing failed"),
        }
    }
}

/// A block whose recomputed hash (or place in the chain) does not match.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainBreak {
    pub block: i64,
    /// The entries the block lists: one of them was edited or removed.
    pub entry_ids: Vec<i64>,
}

impl ChainBreak {
    /// Block `block` as listed in the chain (None if it is gone).
    pub async fn listed_in(conn: &mut PgConnection, block: i64) -> AppResult<Option<ChainBreak>> {
        Ok(sqlx::query_as("SELECT block, entry_ids FROM audit_seals WHERE block = $1").bind(block).fetch_optional(conn).await?)
    }
}

/// Seals what is final, then recomputes every block in order; returns the first that does not
/// match.
#[tracing::instrument(skip_all)]
pub async fn verify_chain(conn: &mut PgConnection) -> AppResult<Option<ChainBreak>> {
    seal(&mut *conn).await?;
    Ok(sqlx::query_as(
        "SELECT block, entry_ids FROM (
           SELECT s.*, lag(hash, 1, '\\x00'::bytea) OVER (ORDER BY block) AS expected_prev,
                  lag(block, 1, 0::bigint) OVER (ORDER BY block) AS previous_block
             FROM audit_seals s) chain
          WHERE prev_hash <> expected_prev OR block <> previous_block + 1
             OR hash <> audit_block_hash(prev_hash, block, entry_ids, format)
          ORDER BY block LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

/// Who asked for a verification (kept with its result).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifiedBy {
    Schedule,
    Command,
    Admin,
}

impl VerifiedBy {
    fn as_str(self) -> &'static str {
        match self {
            VerifiedBy::Schedule => "schedule",
            VerifiedBy::Command => "command",
            VerifiedBy::Admin => "admin",
        }
    }
}

/// Verifies the whole chain and records the result (the admin audit page shows the latest).
#[tracing::instrument(skip_all)]
pub async fn verify_and_record(conn: &mut PgConnection, by: VerifiedBy) -> AppResult<ChainState> {
    let broken = verify_chain(&mut *conn).await?;
    let (blocks, entries): (i64, i64) =
        sqlx::query_as("SELECT count(*), coalesce(sum(cardinality(entry_ids)), 0)::bigint FROM audit_seals").fetch_one(&mut *conn).await?;
    Ok(sqlx::query_as(
        "INSERT INTO audit_verifications (blocks, entries, broken_block, by_whom) VALUES ($1, $2, $3, $4)
         RETURNING at AS verified_at, blocks, entries, broken_block, by_whom, broken_block IS NULL AS intact",
    )
    .bind(blocks)
    .bind(entries)
    .bind(broken.as_ref().map(|b| b.block))
    .bind(by.as_str())
    .fetch_one(conn)
    .await?)
}

/// The latest verification (admins).
#[tracing::instrument(skip_all)]
pub async fn chain_state(conn: &mut PgConnection, actor: &Actor) -> AppResult<Option<ChainState>> {
    actor.require_role(&[Role::Admin])?;
    Ok(sqlx::query_as(
        "SELECT at AS verified_at, blocks, entries, broken_block, by_whom, broken_block IS NULL AS intact
           FROM audit_verifications ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

/// How often each server process verifies the whole chain.
pub const VERIFY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Runs for the life of the server: verifies at start-up and then every [`VERIFY_INTERVAL`];
/// a broken chain is logged as an error each time.
#[tracing::instrument(skip_all)]
pub async fn run_verifier(pool: sqlx::PgPool) {
    let mut ticks = tokio::time::interval(VERIFY_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match async { verify_and_record(&mut *pool.acquire().await?, VerifiedBy::Schedule).await }.await {
            Ok(state) if !state.intact => {
                tracing::error!(block = ?state.broken_block, "the audit chain is broken: an entry was edited or removed")
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = ?err, "audit verification failed"),
        }
    }
}
