//! Chart use cases. Each opens its transaction, asks the chart rule, reads or writes, and
//! audits in the same transaction: one entry per request (a read of forty history lines is one
//! entry naming the patient and what was read), so the chart stays fast and the patient's
//! "Who viewed your record" lists every look.

use super::{
    db, with_bmi, Allergy, AllergyList, AllergyStatusChange, BreakGlassGrant, BreakGlassRequest, EntryStatus, HistoryEntry, NewAllergy,
    NewHistoryEntry, NewVitals, Vitals,
};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::encounters;
use crate::error::{AppError, AppResult};
use crate::patients::access::{patient_id_of_user, require_chart_access, ChartUse};
use crate::records::Chart;
use sqlx::{Connection, PgConnection};

/// How many vitals readings the chart and the list show (newest first).
pub const VITALS_SHOWN: i64 = 50;

/// The audit entry of a chart read or write by `actor` about `patient_id`.
fn entry(action: &str, actor: &Actor, patient_id: i64) -> Entry {
    Entry::new(action).by(actor).patient(patient_id)
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn history(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<Vec<HistoryEntry>> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
    let entries = db::history(&mut tx, patient_id).await?;
    audit::record(&mut tx, entry("chart.history.view", actor, patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    Ok(entries)
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn add_history(conn: &mut PgConnection, actor: &Actor, patient_id: i64, input: NewHistoryEntry) -> AppResult<HistoryEntry> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Write).await?;
    let draft = input.parse(chrono::Utc::now().date_naive()).map_err(AppError::Validation)?;
    let id = db::add_history(&mut tx, patient_id, actor.user_id, &draft).await?;
    audit::record(&mut tx, entry("chart.history.add", actor, patient_id).on("history", id).detail(draft.kind.to_string())).await?;
    let added = db::history_entry(&mut tx, id).await?.ok_or_else(|| AppError::not_found("History entry"))?;
    tx.commit().await?;
    Ok(added)
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn allergies(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<AllergyList> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
    let (allergies, none_known) = db::allergies(&mut tx, patient_id).await?;
    audit::record(&mut tx, entry("chart.allergies.view", actor, patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    Ok(AllergyList::new(allergies, none_known))
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn add_allergy(conn: &mut PgConnection, actor: &Actor, patient_id: i64, input: NewAllergy) -> AppResult<Allergy> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Write).await?;
    let draft = input.parse().map_err(AppError::Validation)?;
    let id = db::add_allergy(&mut tx, patient_id, actor.user_id, &draft).await?;
    audit::record(&mut tx, entry("chart.allergy.add", actor, patient_id).on("allergy", id)).await?;
    let added = db::allergy(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Allergy"))?;
    tx.commit().await?;
    Ok(added)
}

/// An allergy resolved (inactive), came back (active) or was entered in error (hidden, kept).
#[tracing::instrument(skip_all, fields(allergy_id = allergy_id))]
pub async fn change_allergy_status(
    conn: &mut PgConnection,
    actor: &Actor,
    allergy_id: i64,
    change: AllergyStatusChange,
) -> AppResult<Allergy> {
    let status = EntryStatus::parse(&change.status).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let allergy = db::allergy(&mut tx, allergy_id).await?.ok_or_else(|| AppError::not_found("Allergy"))?;
    require_chart_access(&mut tx, actor, allergy.patient_id, ChartUse::Write).await?;
    if allergy.status == EntryStatus::EnteredInError {
        return Err(AppError::Conflict("This allergy was entered in error; record it anew if it applies.".into()));
    }
    db::set_allergy_status(&mut tx, allergy_id, status).await?;
    let audited = entry("chart.allergy.status", actor, allergy.patient_id)
        .on("allergy", allergy_id)
        .detail(format!("{:?} -> {status:?}", allergy.status));
    audit::record(&mut tx, audited).await?;
    let changed = db::allergy(&mut tx, allergy_id).await?.ok_or_else(|| AppError::not_found("Allergy"))?;
    tx.commit().await?;
    Ok(changed)
}

/// Records that the patient was asked and has no known allergies (409 while an active allergy
/// is on file: mark that one inactive or entered in error first).
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn mark_no_known_allergies(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<AllergyList> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Write).await?;
    if !db::mark_no_known_allergies(&mut tx, patient_id, actor.user_id).await? {
        return Err(AppError::Conflict("The patient has active allergies on file; change their status first.".into()));
    }
    audit::record(&mut tx, entry("chart.allergies.none_known", actor, patient_id).on("patient", patient_id)).await?;
    let (allergies, none_known) = db::allergies(&mut tx, patient_id).await?;
    tx.commit().await?;
    Ok(AllergyList::new(allergies, none_known))
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn vitals(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<Vec<Vitals>> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
    let readings = db::vitals(&mut tx, patient_id, VITALS_SHOWN).await?;
    audit::record(&mut tx, entry("chart.vitals.view", actor, patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    Ok(with_bmi(readings))
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn add_vitals(conn: &mut PgConnection, actor: &Actor, patient_id: i64, input: NewVitals) -> AppResult<Vitals> {
    let vitals = input.parse().map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Write).await?;
    let added = db::add_vitals(&mut tx, patient_id, actor.user_id, &vitals).await?;
    audit::record(&mut tx, entry("chart.vitals.add", actor, patient_id).on("vitals", added.id)).await?;
    // Its BMI may come from an earlier height.
    let recent = with_bmi(db::vitals(&mut tx, patient_id, VITALS_SHOWN).await?);
    tx.commit().await?;
    Ok(recent.into_iter().find(|r| r.id == added.id).unwrap_or(added))
}

/// The whole chart in one read (one audit entry): who the patient is, allergies, history and
/// the recent vitals.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn chart(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<Chart> {
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
    let patient = db::chart_patient(&mut tx, patient_id).await?;
    let (allergies, none_known) = db::allergies(&mut tx, patient_id).await?;
    let history = db::history(&mut tx, patient_id).await?;
    let vitals = with_bmi(db::vitals(&mut tx, patient_id, VITALS_SHOWN).await?);
    let encounters = encounters::db::for_patient(&mut tx, patient_id, false, encounters::service::PER_PAGE, 0).await?;
    let encounter_count = encounters::db::count_for_patient(&mut tx, patient_id, false).await?;
    let documents = crate::documents::service::for_patient(&mut tx, patient_id).await?;
    let xrays = crate::xrays::service::for_patient(&mut tx, actor, patient_id).await?;
    audit::record(&mut tx, entry("chart.view", actor, patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    // Whoever may read a chart and is a clinician may also write it (the chart rule).
    let may_write = matches!(actor.role, Role::Doctor | Role::Nurse);
    Ok(Chart {
        patient,
        allergies: AllergyList::new(allergies, none_known),
        history,
        vitals,
        encounters,
        encounter_count,
        documents,
        xrays,
        may_write,
        may_write_notes: actor.is(Role::Doctor),
    })
}

/// The signed-in patient's own chart ("My health record").
#[tracing::instrument(skip_all)]
pub async fn own_chart(conn: &mut PgConnection, actor: &Actor) -> AppResult<Chart> {
    actor.require_role(&[Role::Patient])?;
    let patient_id = patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    chart(conn, actor, patient_id).await
}

/// Break-glass: a doctor without a visit with the patient opens the chart in an emergency,
/// saying why. Access lasts `hours`; the grant is audited with its reason, which the patient
/// reads in "Who viewed my record" and admins in the list of emergency accesses.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn break_glass(
    conn: &mut PgConnection,
    actor: &Actor,
    patient_id: i64,
    input: BreakGlassRequest,
    hours: u32,
) -> AppResult<BreakGlassGrant> {
    actor.require_role(&[Role::Doctor])?;
    let reason = crate::text::required(&input.reason, "reason", 500).map_err(AppError::Validation)?;
    if reason.chars().count() < 10 {
        return Err(AppError::validation("Say why you need this chart now, in a few words (10 characters at least)."));
    }
    let mut tx = conn.begin().await?;
    if !db::patient_exists(&mut tx, patient_id).await? {
        return Err(AppError::not_found("Patient"));
    }
    if require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await.is_ok() {
        return Err(AppError::Conflict("You already have access to this chart.".into()));
    }
    let id = db::grant_break_glass(&mut tx, patient_id, actor.user_id, &reason, hours).await?;
    audit::record(&mut tx, entry("chart.break_glass", actor, patient_id).on("break_glass", id).detail(reason)).await?;
    let grant = db::break_glass_grants(&mut tx, Some(id), 1, 0).await?.pop().ok_or_else(|| AppError::not_found("Grant"))?;
    tx.commit().await?;
    Ok(grant)
}

/// Emergency accesses, newest first, 100 a page (admins).
#[tracing::instrument(skip_all)]
pub async fn break_glass_log(conn: &mut PgConnection, actor: &Actor, page: Option<i64>) -> AppResult<Vec<BreakGlassGrant>> {
    actor.require_role(&[Role::Admin])?;
    let page = crate::paging::page_number(page, 1)?;
    db::break_glass_grants(conn, None, 100, crate::paging::offset(page, 1, 100)).await
}
