//! SQL for questions and their threads.

use super::{MessageKind, Question, QuestionMessage};
use crate::error::AppResult;
use sqlx::PgConnection;

/// How many questions a list shows (newest first; the queue oldest first).
pub const LIST_LIMIT: i64 = 100;

/// The columns of a [`Question`], with the patient's and the doctor's names.
const QUESTION: &str = "
    SELECT q.id, q.patient_id, pu.name AS patient_name, q.doctor_id, du.name AS doctor_name, q.addressed, q.question_text,
           q.status, q.created_at, q.first_answered_at, q.closed_at
      FROM questions q
      JOIN patients p ON p.id = q.patient_id JOIN users pu ON pu.id = p.user_id
      LEFT JOIN doctors d ON d.id = q.doctor_id LEFT JOIN users du ON du.id = d.user_id";

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn insert(conn: &mut PgConnection, patient_id: i64, doctor_id: Option<i64>, text: &str) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO questions (patient_id, doctor_id, addressed, question_text) VALUES ($1, $2, $2 IS NOT NULL, $3) RETURNING id",
    )
    .bind(patient_id)
    .bind(doctor_id)
    .bind(text)
    .fetch_one(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn find(conn: &mut PgConnection, id: i64) -> AppResult<Option<Question>> {
    Ok(sqlx::query_as(&format!("{QUESTION} WHERE q.id = $1")).bind(id).fetch_optional(conn).await?)
}

/// Who a question concerns: the patient's account and the doctor's account (if any).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Parties {
    pub patient_id: i64,
    pub patient_user_id: i64,
    pub doctor_user_id: Option<i64>,
}

#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn parties(conn: &mut PgConnection, id: i64) -> AppResult<Option<Parties>> {
    Ok(sqlx::query_as(
        "SELECT q.patient_id, p.user_id AS patient_user_id, d.user_id AS doctor_user_id
           FROM questions q JOIN patients p ON p.id = q.patient_id LEFT JOIN doctors d ON d.id = q.doctor_id
          WHERE q.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn messages(conn: &mut PgConnection, id: i64) -> AppResult<Vec<QuestionMessage>> {
    // An author whose account is gone (a patient's is erased with the question itself) is
    // named by their part in the thread.
    Ok(sqlx::query_as(
        "SELECT m.id, m.kind, coalesce(u.name, 'A former colleague') AS author_name,
                coalesce(u.role, CASE m.kind WHEN 'response' THEN 'doctor' ELSE 'patient' END::user_role) AS author_role,
                m.body, m.created_at
           FROM question_messages m LEFT JOIN users u ON u.id = m.author_id
          WHERE m.question_id = $1 ORDER BY m.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(question_id = question_id))]
pub async fn add_message(
    conn: &mut PgConnection,
    question_id: i64,
    patient_id: i64,
    kind: MessageKind,
    author_id: i64,
    body: &str,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO question_messages (question_id, patient_id, kind, author_id, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(question_id)
    .bind(patient_id)
    .bind(kind)
    .bind(author_id)
    .bind(body)
    .fetch_one(conn)
    .await?)
}

/// The doctor's answer marks the question answered and, for a question to the clinic, claims
/// it — in one conditional statement, so of two doctors answering at once exactly one claims
/// it (the second waits for the first's row lock, then finds the question taken). False when
/// the question is closed or another doctor's.
#[tracing::instrument(skip_all, fields(question_id = id, doctor_id = doctor_id))]
pub async fn claim_and_mark_answered(conn: &mut PgConnection, id: i64, doctor_id: i64) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE questions SET doctor_id = $2, status = 'answered', first_answered_at = coalesce(first_answered_at, now())
          WHERE id = $1 AND (doctor_id IS NULL OR doctor_id = $2) AND status <> 'closed'",
    )
    .bind(id)
    .bind(doctor_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The patient followed up: the question waits for its doctor again. False when closed.
#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn reopen(conn: &mut PgConnection, id: i64) -> AppResult<bool> {
    let done = sqlx::query("UPDATE questions SET status = 'pending' WHERE id = $1 AND status <> 'closed'").bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn close(conn: &mut PgConnection, id: i64) -> AppResult<()> {
    sqlx::query("UPDATE questions SET status = 'closed', closed_at = coalesce(closed_at, now()) WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Which questions a list holds.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    /// A patient's own (`patients.id`), newest first.
    OfPatient(i64),
    /// A doctor's (`doctors.id`): asked of them or claimed by them, newest first.
    OfDoctor(i64),
    /// Every question, newest first (admins).
    All,
    /// The queue of a doctor (`doctors.id`): pending ones asked of them and every pending one
    /// asked of the clinic, oldest first.
    QueueOf(i64),
    /// Every pending question, oldest first (admins).
    Queue,
    /// Between one doctor and one patient (`doctors.id`, `patients.id`), newest first.
    Between(i64, i64),
}

#[tracing::instrument(skip_all, fields(listing = ?listing))]
pub async fn list(conn: &mut PgConnection, listing: Listing) -> AppResult<Vec<Question>> {
    const NEWEST: &str = "q.created_at DESC, q.id DESC";
    const OLDEST: &str = "q.created_at, q.id";
    let (condition, order, ids): (&str, &str, Vec<i64>) = match listing {
        Listing::OfPatient(patient) => ("q.patient_id = $1", NEWEST, vec![patient]),
        Listing::OfDoctor(doctor) => ("q.doctor_id = $1", NEWEST, vec![doctor]),
        Listing::All => ("TRUE", NEWEST, vec![]),
        Listing::QueueOf(doctor) => ("q.status = 'pending' AND (q.doctor_id = $1 OR q.doctor_id IS NULL)", OLDEST, vec![doctor]),
        Listing::Queue => ("q.status = 'pending'", OLDEST, vec![]),
        Listing::Between(doctor, patient) => ("q.doctor_id = $1 AND q.patient_id = $2", NEWEST, vec![doctor, patient]),
    };
    let sql = format!("{QUESTION} WHERE {condition} ORDER BY {order} LIMIT ${}", ids.len() + 1);
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(id);
    }
    Ok(query.bind(LIST_LIMIT).fetch_all(conn).await?)
}

/// The doctor profile (`doctors.id`) of a doctor's account.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn doctor_id_of_user(conn: &mut PgConnection, user_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM doctors WHERE user_id = $1").bind(user_id).fetch_optional(conn).await?)
}

/// The account of a doctor profile, with its name.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn doctor_account(conn: &mut PgConnection, doctor_id: i64) -> AppResult<Option<(i64, String)>> {
    Ok(sqlx::query_as("SELECT u.id, u.name FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = $1")
        .bind(doctor_id)
        .fetch_optional(conn)
        .await?)
}

/// How many questions are pending for a doctor (`doctors.id`: theirs and the clinic's), or in
/// all (`None`).
#[tracing::instrument(skip_all)]
pub async fn pending_count(conn: &mut PgConnection, doctor_id: Option<i64>) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM questions WHERE status = 'pending' AND ($1::bigint IS NULL OR doctor_id = $1 OR doctor_id IS NULL)",
    )
    .bind(doctor_id)
    .fetch_one(conn)
    .await?)
}
