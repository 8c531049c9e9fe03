//! SQL for invoices, their lines, payments and credit notes.

use super::{
    credit_note_number, invoice_number, receipt_number, CreditNote, Invoice, InvoiceLine, InvoiceState, InvoiceStatus, Outstanding,
    Payment, PaymentKind, PaymentMethod, Totals,
};
use crate::error::{refused_on, AppError, AppResult};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// Invoices on one page of a list.
pub const PER_PAGE: i64 = 25;

/// The columns of an [`InvoiceRow`], with the patient's and the doctor's names.
const INVOICE: &str = "
    SELECT i.id, i.patient_id, pu.name AS patient_name, p.mrn, p.user_id AS patient_user_id, i.appointment_id, i.doctor_id,
           du.name AS doctor_name, i.state, i.currency, i.total_cents, i.paid_cents, i.refunded_cents, i.credited_cents,
           i.issued_at, i.created_at, i.void_reason, i.voided_at
      FROM invoices i
      JOIN patients p ON p.id = i.patient_id JOIN users pu ON pu.id = p.user_id
      LEFT JOIN doctors d ON d.id = i.doctor_id LEFT JOIN users du ON du.id = d.user_id";

/// An invoice as stored, before its lines and payments are added.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    pub mrn: String,
    pub patient_user_id: i64,
    pub appointment_id: Option<i64>,
    pub doctor_id: Option<i64>,
    pub doctor_name: Option<String>,
    pub state: InvoiceState,
    pub currency: String,
    pub total_cents: i64,
    pub paid_cents: i64,
    pub refunded_cents: i64,
    pub credited_cents: i64,
    pub issued_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub void_reason: Option<String>,
    pub voided_at: Option<DateTime<Utc>>,
}

impl InvoiceRow {
    pub fn totals(&self) -> Totals {
        Totals {
            total_cents: self.total_cents,
            paid_cents: self.paid_cents,
            refunded_cents: self.refunded_cents,
            credited_cents: self.credited_cents,
        }
    }

    pub fn status(&self) -> InvoiceStatus {
        InvoiceStatus::of(self.state, &self.totals())
    }

    fn into_invoice(self, lines: Vec<InvoiceLine>, payments: Vec<Payment>, credit_notes: Vec<CreditNote>) -> Invoice {
        let totals = self.totals();
        Invoice {
            id: self.id,
            number: invoice_number(self.id),
            patient_id: self.patient_id,
            patient_name: self.patient_name,
            mrn: self.mrn,
            appointment_id: self.appointment_id,
            doctor_id: self.doctor_id,
            doctor_name: self.doctor_name,
            status: InvoiceStatus::of(self.state, &totals),
            currency: self.currency,
            total_cents: totals.total_cents,
            paid_cents: totals.paid_cents,
            refunded_cents: totals.refunded_cents,
            credited_cents: totals.credited_cents,
            balance_cents: totals.balance_cents(),
            issued_at: self.issued_at,
            created_at: self.created_at,
            void_reason: self.void_reason,
            voided_at: self.voided_at,
            lines,
            payments,
            credit_notes,
        }
    }
}

/// A new invoice, without lines (see [`replace_lines`]).
#[derive(Debug, Clone)]
pub struct InvoiceHeader<'a> {
    pub patient_id: i64,
    pub appointment_id: Option<i64>,
    pub doctor_id: Option<i64>,
    pub currency: &'a str,
    pub state: InvoiceState,
    pub created_by: Option<i64>,
}

#[tracing::instrument(skip_all, fields(patient_id = header.patient_id))]
pub async fn insert(conn: &mut PgConnection, header: &InvoiceHeader<'_>) -> AppResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO invoices (patient_id, appointment_id, doctor_id, currency, state, created_by, issued_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5 = 'issued'::invoice_state THEN now() END) RETURNING id",
    )
    .bind(header.patient_id)
    .bind(header.appointment_id)
    .bind(header.doctor_id)
    .bind(header.currency)
    .bind(header.state)
    .bind(header.created_by)
    .fetch_one(conn)
    .await
    .map_err(crate::error::conflict_on("invoices_appointment_id_key", "This visit already has an invoice."))
}

/// A line as stored: description, quantity, unit price in minor units.
pub type LineRow = (String, i32, i64);

/// Sets an invoice's lines (description, quantity, unit price) and its total, which the
/// database sums from them.
#[tracing::instrument(skip_all, fields(invoice_id = invoice_id))]
pub async fn replace_lines(conn: &mut PgConnection, invoice_id: i64, patient_id: i64, lines: &[LineRow]) -> AppResult<()> {
    sqlx::query("DELETE FROM invoice_lines WHERE invoice_id = $1").bind(invoice_id).execute(&mut *conn).await?;
    let descriptions: Vec<&str> = lines.iter().map(|(d, _, _)| d.as_str()).collect();
    let quantities: Vec<i32> = lines.iter().map(|(_, q, _)| *q).collect();
    let prices: Vec<i64> = lines.iter().map(|(_, _, p)| *p).collect();
    sqlx::query(
        "INSERT INTO invoice_lines (invoice_id, patient_id, position, description, quantity, unit_price_cents)
         SELECT $1, $2, l.position, l.description, l.quantity, l.price
           FROM unnest($3::text[], $4::int[], $5::bigint[]) WITH ORDINALITY AS l(description, quantity, price, position)",
    )
    .bind(invoice_id)
    .bind(patient_id)
    .bind(descriptions)
    .bind(quantities)
    .bind(prices)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE invoices SET total_cents = (SELECT coalesce(sum(amount_cents), 0) FROM invoice_lines WHERE invoice_id = $1) WHERE id = $1",
    )
    .bind(invoice_id)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn find(conn: &mut PgConnection, id: i64) -> AppResult<Option<InvoiceRow>> {
    Ok(sqlx::query_as(&format!("{INVOICE} WHERE i.id = $1")).bind(id).fetch_optional(conn).await?)
}

/// The invoice, its row locked until the transaction ends: payments, refunds, credit notes and
/// changes of one invoice take turns.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn lock(conn: &mut PgConnection, id: i64) -> AppResult<Option<InvoiceRow>> {
    Ok(sqlx::query_as(&format!("{INVOICE} WHERE i.id = $1 FOR UPDATE OF i")).bind(id).fetch_optional(conn).await?)
}

/// Which invoices a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub patient_id: Option<i64>,
    pub status: Option<StatusFilter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Is(InvoiceStatus),
    /// Issued or partly paid: something is owed.
    Outstanding,
}

fn push_filter<'a>(query: &mut QueryBuilder<'a, Postgres>, filter: Filter) {
    query.push(" WHERE true");
    if let Some(patient_id) = filter.patient_id {
        query.push(" AND i.patient_id = ").push_bind(patient_id);
    }
    let condition = match filter.status {
        None => return,
        Some(StatusFilter::Outstanding) => " AND i.state = 'issued' AND i.balance_cents > 0",
        Some(StatusFilter::Is(InvoiceStatus::Draft)) => " AND i.state = 'draft'",
        Some(StatusFilter::Is(InvoiceStatus::Void)) => " AND i.state = 'void'",
        Some(StatusFilter::Is(InvoiceStatus::Paid)) => " AND i.state = 'issued' AND i.balance_cents = 0",
        Some(StatusFilter::Is(InvoiceStatus::PartiallyPaid)) => {
            " AND i.state = 'issued' AND i.balance_cents > 0 AND i.paid_cents > i.refunded_cents"
        }
        Some(StatusFilter::Is(InvoiceStatus::Issued)) => {
            " AND i.state = 'issued' AND i.balance_cents > 0 AND i.paid_cents = i.refunded_cents"
        }
    };
    query.push(condition);
}

/// A page of invoices, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, filter: Filter, offset: i64) -> AppResult<Vec<InvoiceRow>> {
    let mut query = QueryBuilder::new(INVOICE);
    push_filter(&mut query, filter);
    query.push(" ORDER BY i.created_at DESC, i.id DESC LIMIT ").push_bind(PER_PAGE).push(" OFFSET ").push_bind(offset);
    Ok(query.build_query_as().fetch_all(conn).await?)
}

/// How many invoices match, and what they owe by currency.
#[tracing::instrument(skip_all)]
pub async fn count_and_outstanding(conn: &mut PgConnection, filter: Filter) -> AppResult<(i64, Vec<Outstanding>)> {
    let mut query = QueryBuilder::new("SELECT count(*) FROM invoices i");
    push_filter(&mut query, filter);
    let count: i64 = query.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut query =
        QueryBuilder::new("SELECT i.currency, sum(i.balance_cents)::bigint AS balance_cents, count(*) AS invoices FROM invoices i");
    push_filter(&mut query, filter);
    query.push(" AND i.state = 'issued' AND i.balance_cents > 0 GROUP BY i.currency ORDER BY i.currency");
    Ok((count, query.build_query_as().fetch_all(conn).await?))
}

/// The rows with their lines, payments and credit notes (three queries for any number).
#[tracing::instrument(skip_all, fields(invoices = rows.len()))]
pub async fn complete(conn: &mut PgConnection, rows: Vec<InvoiceRow>) -> AppResult<Vec<Invoice>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let lines: Vec<(i64, i16, String, i32, i64, i64)> = sqlx::query_as(
        "SELECT invoice_id, position, description, quantity, unit_price_cents, amount_cents
           FROM invoice_lines WHERE invoice_id = ANY($1) ORDER BY invoice_id, position",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let payments = payments_of(conn, &ids).await?;
    let notes: Vec<NoteRow> = sqlx::query_as(
        "SELECT c.invoice_id, c.id, '' AS number, c.amount_cents, c.reason, u.name AS created_by_name, c.created_at
           FROM credit_notes c LEFT JOIN users u ON u.id = c.created_by
          WHERE c.invoice_id = ANY($1) ORDER BY c.id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let lines = lines
                .iter()
                .filter(|l| l.0 == id)
                .map(|(_, position, description, quantity, unit_price_cents, amount_cents)| InvoiceLine {
                    position: *position,
                    description: description.clone(),
                    quantity: *quantity,
                    unit_price_cents: *unit_price_cents,
                    amount_cents: *amount_cents,
                })
                .collect();
            let paid = payments.iter().filter(|p| p.invoice_id == id).cloned().collect();
            let credited = notes
                .iter()
                .filter(|n| n.invoice_id == id)
                .map(|n| CreditNote { number: credit_note_number(n.note.id), ..n.note.clone() })
                .collect();
            row.into_invoice(lines, paid, credited)
        })
        .collect())
}

/// A credit note with the invoice it lowers.
#[derive(Debug, Clone, sqlx::FromRow)]
struct NoteRow {
    invoice_id: i64,
    #[sqlx(flatten)]
    note: CreditNote,
}

/// The columns of a [`Payment`].
const PAYMENT: &str = "
    SELECT m.id, '' AS receipt_number, m.invoice_id, m.patient_id, m.kind, m.method, m.amount_cents, m.currency, m.reference,
           m.online, m.reason, u.name AS recorded_by_name, m.created_at
      FROM payments m LEFT JOIN users u ON u.id = m.recorded_by";

fn numbered(mut payment: Payment) -> Payment {
    payment.receipt_number = receipt_number(payment.id);
    payment
}

async fn payments_of(conn: &mut PgConnection, invoice_ids: &[i64]) -> AppResult<Vec<Payment>> {
    let rows: Vec<Payment> =
        sqlx::query_as(&format!("{PAYMENT} WHERE m.invoice_id = ANY($1) ORDER BY m.id")).bind(invoice_ids).fetch_all(conn).await?;
    Ok(rows.into_iter().map(numbered).collect())
}

#[tracing::instrument(skip_all, fields(payment_id = id))]
pub async fn find_payment(conn: &mut PgConnection, id: i64) -> AppResult<Option<Payment>> {
    let row: Option<Payment> = sqlx::query_as(&format!("{PAYMENT} WHERE m.id = $1")).bind(id).fetch_optional(conn).await?;
    Ok(row.map(numbered))
}

/// What the invoice still owed right after payment `id` (the movements and credit notes up
/// to it).
#[tracing::instrument(skip_all, fields(payment_id = id))]
pub async fn balance_after(conn: &mut PgConnection, id: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT (i.total_cents
                - coalesce((SELECT sum(c.amount_cents) FROM credit_notes c WHERE c.invoice_id = m.invoice_id AND c.created_at <= m.created_at), 0)
                - coalesce((SELECT sum(CASE o.kind WHEN 'payment' THEN o.amount_cents ELSE -o.amount_cents END)
                              FROM payments o WHERE o.invoice_id = m.invoice_id AND o.id <= m.id), 0))::bigint
           FROM payments m JOIN invoices i ON i.id = m.invoice_id WHERE m.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Money moving on an issued invoice, added to its running totals: refused (422) by the
/// invoice's CHECKs when a payment passes the balance or a refund what was paid. Answers
/// false when the invoice is not issued.
#[tracing::instrument(skip_all, fields(invoice_id = invoice_id))]
pub async fn add_to_totals(conn: &mut PgConnection, invoice_id: i64, movement: Movement, amount_cents: i64) -> AppResult<bool> {
    let (column, constraint, message) = match movement {
        Movement::Payment => ("paid_cents", "invoices_not_overpaid", "The amount is more than the balance."),
        Movement::Refund => ("refunded_cents", "invoices_refunds_within_payments", "A refund can't be more than what was paid."),
        Movement::Credit => ("credited_cents", "invoices_not_overpaid", "A credit note can't be more than the balance."),
    };
    let updated = sqlx::query(&format!("UPDATE invoices SET {column} = {column} + $2 WHERE id = $1 AND state = 'issued'"))
        .bind(invoice_id)
        .bind(amount_cents)
        .execute(conn)
        .await
        .map_err(refused_on(constraint, message.to_owned()))?;
    Ok(updated.rows_affected() == 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Payment,
    Refund,
    Credit,
}

/// A payment or refund row.
#[derive(Debug, Clone)]
pub struct NewMovement<'a> {
    pub invoice_id: i64,
    pub patient_id: i64,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub reference: Option<&'a str>,
    pub online: bool,
    pub reason: Option<&'a str>,
    pub recorded_by: i64,
}

#[tracing::instrument(skip_all, fields(invoice_id = movement.invoice_id))]
pub async fn insert_payment(conn: &mut PgConnection, movement: &NewMovement<'_>) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO payments (invoice_id, patient_id, kind, method, amount_cents, currency, reference, online, reason, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(movement.invoice_id)
    .bind(movement.patient_id)
    .bind(movement.kind)
    .bind(movement.method)
    .bind(movement.amount_cents)
    .bind(movement.currency)
    .bind(movement.reference)
    .bind(movement.online)
    .bind(movement.reason)
    .bind(movement.recorded_by)
    .fetch_one(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(invoice_id = invoice_id))]
pub async fn insert_credit_note(
    conn: &mut PgConnection,
    invoice_id: i64,
    patient_id: i64,
    amount_cents: i64,
    reason: &str,
    created_by: i64,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO credit_notes (invoice_id, patient_id, amount_cents, reason, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(invoice_id)
    .bind(patient_id)
    .bind(amount_cents)
    .bind(reason)
    .bind(created_by)
    .fetch_one(conn)
    .await?)
}

/// A draft becomes owed. False when it was no longer a draft.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn issue(conn: &mut PgConnection, id: i64) -> AppResult<bool> {
    let updated = sqlx::query("UPDATE invoices SET state = 'issued', issued_at = now() WHERE id = $1 AND state = 'draft'")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(updated.rows_affected() == 1)
}

/// Voids an invoice that holds no money (409 from its CHECK otherwise). False when it was
/// already void.
#[tracing::instrument(skip_all, fields(invoice_id = id))]
pub async fn void(conn: &mut PgConnection, id: i64, reason: &str) -> AppResult<bool> {
    let updated = sqlx::query("UPDATE invoices SET state = 'void', void_reason = $2, voided_at = now() WHERE id = $1 AND state <> 'void'")
        .bind(id)
        .bind(reason)
        .execute(conn)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db) if db.constraint() == Some("invoices_void_holds_no_money") => {
                AppError::Conflict("Money was paid on this invoice: refund it before voiding.".into())
            }
            _ => AppError::from(err),
        })?;
    Ok(updated.rows_affected() == 1)
}

/// A completed visit, as its invoice needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BillableVisit {
    pub patient_id: i64,
    pub patient_user_id: i64,
    pub doctor_id: i64,
    pub doctor_name: String,
    pub specialization: String,
    pub starts_at: DateTime<Utc>,
    pub fee_cents: i64,
    pub currency: String,
    pub completed: bool,
}

#[tracing::instrument(skip_all, fields(appointment_id = appointment_id))]
pub async fn billable_visit(conn: &mut PgConnection, appointment_id: i64) -> AppResult<Option<BillableVisit>> {
    Ok(sqlx::query_as(
        "SELECT a.patient_id, p.user_id AS patient_user_id, a.doctor_id, du.name AS doctor_name, d.specialization, a.starts_at,
                a.fee_cents, a.currency, a.status = 'completed' AS completed
           FROM appointments a JOIN patients p ON p.id = a.patient_id
           JOIN doctors d ON d.id = a.doctor_id JOIN users du ON du.id = d.user_id
          WHERE a.id = $1",
    )
    .bind(appointment_id)
    .fetch_optional(conn)
    .await?)
}

/// The invoice billing this visit, if it was billed.
#[tracing::instrument(skip_all, fields(appointment_id = appointment_id))]
pub async fn invoice_of_visit(conn: &mut PgConnection, appointment_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM invoices WHERE appointment_id = $1").bind(appointment_id).fetch_optional(conn).await?)
}
