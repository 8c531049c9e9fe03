//! Server functions of the questions pages; each calls the same use case as the REST API.

use super::{DoctorChoice, Question, QuestionThread};
use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The caller's questions, the doctors' queue (doctors and admins), and the doctors a patient
/// may ask: what the questions page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionsOverview {
    pub mine: Vec<Question>,
    pub queue: Vec<Question>,
    pub doctors: Vec<DoctorChoice>,
}

#[server(prefix = "/sfn", endpoint = "questions")]
pub async fn load_questions_page() -> Result<QuestionsOverview, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::auth::Role;
    let actor = current_actor()?;
    let mut conn = crate::extract::connection().await?;
    let mine = super::service::list_own(&mut conn, &actor).await?;
    let (queue, doctors) = if actor.is(Role::Patient) {
        (Vec::new(), super::service::doctors_to_ask(&mut conn, &actor).await?)
    } else {
        (super::service::pending(&mut conn, &actor).await?, Vec::new())
    };
    Ok(QuestionsOverview { mine, queue, doctors })
}

#[server(prefix = "/sfn", endpoint = "question")]
pub async fn get_question(id: i64) -> Result<QuestionThread, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::get(&mut conn, &current_actor()?, id).await?)
}

/// The ask form: `doctor_id` empty means the clinic's doctors.
#[server(prefix = "/sfn", endpoint = "ask_question")]
pub async fn ask_question(question_text: String, doctor_id: String) -> Result<Question, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::error::AppError;
    let doctor_id = match doctor_id.trim() {
        "" => None,
        id => Some(id.parse::<i64>().map_err(|_| AppError::validation("Choose a doctor from the list."))?),
    };
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    let input = super::NewQuestion { question_text, doctor_id };
    Ok(super::service::ask(&mut conn, &clinic, &current_actor()?, input).await?)
}

#[server(prefix = "/sfn", endpoint = "answer_question")]
pub async fn answer_question(id: i64, response_text: String) -> Result<QuestionThread, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::respond(&mut conn, &clinic, &current_actor()?, id, super::QuestionResponse { response_text }).await?)
}

#[server(prefix = "/sfn", endpoint = "follow_up_question")]
pub async fn follow_up_question(id: i64, text: String) -> Result<QuestionThread, ApiError> {
    use crate::auth::actor::current_actor;
    let clinic = crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::follow_up(&mut conn, &clinic, &current_actor()?, id, super::FollowUp { text }).await?)
}

#[server(prefix = "/sfn", endpoint = "close_question")]
pub async fn close_question(id: i64) -> Result<Question, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::close(&mut conn, &current_actor()?, id).await?)
}

/// How many questions wait for the doctor's answer (the dashboard's panel).
#[server(prefix = "/sfn", endpoint = "pending_question_count")]
pub async fn pending_question_count() -> Result<i64, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::pending_count(&mut conn, &current_actor()?).await?)
}
