//! `/api/users…` and `/api/outbox`.

use super::{service, AccountUpdate, NewAccount, OutboxMessage, UserFilter, UserSummary};
use crate::auth::actor::Actor;
use crate::auth::sign_ins::SignIns;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sqlx::PgPool;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/users…` and `/api/outbox`.
pub fn routes<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    Arc<Clinic>: FromRef<S>,
    Arc<SignIns>: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(verify))
        .routes(routes!(verify_email))
        .routes(routes!(deactivate))
        .routes(routes!(outbox))
}

#[utoipa::path(get, path = "/api/users", tag = "users", security(("bearer" = [])), params(UserFilter),
    responses((status = 200, description = "Accounts, a page at a time (admins; staff see patients).", body = Vec<UserSummary>)))]
pub async fn list(State(pool): State<PgPool>, actor: Actor, Query(filter): Query<UserFilter>) -> AppResult<axum::Json<Vec<UserSummary>>> {
    Ok(axum::Json(service::list(&mut *pool.acquire().await?, &actor, &filter).await?))
}

#[utoipa::path(post, path = "/api/users", tag = "users", security(("bearer" = [])), request_body = NewAccount,
    responses((status = 201, description = "The new account.", body = UserSummary)))]
pub async fn create(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewAccount>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, axum::Json(service::create(&mut *pool.acquire().await?, &clinic, &actor, input).await?)))
}

#[utoipa::path(get, path = "/api/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "The account's user id")),
    responses((status = 200, description = "The account.", body = UserSummary)))]
pub async fn get(State(pool): State<PgPool>, actor: Actor, Path(id): Path<i64>) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "The account's user id")), request_body = AccountUpdate,
    responses((status = 200, description = "The account as changed.", body = UserSummary)))]
pub async fn update(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<AccountUpdate>,
) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::update(&mut *pool.acquire().await?, &sign_ins, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/users/{id}/verify", tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "The account's user id")),
    responses((status = 200, description = "The doctor, verified and bookable.", body = UserSummary)))]
pub async fn verify(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::verify_doctor(&mut *pool.acquire().await?, &sign_ins, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/users/{id}/verify-email", tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "The account's user id")),
    responses((status = 200, description = "The account, its email marked confirmed.", body = UserSummary)))]
pub async fn verify_email(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::verify_email(&mut *pool.acquire().await?, &sign_ins, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/users/{id}/deactivate", tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "The account's user id")),
    responses((status = 200, description = "The account, deactivated and signed out everywhere.", body = UserSummary)))]
pub async fn deactivate(
    State(pool): State<PgPool>,
    State(sign_ins): State<Arc<SignIns>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<UserSummary>> {
    Ok(axum::Json(service::deactivate(&mut *pool.acquire().await?, &sign_ins, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/outbox", tag = "users", security(("bearer" = [])),
    responses((status = 200, description = "The newest emails queued for delivery (admins).", body = Vec<OutboxMessage>)))]
pub async fn outbox(State(pool): State<PgPool>, actor: Actor) -> AppResult<axum::Json<Vec<OutboxMessage>>> {
    Ok(axum::Json(service::outbox(&mut *pool.acquire().await?, &actor).await?))
}
