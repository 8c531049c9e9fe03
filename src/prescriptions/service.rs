//! Prescription and refill use cases. Who sees what: a patient their own prescriptions and
//! requests; a doctor the prescriptions of patients whose chart they may read, and the requests
//! they may decide (asked of them, or of a colleague who is away, for a patient they treat);
//! nurses read prescriptions as they read charts; the pharmacy (staff) the queue of fills to
//! hand out; admins all of it. Reads by anyone but the patient are audited on the patient.

use super::db::{self, Listing};
use super::{
    parse_decision_note, parse_request_note, NewMedicineRequest, NewRefillRequest, PatientPrescription, PrescriptionQuery, RefillApproval,
    RefillDenial, RefillQuery, RefillRequest, RefillStatus,
};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::notifications::service::{self as notifications, Notice};
use crate::patients::access::{patient_id_of_user, require_chart_access, treats, user_of_patient, ChartUse};
use chrono::Utc;
use sqlx::{Connection, PgConnection};

/// A first fill waits in the pharmacy's queue this many days after it was written (an older
/// one was most likely filled elsewhere; it can still be dispensed when the patient comes).
pub const FIRST_FILL_QUEUE_DAYS: i32 = 30;

async fn own_patient_id(conn: &mut PgConnection, actor: &Actor) -> AppResult<i64> {
    patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))
}

async fn own_doctor_id(conn: &mut PgConnection, actor: &Actor) -> AppResult<i64> {
    crate::doctors::db::doctor_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Doctor"))
}

async fn audit_reads(conn: &mut PgConnection, actor: &Actor, action: &str, patients: impl IntoIterator<Item = i64>) -> AppResult<()> {
    if actor.is(Role::Patient) {
        return Ok(());
    }
    audit::record_per_patient(conn, actor, action, patients).await
}

async fn tell(conn: &mut PgConnection, clinic: &Clinic, user_id: i64, title: &str, body: String, link: &str) -> AppResult<()> {
    let notice = Notice { user_id, title: title.into(), body, link: Some(link.into()) };
    notifications::send(conn, &clinic.public_url, &[notice]).await
}

/// A patient's prescriptions, current first: the patient's own, or (clinicians and admins,
/// `patient_id` required) those of a patient whose chart they may read. Audited.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, actor: &Actor, query: PrescriptionQuery) -> AppResult<Vec<PatientPrescription>> {
    if matches!(actor.role, Role::Staff | Role::Manager) {
        return Err(AppError::Forbidden("Prescriptions are read with the chart; the pharmacy works from its queue.".into()));
    }
    let mut tx = conn.begin().await?;
    let patient_id = if actor.is(Role::Patient) {
        let own = own_patient_id(&mut tx, actor).await?;
        if query.patient_id.is_some_and(|asked| asked != own) {
            return Err(AppError::concealed("Patient"));
        }
        own
    } else {
        let patient_id = query.patient_id.ok_or_else(|| AppError::validation("Say whose prescriptions: patient_id."))?;
        require_chart_access(&mut tx, actor, patient_id, ChartUse::Read).await?;
        patient_id
    };
    let prescriptions = db::of_patient(&mut tx, patient_id).await?;
    audit_reads(&mut tx, actor, "prescriptions.list", [patient_id]).await?;
    tx.commit().await?;
    Ok(prescriptions)
}

/// The pharmacy's queue (staff and admins): approved refills, and recent prescriptions not yet
/// filled, oldest first. Audited on each patient shown.
#[tracing::instrument(skip_all)]
pub async fn to_dispense(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<PatientPrescription>> {
    actor.require_role(&[Role::Staff, Role::Admin])?;
    let mut tx = conn.begin().await?;
    let queue = db::to_dispense(&mut tx, FIRST_FILL_QUEUE_DAYS).await?;
    audit_reads(&mut tx, actor, "prescriptions.to_dispense", queue.iter().map(|p| p.patient_id)).await?;
    tx.commit().await?;
    Ok(queue)
}

/// The patient asks for a refill of one of their prescriptions; the prescriber (or, without
/// one, a doctor of the patient's who answers the queue) is notified. A prescription without
/// refills left or past its year: 422; a second open request for it: 409.
#[tracing::instrument(skip_all, fields(prescription_id = prescription_id))]
pub async fn request_refill(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    prescription_id: i64,
    input: NewRefillRequest,
) -> AppResult<RefillRequest> {
    actor.require_role(&[Role::Patient])?;
    let note = parse_request_note(input.note.as_deref()).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let patient_id = own_patient_id(&mut tx, actor).await?;
    let prescription = db::find(&mut tx, prescription_id)
        .await?
        .filter(|p| p.patient_id == patient_id)
        .ok_or_else(|| AppError::concealed("Prescription"))?;
    if let Some(why) = prescription.refill_refusal(Utc::now()) {
        return Err(AppError::validation(why));
    }
    let doctor_id = db::prescriber_doctor(&mut tx, prescription_id).await?;
    let id = db::insert_request(&mut tx, patient_id, Some(prescription_id), doctor_id, &prescription.drug, note.as_deref()).await?;
    audit::record(&mut tx, Entry::new("refills.request").by(actor).patient(patient_id).on("refill_request", id)).await?;
    let doctor_user = match doctor_id {
        Some(doctor_id) => db::doctor_user(&mut tx, doctor_id).await?,
        None => None,
    };
    if let Some(doctor_user) = doctor_user {
        let body = format!("{} asks for a refill of {}.", actor.name, prescription.drug);
        tell(&mut tx, clinic, doctor_user, "Refill request", body, "/refills").await?;
    }
    let request = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(request)
}

/// The patient asks one of their doctors (one they have seen) for a new medicine.
#[tracing::instrument(skip_all)]
pub async fn request_medicine(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    input: NewMedicineRequest,
) -> AppResult<RefillRequest> {
    actor.require_role(&[Role::Patient])?;
    let drug = crate::text::required(&input.drug, "medicine", 200).map_err(AppError::Validation)?;
    let note = parse_request_note(input.note.as_deref()).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let patient_id = own_patient_id(&mut tx, actor).await?;
    if !treats(&mut tx, input.doctor_id, patient_id).await? {
        return Err(AppError::validation("You can ask a doctor you have seen (a confirmed or past visit) for a prescription."));
    }
    let id = db::insert_request(&mut tx, patient_id, None, Some(input.doctor_id), &drug, note.as_deref()).await?;
    audit::record(&mut tx, Entry::new("refills.request").by(actor).patient(patient_id).on("refill_request", id)).await?;
    if let Some(doctor_user) = db::doctor_user(&mut tx, input.doctor_id).await? {
        let body = format!("{} asks for a prescription of {drug}.", actor.name);
        tell(&mut tx, clinic, doctor_user, "Prescription request", body, "/refills").await?;
    }
    let request = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(request)
}

async fn load(conn: &mut PgConnection, id: i64) -> AppResult<RefillRequest> {
    db::find_request(conn, id).await?.ok_or_else(|| AppError::not_found("Refill request"))
}

/// The caller's requests: a patient's own; a doctor's queue and what they decided (pending
/// first, oldest first); every request for admins. Audited for doctors and admins.
#[tracing::instrument(skip_all)]
pub async fn list_requests(conn: &mut PgConnection, actor: &Actor, query: RefillQuery) -> AppResult<Vec<RefillRequest>> {
    let mut tx = conn.begin().await?;
    let listing = match actor.role {
        Role::Patient => Listing::OfPatient(own_patient_id(&mut tx, actor).await?),
        Role::Doctor => Listing::ForDoctor(own_doctor_id(&mut tx, actor).await?),
        Role::Admin => Listing::All,
        Role::Nurse | Role::Staff | Role::Manager => {
            return Err(AppError::Forbidden("Refill requests are between patients and their doctors.".into()))
        }
    };
    let requests = db::list_requests(&mut tx, listing, query.status).await?;
    audit_reads(&mut tx, actor, "refills.list", requests.iter().map(|r| r.patient_id)).await?;
    tx.commit().await?;
    Ok(requests)
}

/// How many requests wait for the doctor (the dashboard's count; names no patient).
#[tracing::instrument(skip_all)]
pub async fn pending_count(conn: &mut PgConnection, actor: &Actor) -> AppResult<i64> {
    let doctor = match actor.role {
        Role::Doctor => Some(own_doctor_id(conn, actor).await?),
        Role::Admin => None,
        _ => return Err(AppError::forbidden()),
    };
    db::pending_count(conn, doctor).await
}

/// The pending request, locked, if this doctor may decide it: asked of them, or asked of a
/// colleague who is away and the patient is theirs too. Otherwise a concealed 404; decided
/// already, 409.
async fn decidable(tx: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<RefillRequest> {
    actor.require_role(&[Role::Doctor])?;
    let doctor = own_doctor_id(tx, actor).await?;
    let request = db::lock_request(tx, id).await?.ok_or_else(|| AppError::concealed("Refill request"))?;
    let may = request.doctor_id == Some(doctor)
        || (db::asked_doctor_away(tx, request.doctor_id).await? && treats(tx, doctor, request.patient_id).await?);
    if !may {
        return Err(AppError::concealed("Refill request"));
    }
    if request.status != RefillStatus::Pending {
        let by = request.decided_by_name.as_deref().unwrap_or("Another doctor");
        return Err(AppError::Conflict(format!("{by} decided this request already.")));
    }
    Ok(request)
}

/// The doctor approves: a refill uses one of the prescription's refills (none left or past
/// its year: 422; the last one taken a moment ago by another approval: 422 too); a request for
/// a new medicine needs the prescription written for it. The patient is notified, and the
/// approved fill joins the pharmacy's queue.
#[tracing::instrument(skip_all, fields(request_id = id))]
pub async fn approve(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, input: RefillApproval) -> AppResult<RefillRequest> {
    let note = parse_decision_note(&input.note).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let request = decidable(&mut tx, actor, id).await?;
    let issued = match request.prescription_id {
        Some(prescription_id) => {
            use_refill(&mut tx, prescription_id).await?;
            None
        }
        None => {
            let prescription = input.prescription.ok_or_else(|| {
                AppError::validation("Write the prescription for the new medicine: prescription.drug, dose and frequency.")
            })?;
            Some(crate::encounters::service::prescribe(&mut tx, actor, request.patient_id, prescription).await?)
        }
    };
    if !db::decide(&mut tx, id, RefillStatus::Approved, actor.user_id, &note, issued).await? {
        return Err(AppError::Conflict("This request was decided a moment ago.".into()));
    }
    audit::record(&mut tx, Entry::new("refills.approve").by(actor).patient(request.patient_id).on("refill_request", id)).await?;
    let body = format!("{} approved your request for {}: {note}", actor.name, request.drug);
    tell_patient(&mut tx, clinic, request.patient_id, "Refill approved", body).await?;
    let decided = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(decided)
}

async fn use_refill(tx: &mut PgConnection, prescription_id: i64) -> AppResult<()> {
    if db::use_refill(tx, prescription_id).await? {
        return Ok(());
    }
    let prescription = db::find(tx, prescription_id).await?.ok_or_else(|| AppError::not_found("Prescription"))?;
    let why = prescription.refill_refusal(Utc::now()).unwrap_or("This prescription can't be refilled now.");
    Err(AppError::validation(why))
}

async fn tell_patient(tx: &mut PgConnection, clinic: &Clinic, patient_id: i64, title: &str, body: String) -> AppResult<()> {
    match user_of_patient(tx, patient_id).await? {
        Some(user) => tell(tx, clinic, user, title, body, "/medications").await,
        None => Ok(()),
    }
}

/// The doctor denies, saying why; the patient is notified.
#[tracing::instrument(skip_all, fields(request_id = id))]
pub async fn deny(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, input: RefillDenial) -> AppResult<RefillRequest> {
    let note = parse_decision_note(&input.note).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let request = decidable(&mut tx, actor, id).await?;
    if !db::decide(&mut tx, id, RefillStatus::Denied, actor.user_id, &note, None).await? {
        return Err(AppError::Conflict("This request was decided a moment ago.".into()));
    }
    audit::record(&mut tx, Entry::new("refills.deny").by(actor).patient(request.patient_id).on("refill_request", id)).await?;
    let body = format!("{} declined your request for {}: {note}", actor.name, request.drug);
    tell_patient(&mut tx, clinic, request.patient_id, "Refill declined", body).await?;
    let decided = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(decided)
}

/// What the pharmacy hands out when it dispenses a prescription.
pub struct Fill {
    pub prescription: PatientPrescription,
    /// The request this fill answers (a refill, or a new medicine), if any.
    pub request_id: Option<i64>,
}

/// Counts one fill of the prescription, in the pharmacy's transaction: the first fill, or an
/// approved refill. Nothing waiting (never approved, or handed out already): 409. The
/// request it answers becomes "ready for pickup".
#[tracing::instrument(skip_all, fields(prescription_id = prescription_id))]
pub async fn take_fill(tx: &mut PgConnection, prescription_id: i64) -> AppResult<Fill> {
    let prescription =
        db::lock(tx, prescription_id).await?.ok_or_else(|| AppError::validation("prescription_id is not a prescription."))?;
    if !prescription.fill_waiting() {
        return Err(AppError::Conflict(format!(
            "Nothing to dispense for {}: it was dispensed already and no refill is approved.",
            prescription.drug
        )));
    }
    if prescription.fills == 0 && !prescription.is_current(Utc::now()) {
        return Err(AppError::validation("This prescription is more than a year old; the patient needs a new one."));
    }
    if !db::count_fill(tx, prescription_id).await? {
        return Err(AppError::Conflict("This prescription was dispensed a moment ago.".into()));
    }
    let request_id = db::mark_dispensed(tx, prescription_id).await?;
    Ok(Fill { prescription, request_id })
}
