//! The registry search: staff, nurses and admins search every patient; doctors their own
//! (an accepted, completed or missed visit); patients and managers get 403. Each kind of
//! query has its own index (see the migration `…18_patient_search.sql`), so a search stays
//! fast on a million patients.

use super::{PatientQuery, PatientSummary};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::error::{AppError, AppResult};
use sqlx::{Connection, PgConnection};

pub const PER_PAGE: i64 = 20;

/// The columns of a [`PatientSummary`] from `patients p JOIN users u`; `$1` is the doctor's
/// user id (or NULL), whose visits the last visit is counted from.
const SUMMARY: &str = "
    SELECT p.id AS patient_id, p.mrn, u.name, p.date_of_birth, p.gender, u.phone,
           (SELECT max(a.starts_at) FROM appointments a
             WHERE a.patient_id = p.id AND a.status IN ('accepted', 'completed', 'no_show')
               AND ($1::bigint IS NULL OR a.doctor_id = (SELECT id FROM doctors WHERE user_id = $1))) AS last_visit
      FROM patients p JOIN users u ON u.id = p.user_id AND u.role = 'patient'";

/// A doctor's own patients only: `$1` is their user id.
const OWN_PATIENTS: &str = "($1::bigint IS NULL OR EXISTS (
    SELECT 1 FROM appointments a JOIN doctors d ON d.id = a.doctor_id
     WHERE a.patient_id = p.id AND d.user_id = $1 AND a.status IN ('accepted', 'completed', 'no_show')))";

#[tracing::instrument(skip_all)]
pub async fn search(conn: &mut PgConnection, actor: &Actor, raw_query: &str, page: Option<i64>) -> AppResult<Vec<PatientSummary>> {
    actor.require_role(&[Role::Doctor, Role::Nurse, Role::Staff, Role::Admin])?;
    let query = PatientQuery::parse(raw_query).map_err(AppError::Validation)?;
    let page = crate::paging::page_number(page, 1)?;
    let offset = crate::paging::offset(page, 1, PER_PAGE);
    let doctor = actor.is(Role::Doctor).then_some(actor.user_id);
    let mut tx = conn.begin().await?;
    let found = find(&mut tx, &query, doctor, offset).await?;
    // Who looked patients up, and for what (names, phones and birthdays are personal data).
    audit::record(&mut tx, Entry::new("patients.search").by(actor).detail(raw_query.trim().to_owned())).await?;
    tx.commit().await?;
    Ok(found)
}

async fn find(conn: &mut PgConnection, query: &PatientQuery, doctor: Option<i64>, offset: i64) -> AppResult<Vec<PatientSummary>> {
    let (condition, order) = match query {
        // A doctor's patients, latest visit first; everyone else's list, by name.
        PatientQuery::All if doctor.is_some() => ("TRUE", "last_visit DESC NULLS LAST, p.id"),
        PatientQuery::All => ("TRUE", "u.name, p.id"),
        PatientQuery::Name(_) => ("u.name ILIKE '%' || $2 || '%'", "u.name, p.id"),
        PatientQuery::Mrn(_) => ("p.mrn = $2", "p.id"),
        PatientQuery::Phone(_) => ("regexp_replace(u.phone, '\\D', '', 'g') LIKE '%' || $2 || '%'", "u.name, p.id"),
        PatientQuery::DateOfBirth(_) => ("p.date_of_birth = $2::date", "u.name, p.id"),
    };
    let value = match query {
        PatientQuery::All => String::new(),
        PatientQuery::Name(name) => escape_like(name),
        PatientQuery::Mrn(mrn) => mrn.clone(),
        PatientQuery::Phone(digits) => digits.clone(),
        PatientQuery::DateOfBirth(date) => date.to_string(),
    };
    let sql = format!("{SUMMARY} WHERE {condition} AND {OWN_PATIENTS} ORDER BY {order} LIMIT $3 OFFSET $4");
    Ok(sqlx::query_as(&sql).bind(doctor).bind(value).bind(PER_PAGE).bind(offset).fetch_all(conn).await?)
}

/// `%` and `_` typed by the user are letters, not wildcards.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
