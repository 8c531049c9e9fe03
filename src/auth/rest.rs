//! REST adapters for accounts: translate HTTP to the use cases in `service` and back.

use super::actor::{Actor, Authentication};
use super::db::SessionKind;
use super::service::{self, Client, LoginInput, RegisterInput};
use super::{CurrentUser, SessionInfo};
use crate::error::AppResult;
use crate::extract::Json;
use crate::extract::Path;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

pub fn client(authentication: &Authentication, headers: &HeaderMap) -> Client {
    Client {
        ip: authentication.ip().to_owned(),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
    }
}

pub async fn register(
    State(state): State<AppState>,
    authentication: Authentication,
    headers: HeaderMap,
    Json(input): Json<RegisterInput>,
) -> AppResult<impl IntoResponse> {
    let user = service::register(&state, input, &client(&authentication, &headers)).await?;
    Ok((StatusCode::CREATED, axum::Json(user)))
}

#[derive(Serialize)]
pub struct LoginResponse {
    pub token: String,
    pub role: super::Role,
    pub user: CurrentUser,
}

pub async fn login(
    State(state): State<AppState>,
    authentication: Authentication,
    headers: HeaderMap,
    Json(input): Json<LoginInput>,
) -> AppResult<axum::Json<LoginResponse>> {
    let outcome = service::login(&state, input, &client(&authentication, &headers), SessionKind::Api).await?;
    let token = outcome.token.expect("API sign-ins always carry a token");
    Ok(axum::Json(LoginResponse { token, role: outcome.user.role, user: outcome.user }))
}

pub async fn logout(State(state): State<AppState>, actor: Actor) -> AppResult<StatusCode> {
    service::logout(&state, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct VerifyEmailInput {
    pub token: String,
}

pub async fn verify_email(
    State(state): State<AppState>,
    authentication: Authentication,
    headers: HeaderMap,
    Json(input): Json<VerifyEmailInput>,
) -> AppResult<axum::Json<CurrentUser>> {
    Ok(axum::Json(service::verify_email(&state, &input.token, &client(&authentication, &headers)).await?))
}

#[derive(Deserialize)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

pub async fn change_password(State(state): State<AppState>, actor: Actor, Json(input): Json<ChangePasswordInput>) -> AppResult<StatusCode> {
    service::change_password(&state, &actor, input.current_password, input.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn sessions(State(state): State<AppState>, actor: Actor) -> AppResult<axum::Json<Vec<SessionInfo>>> {
    Ok(axum::Json(service::sessions(&state, &actor).await?))
}

pub async fn revoke_session(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<StatusCode> {
    service::revoke_session(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
