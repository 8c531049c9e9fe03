//! REST adapters for accounts: translate HTTP to the use cases in `service` and back.

use super::actor::{Actor, Authentication};
use super::db::SessionKind;
use super::idle::SessionPolicy;
use super::service::{self, AcceptInvitationInput, Client, LoginInput, RegisterInput};
use super::sign_ins::SignIns;
use super::throttle::Throttles;
use super::{CurrentUser, SessionInfo};
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::Json;
use crate::extract::Path;
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/auth/…`.
pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
    Arc<SignIns>: FromRef<S>,
    Throttles: FromRef<S>,
    SessionPolicy: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(verify_email))
        .routes(routes!(accept_invitation))
        .routes(routes!(change_password))
        .routes(routes!(sessions))
        .routes(routes!(revoke_session))
}

pub fn client(authentication: &Authentication, headers: &HeaderMap) -> Client {
    Client {
        ip: authentication.ip().to_owned(),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
    }
}

#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterInput,
    responses((status = 201, description = "The new account; a confirmation email is on its way.", body = CurrentUser)))]
pub async fn register(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    State(throttles): State<Throttles>,
    authentication: Authentication,
    headers: HeaderMap,
    Json(input): Json<RegisterInput>,
) -> AppResult<impl IntoResponse> {
    let user = service::register(&pool, &clinic, &throttles, input, &client(&authentication, &headers)).await?;
    Ok((StatusCode::CREATED, axum::Json(user)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub role: super::Role,
    pub user: CurrentUser,
}

#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, description = "A bearer token for the API (shown once).", body = LoginResponse)))]
pub async fn login(
    State(pool): State<PgPool>,
    State(throttles): State<Throttles>,
    State(sessions): State<SessionPolicy>,
    authentication: Authentication,
    headers: HeaderMap,
    Json(input): Json<LoginInput>,
) -> AppResult<axum::Json<LoginResponse>> {
    let outcome = service::login(&pool, &throttles, &sessions, input, &client(&authentication, &headers), SessionKind::Api).await?;
    let token = outcome.token.expect("API sign-ins always carry a token");
    Ok(axum::Json(LoginResponse { token, role: outcome.user.role, user: outcome.user }))
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "The token is revoked.")))]
pub async fn logout(State(pool): State<PgPool>, State(sign_ins): State<Arc<SignIns>>, actor: Actor) -> AppResult<StatusCode> {
    service::logout(&mut *pool.acquire().await?, &sign_ins, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyEmailInput {
    pub token: String,
}

#[utoipa::path(post, path = "/api/auth/verify-email", tag = "auth", request_body = VerifyEmailInput,
    responses((status = 200, description = "The account, its email confirmed.", body = CurrentUser)))]
pub async fn verify_email(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    State(throttles): State<Throttles>,
    authentication: Authentication,
    headers: HeaderMap,
    Json(input): Json<VerifyEmailInput>,
) -> AppResult<axum::Json<CurrentUser>> {
    Ok(axum::Json(
        service::verify_email(&mut *pool.acquire().await?, &sign_ins, &throttles, &input.token, &client(&authentication, &headers)).await?,
    ))
}

#[utoipa::path(post, path = "/api/auth/accept-invitation", tag = "auth", request_body = AcceptInvitationInput,
    responses((status = 200, description = "A patient registered at the desk chose their first password from the emailed link (which works once); their address is confirmed. They sign in next.", body = CurrentUser)))]
pub async fn accept_invitation(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    State(throttles): State<Throttles>,
    authentication: Authentication,
    headers: HeaderMap,
    Json(input): Json<AcceptInvitationInput>,
) -> AppResult<axum::Json<CurrentUser>> {
    Ok(axum::Json(service::accept_invitation(&pool, &sign_ins, &throttles, input, &client(&authentication, &headers)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/auth/password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordInput,
    responses((status = 204, description = "Changed; every other sign-in is ended.")))]
pub async fn change_password(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    State(throttles): State<Throttles>,
    actor: Actor,
    Json(input): Json<ChangePasswordInput>,
) -> AppResult<StatusCode> {
    service::change_password(&pool, &sign_ins, &throttles, &actor, input.current_password, input.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "Where the caller is signed in.", body = Vec<SessionInfo>)))]
pub async fn sessions(State(pool): State<PgPool>, actor: Actor) -> AppResult<axum::Json<Vec<SessionInfo>>> {
    Ok(axum::Json(service::sessions(&mut *pool.acquire().await?, &actor).await?))
}

#[utoipa::path(delete, path = "/api/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The sign-in's id")),
    responses((status = 204, description = "That sign-in is ended.")))]
pub async fn revoke_session(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    service::revoke_session(&mut *pool.acquire().await?, &sign_ins, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
