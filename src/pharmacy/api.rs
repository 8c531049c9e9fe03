//! Server functions of the pharmacy pages; each calls the same use case as the REST API.
//! Forms post their fields as text, so that they work without JavaScript too.

use super::{InventoryItem, ItemDetail, StockAlerts};
use crate::error::ApiError;
use crate::prescriptions::PatientPrescription;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The stock page: the items found, and the alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockOverview {
    pub items: Vec<InventoryItem>,
    pub alerts: StockAlerts,
}

/// A prescription waiting at the pharmacy, with the stocked medicine its drug matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillToDispense {
    pub prescription: PatientPrescription,
    pub item: Option<InventoryItem>,
}

#[cfg(feature = "ssr")]
fn clinic() -> Result<std::sync::Arc<crate::clinic::Clinic>, crate::error::AppError> {
    crate::extract::from_context::<std::sync::Arc<crate::clinic::Clinic>>()
}

#[server(prefix = "/sfn", endpoint = "stock")]
pub async fn load_stock(q: Option<String>, include_inactive: Option<bool>) -> Result<StockOverview, ApiError> {
    use crate::auth::actor::current_actor;
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    let query = super::ItemQuery { q, kind: None, include_inactive };
    let items = super::service::list(&mut conn, &clinic, &actor, query).await?;
    let alerts = super::service::alerts(&mut conn, &clinic, &actor, Default::default()).await?;
    Ok(StockOverview { items, alerts })
}

/// The dashboard's counts of alerts.
#[server(prefix = "/sfn", endpoint = "stock_alerts")]
pub async fn load_stock_alerts() -> Result<super::AlertCounts, ApiError> {
    use crate::auth::actor::current_actor;
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    let alerts = super::service::alerts(&mut conn, &clinic, &actor, Default::default()).await?;
    Ok(super::AlertCounts { low_stock: alerts.low_stock.len(), expiring: alerts.expiring.len(), days: alerts.days })
}

#[server(prefix = "/sfn", endpoint = "stock_item")]
pub async fn load_item(id: i64) -> Result<ItemDetail, ApiError> {
    use crate::auth::actor::current_actor;
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::get(&mut conn, &clinic, &actor, id).await?)
}

/// A price typed as "2.50" in minor units.
#[cfg(feature = "ssr")]
fn price_cents(raw: &str) -> Result<i64, crate::error::AppError> {
    match raw.trim() {
        "" => Ok(0),
        text => crate::money::Money::parse_minor(text).ok_or_else(|| crate::error::AppError::validation("Enter the price as 2.50.")),
    }
}

#[cfg(feature = "ssr")]
fn number(raw: &str, what: &str) -> Result<i32, crate::error::AppError> {
    raw.trim().parse().map_err(|_| crate::error::AppError::validation(format!("The {what} must be a whole number.")))
}

#[server(prefix = "/sfn", endpoint = "add_stock_item")]
pub async fn add_item(name: String, kind: String, unit: String, reorder_level: String, price: String) -> Result<ItemDetail, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::error::AppError;
    let kind = super::ItemKind::parse(&kind).ok_or_else(|| AppError::validation("Choose medicine or supply."))?;
    let reorder_level = if reorder_level.trim().is_empty() { 0 } else { number(&reorder_level, "reorder level")? };
    let input = super::NewItem { name, kind, unit, reorder_level, price_cents: price_cents(&price)?, currency: None };
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::create(&mut conn, &clinic, &actor, input).await?)
}

#[server(prefix = "/sfn", endpoint = "change_stock_item")]
pub async fn change_item(id: i64, reorder_level: String, price: String, active: Option<String>) -> Result<ItemDetail, ApiError> {
    use crate::auth::actor::current_actor;
    let change = super::ItemUpdate {
        reorder_level: Some(number(&reorder_level, "reorder level")?),
        price_cents: Some(price_cents(&price)?),
        active: Some(active.is_some()),
        ..Default::default()
    };
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::update(&mut conn, &clinic, &actor, id, change).await?)
}

/// A movement from the item page's forms: receive, adjust, waste, return (a dispense comes
/// from the dispensing page).
#[server(prefix = "/sfn", endpoint = "move_stock")]
pub async fn move_stock(
    item_id: i64,
    kind: String,
    quantity: String,
    lot_number: String,
    expiry_date: Option<String>,
    reason: Option<String>,
) -> Result<ItemDetail, ApiError> {
    use crate::auth::actor::current_actor;
    use crate::error::AppError;
    let kind = super::MovementKind::parse(&kind).ok_or_else(|| AppError::validation("Choose what happened to the stock."))?;
    let expiry_date = match expiry_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse().map_err(|_| AppError::validation("Enter the expiry date as 2027-06-30."))?),
    };
    let input = super::NewMovement {
        kind,
        quantity: number(&quantity, "quantity")?,
        lot_number: Some(lot_number),
        expiry_date,
        reason,
        prescription_id: None,
    };
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::record_movement(&mut conn, &clinic, &actor, item_id, input).await?)
}

/// The pharmacy's queue, each prescription with the stocked medicine its drug matches.
#[server(prefix = "/sfn", endpoint = "fills_to_dispense")]
pub async fn load_fills() -> Result<Vec<FillToDispense>, ApiError> {
    use crate::auth::actor::current_actor;
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    let queue = crate::prescriptions::service::to_dispense(&mut conn, &actor).await?;
    let mut fills = Vec::with_capacity(queue.len());
    for prescription in queue {
        let item = super::service::stocked_medicine(&mut conn, &clinic, &prescription.drug).await?;
        fills.push(FillToDispense { prescription, item });
    }
    Ok(fills)
}

#[server(prefix = "/sfn", endpoint = "dispense_fill")]
pub async fn dispense_fill(prescription_id: i64, item_id: i64, quantity: String) -> Result<ItemDetail, ApiError> {
    use crate::auth::actor::current_actor;
    let input = super::NewMovement {
        kind: super::MovementKind::Dispense,
        quantity: number(&quantity, "quantity")?,
        lot_number: None,
        expiry_date: None,
        reason: None,
        prescription_id: Some(prescription_id),
    };
    let (actor, clinic) = (current_actor()?, clinic()?);
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::record_movement(&mut conn, &clinic, &actor, item_id, input).await?)
}
