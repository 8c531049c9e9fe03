//! Question use cases. Who sees what: a patient their own questions; a doctor those asked of
//! them or claimed by them, and every question asked of the clinic while no doctor has claimed
//! it; admins every question. Anyone else gets 403; a patient or doctor asking for a question
//! that isn't theirs gets a concealed (audited) 404. Reads by doctors and admins are audited
//! on the patient, one entry per patient a request shows, and named in "Who viewed my record".

use super::db::{self, Listing, Parties};
use super::{parse_text, FollowUp, MessageKind, NewQuestion, Question, QuestionResponse, QuestionStatus, QuestionThread};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::notifications::service::{self as notifications, Notice};
use crate::patients::access::patient_id_of_user;
use sqlx::{Connection, PgConnection};

/// The caller's part in questions: a patient (`patients.id`), a doctor (`doctors.id`) or an admin.
enum Asker {
    Patient(i64),
    Doctor(i64),
    Admin,
}

async fn asker(conn: &mut PgConnection, actor: &Actor) -> AppResult<Asker> {
    match actor.role {
        Role::Patient => Ok(Asker::Patient(patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?)),
        Role::Doctor => Ok(Asker::Doctor(db::doctor_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Doctor"))?)),
        Role::Admin => Ok(Asker::Admin),
        Role::Nurse | Role::Staff | Role::Manager => Err(AppError::Forbidden("Questions are between patients and their doctors.".into())),
    }
}

/// May the caller read this question? (The rule of the module's comment.)
fn may_read(asker: &Asker, question: &Question) -> bool {
    match *asker {
        Asker::Patient(patient) => question.patient_id == patient,
        Asker::Doctor(doctor) => question.doctor_id.is_none_or(|d| d == doctor),
        Asker::Admin => true,
    }
}

/// One audit entry per patient whose questions the caller (a doctor or admin) was shown.
async fn audit_reads(conn: &mut PgConnection, actor: &Actor, action: &str, questions: &[Question]) -> AppResult<()> {
    if actor.is(Role::Patient) {
        return Ok(());
    }
    audit::record_per_patient(conn, actor, action, questions.iter().map(|q| q.patient_id)).await
}

/// A patient asks one of their doctors, or the clinic's doctors (`doctor_id` absent). The
/// doctor asked is notified.
#[tracing::instrument(skip_all)]
pub async fn ask(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, input: NewQuestion) -> AppResult<Question> {
    actor.require_role(&[Role::Patient])?;
    let text = parse_text(&input.question_text, "question").map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let patient_id = patient_id_of_user(&mut tx, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    let doctor = match input.doctor_id {
        Some(doctor_id) if crate::patients::access::treats(&mut tx, doctor_id, patient_id).await? => {
            db::doctor_account(&mut tx, doctor_id).await?
        }
        Some(_) => {
            return Err(AppError::validation(
                "You can ask a doctor you have seen (a confirmed or past visit). Ask the clinic's doctors instead.",
            ))
        }
        None => None,
    };
    let id = db::insert(&mut tx, patient_id, input.doctor_id, &text).await?;
    audit::record(&mut tx, Entry::new("questions.ask").by(actor).patient(patient_id).on("question", id)).await?;
    if let Some((doctor_user_id, _)) = doctor {
        let notice = Notice {
            user_id: doctor_user_id,
            title: "New question from a patient".into(),
            body: format!("{} asked you a question.", actor.name),
            link: Some(format!("/questions/{id}")),
        };
        notifications::send(&mut tx, &clinic.public_url, &[notice]).await?;
    }
    let question = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Question"))?;
    tx.commit().await?;
    Ok(question)
}

/// The caller's questions: a patient's own, a doctor's (asked of or claimed by them), every
/// question for admins; newest first, at most [`db::LIST_LIMIT`].
#[tracing::instrument(skip_all)]
pub async fn list_own(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<Question>> {
    let mut tx = conn.begin().await?;
    let listing = match asker(&mut tx, actor).await? {
        Asker::Patient(patient) => Listing::OfPatient(patient),
        Asker::Doctor(doctor) => Listing::OfDoctor(doctor),
        Asker::Admin => Listing::All,
    };
    let questions = db::list(&mut tx, listing).await?;
    audit_reads(&mut tx, actor, "questions.list", &questions).await?;
    tx.commit().await?;
    Ok(questions)
}

/// The doctors' queue, oldest first: for a doctor, the pending questions asked of them and
/// every pending question asked of the clinic; for admins every pending one. Patients: 403.
#[tracing::instrument(skip_all)]
pub async fn pending(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<Question>> {
    let mut tx = conn.begin().await?;
    let listing = match asker(&mut tx, actor).await? {
        Asker::Patient(_) => return Err(AppError::Forbidden("The queue of open questions is the doctors'.".into())),
        Asker::Doctor(doctor) => Listing::QueueOf(doctor),
        Asker::Admin => Listing::Queue,
    };
    let questions = db::list(&mut tx, listing).await?;
    audit_reads(&mut tx, actor, "questions.list", &questions).await?;
    tx.commit().await?;
    Ok(questions)
}

/// How many questions wait in the caller's queue (doctors, admins). Not a read of anyone's
/// record: nothing about a patient is shown.
#[tracing::instrument(skip_all)]
pub async fn pending_count(conn: &mut PgConnection, actor: &Actor) -> AppResult<i64> {
    let doctor = match asker(conn, actor).await? {
        Asker::Patient(_) => return Err(AppError::Forbidden("The queue of open questions is the doctors'.".into())),
        Asker::Doctor(doctor) => Some(doctor),
        Asker::Admin => None,
    };
    db::pending_count(conn, doctor).await
}

/// The questions between one doctor (`doctors.id`) and one patient (`patients.id`): for that
/// doctor, that patient and admins.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id, patient_id = patient_id))]
pub async fn between(conn: &mut PgConnection, actor: &Actor, doctor_id: i64, patient_id: i64) -> AppResult<Vec<Question>> {
    let mut tx = conn.begin().await?;
    let allowed = match asker(&mut tx, actor).await? {
        Asker::Patient(patient) => patient == patient_id,
        Asker::Doctor(doctor) => doctor == doctor_id,
        Asker::Admin => true,
    };
    if !allowed {
        return Err(AppError::concealed("Questions"));
    }
    let questions = db::list(&mut tx, Listing::Between(doctor_id, patient_id)).await?;
    audit_reads(&mut tx, actor, "questions.list", &questions).await?;
    tx.commit().await?;
    Ok(questions)
}

/// A question and its thread. Audited on the patient when someone else reads it.
#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn get(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<QuestionThread> {
    let mut tx = conn.begin().await?;
    let asker = asker(&mut tx, actor).await?;
    let thread = readable_thread(&mut tx, &asker, id).await?;
    audit_reads(&mut tx, actor, "questions.view", std::slice::from_ref(&thread.question)).await?;
    tx.commit().await?;
    Ok(thread)
}

async fn readable_thread(conn: &mut PgConnection, asker: &Asker, id: i64) -> AppResult<QuestionThread> {
    let question = db::find(conn, id).await?.filter(|q| may_read(asker, q)).ok_or_else(|| AppError::concealed("Question"))?;
    let messages = db::messages(conn, id).await?;
    Ok(QuestionThread { question, messages })
}

/// A doctor answers. A question asked of the clinic becomes theirs (the first doctor to answer
/// claims it; another doctor answering at the same moment gets 409). The patient is notified.
#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn respond(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    id: i64,
    input: QuestionResponse,
) -> AppResult<QuestionThread> {
    actor.require_role(&[Role::Doctor])?;
    let text = parse_text(&input.response_text, "answer").map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let Asker::Doctor(doctor) = asker(&mut tx, actor).await? else { return Err(AppError::forbidden()) };
    let question = db::find(&mut tx, id).await?.ok_or_else(|| AppError::concealed("Question"))?;
    if question.addressed && question.doctor_id != Some(doctor) {
        return Err(AppError::concealed("Question"));
    }
    if !db::claim_and_mark_answered(&mut tx, id, doctor).await? {
        // Closed, or claimed by another doctor (perhaps a moment ago).
        let now = db::find(&mut tx, id).await?.ok_or_else(|| AppError::concealed("Question"))?;
        let why = match now.doctor_name {
            _ if now.status == QuestionStatus::Closed => "The patient closed this question.".to_owned(),
            Some(name) => format!("{name} answered this question already."),
            None => "Someone else changed this question at the same moment. Please try again.".to_owned(),
        };
        return Err(AppError::Conflict(why));
    }
    db::add_message(&mut tx, id, question.patient_id, MessageKind::Response, actor.user_id, &text).await?;
    audit::record(&mut tx, Entry::new("questions.respond").by(actor).patient(question.patient_id).on("question", id)).await?;
    let parties = question_parties(&mut tx, id).await?;
    let notice = Notice {
        user_id: parties.patient_user_id,
        title: "Your question was answered".into(),
        body: format!("{} answered your question.", actor.name),
        link: Some(format!("/questions/{id}")),
    };
    notifications::send(&mut tx, &clinic.public_url, &[notice]).await?;
    let thread = readable_thread(&mut tx, &Asker::Doctor(doctor), id).await?;
    tx.commit().await?;
    Ok(thread)
}

async fn question_parties(conn: &mut PgConnection, id: i64) -> AppResult<Parties> {
    db::parties(conn, id).await?.ok_or_else(|| AppError::not_found("Question"))
}

/// The patient's own question, or a concealed 404.
async fn own_question(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<Parties> {
    actor.require_role(&[Role::Patient])?;
    db::parties(conn, id).await?.filter(|p| p.patient_user_id == actor.user_id).ok_or_else(|| AppError::concealed("Question"))
}

/// The patient follows up: the question waits for its doctor again, who is notified.
#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn follow_up(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, input: FollowUp) -> AppResult<QuestionThread> {
    let text = parse_text(&input.text, "follow-up").map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let parties = own_question(&mut tx, actor, id).await?;
    if !db::reopen(&mut tx, id).await? {
        return Err(AppError::Conflict("This question is closed. Ask a new one.".into()));
    }
    db::add_message(&mut tx, id, parties.patient_id, MessageKind::FollowUp, actor.user_id, &text).await?;
    audit::record(&mut tx, Entry::new("questions.follow_up").by(actor).patient(parties.patient_id).on("question", id)).await?;
    if let Some(doctor_user_id) = parties.doctor_user_id {
        let notice = Notice {
            user_id: doctor_user_id,
            title: "A patient followed up".into(),
            body: format!("{} added to their question.", actor.name),
            link: Some(format!("/questions/{id}")),
        };
        notifications::send(&mut tx, &clinic.public_url, &[notice]).await?;
    }
    let thread = readable_thread(&mut tx, &Asker::Patient(parties.patient_id), id).await?;
    tx.commit().await?;
    Ok(thread)
}

/// The patient closes their question (settled). Closing a closed question changes nothing.
#[tracing::instrument(skip_all, fields(question_id = id))]
pub async fn close(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<Question> {
    let mut tx = conn.begin().await?;
    let parties = own_question(&mut tx, actor, id).await?;
    db::close(&mut tx, id).await?;
    audit::record(&mut tx, Entry::new("questions.close").by(actor).patient(parties.patient_id).on("question", id)).await?;
    let question = db::find(&mut tx, id).await?.ok_or_else(|| AppError::not_found("Question"))?;
    tx.commit().await?;
    Ok(question)
}

/// The doctors a patient may address a question to: those they have seen, by name.
#[tracing::instrument(skip_all)]
pub async fn doctors_to_ask(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<super::DoctorChoice>> {
    actor.require_role(&[Role::Patient])?;
    let patient_id = patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?;
    crate::patients::access::doctors_of_patient(conn, patient_id).await
}
