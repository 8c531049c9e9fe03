//! The pharmacy's inventory (SPEC feature 10): medicines and supplies held in lots with expiry
//! dates; stock changes only through movements in a ledger (receive, dispense, adjust, waste,
//! return to the supplier), and a lot never goes below zero (a CHECK on the lot, which the
//! ledger's insert trigger moves). Dispensing picks lots first-expired-first-out, skipping
//! expired ones; an expired lot can only be wasted. The staff dashboard shows items at or
//! below their reorder level and lots expiring soon; an hourly job tells staff of each once.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Lots expiring within this many days are flagged, unless the clinic says otherwise.
pub const DEFAULT_EXPIRY_ALERT_DAYS: u32 = 60;
/// The most one movement moves.
pub const MAX_MOVEMENT_QUANTITY: i32 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "inventory_item_kind", rename_all = "snake_case"))]
pub enum ItemKind {
    Medicine,
    Supply,
}

impl ItemKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Medicine => "Medicine",
            Self::Supply => "Supply",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "medicine" => Some(Self::Medicine),
            "supply" => Some(Self::Supply),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "stock_movement_kind", rename_all = "snake_case"))]
pub enum MovementKind {
    /// Stock in, into a lot (new, or one already held).
    Receive,
    /// Handed out: to a patient on a prescription, or (supplies) used in the clinic.
    Dispense,
    /// A count corrected, up or down, with a reason.
    Adjust,
    /// Thrown away (expired, damaged), with a reason.
    Waste,
    /// Sent back to the supplier (a recall, a wrong delivery).
    Return,
}

impl MovementKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Receive => "Received",
            Self::Dispense => "Dispensed",
            Self::Adjust => "Adjusted",
            Self::Waste => "Wasted",
            Self::Return => "Returned to supplier",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "receive" => Some(Self::Receive),
            "dispense" => Some(Self::Dispense),
            "adjust" => Some(Self::Adjust),
            "waste" => Some(Self::Waste),
            "return" => Some(Self::Return),
            _ => None,
        }
    }
}

/// An item as the stock list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct InventoryItem {
    pub id: i64,
    pub name: String,
    pub kind: ItemKind,
    pub unit: String,
    pub reorder_level: i32,
    pub price_cents: i64,
    pub currency: String,
    pub active: bool,
    /// The ledger's sum over the item's lots (expired ones included until wasted).
    pub quantity_on_hand: i64,
    /// Of that, in lots not expired.
    pub usable_quantity: i64,
    /// The earliest expiry of a lot still holding stock.
    pub next_expiry: Option<NaiveDate>,
}

impl InventoryItem {
    pub fn price(&self) -> crate::money::Money {
        crate::money::Money::new(self.price_cents, self.currency.clone())
    }

    pub fn needs_reorder(&self) -> bool {
        self.active && self.usable_quantity <= i64::from(self.reorder_level)
    }
}

/// A lot of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Lot {
    pub id: i64,
    pub lot_number: String,
    pub expiry_date: NaiveDate,
    pub quantity: i32,
    pub received_at: DateTime<Utc>,
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct StockMovement {
    pub id: i64,
    pub item_id: i64,
    pub lot_number: String,
    pub kind: MovementKind,
    /// Signed: what the lot gained or lost.
    pub quantity: i32,
    pub reason: Option<String>,
    pub prescription_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub actor_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/inventory/{id}`: the item, its lots holding stock (first to expire first), and
/// its latest movements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ItemDetail {
    #[serde(flatten)]
    pub item: InventoryItem,
    pub lots: Vec<Lot>,
    /// Newest first, the latest 100.
    pub movements: Vec<StockMovement>,
}

/// `POST /api/inventory`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewItem {
    pub name: String,
    pub kind: ItemKind,
    pub unit: String,
    #[serde(default)]
    pub reorder_level: i32,
    #[serde(default)]
    pub price_cents: i64,
    /// ISO 4217; `USD` when left out.
    #[serde(default)]
    pub currency: Option<String>,
}

/// `PUT /api/inventory/{id}`: the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ItemUpdate {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub reorder_level: Option<i32>,
    pub price_cents: Option<i64>,
    pub active: Option<bool>,
}

/// `POST /api/inventory/{id}/movements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewMovement {
    pub kind: MovementKind,
    /// How many units: positive; for `adjust`, signed (the count's correction).
    pub quantity: i32,
    /// The lot: required to receive, waste, return or adjust; for a dispense, the lots are
    /// picked first-expired-first-out unless one is named.
    #[serde(default)]
    pub lot_number: Option<String>,
    /// The expiry of a lot received for the first time.
    #[serde(default)]
    pub expiry_date: Option<NaiveDate>,
    /// Required to adjust, waste or return.
    #[serde(default)]
    pub reason: Option<String>,
    /// A medicine is dispensed on a prescription: its first fill or an approved refill.
    #[serde(default)]
    pub prescription_id: Option<i64>,
}

/// `GET /api/inventory?q=&kind=&include_inactive=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct ItemQuery {
    /// Words of the item's name.
    pub q: Option<String>,
    pub kind: Option<ItemKind>,
    #[serde(default)]
    pub include_inactive: Option<bool>,
}

/// `GET /api/inventory/alerts?days=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct AlertQuery {
    /// Lots expiring within this many days (the clinic's setting when left out; 1 to 365).
    pub days: Option<u32>,
}

/// A lot expiring soon (or expired and not yet wasted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ExpiringLot {
    pub item_id: i64,
    pub item_name: String,
    pub lot_id: i64,
    pub lot_number: String,
    pub expiry_date: NaiveDate,
    pub quantity: i32,
}

/// `GET /api/inventory/alerts`: what the staff dashboard warns of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StockAlerts {
    pub days: u32,
    /// Active items at or below their reorder level (usable stock).
    pub low_stock: Vec<InventoryItem>,
    /// Lots holding stock that expire within `days`, or have expired.
    pub expiring: Vec<ExpiringLot>,
}

/// How many alerts there are: the dashboard's panel (the lists stay on the stock page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertCounts {
    pub low_stock: usize,
    pub expiring: usize,
    pub days: u32,
}

/// A lot as FEFO sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotStock {
    pub lot_id: i64,
    pub expiry_date: NaiveDate,
    pub quantity: i32,
}

/// Not enough usable stock: how much there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortage {
    pub available: i64,
}

/// First-expired-first-out: which lots a dispense of `quantity` takes, and how much from each.
/// Expired lots (expiry before `today`) are skipped; lots expiring the same day go oldest lot
/// first (the lower id, received first); a dispense larger than a lot splits across lots.
pub fn pick_lots(lots: &[LotStock], quantity: i32, today: NaiveDate) -> Result<Vec<(i64, i32)>, Shortage> {
    let mut usable: Vec<&LotStock> = lots.iter().filter(|l| l.expiry_date >= today && l.quantity > 0).collect();
    usable.sort_by_key(|l| (l.expiry_date, l.lot_id));
    let mut left = quantity;
    let mut picks = Vec::new();
    for lot in usable {
        if left == 0 {
            break;
        }
        let take = left.min(lot.quantity);
        picks.push((lot.lot_id, take));
        left -= take;
    }
    if left > 0 {
        let available = lots.iter().filter(|l| l.expiry_date >= today).map(|l| i64::from(l.quantity.max(0))).sum();
        return Err(Shortage { available });
    }
    Ok(picks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn lot(lot_id: i64, expiry_date: NaiveDate, quantity: i32) -> LotStock {
        LotStock { lot_id, expiry_date, quantity }
    }

    #[test]
    fn the_earliest_expiring_lot_goes_first() {
        let lots = [lot(1, day(30), 10), lot(2, day(20), 10), lot(3, day(25), 10)];
        assert_eq!(pick_lots(&lots, 4, day(7)), Ok(vec![(2, 4)]));
    }

    #[test]
    fn lots_expiring_the_same_day_go_in_the_order_they_came() {
        let lots = [lot(9, day(20), 10), lot(4, day(20), 10)];
        assert_eq!(pick_lots(&lots, 12, day(7)), Ok(vec![(4, 10), (9, 2)]));
    }

    #[test]
    fn expired_and_empty_lots_are_skipped() {
        let lots = [lot(1, day(6), 50), lot(2, day(10), 0), lot(3, day(7), 5), lot(4, day(31), 5)];
        // Lot 3 expires today: still usable today.
        assert_eq!(pick_lots(&lots, 6, day(7)), Ok(vec![(3, 5), (4, 1)]));
    }

    #[test]
    fn a_dispense_splits_across_lots_or_says_how_much_there_is() {
        let lots = [lot(1, day(20), 3), lot(2, day(21), 3), lot(3, day(1), 100)];
        assert_eq!(pick_lots(&lots, 6, day(7)), Ok(vec![(1, 3), (2, 3)]));
        assert_eq!(pick_lots(&lots, 7, day(7)), Err(Shortage { available: 6 }));
        assert_eq!(pick_lots(&[], 1, day(7)), Err(Shortage { available: 0 }));
    }
}
