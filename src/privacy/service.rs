//! Who viewed my record, export, and erasure (unregister).

use super::RecordAccess;
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::service::confirm_password;
use crate::auth::sign_ins::SignIns;
use crate::auth::throttle::Throttles;
use crate::auth::Role;
use crate::clinic::Clinic;
use crate::documents::{self, storage::DocumentStore};
use crate::error::{AppError, AppResult};
use crate::notifications::service::{self as notifications, Notice};
use crate::patients::access::patient_id_of_user;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, PgPool};

/// Columns never exported: secrets, even hashed.
const SECRET_COLUMNS: &[&str] = &["password_hash", "token_hash"];

/// The patient's record as others touched it, newest first: every audited read or change by
/// someone other than the patient (`patient_id` is set on each entry about a patient).
#[tracing::instrument(skip_all)]
pub async fn record_accesses(conn: &mut PgConnection, actor: &Actor, before_id: Option<i64>) -> AppResult<Vec<RecordAccess>> {
    actor.require_role(&[Role::Patient])?;
    let patient_id = patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    Ok(sqlx::query_as(
        "SELECT a.at, u.name AS actor_name, a.actor_role, a.action, a.target_type, a.target_id, a.outcome,
                CASE WHEN a.action = 'chart.break_glass' THEN a.detail END AS reason
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
          WHERE a.patient_id = $1 AND a.actor_id IS DISTINCT FROM $2 AND ($3::bigint IS NULL OR a.id < $3)
          ORDER BY a.id DESC LIMIT 200",
    )
    .bind(patient_id)
    .bind(actor.user_id)
    .bind(before_id)
    .fetch_all(conn)
    .await?)
}

/// A table holding rows about a person, and the columns that name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalTable {
    pub table: String,
    /// Columns referencing `users.id`.
    pub user_columns: Vec<String>,
    /// Columns referencing `patients.id`.
    pub patient_columns: Vec<String>,
}

/// Every table with a foreign key to `users` or `patients` (and those two themselves), from
/// the catalog.
#[tracing::instrument(skip_all)]
pub async fn personal_tables(conn: &mut PgConnection) -> AppResult<Vec<PersonalTable>> {
    let keys: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
          WHERE c.contype = 'f' AND c.confrelid IN ('users'::regclass, 'patients'::regclass)
          ORDER BY 1, 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = vec![
        PersonalTable { table: "users".into(), user_columns: vec!["id".into()], patient_columns: vec![] },
        PersonalTable { table: "patients".into(), user_columns: vec![], patient_columns: vec!["id".into()] },
    ];
    for (table, column, referenced) in keys {
        let index = match tables.iter().position(|t| t.table == table) {
            Some(index) => index,
            None => {
                tables.push(PersonalTable { table, user_columns: vec![], patient_columns: vec![] });
                tables.len() - 1
            }
        };
        let entry = &mut tables[index];
        if referenced == "users" { &mut entry.user_columns } else { &mut entry.patient_columns }.push(column);
    }
    Ok(tables)
}

/// `"name"`, safe to put in SQL (names come from the catalog, but are quoted all the same).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The rows of one table naming the person (`$1` user id, `$2` patient id), as JSON.
async fn rows_of(conn: &mut PgConnection, table: &PersonalTable, user_id: i64, patient_id: Option<i64>) -> AppResult<Value> {
    let conditions: Vec<String> = table
        .user_columns
        .iter()
        .map(|c| format!("t.{} = $1", ident(c)))
        .chain(table.patient_columns.iter().map(|c| format!("t.{} = $2", ident(c))))
        .collect();
    let sql = format!(
        "SELECT coalesce(jsonb_agg(to_jsonb(t) - $3::text[]), '[]'::jsonb) FROM {} t WHERE {}",
        table.table.split('.').map(ident).collect::<Vec<_>>().join("."),
        conditions.join(" OR ")
    );
    let secrets: Vec<String> = SECRET_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    Ok(sqlx::query_scalar(&sql).bind(user_id).bind(patient_id).bind(secrets).persistent(false).fetch_one(conn).await?)
}

/// Everything the system holds about the caller, as one JSON document: the profile, then
/// every table's rows about them (found from the foreign keys, so new domains are included),
/// the audit entries about them, and the emails sent to them. Secrets (password and token
/// hashes) are left out. The export itself is audited.
#[tracing::instrument(skip_all)]
pub async fn export(conn: &mut PgConnection, actor: &Actor) -> AppResult<Value> {
    let mut tx = conn.begin().await?;
    let profile = crate::profile::service::get(&mut tx, actor).await?;
    let patient_id = profile.patient.as_ref().map(|p| p.patient_id);
    let mut tables = serde_json::Map::new();
    for table in personal_tables(&mut tx).await? {
        let rows = rows_of(&mut tx, &table, actor.user_id, patient_id).await?;
        tables.insert(table.table, rows);
    }
    let audit: Value = sqlx::query_scalar(
        "SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]'::jsonb) FROM audit_log a
          WHERE a.actor_id = $1 OR a.patient_id = $2 OR (a.target_type = 'user' AND a.target_id = $1)",
    )
    .bind(actor.user_id)
    .bind(patient_id)
    .fetch_one(&mut *tx)
    .await?;
    tables.insert("audit_log".into(), audit);
    let mut entry = Entry::new("privacy.export").by(actor).on("user", actor.user_id);
    if let Some(patient_id) = patient_id {
        entry = entry.patient(patient_id);
    }
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(json!({
        "format": "caduceus-export/1",
        "exported_at": Utc::now(),
        "profile": profile,
        "tables": tables,
    }))
}

/// A patient closes their own account (`DELETE /api/profile`): the password proves it is
/// them (wrong → 403, throttled like a sign-in); then everything about them is erased.
#[tracing::instrument(skip_all)]
pub async fn close_own_account(
    pool: &PgPool,
    clinic: &Clinic,
    sign_ins: &SignIns,
    throttles: &Throttles,
    store: &DocumentStore,
    actor: &Actor,
    password: String,
) -> AppResult<()> {
    if !actor.is(Role::Patient) {
        return Err(AppError::Forbidden("Staff and doctor accounts are closed by an administrator.".into()));
    }
    if !confirm_password(pool, throttles, actor, password, "privacy.unregister").await? {
        return Err(AppError::Forbidden("The password is not correct.".into()));
    }
    let mut tx = pool.begin().await?;
    let patient_id = patient_id_of_user(&mut tx, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    let files = erase(&mut tx, clinic, actor.user_id, patient_id).await?;
    audit::record(
        &mut tx,
        Entry::new("privacy.unregister").by(actor).on("user", actor.user_id).patient(patient_id).detail("closed by the patient"),
    )
    .await?;
    tx.commit().await?;
    store.remove(&files).await;
    sign_ins.forget_user(actor.user_id);
    Ok(())
}

/// An admin erases a patient (`DELETE /api/patients/{id}`, `id` the patient id), with a reason
/// kept in the audit trail.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn erase_patient(
    conn: &mut PgConnection,
    clinic: &Clinic,
    sign_ins: &SignIns,
    store: &DocumentStore,
    actor: &Actor,
    patient_id: i64,
    reason: &str,
) -> AppResult<()> {
    actor.require_role(&[Role::Admin])?;
    let reason = crate::profile::parse_text(reason, "reason", 500)
        .map_err(AppError::Validation)?
        .ok_or_else(|| AppError::validation("Give a reason for erasing the patient's data."))?;
    let mut tx = conn.begin().await?;
    let user_id: i64 = sqlx::query_scalar("SELECT user_id FROM patients WHERE id = $1")
        .bind(patient_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("Patient"))?;
    let files = erase(&mut tx, clinic, user_id, patient_id).await?;
    let entry =
        Entry::new("privacy.unregister").by(actor).on("user", user_id).patient(patient_id).detail(format!("by an administrator: {reason}"));
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    store.remove(&files).await;
    sign_ins.forget_user(user_id);
    Ok(())
}

/// Erases the patient in the caller's transaction: their coming visits are cancelled and the
/// doctors told (without naming them), their name and email are taken out of what others
/// were sent, and the account goes with every row that references it (the foreign keys
/// cascade; one that doesn't fails the erasure). The audit trail keeps its entries, which
/// hold ids, never names. Returns the patient's document files, for the caller to remove once
/// the erasure is committed (removed before, a rollback would leave rows without files).
async fn erase(tx: &mut PgConnection, clinic: &Clinic, user_id: i64, patient_id: i64) -> AppResult<Vec<String>> {
    let (name, email): (String, Option<String>) =
        sqlx::query_as("SELECT name, email FROM users WHERE id = $1 FOR UPDATE").bind(user_id).fetch_one(&mut *tx).await?;
    let cancelled: Vec<(i64, DateTime<Utc>)> = sqlx::query_as(
        "UPDATE appointments a SET status = 'cancelled', status_reason = 'The patient closed their account.'
           FROM doctors d
          WHERE d.id = a.doctor_id AND a.patient_id = $1 AND a.status IN ('pending', 'accepted') AND a.starts_at > now()
         RETURNING d.user_id, a.starts_at",
    )
    .bind(patient_id)
    .fetch_all(&mut *tx)
    .await?;
    let notices: Vec<Notice> = cancelled
        .iter()
        .map(|(doctor_user_id, starts_at)| Notice {
            user_id: *doctor_user_id,
            title: "Appointment cancelled".into(),
            body: format!(
                "The visit on {} was cancelled: the patient closed their account. The time is free again.",
                crate::appointments::booking::describe_instant(*starts_at, clinic.timezone)
            ),
            link: Some("/appointments".into()),
        })
        .collect();
    if !notices.is_empty() {
        notifications::send(&mut *tx, &clinic.public_url, &notices).await?;
    }
    scrub_mentions(tx, user_id, &name, "a former patient").await?;
    // A walk-in registered without an address was never written to.
    if let Some(email) = &email {
        scrub_mentions(tx, user_id, email, "(address removed)").await?;
        sqlx::query("DELETE FROM outbox WHERE lower(to_address) = lower($1)").bind(email).execute(&mut *tx).await?;
        // The account's sign-in budget is keyed by its address.
        sqlx::query("DELETE FROM throttles WHERE key = $1 OR key LIKE '%:' || $1")
            .bind(crate::auth::throttle::account_key(email))
            .execute(&mut *tx)
            .await?;
    }
    let mut files = documents::service::storage_keys_of_patient(&mut *tx, patient_id).await?;
    files.extend(crate::xrays::service::storage_keys_of_patient(&mut *tx, patient_id).await?);
    sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
    Ok(files)
}

/// Notifications and emails to others (a doctor told "Pat Patient booked…") keep their
/// meaning without the patient's name or address: `text` becomes `stand_in`.
async fn scrub_mentions(tx: &mut PgConnection, user_id: i64, text: &str, stand_in: &str) -> AppResult<()> {
    sqlx::query(
        "UPDATE notifications SET title = replace(title, $2, $3), body = replace(body, $2, $3)
          WHERE user_id <> $1 AND (strpos(title, $2) > 0 OR strpos(body, $2) > 0)",
    )
    .bind(user_id)
    .bind(text)
    .bind(stand_in)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE outbox SET subject = replace(subject, $1, $2), body = replace(body, $1, $2)
          WHERE strpos(subject, $1) > 0 OR strpos(body, $1) > 0",
    )
    .bind(text)
    .bind(stand_in)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
