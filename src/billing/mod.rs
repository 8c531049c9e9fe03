//! Billing (SPEC feature 9): invoices, payments and refunds, credit notes, receipts.
//!
//! Completing a visit bills its consultation fee in the same transaction; the desk bills other
//! services. An issued invoice is never edited: it is voided (with a reason, once any money is
//! refunded) or lowered by a credit note. Money received and returned are separate movements,
//! each with a receipt. The invoice row keeps the running totals, and its CHECKs (see the
//! migration) make sure concurrent payments never pass the balance.
//!
//! Patients see their own invoices and pay online through the payment provider seam
//! (`provider.rs`); the desk (staff) and admins see every invoice and record payments at the
//! desk. Managers see the reports only; doctors and nurses don't handle money.

pub mod api;
pub mod claims;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod claims_db;
#[cfg(feature = "ssr")]
pub mod claims_service;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod provider;
#[cfg(feature = "ssr")]
pub mod receipt;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use crate::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most lines on one invoice.
pub const MAX_LINES: usize = 100;
/// Longest line description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Most of one thing on a line.
pub const MAX_QUANTITY: i32 = 10_000;
/// Highest unit price: a billion in major units (keeps every total far inside an i64).
pub const MAX_UNIT_PRICE_CENTS: i64 = 100_000_000_000;
/// Longest reason (void, refund, credit note) and payment reference.
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_REFERENCE_CHARS: usize = 100;

/// Where an invoice stands, as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum InvoiceStatus {
    /// Being prepared by the desk; not owed yet, still editable.
    Draft,
    /// Owed, nothing paid.
    Issued,
    PartiallyPaid,
    Paid,
    /// Cancelled, with a reason.
    Void,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 5] = [Self::Draft, Self::Issued, Self::PartiallyPaid, Self::Paid, Self::Void];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Issued => "issued",
            Self::PartiallyPaid => "partially_paid",
            Self::Paid => "paid",
            Self::Void => "void",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Issued => "Due",
            Self::PartiallyPaid => "Partly paid",
            Self::Paid => "Paid",
            Self::Void => "Void",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The status of an invoice from its stored state and totals: an issued invoice is paid
    /// once nothing is owed, partly paid once some money (net of refunds) came in.
    pub fn of(state: InvoiceState, totals: &Totals) -> Self {
        match state {
            InvoiceState::Draft => Self::Draft,
            InvoiceState::Void => Self::Void,
            InvoiceState::Issued if totals.balance_cents() == 0 => Self::Paid,
            InvoiceState::Issued if totals.paid_cents > totals.refunded_cents => Self::PartiallyPaid,
            InvoiceState::Issued => Self::Issued,
        }
    }
}

/// What is stored about an invoice's life; [`InvoiceStatus`] adds what the money says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "invoice_state", rename_all = "snake_case"))]
pub enum InvoiceState {
    Draft,
    Issued,
    Void,
}

/// An invoice's running totals, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub total_cents: i64,
    pub paid_cents: i64,
    pub refunded_cents: i64,
    pub credited_cents: i64,
}

impl Totals {
    /// What is still owed (the database keeps the same sum as a generated column).
    pub fn balance_cents(&self) -> i64 {
        self.total_cents - self.credited_cents - self.paid_cents + self.refunded_cents
    }

    /// What was paid and not given back.
    pub fn net_paid_cents(&self) -> i64 {
        self.paid_cents - self.refunded_cents
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "payment_method", rename_all = "snake_case"))]
pub enum PaymentMethod {
    Cash,
    /// A card: at the desk's terminal, or online through the payment provider.
    Card,
    BankTransfer,
    /// Paid by the patient's insurer.
    Insurance,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [Self::Cash, Self::Card, Self::BankTransfer, Self::Insurance];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Card => "card",
            Self::BankTransfer => "bank_transfer",
            Self::Insurance => "insurance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Cash => "Cash",
            Self::Card => "Card",
            Self::BankTransfer => "Bank transfer",
            Self::Insurance => "Insurance",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }
}

/// Money in, or money given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "payment_kind", rename_all = "snake_case"))]
pub enum PaymentKind {
    Payment,
    Refund,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct InvoiceLine {
    pub position: i16,
    pub description: String,
    pub quantity: i32,
    pub unit_price_cents: i64,
    /// `quantity × unit_price_cents`.
    pub amount_cents: i64,
}

/// A payment or a refund, with its receipt number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Payment {
    pub id: i64,
    /// `R-000042`: printed on the receipt.
    pub receipt_number: String,
    pub invoice_id: i64,
    pub patient_id: i64,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    pub amount_cents: i64,
    pub currency: String,
    /// The desk's reference (card slip, transfer) or the payment provider's charge id.
    pub reference: Option<String>,
    /// Paid by the patient in the portal.
    pub online: bool,
    /// Why money was given back (refunds).
    pub reason: Option<String>,
    /// Who recorded it (the patient themselves for an online payment).
    pub recorded_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Payment {
    pub fn money(&self) -> Money {
        Money::new(self.amount_cents, self.currency.clone())
    }
}

/// A correction lowering what an issued invoice asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct CreditNote {
    pub id: i64,
    /// `CN-000007`.
    pub number: String,
    pub amount_cents: i64,
    pub reason: String,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An invoice with its lines, payments and credit notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invoice {
    pub id: i64,
    /// `INV-000123`: what the patient and the desk quote.
    pub number: String,
    pub patient_id: i64,
    pub patient_name: String,
    pub mrn: String,
    /// The visit it bills; null for other services.
    pub appointment_id: Option<i64>,
    pub doctor_id: Option<i64>,
    pub doctor_name: Option<String>,
    pub status: InvoiceStatus,
    pub currency: String,
    pub total_cents: i64,
    /// Everything received, refunds not subtracted.
    pub paid_cents: i64,
    pub refunded_cents: i64,
    pub credited_cents: i64,
    /// What is still owed: total − credited − paid + refunded.
    pub balance_cents: i64,
    pub issued_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub void_reason: Option<String>,
    pub voided_at: Option<DateTime<Utc>>,
    pub lines: Vec<InvoiceLine>,
    pub payments: Vec<Payment>,
    pub credit_notes: Vec<CreditNote>,
}

impl Invoice {
    pub fn total(&self) -> Money {
        Money::new(self.total_cents, self.currency.clone())
    }

    pub fn balance(&self) -> Money {
        Money::new(self.balance_cents, self.currency.clone())
    }

    /// Money may still come in: issued and something owed.
    pub fn payable(&self) -> bool {
        matches!(self.status, InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid) && self.balance_cents > 0
    }

    /// What it is for, in one line: the first line's description, and how many more.
    pub fn summary(&self) -> String {
        match self.lines.as_slice() {
            [] => "No lines yet".into(),
            [only] => only.description.clone(),
            [first, rest @ ..] => format!("{} and {} more", first.description, rest.len()),
        }
    }
}

/// An amount owed in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Outstanding {
    pub currency: String,
    pub balance_cents: i64,
    /// How many invoices owe it.
    pub invoices: i64,
}

/// `GET /api/billing`: a page of invoices, newest first, and what they owe altogether.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvoicePage {
    pub invoices: Vec<Invoice>,
    pub page: i64,
    pub per_page: i64,
    /// Invoices matching the filter, on every page.
    pub total: i64,
    /// The balance owed on the matching invoices, by currency.
    pub outstanding: Vec<Outstanding>,
}

/// `GET /api/billing?status=&patient_id=&page=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct InvoiceQuery {
    /// `draft`, `issued`, `partially_paid`, `paid`, `void`, or `outstanding` (issued or
    /// partially paid).
    #[serde(default)]
    pub status: Option<String>,
    /// One patient's invoices (staff and admins; a patient always gets their own).
    #[serde(default)]
    pub patient_id: Option<i64>,
    /// From 1.
    #[serde(default)]
    pub page: Option<i64>,
}

/// One line of a new or edited invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewLine {
    pub description: String,
    #[serde(default = "one")]
    pub quantity: i32,
    pub unit_price_cents: i64,
}

fn one() -> i32 {
    1
}

/// `POST /api/billing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewInvoice {
    pub patient_id: i64,
    pub lines: Vec<NewLine>,
    /// ISO 4217, e.g. `USD`.
    pub currency: String,
    /// A completed visit the invoice is for (one invoice per visit).
    #[serde(default)]
    pub appointment_id: Option<i64>,
    /// Keep it as an editable draft instead of issuing it at once.
    #[serde(default)]
    pub draft: bool,
}

/// `PUT /api/billing/{id}`: new lines for a draft, and/or a change of status: `issued` (a draft
/// is issued) or `void` (with `reason`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvoiceUpdate {
    #[serde(default)]
    pub lines: Option<Vec<NewLine>>,
    /// `issued` or `void`.
    #[serde(default)]
    pub status: Option<String>,
    /// Why it is voided.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/billing/{id}/payments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewPayment {
    pub amount_cents: i64,
    pub method: PaymentMethod,
    /// The desk's reference: a card slip's number, a transfer's reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// Patients paying online: the payment provider's token for their card. The built-in
    /// test provider takes a test card number (see the README).
    #[serde(default)]
    pub card_token: Option<String>,
}

/// `POST /api/billing/{id}/refunds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewRefund {
    pub amount_cents: i64,
    pub method: PaymentMethod,
    pub reason: String,
    #[serde(default)]
    pub reference: Option<String>,
}

/// `POST /api/billing/{id}/credit-notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewCreditNote {
    pub amount_cents: i64,
    pub reason: String,
}

/// A receipt: the payment (or refund), its invoice, and the balance right after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub payment: Payment,
    pub invoice_number: String,
    pub invoice_total_cents: i64,
    pub patient_name: String,
    pub mrn: String,
    /// What the invoice still owed once this movement was recorded.
    pub balance_after_cents: i64,
}

/// A line checked: description required and bounded, quantity and price in range, amount
/// computed without overflow.
pub fn parse_line(line: &NewLine, position: usize, currency: &str) -> Result<(String, Money), String> {
    let description = crate::text::required(&line.description, &format!("line {position}'s description"), MAX_DESCRIPTION_CHARS)?;
    if !(1..=MAX_QUANTITY).contains(&line.quantity) {
        return Err(format!("Line {position}: the quantity must be between 1 and {MAX_QUANTITY}."));
    }
    if !(0..=MAX_UNIT_PRICE_CENTS).contains(&line.unit_price_cents) {
        return Err(format!("Line {position}: the unit price must be between 0 and {}.", Money::new(MAX_UNIT_PRICE_CENTS, currency)));
    }
    let amount = Money::new(line.unit_price_cents, currency).checked_mul(i64::from(line.quantity)).map_err(|e| e.to_string())?;
    Ok((description, amount))
}

/// Every line checked, and the invoice's total: at least one line, at most [`MAX_LINES`].
pub fn parse_lines(lines: &[NewLine], currency: &str) -> Result<(Vec<String>, Money), String> {
    if lines.is_empty() {
        return Err("An invoice needs at least one line.".into());
    }
    if lines.len() > MAX_LINES {
        return Err(format!("An invoice has at most {MAX_LINES} lines."));
    }
    let mut total = Money::zero(currency);
    let mut descriptions = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let (description, amount) = parse_line(line, index + 1, currency)?;
        total = total.checked_add(&amount).map_err(|e| e.to_string())?;
        descriptions.push(description);
    }
    Ok((descriptions, total))
}

/// An amount of money moving (paid, refunded, credited): positive, in minor units.
pub fn parse_amount(cents: i64, what: &str) -> Result<i64, String> {
    if cents > 0 {
        Ok(cents)
    } else {
        Err(format!("The {what} must be more than zero."))
    }
}

/// `INV-000123`.
pub fn invoice_number(id: i64) -> String {
    format!("INV-{id:06}")
}

/// `R-000042`.
pub fn receipt_number(id: i64) -> String {
    format!("R-{id:06}")
}

/// `CN-000007`.
pub fn credit_note_number(id: i64) -> String {
    format!("CN-{id:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(total: i64, paid: i64, refunded: i64, credited: i64) -> Totals {
        Totals { total_cents: total, paid_cents: paid, refunded_cents: refunded, credited_cents: credited }
    }

    #[test]
    fn an_invoices_status_follows_its_money() {
        use InvoiceState::*;
        assert_eq!(InvoiceStatus::of(Draft, &totals(100, 0, 0, 0)), InvoiceStatus::Draft);
        assert_eq!(InvoiceStatus::of(Issued, &totals(100, 0, 0, 0)), InvoiceStatus::Issued);
        assert_eq!(InvoiceStatus::of(Issued, &totals(100, 40, 0, 0)), InvoiceStatus::PartiallyPaid);
        assert_eq!(InvoiceStatus::of(Issued, &totals(100, 60, 0, 40)), InvoiceStatus::Paid);
        assert_eq!(InvoiceStatus::of(Issued, &totals(100, 100, 0, 0)), InvoiceStatus::Paid);
        // A refund reopens what it gives back.
        assert_eq!(InvoiceStatus::of(Issued, &totals(100, 100, 30, 0)), InvoiceStatus::PartiallyPaid);
        assert_eq!(InvoiceStatus::of(Issued, &totals(100, 100, 100, 0)), InvoiceStatus::Issued);
        // Credited in full: nothing is owed.
        assert_eq!(InvoiceStatus::of(Issued, &totals(100, 0, 0, 100)), InvoiceStatus::Paid);
        assert_eq!(InvoiceStatus::of(Void, &totals(100, 50, 50, 0)), InvoiceStatus::Void);
        assert_eq!(totals(100, 100, 30, 20).balance_cents(), 10);
        assert_eq!(totals(100, 100, 30, 20).net_paid_cents(), 70);
    }

    #[test]
    fn statuses_and_methods_read_back_from_their_names() {
        for status in InvoiceStatus::ALL {
            assert_eq!(InvoiceStatus::parse(status.as_str()), Some(status));
        }
        for method in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(InvoiceStatus::parse("paid "), None);
        assert_eq!(PaymentMethod::parse("cheque"), None);
    }

    fn line(description: &str, quantity: i32, unit_price_cents: i64) -> NewLine {
        NewLine { description: description.into(), quantity, unit_price_cents }
    }

    #[test]
    fn lines_are_checked_and_totalled_in_minor_units() {
        let (descriptions, total) = parse_lines(&[line(" Blood test ", 2, 2550), line("Dressing", 1, 999)], "USD").unwrap();
        assert_eq!(descriptions, ["Blood test", "Dressing"]);
        assert_eq!(total, Money::new(6099, "USD"));
        assert!(parse_lines(&[], "USD").unwrap_err().contains("at least one line"));
        assert!(parse_lines(&[line(" ", 1, 100)], "USD").unwrap_err().contains("required"));
        assert!(parse_lines(&[line("X-ray", 0, 100)], "USD").unwrap_err().contains("quantity"));
        assert!(parse_lines(&[line("X-ray", 1, -1)], "USD").unwrap_err().contains("unit price"));
        assert!(parse_lines(&[line("X-ray", 1, MAX_UNIT_PRICE_CENTS + 1)], "USD").unwrap_err().contains("unit price"));
        assert!(parse_lines(&vec![line("Swab", 1, 1); MAX_LINES + 1], "USD").unwrap_err().contains("at most"));
        // The largest lines the rules allow still add up inside an i64.
        let (_, most) = parse_lines(&vec![line("Theatre", MAX_QUANTITY, MAX_UNIT_PRICE_CENTS); MAX_LINES], "USD").unwrap();
        assert_eq!(most.minor, 100 * 10_000 * 100_000_000_000);
    }

    #[test]
    fn amounts_moving_are_positive_and_numbers_are_padded() {
        assert_eq!(parse_amount(1, "payment"), Ok(1));
        assert!(parse_amount(0, "payment").unwrap_err().contains("more than zero"));
        assert!(parse_amount(-500, "refund").unwrap_err().contains("refund"));
        assert_eq!(invoice_number(123), "INV-000123");
        assert_eq!(receipt_number(42), "R-000042");
        assert_eq!(credit_note_number(1_234_567), "CN-1234567");
    }

    #[test]
    fn an_invoice_summarises_its_lines() {
        let mut invoice = Invoice {
            id: 1,
            number: invoice_number(1),
            patient_id: 1,
            patient_name: "Pat".into(),
            mrn: "MRN".into(),
            appointment_id: None,
            doctor_id: None,
            doctor_name: None,
            status: InvoiceStatus::Issued,
            currency: "USD".into(),
            total_cents: 100,
            paid_cents: 0,
            refunded_cents: 0,
            credited_cents: 0,
            balance_cents: 100,
            issued_at: None,
            created_at: Utc::now(),
            void_reason: None,
            voided_at: None,
            lines: vec![],
            payments: vec![],
            credit_notes: vec![],
        };
        assert_eq!(invoice.summary(), "No lines yet");
        let row = |d: &str| InvoiceLine { position: 1, description: d.into(), quantity: 1, unit_price_cents: 50, amount_cents: 50 };
        invoice.lines = vec![row("Consultation")];
        assert_eq!(invoice.summary(), "Consultation");
        invoice.lines.push(row("ECG"));
        invoice.lines.push(row("Dressing"));
        assert_eq!(invoice.summary(), "Consultation and 2 more");
        assert!(invoice.payable());
        assert_eq!(invoice.balance().to_string(), "1.00 USD");
        invoice.status = InvoiceStatus::Draft;
        assert!(!invoice.payable());
    }
}
