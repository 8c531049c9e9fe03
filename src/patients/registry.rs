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
    if let (PatientQuery::Name(text), None) = (query, doctor) {
        return find_by_name_words(conn, text, offset).await;
    }
    let (condition, order) = match query {
        // A doctor's patients, latest visit first; everyone else's list, by name.
        PatientQuery::All if doctor.is_some() => ("TRUE", "last_visit DESC NULLS LAST, p.id"),
        PatientQuery::All => ("TRUE", "u.name, u.id"),
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

/// Everyone whose name has a word beginning with each word typed ("mar sil" finds "Maria
/// Silva"), off the word indexes (migrations `…23_patient_name_words.sql` and `…24_…pairs`):
/// the longest word typed (one word) or the two longest (the pair table) are one range of a
/// btree, read in (word[, word], name) order, so the page comes straight off the index however
/// many patients share the name; any further words filter those rows. A patient matching more
/// than one entry of the range is listed once, at the first.
async fn find_by_name_words(conn: &mut PgConnection, text: &str, offset: i64) -> AppResult<Vec<PatientSummary>> {
    let mut words = name_words(text);
    let Some(first) = take_longest(&mut words) else { return Ok(Vec::new()) };
    let second = take_longest(&mut words);
    let others: Vec<String> = words.iter().map(|word| format!("(^|[^[:alnum:]]){word}")).collect();
    let found = match &second {
        None => {
            "SELECT w.user_id, w.word AS first, ''::text AS second, w.name FROM patient_name_words w
              WHERE w.word >= $1 AND w.word < $2
                AND lower(w.name COLLATE \"default\") ~ ALL ($5::text[])
                AND NOT EXISTS (SELECT 1 FROM patient_name_words d WHERE d.user_id = w.user_id AND d.word >= $1 AND d.word < w.word)
              ORDER BY w.word, w.name, w.user_id
              LIMIT $6 OFFSET $7"
        }
        Some(_) => {
            "SELECT w.user_id, w.first, w.second, w.name FROM patient_name_word_pairs w
              WHERE w.first >= $1 AND w.first < $2 AND w.second >= $3 AND w.second < $4
                AND lower(w.name COLLATE \"default\") ~ ALL ($5::text[])
                AND NOT EXISTS (SELECT 1 FROM patient_name_word_pairs d
                                 WHERE d.user_id = w.user_id AND d.first >= $1 AND d.first < $2 AND d.second >= $3 AND d.second < $4
                                   AND (d.first, d.second) < (w.first, w.second))
              ORDER BY w.first, w.second, w.name, w.user_id
              LIMIT $6 OFFSET $7"
        }
    };
    let second = second.unwrap_or_default();
    Ok(sqlx::query_as(&format!(
        "WITH found AS ({found})
         SELECT p.id AS patient_id, p.mrn, u.name, p.date_of_birth, p.gender, u.phone,
                (SELECT max(a.starts_at) FROM appointments a
                  WHERE a.patient_id = p.id AND a.status IN ('accepted', 'completed', 'no_show')) AS last_visit
           FROM found f JOIN users u ON u.id = f.user_id JOIN patients p ON p.user_id = f.user_id
          ORDER BY f.first, f.second, f.name, f.user_id"
    ))
    .bind(&first)
    .bind(prefix_end(&first).unwrap_or_else(beyond_every_word))
    .bind(&second)
    .bind(prefix_end(&second).unwrap_or_else(beyond_every_word))
    .bind(others)
    .bind(PER_PAGE)
    .bind(offset)
    .fetch_all(conn)
    .await?)
}

/// Removes and returns the longest word (the first of equals): the most selective range.
fn take_longest(words: &mut Vec<String>) -> Option<String> {
    let longest = (0..words.len()).max_by_key(|&i| (words[i].chars().count(), std::cmp::Reverse(i)))?;
    Some(words.remove(longest))
}

/// An upper bound above every word a name can have (names are at most 200 characters), for a
/// prefix with no successor; never NULL, so the bound stays an index condition in a generic
/// plan.
fn beyond_every_word() -> String {
    char::MAX.to_string().repeat(201)
}

/// The words of what was typed, as the index keeps a name's: lower case, split at anything
/// that is not a letter or digit.
fn name_words(text: &str) -> Vec<String> {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// The first string after every string beginning with `prefix` (byte order, which for UTF-8 is
/// code point order): its last character moved up by one. `None` when there is no such string.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(next) = char::from_u32(next) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `%` and `_` typed by the user are letters, not wildcards.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_become_lower_case_words_and_prefix_ranges() {
        assert_eq!(name_words("  Quixote-Marsh, ZELDA "), vec!["quixote", "marsh", "zelda"]);
        assert_eq!(name_words("O'Brien"), vec!["o", "brien"]);
        assert_eq!(name_words("%%%"), Vec::<String>::new());
        assert_eq!(name_words("Émile"), vec!["émile"]);
        assert_eq!(prefix_end("mens").as_deref(), Some("ment"));
        assert_eq!(prefix_end("az").as_deref(), Some("a{"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }
}
