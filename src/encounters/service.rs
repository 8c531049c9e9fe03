//! Encounter use cases. Each opens its transaction, asks the chart rule, reads or writes, and
//! audits in the same transaction (one entry per request).

use super::{
    allergy_check, correction_allowed, db, icd10, Encounter, EncounterCorrection, EncounterDetail, EncounterDraft, EncounterStatus,
    EnteredInError, NewAddendum, NewEncounter, PrescriptionInput,
};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::error::{AppError, AppResult};
use crate::patients::access::{require_chart_access, ChartUse};
use crate::text;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection};

/// Encounters per page of a patient's list (the chart shows the first page).
pub const PER_PAGE: i64 = 50;

/// A page of a patient's encounters, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EncounterPage {
    pub encounters: Vec<Encounter>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

fn entry(action: &str, actor: &Actor, patient_id: i64) -> Entry {
    Entry::new(action).by(actor).patient(patient_id)
}

/// Every diagnosis code is one of the shipped list (422 naming the unknown one); a diagnosis
/// without the doctor's wording gets the code's official description.
fn coded(mut draft: EncounterDraft) -> AppResult<EncounterDraft> {
    for diagnosis in &mut draft.diagnoses {
        let (code, official) = icd10::describe(&diagnosis.code)
            .ok_or_else(|| AppError::validation(format!("{} is not an ICD-10-CM code.", diagnosis.code)))?;
        diagnosis.code = code.to_owned();
        diagnosis.description.get_or_insert_with(|| official.to_owned());
    }
    Ok(draft)
}

/// A prescription of a drug the patient has an active allergy to is refused (422 naming the
/// allergy) unless it says why it is given anyway; each such override is audited.
async fn check_allergies(tx: &mut PgConnection, patient_id: i64, prescriptions: &[PrescriptionInput]) -> AppResult<Vec<String>> {
    let allergies = db::active_allergies(tx, patient_id).await?;
    let mut overrides = Vec::new();
    for prescription in prescriptions {
        let Some(substance) = allergy_check::first_conflict(&prescription.drug, allergies.iter().map(|(s, _)| s.as_str())) else {
            continue;
        };
        let severity = allergies.iter().find(|(s, _)| s == substance).map(|(_, severity)| severity.replace('_', "-")).unwrap_or_default();
        if prescription.override_reason.is_none() {
            return Err(AppError::validation(format!(
                "{} conflicts with the patient's {severity} allergy to {substance}. Give an override reason to prescribe it anyway.",
                prescription.drug
            )));
        }
        overrides.push(format!("{} despite allergy to {substance}", prescription.drug));
    }
    Ok(overrides)
}

/// The note is for the writer's own visit with this patient, accepted (in progress) or done.
async fn check_appointment(tx: &mut PgConnection, actor: &Actor, patient_id: i64, appointment_id: i64) -> AppResult<()> {
    match db::appointment_parties(tx, appointment_id).await? {
        Some((doctor_user, patient, status)) if doctor_user == actor.user_id && patient == patient_id => {
            if matches!(status.as_str(), "accepted" | "completed") {
                Ok(())
            } else {
                Err(AppError::validation(format!("A visit note is written for an accepted or completed visit; this one is {status}.")))
            }
        }
        _ => Err(AppError::validation("That appointment is not one of yours with this patient.")),
    }
}

async fn audit_overrides(
    tx: &mut PgConnection,
    actor: &Actor,
    patient_id: i64,
    encounter_id: i64,
    overrides: Vec<String>,
) -> AppResult<()> {
    for detail in overrides {
        audit::record(tx, entry("chart.prescription.allergy_override", actor, patient_id).on("encounter", encounter_id).detail(detail))
            .await?;
    }
    Ok(())
}

async fn load(tx: &mut PgConnection, id: i64) -> AppResult<Encounter> {
    db::encounter(tx, id).await?.ok_or_else(|| AppError::not_found("Encounter"))
}

/// A doctor writes an encounter for a patient they treat, from a visit or standalone.
#[tracing::instrument(skip_all, fields(patient_id = input.patient_id))]
pub async fn create(conn: &mut PgConnection, actor: &Actor, input: NewEncounter) -> AppResult<Encounter> {
    actor.require_role(&[Role::Doctor])?;
    let (patient_id, appointment_id) = (input.patient_id, input.appointment_id);
    let draft = coded(input.content().parse().map_err(AppError::Validation)?)?;
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Write).await?;
    if let Some(appointment_id) = appointment_id {
        check_appointment(&mut tx, actor, patient_id, appointment_id).await?;
    }
    let overrides = check_allergies(&mut tx, patient_id, &draft.prescriptions).await?;
    let id = db::insert(&mut tx, patient_id, appointment_id, actor.user_id, &draft).await?;
    let codes = draft.diagnoses.iter().map(|d| d.code.as_str()).collect::<Vec<_>>().join(", ");
    audit::record(&mut tx, entry("chart.encounter.add", actor, patient_id).on("encounter", id).detail(codes)).await?;
    audit_overrides(&mut tx, actor, patient_id, id, overrides).await?;
    let added = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(added)
}

/// A doctor prescribes outside a visit (approving a patient's request for a new medicine), in
/// the caller's transaction: the same checks as a visit note's prescriptions (the chart rule,
/// the allergy check and its audited override). Returns the prescription's id.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn prescribe(tx: &mut PgConnection, actor: &Actor, patient_id: i64, input: PrescriptionInput) -> AppResult<i64> {
    actor.require_role(&[Role::Doctor])?;
    let prescription = input.parse().map_err(AppError::Validation)?;
    require_chart_access(tx, actor, patient_id, ChartUse::Write).await?;
    let overrides = check_allergies(tx, patient_id, std::slice::from_ref(&prescription)).await?;
    let id = db::insert_prescription(tx, None, patient_id, actor.user_id, 0, &prescription).await?;
    audit::record(tx, entry("chart.prescription.add", actor, patient_id).on("prescription", id).detail(prescription.drug.clone())).await?;
    for detail in overrides {
        audit::record(tx, entry("chart.prescription.allergy_override", actor, patient_id).on("prescription", id).detail(detail)).await?;
    }
    Ok(id)
}

/// A page of the patient's encounters, newest first (one audit entry). Clinicians may ask for
/// those entered in error too.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn list(
    conn: &mut PgConnection,
    actor: &Actor,
    patient_id: i64,
    page: Option<i64>,
    with_errors: bool,
) -> AppResult<EncounterPage> {
    let page = crate::paging::page_number(page, 1)?;
    let mut tx = conn.begin().await?;
    require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
    let with_errors = with_errors && !actor.is(Role::Patient);
    let offset = crate::paging::offset(page, 1, PER_PAGE);
    let encounters = db::for_patient(&mut tx, patient_id, with_errors, PER_PAGE, offset).await?;
    let total = db::count_for_patient(&mut tx, patient_id, with_errors).await?;
    audit::record(&mut tx, entry("chart.encounters.view", actor, patient_id).on("patient", patient_id)).await?;
    tx.commit().await?;
    Ok(EncounterPage { encounters, page, per_page: PER_PAGE, total })
}

/// One encounter with its earlier versions (audited), and what the reader may do with it.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn get(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<EncounterDetail> {
    let mut tx = conn.begin().await?;
    let encounter = load(&mut tx, id).await?;
    require_chart_access(&mut tx, actor, encounter.patient_id, ChartUse::Read).await?;
    audit::record(&mut tx, entry("chart.encounter.view", actor, encounter.patient_id).on("encounter", id)).await?;
    let detail = detail_of(&mut tx, actor, encounter).await?;
    tx.commit().await?;
    Ok(detail)
}

/// The encounter with its versions and the reader's rights over it (access already checked).
async fn detail_of(tx: &mut PgConnection, actor: &Actor, encounter: Encounter) -> AppResult<EncounterDetail> {
    let versions = db::versions(tx, encounter.id).await?;
    let writes = require_chart_access(tx, actor, encounter.patient_id, ChartUse::Write).await.is_ok();
    let active = encounter.status == EncounterStatus::Active;
    Ok(EncounterDetail {
        may_correct: writes && correction_allowed(&encounter, actor.user_id, Utc::now()).is_ok(),
        may_add_addendum: writes && active,
        may_mark_in_error: active && (actor.is(Role::Admin) || (writes && encounter.author_user_id == actor.user_id)),
        encounter,
        versions,
    })
}

/// The author's correction within the window: the version it replaces is kept.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn correct(conn: &mut PgConnection, actor: &Actor, id: i64, input: EncounterCorrection) -> AppResult<EncounterDetail> {
    let draft = coded(input.parse().map_err(AppError::Validation)?)?;
    let mut tx = conn.begin().await?;
    if !db::lock(&mut tx, id).await? {
        return Err(AppError::not_found("Encounter"));
    }
    let current = load(&mut tx, id).await?;
    require_chart_access(&mut tx, actor, current.patient_id, ChartUse::Write).await?;
    correction_allowed(&current, actor.user_id, Utc::now()).map_err(|refused| match refused {
        super::CorrectionRefused::NotTheAuthor => AppError::Forbidden(refused.message().into()),
        _ => AppError::Conflict(refused.message().into()),
    })?;
    let overrides = check_allergies(&mut tx, current.patient_id, &draft.prescriptions).await?;
    db::correct(&mut tx, &current, actor.user_id, &draft).await?;
    let audited =
        entry("chart.encounter.correct", actor, current.patient_id).on("encounter", id).detail(format!("version {}", current.version + 1));
    audit::record(&mut tx, audited).await?;
    audit_overrides(&mut tx, actor, current.patient_id, id, overrides).await?;
    let corrected = load(&mut tx, id).await?;
    let detail = detail_of(&mut tx, actor, corrected).await?;
    tx.commit().await?;
    Ok(detail)
}

/// An addendum, by anyone who may write the chart, to an encounter not entered in error.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn add_addendum(conn: &mut PgConnection, actor: &Actor, id: i64, input: NewAddendum) -> AppResult<Encounter> {
    let addendum = text::required(&input.text, "addendum", 4000).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let encounter = load(&mut tx, id).await?;
    require_chart_access(&mut tx, actor, encounter.patient_id, ChartUse::Write).await?;
    if encounter.status == EncounterStatus::EnteredInError {
        return Err(AppError::Conflict("This encounter was entered in error; nothing more is added to it.".into()));
    }
    let addendum_id = db::add_addendum(&mut tx, id, encounter.patient_id, actor.user_id, &addendum).await?;
    audit::record(
        &mut tx,
        entry("chart.encounter.addendum", actor, encounter.patient_id).on("encounter", id).detail(format!("addendum {addendum_id}")),
    )
    .await?;
    let updated = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Marks an encounter entered in error (its author or an admin), with the reason: hidden from
/// the chart, kept, audited.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn mark_in_error(conn: &mut PgConnection, actor: &Actor, id: i64, input: EnteredInError) -> AppResult<Encounter> {
    let reason = text::required(&input.reason, "reason", 500).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    if !db::lock(&mut tx, id).await? {
        return Err(AppError::not_found("Encounter"));
    }
    let encounter = load(&mut tx, id).await?;
    require_chart_access(&mut tx, actor, encounter.patient_id, ChartUse::Read).await?;
    let author = encounter.author_user_id == actor.user_id && actor.is(Role::Doctor);
    if !(author || actor.is(Role::Admin)) {
        return Err(AppError::Forbidden("Only the doctor who wrote it or an administrator may mark an encounter entered in error.".into()));
    }
    if encounter.status == EncounterStatus::EnteredInError {
        return Err(AppError::Conflict("This encounter is already marked entered in error.".into()));
    }
    db::mark_in_error(&mut tx, id, actor.user_id, &reason).await?;
    audit::record(&mut tx, entry("chart.encounter.error", actor, encounter.patient_id).on("encounter", id).detail(reason)).await?;
    let marked = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(marked)
}

/// The note already written for a visit, if any (its id only: "write the visit note" opens it
/// instead of a second one).
#[tracing::instrument(skip_all, fields(appointment_id = appointment_id))]
pub async fn note_of_visit(conn: &mut PgConnection, actor: &Actor, appointment_id: i64) -> AppResult<Option<i64>> {
    let Some((id, patient_id)) = db::of_appointment(conn, appointment_id).await? else { return Ok(None) };
    require_chart_access(conn, actor, patient_id, ChartUse::Read).await?;
    Ok(Some(id))
}

/// The type-ahead of the diagnosis field: any signed-in clinician or admin.
pub fn suggest_codes(actor: &Actor, query: &str) -> AppResult<Vec<super::Diagnosis>> {
    actor.require_role(&[Role::Doctor, Role::Nurse, Role::Admin])?;
    if query.chars().count() > 100 {
        return Err(AppError::validation("Type at most 100 characters."));
    }
    Ok(icd10::suggest(query)
        .into_iter()
        .map(|(code, description)| super::Diagnosis { code: code.to_owned(), description: Some(description.to_owned()) })
        .collect())
}
