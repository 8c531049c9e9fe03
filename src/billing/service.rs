//! Billing use cases, shared by the portal's server functions and the REST API.
//!
//! Who handles what: a patient sees their own invoices and pays them online; the desk (staff)
//! and admins see every invoice, bill services, record payments at the desk, refund, credit and
//! void. Managers read the reports only, and doctors and nurses don't handle money: 403. A
//! patient asking for someone else's invoice gets a concealed (audited) 404. The desk's reads
//! are audited on the patient and named in "Who viewed my record".

use super::db::{self, Filter, InvoiceHeader, InvoiceRow, Movement, NewMovement, StatusFilter, PER_PAGE};
use super::provider::{ChargeError, Payments};
use super::{
    invoice_number, parse_amount, parse_lines, Invoice, InvoicePage, InvoiceQuery, InvoiceState, InvoiceStatus, InvoiceUpdate,
    NewCreditNote, NewInvoice, NewLine, NewPayment, NewRefund, PaymentKind, PaymentMethod, Receipt, MAX_REASON_CHARS, MAX_REFERENCE_CHARS,
};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::money::{parse_currency, Money};
use crate::notifications::service::{self as notifications, Notice};
use crate::patients::access::patient_id_of_user;
use sqlx::{Connection, PgConnection};

/// The caller's part in billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Party {
    /// A patient (`patients.id`): their own invoices.
    Patient(i64),
    /// Staff and admins: every invoice.
    Desk,
}

pub(super) async fn party(conn: &mut PgConnection, actor: &Actor) -> AppResult<Party> {
    match actor.role {
        Role::Patient => Ok(Party::Patient(patient_id_of_user(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Patient"))?)),
        Role::Staff | Role::Admin => Ok(Party::Desk),
        Role::Manager => Err(AppError::Forbidden("Managers see billing through the revenue reports.".into())),
        Role::Doctor | Role::Nurse => Err(AppError::Forbidden("Bills are handled by the front desk.".into())),
    }
}

/// The desk only (staff, admins).
pub(super) async fn desk(conn: &mut PgConnection, actor: &Actor) -> AppResult<()> {
    match party(conn, actor).await? {
        Party::Desk => Ok(()),
        Party::Patient(_) => Err(AppError::Forbidden("The front desk does this.".into())),
    }
}

/// The invoice, if the caller may see it (locked for the transaction when `lock`).
pub(super) async fn visible(conn: &mut PgConnection, party: Party, id: i64, lock: bool) -> AppResult<InvoiceRow> {
    let row = if lock { db::lock(conn, id).await? } else { db::find(conn, id).await? };
    let row = row.ok_or_else(|| AppError::not_found("Invoice"))?;
    match party {
        Party::Patient(patient) if row.patient_id != patient => Err(AppError::concealed("Invoice")),
        _ => Ok(row),
    }
}

/// One audit entry per patient whose bills the desk was shown.
async fn audit_reads(conn: &mut PgConnection, actor: &Actor, party: Party, invoices: &[Invoice]) -> AppResult<()> {
    if party != Party::Desk {
        return Ok(());
    }
    audit::record_per_patient(conn, actor, "billing.view", invoices.iter().map(|i| i.patient_id)).await
}

async fn load(conn: &mut PgConnection, id: i64) -> AppResult<Invoice> {
    let row = db::find(conn, id).await?.ok_or_else(|| AppError::not_found("Invoice"))?;
    Ok(db::complete(conn, vec![row]).await?.remove(0))
}

fn parse_status_filter(raw: Option<&str>) -> AppResult<Option<StatusFilter>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some("outstanding") => Ok(Some(StatusFilter::Outstanding)),
        Some(other) => InvoiceStatus::parse(other)
            .map(|s| Some(StatusFilter::Is(s)))
            .ok_or_else(|| AppError::validation("status must be draft, issued, partially_paid, paid, void or outstanding.")),
    }
}

/// A page of invoices, newest first: a patient's own; every invoice (or one patient's) for
/// the desk; with what they owe altogether.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, actor: &Actor, query: InvoiceQuery) -> AppResult<InvoicePage> {
    let page = crate::paging::page_number(query.page, 1)?;
    let status = parse_status_filter(query.status.as_deref())?;
    let mut tx = conn.begin().await?;
    let party = party(&mut tx, actor).await?;
    let patient_id = match party {
        Party::Patient(own) => Some(own),
        Party::Desk => query.patient_id,
    };
    let filter = Filter { patient_id, status };
    let rows = db::list(&mut tx, filter, crate::paging::offset(page, 1, PER_PAGE)).await?;
    let invoices = db::complete(&mut tx, rows).await?;
    let (total, outstanding) = db::count_and_outstanding(&mut tx, filter).await?;
    audit_reads(&mut tx, actor, party, &invoices).await?;
    tx.commit().await?;
    Ok(InvoicePage { invoices, page, per_page: PER_PAGE, total, outstanding })
}

/// What is owed, by currency: a patient's own bills, or every bill for the desk. Sums only,
/// no patient's details, so not a read of anyone's record.
#[tracing::instrument(skip_all)]
pub async fn outstanding(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<super::Outstanding>> {
    let patient_id = match party(conn, actor).await? {
        Party::Patient(own) => Some(own),
        Party::Desk => None,
    };
    let filter = Filter { patient_id, status: Some(StatusFilter::Outstanding) };
    Ok(db::count_and_outstanding(conn, filter).await?.1)
}

/// One invoice with its lines, payments and credit notes.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn get(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<Invoice> {
    let mut tx = conn.begin().await?;
    let party = party(&mut tx, actor).await?;
    let row = visible(&mut tx, party, id, false).await?;
    let invoice = db::complete(&mut tx, vec![row]).await?.remove(0);
    audit_reads(&mut tx, actor, party, std::slice::from_ref(&invoice)).await?;
    tx.commit().await?;
    Ok(invoice)
}

/// Lines checked and turned into rows: (description, quantity, unit price).
fn line_rows(lines: &[NewLine], currency: &str) -> AppResult<(Vec<db::LineRow>, Money)> {
    let (descriptions, total) = parse_lines(lines, currency).map_err(AppError::Validation)?;
    let rows = descriptions.into_iter().zip(lines).map(|(d, l)| (d, l.quantity, l.unit_price_cents)).collect();
    Ok((rows, total))
}

/// The desk bills a patient for a service (issued at once, or kept as a draft). With an
/// `appointment_id`, the visit must be the patient's and completed, and not billed yet (409).
#[tracing::instrument(skip_all, fields(patient_id = input.patient_id))]
pub async fn create(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, input: NewInvoice) -> AppResult<Invoice> {
    let currency = parse_currency(&input.currency).map_err(AppError::Validation)?;
    let (lines, _) = line_rows(&input.lines, &currency)?;
    let mut tx = conn.begin().await?;
    desk(&mut tx, actor).await?;
    let patient_user_id = crate::patients::access::user_of_patient(&mut tx, input.patient_id)
        .await?
        .ok_or_else(|| AppError::validation("patient_id is not a registered patient."))?;
    let doctor_id = match input.appointment_id {
        None => None,
        Some(appointment_id) => {
            let visit = db::billable_visit(&mut tx, appointment_id).await?;
            match visit {
                Some(v) if v.patient_id == input.patient_id && v.completed => Some(v.doctor_id),
                _ => return Err(AppError::validation("appointment_id is not a completed visit of this patient.")),
            }
        }
    };
    let state = if input.draft { InvoiceState::Draft } else { InvoiceState::Issued };
    let header = InvoiceHeader {
        patient_id: input.patient_id,
        appointment_id: input.appointment_id,
        doctor_id,
        currency: &currency,
        state,
        created_by: Some(actor.user_id),
    };
    let id = db::insert(&mut tx, &header).await?;
    db::replace_lines(&mut tx, id, input.patient_id, &lines).await?;
    audit::record(&mut tx, Entry::new("billing.invoice.create").by(actor).on("invoice", id).patient(input.patient_id)).await?;
    let invoice = load(&mut tx, id).await?;
    if state == InvoiceState::Issued {
        tell_patient_of_bill(&mut tx, clinic, patient_user_id, &invoice).await?;
    }
    tx.commit().await?;
    Ok(invoice)
}

async fn tell_patient_of_bill(conn: &mut PgConnection, clinic: &Clinic, patient_user_id: i64, invoice: &Invoice) -> AppResult<()> {
    let body = format!("Bill {} for {}: {}. You can pay it online in Bills.", invoice.number, invoice.summary(), invoice.total());
    tell_patient(conn, clinic, patient_user_id, "New bill", body, format!("/billing/{}", invoice.id)).await
}

/// Bills a completed visit's consultation fee, in the caller's transaction (the one that
/// completes it). A visit without a fee, or already billed, gets no new invoice.
#[tracing::instrument(skip_all, fields(appointment_id = appointment_id))]
pub async fn bill_visit(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, appointment_id: i64) -> AppResult<Option<i64>> {
    let Some(visit) = db::billable_visit(conn, appointment_id).await? else { return Ok(None) };
    if visit.fee_cents == 0 {
        return Ok(None);
    }
    if db::invoice_of_visit(conn, appointment_id).await?.is_some() {
        return Ok(None);
    }
    let header = InvoiceHeader {
        patient_id: visit.patient_id,
        appointment_id: Some(appointment_id),
        doctor_id: Some(visit.doctor_id),
        currency: &visit.currency,
        state: InvoiceState::Issued,
        created_by: None,
    };
    let id = db::insert(conn, &header).await?;
    let date = visit.starts_at.with_timezone(&clinic.timezone).format("%-d %b %Y");
    let description = format!("Consultation with {} ({}), {date}", visit.doctor_name, visit.specialization);
    db::replace_lines(conn, id, visit.patient_id, &[(description, 1, visit.fee_cents)]).await?;
    audit::record(conn, Entry::new("billing.invoice.create").by(actor).on("invoice", id).patient(visit.patient_id)).await?;
    let invoice = load(conn, id).await?;
    tell_patient_of_bill(conn, clinic, visit.patient_user_id, &invoice).await?;
    Ok(Some(id))
}

/// The desk edits a draft's lines, issues a draft, or voids an invoice (with a reason, once
/// no money is held on it). An issued invoice's lines are never edited (409): it is voided or
/// credited instead.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn update(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, change: InvoiceUpdate) -> AppResult<Invoice> {
    enum To {
        Issued,
        Void(String),
    }
    let to = match change.status.as_deref().map(str::trim) {
        None => None,
        Some("issued") => Some(To::Issued),
        Some("void") => {
            let reason = crate::text::optional(change.reason.as_deref(), "reason", MAX_REASON_CHARS)
                .map_err(AppError::Validation)?
                .ok_or_else(|| AppError::validation("Give a reason for voiding the invoice."))?;
            Some(To::Void(reason))
        }
        Some(_) => return Err(AppError::validation("status must be issued or void.")),
    };
    if change.lines.is_none() && to.is_none() {
        return Err(AppError::validation("Send new lines for a draft, or a status (issued or void)."));
    }
    let mut tx = conn.begin().await?;
    desk(&mut tx, actor).await?;
    let row = visible(&mut tx, Party::Desk, id, true).await?;
    if let Some(lines) = &change.lines {
        if row.state != InvoiceState::Draft {
            return Err(AppError::Conflict("An issued invoice is not edited: void it and bill again, or add a credit note.".into()));
        }
        let (lines, _) = line_rows(lines, &row.currency)?;
        db::replace_lines(&mut tx, id, row.patient_id, &lines).await?;
        audit::record(&mut tx, Entry::new("billing.invoice.edit").by(actor).on("invoice", id).patient(row.patient_id)).await?;
    }
    match to {
        None => {}
        Some(To::Issued) => {
            if !db::issue(&mut tx, id).await? {
                return Err(AppError::Conflict(format!("This invoice is already {}.", row.status().label().to_lowercase())));
            }
            audit::record(&mut tx, Entry::new("billing.invoice.issue").by(actor).on("invoice", id).patient(row.patient_id)).await?;
            let invoice = load(&mut tx, id).await?;
            tell_patient_of_bill(&mut tx, clinic, row.patient_user_id, &invoice).await?;
        }
        Some(To::Void(reason)) => {
            if !db::void(&mut tx, id, &reason).await? {
                return Err(AppError::Conflict("This invoice is already void.".into()));
            }
            audit::record(
                &mut tx,
                Entry::new("billing.invoice.void").by(actor).on("invoice", id).patient(row.patient_id).detail(reason.clone()),
            )
            .await?;
            if row.state == InvoiceState::Issued {
                let body = format!("Bill {} was cancelled: {reason}", invoice_number(id));
                tell_patient(&mut tx, clinic, row.patient_user_id, "Bill cancelled", body, format!("/billing/{id}")).await?;
            }
        }
    }
    let invoice = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(invoice)
}

/// A notice to the invoice's patient about their bill.
pub(super) async fn tell_patient(
    conn: &mut PgConnection,
    clinic: &Clinic,
    patient_user_id: i64,
    title: &str,
    body: String,
    link: String,
) -> AppResult<()> {
    let notice = Notice { user_id: patient_user_id, title: title.into(), body, link: Some(link) };
    notifications::send(conn, &clinic.public_url, &[notice]).await
}

fn reference(raw: Option<&str>) -> AppResult<Option<String>> {
    crate::text::optional(raw, "reference", MAX_REFERENCE_CHARS).map_err(AppError::Validation)
}

/// Refused before anything moves: the invoice must be issued and owe at least `amount`.
pub(super) fn check_payable(row: &InvoiceRow, amount_cents: i64) -> AppResult<()> {
    match row.state {
        InvoiceState::Draft => return Err(AppError::Conflict("This invoice is a draft: it isn't owed yet.".into())),
        InvoiceState::Void => return Err(AppError::Conflict("This invoice is void.".into())),
        InvoiceState::Issued => {}
    }
    let balance = row.totals().balance_cents();
    if balance == 0 {
        return Err(AppError::Conflict("This invoice is paid.".into()));
    }
    if amount_cents > balance {
        return Err(AppError::validation(format!("The amount is more than the balance of {}.", Money::new(balance, row.currency.clone()))));
    }
    Ok(())
}

/// Money in: the patient online (a card, charged through the payment provider), or the desk
/// recording what it received. Positive and at most the balance (422); of concurrent
/// payments, those that would together pass the balance are refused by the database.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn pay(
    conn: &mut PgConnection,
    clinic: &Clinic,
    payments: &Payments,
    actor: &Actor,
    id: i64,
    input: NewPayment,
) -> AppResult<Receipt> {
    let amount_cents = parse_amount(input.amount_cents, "amount").map_err(AppError::Validation)?;
    let reference = reference(input.reference.as_deref())?;
    let mut tx = conn.begin().await?;
    let party = party(&mut tx, actor).await?;
    let online = match party {
        Party::Patient(_) => {
            if input.method != PaymentMethod::Card {
                return Err(AppError::validation("Online payments are by card; pay cash, transfers or insurance at the desk."));
            }
            true
        }
        Party::Desk if input.card_token.is_some() => {
            return Err(AppError::validation("The desk records card payments from its terminal: send a reference, not a card."))
        }
        Party::Desk => false,
    };
    let row = visible(&mut tx, party, id, true).await?;
    check_payable(&row, amount_cents)?;
    let amount = Money::new(amount_cents, row.currency.clone());
    // The provider charges while the invoice is locked, so nobody else pays it meanwhile; a
    // charge whose payment can't be recorded after all is given back.
    let charge = if online {
        let token = input.card_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let token = token.ok_or_else(|| AppError::validation("Enter your card number."))?;
        match payments.0.charge(&amount, token, &invoice_number(id)).await {
            Ok(charge) => Some(charge),
            Err(ChargeError::Unavailable) => return Err(AppError::Unavailable(anyhow::anyhow!("payment provider unavailable"))),
            Err(declined) => {
                audit::record(&mut tx, Entry::new("billing.payment.declined").by(actor).on("invoice", id).patient(row.patient_id)).await?;
                tx.commit().await?;
                return Err(AppError::validation(declined.to_string()));
            }
        }
    } else {
        None
    };
    let recorded =
        record_payment(&mut tx, actor, &row, amount_cents, input.method, charge.as_ref().map_or(reference, |c| Some(c.id.clone())), online)
            .await;
    let payment_id = match recorded {
        Ok(payment_id) => payment_id,
        Err(err) => {
            if let Some(charge) = &charge {
                cancel_charge(payments, charge).await;
            }
            return Err(err);
        }
    };
    if !online {
        let body = format!("We received {amount} for bill {}. Your receipt is {}.", invoice_number(id), super::receipt_number(payment_id));
        tell_patient(&mut tx, clinic, row.patient_user_id, "Payment received", body, format!("/receipts/{payment_id}")).await?;
    }
    let receipt = receipt_of(&mut tx, payment_id).await?;
    if let Err(err) = tx.commit().await {
        if let Some(charge) = &charge {
            cancel_charge(payments, charge).await;
        }
        return Err(err.into());
    }
    Ok(receipt)
}

pub(super) async fn record_payment(
    tx: &mut PgConnection,
    actor: &Actor,
    row: &InvoiceRow,
    amount_cents: i64,
    method: PaymentMethod,
    reference: Option<String>,
    online: bool,
) -> AppResult<i64> {
    if !db::add_to_totals(tx, row.id, Movement::Payment, amount_cents).await? {
        return Err(AppError::Conflict("This invoice can no longer be paid.".into()));
    }
    let movement = NewMovement {
        invoice_id: row.id,
        patient_id: row.patient_id,
        kind: PaymentKind::Payment,
        method,
        amount_cents,
        currency: &row.currency,
        reference: reference.as_deref(),
        online,
        reason: None,
        recorded_by: actor.user_id,
    };
    let payment_id = db::insert_payment(tx, &movement).await?;
    let entry = Entry::new("billing.payment").by(actor).on("payment", payment_id).patient(row.patient_id).detail(format!(
        "{} by {}",
        Money::new(amount_cents, row.currency.clone()),
        method.as_str()
    ));
    audit::record(tx, entry).await?;
    Ok(payment_id)
}

async fn cancel_charge(payments: &Payments, charge: &super::provider::Charge) {
    if let Err(err) = payments.0.cancel(charge).await {
        tracing::error!(charge = %charge.id, provider = payments.0.name(), error = %err, "a charge that was not recorded could not be cancelled");
    }
}

/// The desk gives money back: its own movement (never a negative payment), at most what was
/// paid and not yet refunded, with a reason.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn refund(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, input: NewRefund) -> AppResult<Receipt> {
    let amount_cents = parse_amount(input.amount_cents, "refund").map_err(AppError::Validation)?;
    let reason = crate::text::required(&input.reason, "reason", MAX_REASON_CHARS).map_err(AppError::Validation)?;
    let reference = reference(input.reference.as_deref())?;
    let mut tx = conn.begin().await?;
    desk(&mut tx, actor).await?;
    let row = visible(&mut tx, Party::Desk, id, true).await?;
    if row.state != InvoiceState::Issued {
        return Err(AppError::Conflict("Only money paid on an issued invoice can be refunded.".into()));
    }
    let refundable = row.totals().net_paid_cents();
    if amount_cents > refundable {
        return Err(AppError::validation(format!(
            "A refund can't be more than what was paid: {}.",
            Money::new(refundable, row.currency.clone())
        )));
    }
    if !db::add_to_totals(&mut tx, id, Movement::Refund, amount_cents).await? {
        return Err(AppError::Conflict("This invoice can no longer be refunded.".into()));
    }
    let movement = NewMovement {
        invoice_id: id,
        patient_id: row.patient_id,
        kind: PaymentKind::Refund,
        method: input.method,
        amount_cents,
        currency: &row.currency,
        reference: reference.as_deref(),
        online: false,
        reason: Some(&reason),
        recorded_by: actor.user_id,
    };
    let payment_id = db::insert_payment(&mut tx, &movement).await?;
    let amount = Money::new(amount_cents, row.currency.clone());
    audit::record(
        &mut tx,
        Entry::new("billing.refund").by(actor).on("payment", payment_id).patient(row.patient_id).detail(format!("{amount}: {reason}")),
    )
    .await?;
    let body = format!("{amount} of bill {} was refunded to you: {reason}", invoice_number(id));
    tell_patient(&mut tx, clinic, row.patient_user_id, "Refund", body, format!("/receipts/{payment_id}")).await?;
    let receipt = receipt_of(&mut tx, payment_id).await?;
    tx.commit().await?;
    Ok(receipt)
}

/// The desk lowers what an issued invoice asks for, with a reason: at most the balance.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn credit(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, input: NewCreditNote) -> AppResult<Invoice> {
    let amount_cents = parse_amount(input.amount_cents, "credit").map_err(AppError::Validation)?;
    let reason = crate::text::required(&input.reason, "reason", MAX_REASON_CHARS).map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    desk(&mut tx, actor).await?;
    let row = visible(&mut tx, Party::Desk, id, true).await?;
    if row.state != InvoiceState::Issued {
        return Err(AppError::Conflict("Credit notes are for issued invoices; edit a draft instead.".into()));
    }
    let balance = row.totals().balance_cents();
    if amount_cents > balance {
        return Err(AppError::validation(format!(
            "A credit note can't be more than the balance of {}. Refund what was paid first.",
            Money::new(balance, row.currency.clone())
        )));
    }
    if !db::add_to_totals(&mut tx, id, Movement::Credit, amount_cents).await? {
        return Err(AppError::Conflict("This invoice can no longer be credited.".into()));
    }
    let note_id = db::insert_credit_note(&mut tx, id, row.patient_id, amount_cents, &reason, actor.user_id).await?;
    let amount = Money::new(amount_cents, row.currency.clone());
    audit::record(
        &mut tx,
        Entry::new("billing.credit").by(actor).on("credit_note", note_id).patient(row.patient_id).detail(format!("{amount}: {reason}")),
    )
    .await?;
    let body = format!("Bill {} was lowered by {amount}: {reason}", invoice_number(id));
    tell_patient(&mut tx, clinic, row.patient_user_id, "Bill lowered", body, format!("/billing/{id}")).await?;
    let invoice = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(invoice)
}

async fn receipt_of(conn: &mut PgConnection, payment_id: i64) -> AppResult<Receipt> {
    let payment = db::find_payment(conn, payment_id).await?.ok_or_else(|| AppError::not_found("Receipt"))?;
    let row = db::find(conn, payment.invoice_id).await?.ok_or_else(|| AppError::not_found("Invoice"))?;
    let balance_after_cents = db::balance_after(conn, payment_id).await?;
    Ok(Receipt {
        invoice_number: invoice_number(row.id),
        invoice_total_cents: row.total_cents,
        patient_name: row.patient_name,
        mrn: row.mrn,
        balance_after_cents,
        payment,
    })
}

/// A payment's or refund's receipt: for its patient and the desk.
#[tracing::instrument(skip_all, fields(payment_id = payment_id))]
pub async fn receipt(conn: &mut PgConnection, actor: &Actor, payment_id: i64) -> AppResult<Receipt> {
    let mut tx = conn.begin().await?;
    let party = party(&mut tx, actor).await?;
    let receipt = receipt_of(&mut tx, payment_id).await?;
    match party {
        Party::Patient(own) if own != receipt.payment.patient_id => return Err(AppError::concealed("Receipt")),
        Party::Patient(_) => {}
        Party::Desk => {
            audit::record(&mut tx, Entry::new("billing.view").by(actor).on("payment", payment_id).patient(receipt.payment.patient_id))
                .await?
        }
    }
    tx.commit().await?;
    Ok(receipt)
}
