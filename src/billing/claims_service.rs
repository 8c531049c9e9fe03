//! Insurance use cases: the patients' policies (the patient or the desk adds them), and claims
//! on invoices, which the desk submits and moves along the state machine of `claims.rs` as the
//! insurer answers. Every change is kept with who and when, audited, and told to the patient;
//! marking a claim paid records the insurer's payment on the invoice in the same transaction.

use super::claims::{check_move, Claim, ClaimMove, ClaimQuery, ClaimStatus, ClaimUpdate, NewClaim, NewPolicy, Policy};
use super::claims_db::{self as db, PolicyRow};
use super::service::{check_payable, desk, party, record_payment, tell_patient, visible, Party};
use super::{db as invoices, invoice_number, PaymentMethod};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::money::Money;
use chrono::NaiveDate;
use sqlx::{Connection, PgConnection};

/// May the caller see this patient's insurance? Their own (a patient), anyone's (the desk).
async fn insurance_of(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<()> {
    match party(conn, actor).await? {
        Party::Patient(own) if own != patient_id => Err(AppError::concealed("Patient")),
        Party::Patient(_) => Ok(()),
        Party::Desk => {
            crate::patients::access::user_of_patient(conn, patient_id).await?.map(|_| ()).ok_or_else(|| AppError::not_found("Patient"))
        }
    }
}

#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn policies(conn: &mut PgConnection, actor: &Actor, patient_id: i64) -> AppResult<Vec<Policy>> {
    insurance_of(conn, actor, patient_id).await?;
    db::policies(conn, patient_id).await
}

fn optional_date(raw: Option<&str>, what: &str) -> AppResult<Option<NaiveDate>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::validation(format!("Write the {what} as YYYY-MM-DD."))),
    }
}

fn parse_policy(input: &NewPolicy) -> AppResult<PolicyRow> {
    let text = |raw: &str, what: &str, max: usize| crate::text::required(raw, what, max).map_err(AppError::Validation);
    let policy = PolicyRow {
        payer: text(&input.payer, "insurer", 200)?,
        member_id: text(&input.member_id, "member number", 100)?,
        plan: crate::text::optional(input.plan.as_deref(), "plan", 200).map_err(AppError::Validation)?,
        valid_from: optional_date(input.valid_from.as_deref(), "start date")?,
        valid_to: optional_date(input.valid_to.as_deref(), "end date")?,
    };
    if let (Some(from), Some(to)) = (policy.valid_from, policy.valid_to) {
        if to < from {
            return Err(AppError::validation("The policy ends before it starts."));
        }
    }
    Ok(policy)
}

/// The patient (their own) or the desk adds a policy; the same insurer and member number
/// twice is a 409.
#[tracing::instrument(skip_all, fields(patient_id = patient_id))]
pub async fn add_policy(conn: &mut PgConnection, actor: &Actor, patient_id: i64, input: NewPolicy) -> AppResult<Policy> {
    let policy = parse_policy(&input)?;
    let mut tx = conn.begin().await?;
    insurance_of(&mut tx, actor, patient_id).await?;
    let added = db::insert_policy(&mut tx, patient_id, &policy, actor.user_id).await?;
    audit::record(&mut tx, Entry::new("billing.insurance.add").by(actor).on("insurance_policy", added.id).patient(patient_id)).await?;
    tx.commit().await?;
    Ok(added)
}

async fn complete(conn: &mut PgConnection, rows: Vec<db::ClaimRow>) -> AppResult<Vec<Claim>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let events = db::histories(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let history = events.iter().filter(|(claim, _)| *claim == row.id).map(|(_, e)| e.clone()).collect();
            row.into_claim(history)
        })
        .collect())
}

async fn load(conn: &mut PgConnection, id: i64) -> AppResult<Claim> {
    let row = db::find(conn, id, false).await?.ok_or_else(|| AppError::not_found("Claim"))?;
    Ok(complete(conn, vec![row]).await?.remove(0))
}

/// Claims, newest first: a patient's own; the desk's, narrowed by patient, invoice, status.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, actor: &Actor, query: ClaimQuery) -> AppResult<Vec<Claim>> {
    let status =
        match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(ClaimStatus::parse(raw).ok_or_else(|| {
                AppError::validation("status must be submitted, in_review, approved, partially_approved, denied or paid.")
            })?),
        };
    let mut tx = conn.begin().await?;
    let party = party(&mut tx, actor).await?;
    let patient_id = match party {
        Party::Patient(own) => Some(own),
        Party::Desk => query.patient_id,
    };
    let rows = db::list(&mut tx, patient_id, query.invoice_id, status).await?;
    let claims = complete(&mut tx, rows).await?;
    if party == Party::Desk {
        audit::record_per_patient(&mut tx, actor, "billing.view", claims.iter().map(|c| c.patient_id)).await?;
    }
    tx.commit().await?;
    Ok(claims)
}

#[tracing::instrument(skip_all, fields(claim_id = id))]
pub async fn get(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<Claim> {
    let mut tx = conn.begin().await?;
    let party = party(&mut tx, actor).await?;
    let claim = load(&mut tx, id).await?;
    match party {
        Party::Patient(own) if own != claim.patient_id => return Err(AppError::concealed("Claim")),
        Party::Patient(_) => {}
        Party::Desk => audit::record(&mut tx, Entry::new("billing.view").by(actor).on("claim", id).patient(claim.patient_id)).await?,
    }
    tx.commit().await?;
    Ok(claim)
}

/// The desk claims part or all of an issued invoice's balance from one of the patient's
/// policies. One claim in progress per invoice (409).
#[tracing::instrument(skip_all, fields(invoice_id = input.invoice_id))]
pub async fn submit(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, input: NewClaim) -> AppResult<Claim> {
    let amount_cents = super::parse_amount(input.amount_cents, "amount claimed").map_err(AppError::Validation)?;
    let mut tx = conn.begin().await?;
    desk(&mut tx, actor).await?;
    let invoice = match invoices::lock(&mut tx, input.invoice_id).await? {
        Some(invoice) => invoice,
        None => return Err(AppError::validation("invoice_id is not an invoice.")),
    };
    check_payable(&invoice, amount_cents)?;
    let policy = db::policy(&mut tx, input.policy_id).await?.filter(|p| p.patient_id == invoice.patient_id);
    let policy = policy.ok_or_else(|| AppError::validation("policy_id is not one of this patient's insurance policies."))?;
    let id = db::insert(&mut tx, invoice.id, invoice.patient_id, policy.id, amount_cents, actor.user_id).await?;
    db::add_event(&mut tx, id, invoice.patient_id, ClaimStatus::Submitted, None, None, actor.user_id).await?;
    audit::record(&mut tx, Entry::new("billing.claim.submitted").by(actor).on("claim", id).patient(invoice.patient_id)).await?;
    let amount = Money::new(amount_cents, invoice.currency.clone());
    let body = format!("We claimed {amount} of bill {} from {}.", invoice_number(invoice.id), policy.payer);
    tell_patient(&mut tx, clinic, invoice.patient_user_id, "Insurance claim submitted", body, format!("/billing/{}", invoice.id)).await?;
    let claim = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(claim)
}

/// The desk records the insurer's answer: the next status of the state machine (422 for any
/// other), with the approved amount or the denial's reason. `paid` records the insurer's
/// payment of the approved amount on the invoice.
#[tracing::instrument(skip_all, fields(claim_id = id))]
pub async fn update(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, id: i64, change: ClaimUpdate) -> AppResult<Claim> {
    let mut tx = conn.begin().await?;
    desk(&mut tx, actor).await?;
    let claim = db::find(&mut tx, id, true).await?.ok_or_else(|| AppError::not_found("Claim"))?;
    let step = check_move(claim.status, claim.amount_cents, &change).map_err(AppError::Validation)?;
    let (approved_cents, reason, payment_id) = match &step {
        ClaimMove::InReview => (None, None, None),
        ClaimMove::Approved { approved_cents } | ClaimMove::PartiallyApproved { approved_cents } => (Some(*approved_cents), None, None),
        ClaimMove::Denied { reason } => (None, Some(reason.as_str()), None),
        ClaimMove::Paid => {
            let approved = claim.approved_cents.ok_or_else(|| AppError::Conflict("The claim has no approved amount.".into()))?;
            let invoice = visible(&mut tx, Party::Desk, claim.invoice_id, true).await?;
            check_payable(&invoice, approved)?;
            // The reference column holds 100 characters; an insurer's name may have 200.
            let payer: String = claim.payer.chars().take(60).collect();
            let reference = Some(format!("Claim {} ({payer})", claim.id));
            let payment = record_payment(&mut tx, actor, &invoice, approved, PaymentMethod::Insurance, reference, false).await?;
            (None, None, Some(payment))
        }
    };
    let status = step.status();
    let change = db::ClaimChange { status, approved_cents, reason, payment_id };
    db::set_status(&mut tx, id, claim.patient_id, change, actor.user_id).await?;
    audit::record(&mut tx, Entry::new(format!("billing.claim.{}", status.as_str())).by(actor).on("claim", id).patient(claim.patient_id))
        .await?;
    let invoice = invoices::find(&mut tx, claim.invoice_id).await?.ok_or_else(|| AppError::not_found("Invoice"))?;
    let detail = match (&step, approved_cents) {
        (ClaimMove::Denied { reason }, _) => format!(": {reason}"),
        (_, Some(cents)) => format!(": {} approved", Money::new(cents, claim.currency.clone())),
        _ => String::new(),
    };
    let body =
        format!("Your insurance claim on bill {} is now {}{detail}.", invoice_number(claim.invoice_id), status.label().to_lowercase());
    tell_patient(&mut tx, clinic, invoice.patient_user_id, "Insurance claim update", body, format!("/billing/{}", claim.invoice_id))
        .await?;
    let updated = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(updated)
}
