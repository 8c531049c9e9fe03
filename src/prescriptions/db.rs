//! Queries of prescriptions and refill requests.

use super::{PatientPrescription, RefillRequest, RefillStatus, REFILLABLE_DAYS};
use crate::error::{conflict_on, AppResult};
use sqlx::PgConnection;

/// At most this many rows in one list.
pub const LIST_LIMIT: i64 = 200;

const PRESCRIPTION_COLUMNS: &str = "p.id, p.patient_id, pu.name AS patient_name, p.drug, p.dose, p.route, p.frequency,
        p.duration_days, p.quantity, p.refills, p.refills_used, p.fills, p.last_filled_at, du.name AS prescriber_name,
        p.status, p.prescribed_at,
        (SELECT r.id FROM refill_requests r WHERE r.prescription_id = p.id AND r.status = 'pending') AS open_request_id
   FROM prescriptions p
   JOIN patients pa ON pa.id = p.patient_id
   JOIN users pu ON pu.id = pa.user_id
   LEFT JOIN users du ON du.id = p.prescriber_id";

/// A patient's prescriptions, current first, newest first within.
pub async fn of_patient(conn: &mut PgConnection, patient_id: i64) -> AppResult<Vec<PatientPrescription>> {
    let sql = format!(
        "SELECT {PRESCRIPTION_COLUMNS} WHERE p.patient_id = $1 AND p.status <> 'entered_in_error'
          ORDER BY (p.status = 'active' AND p.prescribed_at > now() - make_interval(days => $2)) DESC, p.prescribed_at DESC, p.id DESC
          LIMIT $3"
    );
    Ok(sqlx::query_as(&sql).bind(patient_id).bind(REFILLABLE_DAYS as i32).bind(LIST_LIMIT).fetch_all(conn).await?)
}

pub async fn find(conn: &mut PgConnection, id: i64) -> AppResult<Option<PatientPrescription>> {
    let sql = format!("SELECT {PRESCRIPTION_COLUMNS} WHERE p.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// The prescription, locked for a fill or a refill.
pub async fn lock(conn: &mut PgConnection, id: i64) -> AppResult<Option<PatientPrescription>> {
    sqlx::query("SELECT 1 FROM prescriptions WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *conn).await?;
    find(conn, id).await
}

/// The pharmacy's queue, oldest first: an approved refill waiting, or a first fill of a
/// prescription written in the last `first_fill_days` days.
pub async fn to_dispense(conn: &mut PgConnection, first_fill_days: i32) -> AppResult<Vec<PatientPrescription>> {
    let sql = format!(
        "SELECT {PRESCRIPTION_COLUMNS} WHERE p.status = 'active' AND p.fills < 1 + p.refills_used
            AND (p.refills_used > 0 OR p.prescribed_at > now() - make_interval(days => $1))
          ORDER BY p.prescribed_at, p.id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql).bind(first_fill_days).bind(LIST_LIMIT).fetch_all(conn).await?)
}

/// Uses one refill, if one is left and the prescription is active and within its year: the
/// CHECK on the row decides between racing approvals. False when nothing was left.
pub async fn use_refill(conn: &mut PgConnection, id: i64) -> AppResult<bool> {
    let used = sqlx::query(
        "UPDATE prescriptions SET refills_used = refills_used + 1
          WHERE id = $1 AND status = 'active' AND refills_used < refills AND prescribed_at > now() - make_interval(days => $2)",
    )
    .bind(id)
    .bind(REFILLABLE_DAYS as i32)
    .execute(conn)
    .await?;
    Ok(used.rows_affected() == 1)
}

/// Counts a fill; false when no fill was waiting (the CHECK on the row holds the line).
pub async fn count_fill(conn: &mut PgConnection, id: i64) -> AppResult<bool> {
    let filled = sqlx::query(
        "UPDATE prescriptions SET fills = fills + 1, last_filled_at = now()
          WHERE id = $1 AND status = 'active' AND fills < 1 + refills_used",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(filled.rows_affected() == 1)
}

/// The oldest approved request this fill hands out (a refill of the prescription, or the
/// request for a new medicine it was written for) becomes dispensed; its id, if there was one.
pub async fn mark_dispensed(conn: &mut PgConnection, prescription_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE refill_requests SET status = 'dispensed', dispensed_at = now()
          WHERE id = (SELECT id FROM refill_requests
                       WHERE (prescription_id = $1 OR issued_prescription_id = $1) AND status = 'approved'
                       ORDER BY decided_at, id LIMIT 1 FOR UPDATE)
         RETURNING id",
    )
    .bind(prescription_id)
    .fetch_optional(conn)
    .await?)
}

const ONE_OPEN: &str = "You already asked for a refill of this prescription; your doctor will answer it.";

/// A new request; a second open request for the same prescription is a 409.
pub async fn insert_request(
    conn: &mut PgConnection,
    patient_id: i64,
    prescription_id: Option<i64>,
    doctor_id: Option<i64>,
    drug: &str,
    note: Option<&str>,
) -> AppResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO refill_requests (patient_id, prescription_id, doctor_id, drug, note) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(patient_id)
    .bind(prescription_id)
    .bind(doctor_id)
    .bind(drug)
    .bind(note)
    .fetch_one(conn)
    .await
    .map_err(conflict_on("refill_requests_one_open", ONE_OPEN))
}

const REQUEST_COLUMNS: &str = "r.id, r.patient_id, pu.name AS patient_name, r.prescription_id, r.doctor_id, du.name AS doctor_name,
        r.drug, r.note, r.status, bu.name AS decided_by_name, r.decision_note, r.decided_at, r.issued_prescription_id,
        r.dispensed_at, r.created_at, p.last_filled_at, CASE WHEN p.id IS NULL THEN NULL ELSE greatest(p.refills - p.refills_used, 0) END AS refills_left
   FROM refill_requests r
   JOIN patients pa ON pa.id = r.patient_id
   JOIN users pu ON pu.id = pa.user_id
   LEFT JOIN doctors d ON d.id = r.doctor_id
   LEFT JOIN users du ON du.id = d.user_id
   LEFT JOIN users bu ON bu.id = r.decided_by
   LEFT JOIN prescriptions p ON p.id = r.prescription_id";

pub async fn find_request(conn: &mut PgConnection, id: i64) -> AppResult<Option<RefillRequest>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn lock_request(conn: &mut PgConnection, id: i64) -> AppResult<Option<RefillRequest>> {
    sqlx::query("SELECT 1 FROM refill_requests WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *conn).await?;
    find_request(conn, id).await
}

/// Which requests a list shows.
pub enum Listing {
    OfPatient(i64),
    /// Those a doctor (`doctors.id`) may decide: asked of them, or of a colleague who is away
    /// today, for a patient they treat.
    ForDoctor(i64),
    All,
}

pub async fn list_requests(conn: &mut PgConnection, listing: Listing, status: Option<RefillStatus>) -> AppResult<Vec<RefillRequest>> {
    let (condition, id) = match listing {
        Listing::OfPatient(patient) => ("r.patient_id = $1", patient),
        Listing::ForDoctor(doctor) => (
            "(r.doctor_id = $1 OR (r.status = 'pending' AND asked_doctor_away(r.doctor_id)
                                   AND EXISTS (SELECT 1 FROM appointments a WHERE a.doctor_id = $1 AND a.patient_id = r.patient_id
                                                  AND a.status IN ('accepted', 'completed', 'no_show'))))",
            doctor,
        ),
        Listing::All => ("$1 = $1", 0),
    };
    // Pending ones oldest first (a queue); the rest newest first.
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} WHERE {condition} AND ($2::refill_request_status IS NULL OR r.status = $2)
          ORDER BY r.status = 'pending' DESC, CASE WHEN r.status = 'pending' THEN r.created_at END, r.created_at DESC, r.id DESC
          LIMIT $3"
    );
    Ok(sqlx::query_as(&sql).bind(id).bind(status).bind(LIST_LIMIT).fetch_all(conn).await?)
}

/// Is the doctor asked (`doctors.id`) away: no doctor, an inactive account, or a day off today?
pub async fn asked_doctor_away(conn: &mut PgConnection, doctor_id: Option<i64>) -> AppResult<bool> {
    Ok(sqlx::query_scalar("SELECT asked_doctor_away($1)").bind(doctor_id).fetch_one(conn).await?)
}

/// How many requests wait for this doctor (`doctors.id`), or for anyone (`None`).
pub async fn pending_count(conn: &mut PgConnection, doctor: Option<i64>) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM refill_requests WHERE status = 'pending' AND ($1::bigint IS NULL OR doctor_id = $1)")
        .bind(doctor)
        .fetch_one(conn)
        .await?)
}

/// The decision on a pending request; false when it was decided already.
pub async fn decide(
    conn: &mut PgConnection,
    id: i64,
    status: RefillStatus,
    by: i64,
    note: &str,
    issued_prescription_id: Option<i64>,
) -> AppResult<bool> {
    let decided = sqlx::query(
        "UPDATE refill_requests SET status = $2, decided_by = $3, decision_note = $4, decided_at = now(), issued_prescription_id = $5
          WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(by)
    .bind(note)
    .bind(issued_prescription_id)
    .execute(conn)
    .await?;
    Ok(decided.rows_affected() == 1)
}

/// The account (user id) of a doctor profile.
pub async fn doctor_user(conn: &mut PgConnection, doctor_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT user_id FROM doctors WHERE id = $1").bind(doctor_id).fetch_optional(conn).await?)
}

/// The doctor profile (`doctors.id`) of the prescription's prescriber, if they have one.
pub async fn prescriber_doctor(conn: &mut PgConnection, prescription_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT d.id FROM prescriptions p JOIN doctors d ON d.user_id = p.prescriber_id WHERE p.id = $1")
        .bind(prescription_id)
        .fetch_optional(conn)
        .await?)
}
