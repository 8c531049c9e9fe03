//! Inventory use cases. Staff (the front desk and pharmacy) and admins manage stock; doctors
//! and nurses may look it up; patients and managers get 403. Every write is audited in its
//! transaction; a dispense on a prescription is audited on the patient, bills the medicine, and
//! tells the patient it is ready for pickup.

use super::db::{self, ItemRow, LedgerRow};
use super::{
    pick_lots, AlertQuery, InventoryItem, ItemDetail, ItemKind, ItemQuery, ItemUpdate, MovementKind, NewItem, NewMovement, StockAlerts,
    MAX_MOVEMENT_QUANTITY,
};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::billing::{NewInvoice, NewLine};
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::notifications::service::{self as notifications, Notice};
use crate::prescriptions::service::{take_fill, Fill};
use chrono::{Duration, NaiveDate};
use sqlx::{Connection, PgConnection, PgPool};

const KEEPERS: &[Role] = &[Role::Staff, Role::Admin];
const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Doctor, Role::Nurse];

#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, query: ItemQuery) -> AppResult<Vec<InventoryItem>> {
    actor.require_role(READERS)?;
    let words = query.q.as_deref().map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    if words.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(AppError::validation("Search with at most 100 characters."));
    }
    let words = words.map(|q| q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    db::list(conn, clinic.today(), words.as_deref(), query.kind, query.include_inactive.unwrap_or(false)).await
}

#[tracing::instrument(skip_all, fields(item_id = id))]
pub async fn get(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64) -> AppResult<ItemDetail> {
    actor.require_role(READERS)?;
    detail(conn, clinic, id).await
}

async fn detail(conn: &mut PgConnection, clinic: &Clinic, id: i64) -> AppResult<ItemDetail> {
    let item = db::find(conn, clinic.today(), id).await?.ok_or_else(|| AppError::not_found("Item"))?;
    let lots = db::lots(conn, id).await?;
    let movements = db::history(conn, id).await?;
    Ok(ItemDetail { item, lots, movements })
}

/// An item's fields checked: name and unit required and bounded, numbers in range.
struct Checked {
    name: String,
    unit: String,
    reorder_level: i32,
    price_cents: i64,
}

fn check(name: &str, unit: &str, reorder_level: i32, price_cents: i64) -> AppResult<Checked> {
    let name = crate::text::required(name, "name", 200).map_err(AppError::Validation)?;
    let unit = crate::text::required(unit, "unit", 30).map_err(AppError::Validation)?;
    if !(0..=1_000_000).contains(&reorder_level) {
        return Err(AppError::validation("The reorder level must be between 0 and 1,000,000."));
    }
    if !(0..=crate::billing::MAX_UNIT_PRICE_CENTS).contains(&price_cents) {
        return Err(AppError::validation("The price must be zero or more, and at most 1,000,000,000.00."));
    }
    Ok(Checked { name, unit, reorder_level, price_cents })
}

#[tracing::instrument(skip_all)]
pub async fn create(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, input: NewItem) -> AppResult<ItemDetail> {
    actor.require_role(KEEPERS)?;
    let checked = check(&input.name, &input.unit, input.reorder_level, input.price_cents)?;
    let currency = crate::money::parse_currency(input.currency.as_deref().unwrap_or("USD")).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    let row = ItemRow {
        name: &checked.name,
        kind: input.kind,
        unit: &checked.unit,
        reorder_level: checked.reorder_level,
        price_cents: checked.price_cents,
        currency: &currency,
        active: true,
    };
    let id = db::insert(&mut tx, &row).await?;
    audit::record(&mut tx, Entry::new("inventory.item.add").by(actor).on("inventory_item", id).detail(checked.name.clone())).await?;
    let added = detail(&mut tx, clinic, id).await?;
    tx.commit().await?;
    Ok(added)
}

#[tracing::instrument(skip_all, fields(item_id = id))]
pub async fn update(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, change: ItemUpdate) -> AppResult<ItemDetail> {
    actor.require_role(KEEPERS)?;
    let mut tx = conn.begin().await?;
    let item = db::lock(&mut tx, clinic.today(), id).await?.ok_or_else(|| AppError::not_found("Item"))?;
    let checked = check(
        change.name.as_deref().unwrap_or(&item.name),
        change.unit.as_deref().unwrap_or(&item.unit),
        change.reorder_level.unwrap_or(item.reorder_level),
        change.price_cents.unwrap_or(item.price_cents),
    )?;
    let row = ItemRow {
        name: &checked.name,
        kind: item.kind,
        unit: &checked.unit,
        reorder_level: checked.reorder_level,
        price_cents: checked.price_cents,
        currency: &item.currency,
        active: change.active.unwrap_or(item.active),
    };
    db::update(&mut tx, id, &row).await?;
    audit::record(&mut tx, Entry::new("inventory.item.update").by(actor).on("inventory_item", id)).await?;
    let changed = detail(&mut tx, clinic, id).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Removes an item: deleted when it never moved stock, deactivated otherwise (its ledger is
/// kept). Returns whether it was deleted.
#[tracing::instrument(skip_all, fields(item_id = id))]
pub async fn remove(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64) -> AppResult<bool> {
    actor.require_role(KEEPERS)?;
    let mut tx = conn.begin().await?;
    let item = db::lock(&mut tx, clinic.today(), id).await?.ok_or_else(|| AppError::not_found("Item"))?;
    let deleted = !db::has_movements(&mut tx, id).await?;
    if deleted {
        db::delete(&mut tx, id).await?;
    } else {
        db::deactivate(&mut tx, id).await?;
    }
    let action = if deleted { "inventory.item.delete" } else { "inventory.item.deactivate" };
    audit::record(&mut tx, Entry::new(action).by(actor).on("inventory_item", id).detail(item.name)).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// A movement as checked: kind, quantity as the ledger signs it, lot, reason.
struct Move {
    kind: MovementKind,
    quantity: i32,
    lot_number: Option<String>,
    reason: Option<String>,
}

fn check_movement(input: &NewMovement) -> AppResult<Move> {
    let lot_number = crate::text::optional(input.lot_number.as_deref(), "lot number", 50).map_err(AppError::Validation)?;
    let reason = crate::text::optional(input.reason.as_deref(), "reason", 500).map_err(AppError::Validation)?;
    let kind = input.kind;
    let signed_ok = if kind == MovementKind::Adjust { input.quantity != 0 } else { input.quantity > 0 };
    if !signed_ok || input.quantity.unsigned_abs() > MAX_MOVEMENT_QUANTITY as u32 {
        let what = if kind == MovementKind::Adjust { "a count up or down, not zero" } else { "a positive number" };
        return Err(AppError::validation(format!("The quantity must be {what}, at most {MAX_MOVEMENT_QUANTITY}.")));
    }
    if kind != MovementKind::Dispense && lot_number.is_none() {
        return Err(AppError::validation("Say which lot: lot_number."));
    }
    if matches!(kind, MovementKind::Adjust | MovementKind::Waste | MovementKind::Return) && reason.is_none() {
        return Err(AppError::validation("Give a reason for this movement."));
    }
    if input.prescription_id.is_some() && kind != MovementKind::Dispense {
        return Err(AppError::validation("Only a dispense names a prescription."));
    }
    if input.expiry_date.is_some() && kind != MovementKind::Receive {
        return Err(AppError::validation("Only a receipt of stock gives an expiry date."));
    }
    let quantity = match kind {
        MovementKind::Receive | MovementKind::Adjust => input.quantity,
        MovementKind::Dispense | MovementKind::Waste | MovementKind::Return => -input.quantity,
    };
    Ok(Move { kind, quantity, lot_number, reason })
}

/// Records a movement of an item's stock (staff and admins), returning the item afterwards.
/// Receive: into the named lot (new: with its expiry date). Dispense: first-expired-first-out
/// across usable lots (or the named lot), on a prescription for a medicine. Adjust, waste and
/// return: on the named lot, with a reason; an expired lot can only be wasted. A lot never
/// goes below zero: 409 (also when a concurrent dispense took the stock first).
#[tracing::instrument(skip_all, fields(item_id = item_id, kind = ?input.kind))]
pub async fn record_movement(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    item_id: i64,
    input: NewMovement,
) -> AppResult<ItemDetail> {
    actor.require_role(KEEPERS)?;
    let movement = check_movement(&input)?;
    let today = clinic.today();
    let mut tx = conn.begin().await?;
    let item = db::lock(&mut tx, today, item_id).await?.ok_or_else(|| AppError::not_found("Item"))?;
    if !item.active {
        return Err(AppError::Conflict(format!("{} is no longer stocked; reactivate it first.", item.name)));
    }
    match movement.kind {
        MovementKind::Receive => receive(&mut tx, actor, &item, &movement, input.expiry_date, today).await?,
        MovementKind::Dispense => dispense(&mut tx, clinic, actor, &item, &movement, input.prescription_id, today).await?,
        MovementKind::Adjust | MovementKind::Waste | MovementKind::Return => {
            change_lot(&mut tx, actor, &item, &movement, today).await?;
        }
    }
    let changed = detail(&mut tx, clinic, item_id).await?;
    tx.commit().await?;
    Ok(changed)
}

fn ledger_row<'a>(item: &InventoryItem, lot_id: i64, movement: &'a Move, quantity: i32, actor: &Actor) -> LedgerRow<'a> {
    LedgerRow {
        item_id: item.id,
        lot_id,
        kind: movement.kind,
        quantity,
        reason: movement.reason.as_deref(),
        prescription_id: None,
        patient_id: None,
        actor_id: actor.user_id,
    }
}

async fn receive(
    tx: &mut PgConnection,
    actor: &Actor,
    item: &InventoryItem,
    movement: &Move,
    expiry_date: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<()> {
    let lot_number = movement.lot_number.as_deref().unwrap_or_default();
    let lot_id = match db::lot_by_number(tx, item.id, lot_number).await? {
        Some((id, expiry, _)) => {
            if expiry_date.is_some_and(|given| given != expiry) {
                return Err(AppError::validation(format!("Lot {lot_number} is held already, expiring {expiry}; check the expiry date.")));
            }
            id
        }
        None => {
            let expiry = expiry_date.ok_or_else(|| AppError::validation("Give the new lot's expiry date: expiry_date."))?;
            if expiry < today {
                return Err(AppError::validation("This lot has expired already; don't receive it."));
            }
            if expiry > today + Duration::days(365 * 20) {
                return Err(AppError::validation("The expiry date is more than twenty years away; check it."));
            }
            db::insert_lot(tx, item.id, lot_number, expiry).await?
        }
    };
    db::insert_movement(tx, &ledger_row(item, lot_id, movement, movement.quantity, actor)).await?;
    audit::record(tx, Entry::new("inventory.receive").by(actor).on("inventory_item", item.id).detail(format!("lot {lot_number}"))).await
}

async fn change_lot(tx: &mut PgConnection, actor: &Actor, item: &InventoryItem, movement: &Move, today: NaiveDate) -> AppResult<()> {
    let lot_number = movement.lot_number.as_deref().unwrap_or_default();
    let (lot_id, expiry, quantity) = db::lot_by_number(tx, item.id, lot_number)
        .await?
        .ok_or_else(|| AppError::validation(format!("No lot {lot_number} of {}.", item.name)))?;
    if expiry < today && movement.kind != MovementKind::Waste {
        return Err(AppError::validation(format!("Lot {lot_number} expired on {expiry}: it can only be wasted.")));
    }
    if quantity + movement.quantity < 0 {
        return Err(AppError::Conflict(format!("Lot {lot_number} holds {quantity} {}; it can't lose {}.", item.unit, -movement.quantity)));
    }
    db::insert_movement(tx, &ledger_row(item, lot_id, movement, movement.quantity, actor)).await?;
    let action = format!("inventory.{}", format!("{:?}", movement.kind).to_lowercase());
    audit::record(tx, Entry::new(action).by(actor).on("inventory_item", item.id).detail(format!("lot {lot_number}"))).await
}

async fn dispense(
    tx: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    item: &InventoryItem,
    movement: &Move,
    prescription_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<()> {
    let fill = match prescription_id {
        Some(id) => Some(take_fill(tx, id).await?),
        None if item.kind == ItemKind::Medicine => {
            return Err(AppError::validation("A medicine is dispensed on a prescription: prescription_id."));
        }
        None => None,
    };
    let wanted = -movement.quantity;
    let mut lots = db::lock_lots(tx, item.id).await?;
    if let Some(number) = &movement.lot_number {
        let (lot_id, expiry, _) = db::lot_by_number(tx, item.id, number)
            .await?
            .ok_or_else(|| AppError::validation(format!("No lot {number} of {}.", item.name)))?;
        if expiry < today {
            return Err(AppError::validation(format!("Lot {number} expired on {expiry}: it can only be wasted.")));
        }
        lots.retain(|l| l.lot_id == lot_id);
    }
    let picks = pick_lots(&lots, wanted, today).map_err(|short| {
        AppError::Conflict(format!("Not enough {} in stock: {} {} usable, {wanted} wanted.", item.name, short.available, item.unit))
    })?;
    let patient_id = fill.as_ref().map(|f| f.prescription.patient_id);
    let mut ids = Vec::with_capacity(picks.len());
    for (lot_id, take) in picks {
        let row = LedgerRow { prescription_id, patient_id, ..ledger_row(item, lot_id, movement, -take, actor) };
        ids.push(db::insert_movement(tx, &row).await?);
    }
    let mut entry = Entry::new("pharmacy.dispense").by(actor).on("inventory_item", item.id).detail(format!("{wanted} {}", item.unit));
    if let Some(patient_id) = patient_id {
        entry = entry.patient(patient_id);
    }
    audit::record(tx, entry).await?;
    if let Some(fill) = fill {
        bill_and_tell(tx, clinic, actor, item, wanted, &fill, &ids).await?;
    }
    Ok(())
}

/// The medicine goes on the patient's bill (when it has a price), and the patient is told it
/// is ready for pickup.
async fn bill_and_tell(
    tx: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    item: &InventoryItem,
    quantity: i32,
    fill: &Fill,
    movement_ids: &[i64],
) -> AppResult<()> {
    let prescription = &fill.prescription;
    if item.price_cents > 0 {
        let line = NewLine { description: format!("{} ({})", item.name, prescription.dose), quantity, unit_price_cents: item.price_cents };
        let bill = NewInvoice {
            patient_id: prescription.patient_id,
            lines: vec![line],
            currency: item.currency.clone(),
            appointment_id: None,
            draft: false,
        };
        let invoice = crate::billing::service::create(tx, clinic, actor, bill).await?;
        db::link_invoice(tx, movement_ids, invoice.id).await?;
    }
    let Some(patient_user) = crate::patients::access::user_of_patient(tx, prescription.patient_id).await? else { return Ok(()) };
    let notice = Notice {
        user_id: patient_user,
        title: "Ready for pickup".into(),
        body: format!("Your {} is ready for pickup at the pharmacy.", prescription.drug),
        link: Some("/medications".into()),
    };
    notifications::send(tx, &clinic.public_url, &[notice]).await
}

/// What the staff dashboard warns of: items at or below their reorder level, and lots that
/// expire within `days` (the clinic's setting by default) or have expired.
#[tracing::instrument(skip_all)]
pub async fn alerts(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, query: AlertQuery) -> AppResult<StockAlerts> {
    actor.require_role(READERS)?;
    let days = query.days.unwrap_or(clinic.expiry_alert_days);
    if !(1..=365).contains(&days) {
        return Err(AppError::validation("days must be between 1 and 365."));
    }
    current_alerts(conn, clinic, days).await
}

async fn current_alerts(conn: &mut PgConnection, clinic: &Clinic, days: u32) -> AppResult<StockAlerts> {
    let today = clinic.today();
    let low_stock = db::low_stock(conn, today).await?;
    let expiring = db::expiring(conn, today + Duration::days(i64::from(days))).await?;
    Ok(StockAlerts { days, low_stock, expiring })
}

/// Tells the pharmacy (staff and admins) of each new alert once: an item falling to its reorder
/// level, a lot coming within the expiry window. An alert that clears (restocked, lot used up)
/// is forgotten, so that it is sent again if it returns. Returns how many alerts were new.
#[tracing::instrument(skip_all)]
pub async fn send_alerts(pool: &PgPool, clinic: &Clinic) -> AppResult<usize> {
    let mut tx = pool.begin().await?;
    // One sender at a time, across server processes.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('inventory_alerts'))").execute(&mut *tx).await?;
    let alerts = current_alerts(&mut tx, clinic, clinic.expiry_alert_days).await?;
    let mut messages: Vec<(String, String)> = Vec::new();
    for item in &alerts.low_stock {
        let body = format!("{} is down to {} {} (reorder level {}).", item.name, item.usable_quantity, item.unit, item.reorder_level);
        messages.push((format!("low:{}", item.id), body));
    }
    for lot in &alerts.expiring {
        let body = format!("Lot {} of {} ({} left) expires on {}.", lot.lot_number, lot.item_name, lot.quantity, lot.expiry_date);
        messages.push((format!("expiring:{}", lot.lot_id), body));
    }
    let keys: Vec<String> = messages.iter().map(|(key, _)| key.clone()).collect();
    db::forget_cleared_alerts(&mut tx, &keys).await?;
    let new = db::mark_alerts_sent(&mut tx, &keys).await?;
    let users = db::pharmacy_users(&mut tx).await?;
    let notices: Vec<Notice> = messages
        .iter()
        .filter(|(key, _)| new.contains(key))
        .flat_map(|(key, body)| {
            let title = if key.starts_with("low:") { "Stock low" } else { "Stock expiring" };
            users.iter().map(move |&user_id| Notice { user_id, title: title.into(), body: body.clone(), link: Some("/pharmacy".into()) })
        })
        .collect();
    if !notices.is_empty() {
        notifications::send(&mut tx, &clinic.public_url, &notices).await?;
    }
    tx.commit().await?;
    Ok(new.len())
}

/// The stocked medicine a prescription's drug names, if one matches (the dispensing page's
/// suggestion; the pharmacist may pick another).
#[tracing::instrument(skip_all)]
pub async fn stocked_medicine(conn: &mut PgConnection, clinic: &Clinic, drug: &str) -> AppResult<Option<InventoryItem>> {
    match db::item_for_drug(conn, drug).await? {
        Some(id) => db::find(conn, clinic.today(), id).await,
        None => Ok(None),
    }
}
