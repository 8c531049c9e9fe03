//! Queries of the inventory and its ledger.

use super::{ExpiringLot, InventoryItem, ItemKind, Lot, LotStock, MovementKind, StockMovement};
use crate::error::{conflict_on, AppResult};
use chrono::NaiveDate;
use sqlx::PgConnection;

/// At most this many items in one list, and movements in an item's history.
pub const LIST_LIMIT: i64 = 200;
pub const HISTORY_LIMIT: i64 = 100;

/// An item with its stock; `$today` is the clinic's today (lots expiring today still count).
const ITEM_COLUMNS: &str = "i.id, i.name, i.kind, i.unit, i.reorder_level, i.price_cents, i.currency, i.active,
        coalesce((SELECT sum(l.quantity) FROM inventory_lots l WHERE l.item_id = i.id), 0)::bigint AS quantity_on_hand,
        coalesce((SELECT sum(l.quantity) FROM inventory_lots l WHERE l.item_id = i.id AND l.expiry_date >= $1), 0)::bigint AS usable_quantity,
        (SELECT min(l.expiry_date) FROM inventory_lots l WHERE l.item_id = i.id AND l.quantity > 0) AS next_expiry
   FROM inventory_items i";

pub async fn list(
    conn: &mut PgConnection,
    today: NaiveDate,
    words: Option<&str>,
    kind: Option<ItemKind>,
    include_inactive: bool,
) -> AppResult<Vec<InventoryItem>> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS}
          WHERE ($2::text IS NULL OR lower(i.name) LIKE '%' || $2 || '%')
            AND ($3::inventory_item_kind IS NULL OR i.kind = $3) AND (i.active OR $4)
          ORDER BY i.active DESC, lower(i.name), i.id LIMIT $5"
    );
    Ok(sqlx::query_as(&sql).bind(today).bind(words).bind(kind).bind(include_inactive).bind(LIST_LIMIT).fetch_all(conn).await?)
}

pub async fn find(conn: &mut PgConnection, today: NaiveDate, id: i64) -> AppResult<Option<InventoryItem>> {
    let sql = format!("SELECT {ITEM_COLUMNS} WHERE i.id = $2");
    Ok(sqlx::query_as(&sql).bind(today).bind(id).fetch_optional(conn).await?)
}

/// The item, locked (its lots' changes go one at a time).
pub async fn lock(conn: &mut PgConnection, today: NaiveDate, id: i64) -> AppResult<Option<InventoryItem>> {
    sqlx::query("SELECT 1 FROM inventory_items WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *conn).await?;
    find(conn, today, id).await
}

/// Active items at or below their reorder level, in usable stock.
pub async fn low_stock(conn: &mut PgConnection, today: NaiveDate) -> AppResult<Vec<InventoryItem>> {
    let sql = format!(
        "SELECT * FROM (SELECT {ITEM_COLUMNS} WHERE i.active) s WHERE s.usable_quantity <= s.reorder_level ORDER BY lower(s.name), s.id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql).bind(today).bind(LIST_LIMIT).fetch_all(conn).await?)
}

/// Lots holding stock of active items that expire before `until` (expired ones included).
pub async fn expiring(conn: &mut PgConnection, until: NaiveDate) -> AppResult<Vec<ExpiringLot>> {
    Ok(sqlx::query_as(
        "SELECT i.id AS item_id, i.name AS item_name, l.id AS lot_id, l.lot_number, l.expiry_date, l.quantity
           FROM inventory_lots l JOIN inventory_items i ON i.id = l.item_id
          WHERE l.quantity > 0 AND l.expiry_date <= $1 AND i.active
          ORDER BY l.expiry_date, l.id LIMIT $2",
    )
    .bind(until)
    .bind(LIST_LIMIT)
    .fetch_all(conn)
    .await?)
}

const ONE_NAME: &str = "An active item of this name exists already.";

pub struct ItemRow<'a> {
    pub name: &'a str,
    pub kind: ItemKind,
    pub unit: &'a str,
    pub reorder_level: i32,
    pub price_cents: i64,
    pub currency: &'a str,
    pub active: bool,
}

pub async fn insert(conn: &mut PgConnection, item: &ItemRow<'_>) -> AppResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO inventory_items (name, kind, unit, reorder_level, price_cents, currency, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(item.name)
    .bind(item.kind)
    .bind(item.unit)
    .bind(item.reorder_level)
    .bind(item.price_cents)
    .bind(item.currency)
    .bind(item.active)
    .fetch_one(conn)
    .await
    .map_err(conflict_on("inventory_items_active_name", ONE_NAME))
}

pub async fn update(conn: &mut PgConnection, id: i64, item: &ItemRow<'_>) -> AppResult<()> {
    sqlx::query("UPDATE inventory_items SET name = $2, unit = $3, reorder_level = $4, price_cents = $5, active = $6 WHERE id = $1")
        .bind(id)
        .bind(item.name)
        .bind(item.unit)
        .bind(item.reorder_level)
        .bind(item.price_cents)
        .bind(item.active)
        .execute(conn)
        .await
        .map_err(conflict_on("inventory_items_active_name", ONE_NAME))?;
    Ok(())
}

pub async fn deactivate(conn: &mut PgConnection, id: i64) -> AppResult<()> {
    sqlx::query("UPDATE inventory_items SET active = false WHERE id = $1 AND active").bind(id).execute(conn).await?;
    Ok(())
}

pub async fn has_movements(conn: &mut PgConnection, id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inventory_movements WHERE item_id = $1)").bind(id).fetch_one(conn).await?)
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM inventory_items WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// The item's lots holding stock, first to expire first.
pub async fn lots(conn: &mut PgConnection, item_id: i64) -> AppResult<Vec<Lot>> {
    Ok(sqlx::query_as(
        "SELECT id, lot_number, expiry_date, quantity, received_at FROM inventory_lots
          WHERE item_id = $1 AND quantity > 0 ORDER BY expiry_date, id",
    )
    .bind(item_id)
    .fetch_all(conn)
    .await?)
}

/// Every lot of the item holding stock, locked (the caller holds the item's lock too).
pub async fn lock_lots(conn: &mut PgConnection, item_id: i64) -> AppResult<Vec<LotStock>> {
    let rows: Vec<(i64, NaiveDate, i32)> = sqlx::query_as(
        "SELECT id, expiry_date, quantity FROM inventory_lots WHERE item_id = $1 AND quantity > 0 ORDER BY expiry_date, id FOR UPDATE",
    )
    .bind(item_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(lot_id, expiry_date, quantity)| LotStock { lot_id, expiry_date, quantity }).collect())
}

/// A lot of the item by its number: (id, expiry, quantity).
pub async fn lot_by_number(conn: &mut PgConnection, item_id: i64, lot_number: &str) -> AppResult<Option<(i64, NaiveDate, i32)>> {
    Ok(sqlx::query_as("SELECT id, expiry_date, quantity FROM inventory_lots WHERE item_id = $1 AND lot_number = $2 FOR UPDATE")
        .bind(item_id)
        .bind(lot_number)
        .fetch_optional(conn)
        .await?)
}

/// A new, empty lot (a receive fills it); an existing number is the caller's to check first.
pub async fn insert_lot(conn: &mut PgConnection, item_id: i64, lot_number: &str, expiry_date: NaiveDate) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO inventory_lots (item_id, lot_number, expiry_date) VALUES ($1, $2, $3)
         ON CONFLICT (item_id, lot_number) DO UPDATE SET lot_number = EXCLUDED.lot_number RETURNING id",
    )
    .bind(item_id)
    .bind(lot_number)
    .bind(expiry_date)
    .fetch_one(conn)
    .await?)
}

/// One ledger row; the trigger moves the lot. A lot going below zero is a 409.
pub struct LedgerRow<'a> {
    pub item_id: i64,
    pub lot_id: i64,
    pub kind: MovementKind,
    pub quantity: i32,
    pub reason: Option<&'a str>,
    pub prescription_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub actor_id: i64,
}

const NOT_ENOUGH: &str = "Not enough stock in that lot (someone may have taken it a moment ago).";

pub async fn insert_movement(conn: &mut PgConnection, row: &LedgerRow<'_>) -> AppResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO inventory_movements (item_id, lot_id, kind, quantity, reason, prescription_id, patient_id, actor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(row.item_id)
    .bind(row.lot_id)
    .bind(row.kind)
    .bind(row.quantity)
    .bind(row.reason)
    .bind(row.prescription_id)
    .bind(row.patient_id)
    .bind(row.actor_id)
    .fetch_one(conn)
    .await
    .map_err(conflict_on("inventory_lots_never_negative", NOT_ENOUGH))
}

/// The ledger's rows of a dispense name the invoice that billed it (set once, after billing).
pub async fn link_invoice(conn: &mut PgConnection, movement_ids: &[i64], invoice_id: i64) -> AppResult<()> {
    sqlx::query("UPDATE inventory_movements SET invoice_id = $2 WHERE id = ANY($1)")
        .bind(movement_ids)
        .bind(invoice_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The item's latest movements, newest first.
pub async fn history(conn: &mut PgConnection, item_id: i64) -> AppResult<Vec<StockMovement>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.item_id, l.lot_number, m.kind, m.quantity, m.reason, m.prescription_id, m.patient_id, m.invoice_id,
                u.name AS actor_name, m.created_at
           FROM inventory_movements m JOIN inventory_lots l ON l.id = m.lot_id LEFT JOIN users u ON u.id = m.actor_id
          WHERE m.item_id = $1 ORDER BY m.id DESC LIMIT $2",
    )
    .bind(item_id)
    .bind(HISTORY_LIMIT)
    .fetch_all(conn)
    .await?)
}

/// The medicine the pharmacy stocks under the prescription's drug name, if one matches: the
/// active item whose name the drug starts with or equals (case aside).
pub async fn item_for_drug(conn: &mut PgConnection, drug: &str) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM inventory_items WHERE active AND kind = 'medicine'
            AND (lower(name) = lower($1) OR lower(name) LIKE lower($1) || ' %' OR lower($1) LIKE lower(name) || ' %')
          ORDER BY lower(name) = lower($1) DESC, id LIMIT 1",
    )
    .bind(drug)
    .fetch_optional(conn)
    .await?)
}

/// Alerts sent already: each key once, until it clears.
pub async fn mark_alerts_sent(conn: &mut PgConnection, keys: &[String]) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar("INSERT INTO inventory_alerts_sent (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING key")
        .bind(keys)
        .fetch_all(&mut *conn)
        .await?)
}

/// Forgets the alerts that cleared, so that they are sent again if they come back.
pub async fn forget_cleared_alerts(conn: &mut PgConnection, current: &[String]) -> AppResult<()> {
    sqlx::query("DELETE FROM inventory_alerts_sent WHERE NOT (key = ANY($1))").bind(current).execute(conn).await?;
    Ok(())
}

/// The accounts that run the pharmacy: active staff and admins.
pub async fn pharmacy_users(conn: &mut PgConnection) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE role IN ('staff', 'admin') AND active ORDER BY id").fetch_all(conn).await?)
}
