//! `/api/inventory…`: items, lots, the stock ledger and alerts.

use super::{service, AlertQuery, InventoryItem, ItemDetail, ItemQuery, ItemUpdate, NewItem, NewMovement, StockAlerts};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
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
        .routes(routes!(list, create))
        .routes(routes!(alerts))
        .routes(routes!(get, update, remove))
        .routes(routes!(record_movement))
}

#[utoipa::path(get, path = "/api/inventory", tag = "inventory", security(("bearer" = [])), params(ItemQuery),
    responses((status = 200, description = "Items by name (200 at most) with their quantity on hand (the ledger's sum), usable quantity and next expiry. Staff, admins, doctors and nurses.", body = Vec<InventoryItem>)))]
pub async fn list(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(query): Query<ItemQuery>,
) -> AppResult<axum::Json<Vec<InventoryItem>>> {
    Ok(axum::Json(service::list(&mut *pool.acquire().await?, &clinic, &actor, query).await?))
}

#[utoipa::path(post, path = "/api/inventory", tag = "inventory", security(("bearer" = [])), request_body = NewItem,
    responses((status = 201, description = "The new item, without stock (staff, admins): stock comes in through a `receive` movement.", body = ItemDetail),
              (status = 409, description = "An active item of this name exists."),
              (status = 422, description = "A field missing or out of range.")))]
pub async fn create(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Json(input): Json<NewItem>,
) -> AppResult<(StatusCode, axum::Json<ItemDetail>)> {
    let item = service::create(&mut *pool.acquire().await?, &clinic, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(item)))
}

#[utoipa::path(get, path = "/api/inventory/alerts", tag = "inventory", security(("bearer" = [])), params(AlertQuery),
    responses((status = 200, description = "Items at or below their reorder level, and lots expiring within `days` (or expired and not yet wasted).", body = StockAlerts),
              (status = 422, description = "`days` outside 1-365.")))]
pub async fn alerts(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Query(query): Query<AlertQuery>,
) -> AppResult<axum::Json<StockAlerts>> {
    Ok(axum::Json(service::alerts(&mut *pool.acquire().await?, &clinic, &actor, query).await?))
}

#[utoipa::path(get, path = "/api/inventory/{id}", tag = "inventory", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The item's id")),
    responses((status = 200, description = "The item, its lots holding stock (first to expire first) and its latest 100 movements.", body = ItemDetail)))]
pub async fn get(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<ItemDetail>> {
    Ok(axum::Json(service::get(&mut *pool.acquire().await?, &clinic, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/inventory/{id}", tag = "inventory", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The item's id")), request_body = ItemUpdate,
    responses((status = 200, description = "The item changed (staff, admins); stock changes only through movements.", body = ItemDetail),
              (status = 409, description = "Another active item has that name.")))]
pub async fn update(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(change): Json<ItemUpdate>,
) -> AppResult<axum::Json<ItemDetail>> {
    Ok(axum::Json(service::update(&mut *pool.acquire().await?, &clinic, &actor, id, change).await?))
}

#[utoipa::path(delete, path = "/api/inventory/{id}", tag = "inventory", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The item's id")),
    responses((status = 204, description = "Removed (staff, admins): deleted if it never moved stock, otherwise deactivated with its ledger kept.")))]
pub async fn remove(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    service::remove(&mut *pool.acquire().await?, &clinic, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/inventory/{id}/movements", tag = "inventory", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The item's id")), request_body = NewMovement,
    responses((status = 201, description = "Recorded in the ledger (staff, admins); the item afterwards. A dispense picks lots first-expired-first-out (splitting when needed) and, on a prescription, bills the medicine and tells the patient it is ready for pickup.", body = ItemDetail),
              (status = 409, description = "Not enough stock (a lot never goes below zero), nothing to dispense on the prescription, or the item is inactive."),
              (status = 422, description = "Bad quantity, missing lot, reason or prescription, an expired lot for anything but waste.")))]
pub async fn record_movement(
    State(pool): State<PgPool>,
    State(clinic): State<Arc<Clinic>>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(input): Json<NewMovement>,
) -> AppResult<(StatusCode, axum::Json<ItemDetail>)> {
    let item = service::record_movement(&mut *pool.acquire().await?, &clinic, &actor, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(item)))
}
