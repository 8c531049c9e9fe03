//! SQL for insurance policies, claims and their history.

use super::claims::{Claim, ClaimEvent, ClaimStatus, Policy};
use super::invoice_number;
use crate::error::{conflict_on, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// Claims a list shows at most, newest first.
pub const LIST_LIMIT: i64 = 100;

const POLICY: &str = "SELECT id, patient_id, payer, member_id, plan, valid_from, valid_to, created_at FROM insurance_policies";

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn policies(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<Policy>> {
    Ok(sqlx::query_as(&format!("{POLICY} WHERE patient_id = $1 ORDER BY id")).bind(patient_id).fetch_all(conn).await?)
}

#[tracing::instrument(skip_all, fields(policy_id = id))]
pub async fn policy(conn: &mut PgConnection, id: i64) -> AppResult<Option<Policy>> {
    Ok(sqlx::query_as(&format!("{POLICY} WHERE id = $1")).bind(id).fetch_optional(conn).await?)
}

/// A checked policy to store.
#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub payer: String,
    pub member_id: String,
    pub plan: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn insert_policy(conn: &mut PgConnection, patient_id: i64, policy: &PolicyRow, created_by: i64) -> AppResult<Policy> {
    sqlx::query_as(
        "INSERT INTO insurance_policies (patient_id, payer, member_id, plan, valid_from, valid_to, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, patient_id, payer, member_id, plan, valid_from, valid_to, created_at",
    )
    .bind(patient_id)
    .bind(&policy.payer)
    .bind(&policy.member_id)
    .bind(&policy.plan)
    .bind(policy.valid_from)
    .bind(policy.valid_to)
    .bind(created_by)
    .fetch_one(conn)
    .await
    .map_err(conflict_on("insurance_policies_once", "This policy is already on file."))
}

/// A claim as stored, with its policy's columns.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimRow {
    pub id: i64,
    pub invoice_id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_user_id: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub status: ClaimStatus,
    pub approved_cents: Option<i64>,
    pub reason: Option<String>,
    pub payment_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub policy_id: i64,
    pub payer: String,
    pub member_id: String,
    pub plan: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub policy_created_at: DateTime<Utc>,
}

impl ClaimRow {
    pub fn into_claim(self, history: Vec<ClaimEvent>) -> Claim {
        Claim {
            id: self.id,
            invoice_id: self.invoice_id,
            invoice_number: invoice_number(self.invoice_id),
            patient_id: self.patient_id,
            patient_name: self.patient_name,
            policy: Policy {
                id: self.policy_id,
                patient_id: self.patient_id,
                payer: self.payer,
                member_id: self.member_id,
                plan: self.plan,
                valid_from: self.valid_from,
                valid_to: self.valid_to,
                created_at: self.policy_created_at,
            },
            amount_cents: self.amount_cents,
            currency: self.currency,
            status: self.status,
            approved_cents: self.approved_cents,
            reason: self.reason,
            payment_id: self.payment_id,
            created_at: self.created_at,
            history,
        }
    }
}

/// The columns of a [`ClaimRow`].
const CLAIM: &str = "
    SELECT c.id, c.invoice_id, c.patient_id, pu.name AS patient_name, p.user_id AS patient_user_id, c.amount_cents, i.currency,
           c.status, c.approved_cents, c.reason, c.payment_id, c.created_at,
           pol.id AS policy_id, pol.payer, pol.member_id, pol.plan, pol.valid_from, pol.valid_to, pol.created_at AS policy_created_at
      FROM claims c JOIN invoices i ON i.id = c.invoice_id
      JOIN patients p ON p.id = c.patient_id JOIN users pu ON pu.id = p.user_id
      JOIN insurance_policies pol ON pol.id = c.policy_id";

#[tracing::instrument(skip_all, fields(claim_id = id))]
pub async fn find(conn: &mut PgConnection, id: i64, lock: bool) -> AppResult<Option<ClaimRow>> {
    let lock = if lock { " FOR UPDATE OF c" } else { "" };
    Ok(sqlx::query_as(&format!("{CLAIM} WHERE c.id = $1{lock}")).bind(id).fetch_optional(conn).await?)
}

/// Claims, newest first, narrowed by patient, invoice and status.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    patient_id: Option<i64>,
    invoice_id: Option<i64>,
    status: Option<ClaimStatus>,
) -> AppResult<Vec<ClaimRow>> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(CLAIM);
    query.push(" WHERE true");
    if let Some(patient_id) = patient_id {
        query.push(" AND c.patient_id = ").push_bind(patient_id);
    }
    if let Some(invoice_id) = invoice_id {
        query.push(" AND c.invoice_id = ").push_bind(invoice_id);
    }
    if let Some(status) = status {
        query.push(" AND c.status = ").push_bind(status);
    }
    query.push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ").push_bind(LIST_LIMIT);
    Ok(query.build_query_as().fetch_all(conn).await?)
}

/// The claims' histories, oldest change first (one query for any number of claims).
#[tracing::instrument(skip_all)]
pub async fn histories(conn: &mut PgConnection, ids: &[i64]) -> AppResult<Vec<(i64, ClaimEvent)>> {
    #[derive(sqlx::FromRow)]
    struct EventRow {
        claim_id: i64,
        #[sqlx(flatten)]
        event: ClaimEvent,
    }
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.claim_id, e.status, e.approved_cents, e.reason, u.name AS changed_by_name, e.changed_at
           FROM claim_events e LEFT JOIN users u ON u.id = e.changed_by
          WHERE e.claim_id = ANY($1) ORDER BY e.id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.claim_id, r.event)).collect())
}

#[tracing::instrument(skip_all, fields(invoice_id = invoice_id))]
pub async fn insert(
    conn: &mut PgConnection,
    invoice_id: i64,
    patient_id: i64,
    policy_id: i64,
    amount_cents: i64,
    created_by: i64,
) -> AppResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO claims (invoice_id, patient_id, policy_id, amount_cents, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(invoice_id)
    .bind(patient_id)
    .bind(policy_id)
    .bind(amount_cents)
    .bind(created_by)
    .fetch_one(conn)
    .await
    .map_err(conflict_on("claims_one_open_per_invoice", "This invoice already has a claim in progress."))
}

/// A claim's move: its new status and what came with it.
#[derive(Debug, Clone, Copy)]
pub struct ClaimChange<'a> {
    pub status: ClaimStatus,
    pub approved_cents: Option<i64>,
    pub reason: Option<&'a str>,
    pub payment_id: Option<i64>,
}

/// The claim's new status and what came with it; and the change, kept in its history.
#[tracing::instrument(skip_all, fields(claim_id = id))]
pub async fn set_status(conn: &mut PgConnection, id: i64, patient_id: i64, change: ClaimChange<'_>, changed_by: i64) -> AppResult<()> {
    let ClaimChange { status, approved_cents, reason, payment_id } = change;
    sqlx::query(
        "UPDATE claims SET status = $2, approved_cents = coalesce($3, approved_cents), reason = coalesce($4, reason),
                payment_id = coalesce($5, payment_id)
          WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(approved_cents)
    .bind(reason)
    .bind(payment_id)
    .execute(&mut *conn)
    .await?;
    add_event(conn, id, patient_id, status, approved_cents, reason, changed_by).await
}

#[tracing::instrument(skip_all, fields(claim_id = claim_id))]
pub async fn add_event(
    conn: &mut PgConnection,
    claim_id: i64,
    patient_id: i64,
    status: ClaimStatus,
    approved_cents: Option<i64>,
    reason: Option<&str>,
    changed_by: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO claim_events (claim_id, patient_id, status, approved_cents, reason, changed_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(claim_id)
    .bind(patient_id)
    .bind(status)
    .bind(approved_cents)
    .bind(reason)
    .bind(changed_by)
    .execute(conn)
    .await?;
    Ok(())
}
