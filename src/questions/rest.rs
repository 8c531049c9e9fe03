//! `/api/questions…`: asking, the doctors' queue, threads, answers, follow-ups.

use super::{service, FollowUp, NewQuestion, Question, QuestionResponse, QuestionThread};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(ask, list_own))
        .routes(routes!(pending))
        .routes(routes!(thread))
        .routes(routes!(respond))
        .routes(routes!(follow_up))
        .routes(routes!(close))
        .routes(routes!(between))
}

#[utoipa::path(post, path = "/api/questions", tag = "questions", security(("bearer" = [])), request_body = NewQuestion,
    responses((status = 201, description = "The question (patients): to one of their doctors, who is notified, or to the clinic's doctors without `doctor_id`.", body = Question),
              (status = 422, description = "Empty or too long, or `doctor_id` is not a doctor the patient has seen.")))]
pub async fn ask(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewQuestion>,
) -> AppResult<(StatusCode, axum::Json<Question>)> {
    let question = service::ask(&mut *pool.acquire().await?, &clinic, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(question)))
}

#[utoipa::path(get, path = "/api/questions", tag = "questions", security(("bearer" = [])),
    responses((status = 200, description = "The caller's questions, newest first (100 at most): a patient's own; a doctor's (asked of or claimed by them); every question for admins. Audited on each patient shown.", body = Vec<Question>)))]
pub async fn list_own(State(pool): State<PgPool>, actor: Actor) -> AppResult<axum::Json<Vec<Question>>> {
    Ok(axum::Json(service::list_own(&mut *pool.acquire().await?, &actor).await?))
}

#[utoipa::path(get, path = "/api/questions/pending", tag = "questions", security(("bearer" = [])),
    responses((status = 200, description = "The doctors' queue, oldest first: the pending questions asked of the doctor and every pending question asked of the clinic (admins: every pending one). Audited.", body = Vec<Question>)))]
pub async fn pending(State(pool): State<PgPool>, actor: Actor) -> AppResult<axum::Json<Vec<Question>>> {
    Ok(axum::Json(service::pending(&mut *pool.acquire().await?, &actor).await?))
}

#[utoipa::path(get, path = "/api/questions/{id}", tag = "questions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The question's id")),
    responses((status = 200, description = "The question and its thread (its patient, its doctor, any doctor while it waits for a claim, admins). Audited.", body = QuestionThread),
              (status = 404, description = "No such question, or not one the caller may read.")))]
pub async fn thread(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<QuestionThread>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/questions/{id}/response", tag = "questions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The question's id")), request_body = QuestionResponse,
    responses((status = 200, description = "The thread with the doctor's answer; a question asked of the clinic is now theirs. The patient is notified.", body = QuestionThread),
              (status = 409, description = "Another doctor claimed the question first, or the patient closed it.")))]
pub async fn respond(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<QuestionResponse>,
) -> AppResult<axum::Json<QuestionThread>> {
    Ok(axum::Json(service::respond(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/questions/{id}/follow-up", tag = "questions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The question's id")), request_body = FollowUp,
    responses((status = 200, description = "The thread with the patient's follow-up; the question waits for its doctor again, who is notified.", body = QuestionThread),
              (status = 409, description = "The question is closed.")))]
pub async fn follow_up(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<FollowUp>,
) -> AppResult<axum::Json<QuestionThread>> {
    Ok(axum::Json(service::follow_up(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/questions/{id}/close", tag = "questions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The question's id")),
    responses((status = 200, description = "The question, closed by its patient.", body = Question)))]
pub async fn close(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<Question>> {
    Ok(axum::Json(service::close(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/questions/{doctor_id}/{patient_id}", tag = "questions", security(("bearer" = [])),
    params(("doctor_id" = i64, Path, description = "The doctor's id"), ("patient_id" = i64, Path, description = "The patient's id")),
    responses((status = 200, description = "The questions between this doctor and this patient, newest first (for that doctor, that patient and admins). Audited.", body = Vec<Question>)))]
pub async fn between(
    State(pool): State<PgPool>,
    actor: Actor,
    Path((doctor_id, patient_id)): Path<(i64, i64)>,
) -> AppResult<axum::Json<Vec<Question>>> {
    Ok(axum::Json(service::between(&mut *pool.acquire().await?, &actor, doctor_id, patient_id).await?))
}
