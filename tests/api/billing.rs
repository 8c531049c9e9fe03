//! Billing: a completed visit bills its fee, the patient pays part online and the desk the
//! rest; issued invoices are voided or credited, never edited; refunds are their own movement;
//! concurrent payments never pass the balance; bad input is a 4xx that writes nothing.

use crate::helpers::{assert_error, body, TestApp, PASSWORD};
use crate::records::audit_count;
use chrono::{Datelike, Duration, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

pub(crate) const PAYS: &str = "4242 4242 4242 4242";
const DECLINED: &str = "4000 0000 0000 0002";

/// A doctor charging 120.00 USD, a patient, the desk and a manager.
pub(crate) struct Desk {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    pub(crate) doctor_id: i64,
    pub(crate) doctor: String,
    pub(crate) patient_id: i64,
    pub(crate) patient: String,
    pub(crate) other_patient: String,
    pub(crate) staff: String,
    pub(crate) manager: String,
}

async fn account(app: &TestApp, admin: &str, role: &str) -> String {
    let email = format!("{role}@billing.test");
    let account = json!({"name": format!("The {role}"), "email": email, "password": PASSWORD, "role": role});
    assert_eq!(app.post("/api/users", account, Some(admin)).await.status(), StatusCode::CREATED);
    app.token(&email, PASSWORD).await
}

impl Desk {
    pub(crate) async fn new(pool: PgPool) -> Self {
        let app = TestApp::spawn(pool).await;
        let admin = app.admin().await;
        let doctor = json!({"name": "Dr. Fee", "email": "fee@billing.test", "password": PASSWORD, "specialization": "Cardiology",
                            "fee_cents": 12000, "currency": "USD"});
        let created = app.post("/api/doctors", doctor, Some(&admin)).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let doctor_id = body(created).await["id"].as_i64().unwrap();
        let doctor = app.token("fee@billing.test", PASSWORD).await;
        let (_, patient) = app.patient("payer@example.org").await;
        let link = app.verification_token_for("payer@example.org").await;
        assert_eq!(app.post("/api/auth/verify-email", json!({"token": link}), None).await.status(), StatusCode::OK);
        let patient_id = body(app.get("/api/profile", Some(&patient)).await).await["patient"]["patient_id"].as_i64().unwrap();
        let (_, other_patient) = app.patient("someone.else@example.org").await;
        let staff = account(&app, &admin, "staff").await;
        let manager = account(&app, &admin, "manager").await;
        Desk { app, admin, doctor_id, doctor, patient_id, patient, other_patient, staff, manager }
    }

    /// A visit booked, accepted, moved into the past and completed by the doctor.
    pub(crate) async fn completed_visit(&self) -> i64 {
        let mut day = Utc::now().date_naive() + Duration::days(7);
        while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            day += Duration::days(1);
        }
        let booking = json!({"doctor_id": self.doctor_id, "date": day.to_string(), "time_slot": "10:00"});
        let booked = self.app.post("/api/appointments", booking, Some(&self.patient)).await;
        assert_eq!(booked.status(), StatusCode::CREATED);
        let id = body(booked).await["id"].as_i64().unwrap();
        assert_eq!(self.app.post(&format!("/api/appointments/{id}/accept"), json!({}), Some(&self.doctor)).await.status(), StatusCode::OK);
        sqlx::query(
            "UPDATE appointments SET starts_at = starts_at - interval '30 days', ends_at = ends_at - interval '30 days' WHERE id = $1",
        )
        .bind(id)
        .execute(&self.app.pool)
        .await
        .unwrap();
        let done = self.app.post(&format!("/api/appointments/{id}/complete"), json!({"notes": "Fine."}), Some(&self.doctor)).await;
        assert_eq!(done.status(), StatusCode::OK);
        id
    }

    /// An invoice for the patient made by the desk.
    pub(crate) async fn invoice(&self, lines: Value, draft: bool) -> Value {
        let invoice = json!({"patient_id": self.patient_id, "currency": "USD", "lines": lines, "draft": draft});
        let created = self.app.post("/api/billing", invoice, Some(&self.staff)).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        body(created).await
    }

    pub(crate) async fn pay(&self, id: i64, payment: Value, token: &str) -> reqwest::Response {
        self.app.post(&format!("/api/billing/{id}/payments"), payment, Some(token)).await
    }

    async fn get(&self, id: i64, token: &str) -> Value {
        let response = self.app.get(&format!("/api/billing/{id}"), Some(token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await
    }
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn a_completed_visit_is_billed_and_paid_part_online_and_the_rest_at_the_desk(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let app = &desk.app;
    let visit = desk.completed_visit().await;

    // The visit's fee was billed in the transaction that completed it, and the patient told.
    let bills = body(app.get("/api/billing", Some(&desk.patient)).await).await;
    assert_eq!(bills["total"], 1);
    let bill = &bills["invoices"][0];
    let id = bill["id"].as_i64().unwrap();
    assert_eq!((bill["appointment_id"].as_i64(), bill["status"].as_str()), (Some(visit), Some("issued")));
    assert_eq!(
        (bill["total_cents"].as_i64(), bill["balance_cents"].as_i64(), bill["currency"].as_str()),
        (Some(12000), Some(12000), Some("USD"))
    );
    assert!(bill["lines"][0]["description"].as_str().unwrap().starts_with("Consultation with Dr. Fee (Cardiology)"), "{bill}");
    assert_eq!(bills["outstanding"], json!([{"currency": "USD", "balance_cents": 12000, "invoices": 1}]));
    assert_eq!(count(&pool, "SELECT count(*) FROM notifications WHERE title = 'New bill'").await, 1);

    // Someone else's bill doesn't exist for them; the doctor and the manager don't handle money.
    assert_error(app.get(&format!("/api/billing/{id}"), Some(&desk.other_patient)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body(app.get("/api/billing", Some(&desk.other_patient)).await).await["total"], 0);
    for token in [&desk.doctor, &desk.manager] {
        assert_error(app.get(&format!("/api/billing/{id}"), Some(token)).await, StatusCode::FORBIDDEN, "forbidden").await;
    }

    // A declined card pays nothing (and says so); a good one pays part.
    let declined = desk.pay(id, json!({"amount_cents": 5000, "method": "card", "card_token": DECLINED}), &desk.patient).await;
    let message = assert_error(declined, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("declined"), "{message}");
    assert_eq!(desk.get(id, &desk.patient).await["paid_cents"], 0);
    let paid = desk.pay(id, json!({"amount_cents": 5000, "method": "card", "card_token": PAYS}), &desk.patient).await;
    assert_eq!(paid.status(), StatusCode::CREATED);
    let receipt = body(paid).await;
    assert_eq!((receipt["balance_after_cents"].as_i64(), receipt["payment"]["online"].as_bool()), (Some(7000), Some(true)));
    assert!(receipt["payment"]["reference"].as_str().unwrap().starts_with("test_ch_"));
    let online_receipt = receipt["payment"]["id"].as_i64().unwrap();
    assert_eq!(desk.get(id, &desk.patient).await["status"], "partially_paid");

    // The desk takes the rest in cash: not a cent more than the balance.
    let too_much = desk.pay(id, json!({"amount_cents": 7001, "method": "cash"}), &desk.staff).await;
    assert!(assert_error(too_much, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await.contains("70.00 USD"));
    let rest = desk.pay(id, json!({"amount_cents": 7000, "method": "cash", "reference": "Till 2"}), &desk.staff).await;
    assert_eq!(rest.status(), StatusCode::CREATED);
    let rest = body(rest).await;
    assert_eq!(rest["balance_after_cents"], 0);
    assert!(rest["payment"]["receipt_number"].as_str().unwrap().starts_with("R-"));
    let told: String =
        sqlx::query_scalar("SELECT link FROM notifications WHERE title = 'Payment received'").fetch_one(&pool).await.unwrap();
    assert_eq!(told, format!("/receipts/{}", rest["payment"]["id"]), "the patient is told, with a link to the receipt");
    let invoice = desk.get(id, &desk.patient).await;
    assert_eq!(
        (invoice["status"].as_str(), invoice["paid_cents"].as_i64(), invoice["balance_cents"].as_i64()),
        (Some("paid"), Some(12000), Some(0))
    );
    assert_eq!(invoice["payments"].as_array().unwrap().len(), 2);
    assert_error(desk.pay(id, json!({"amount_cents": 1, "method": "cash"}), &desk.staff).await, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(body(app.get("/api/billing?status=outstanding", Some(&desk.patient)).await).await["total"], 0);

    // Receipts: the patient's and the desk's, as JSON and PDF; nobody else's.
    let pdf = app.get(&format!("/api/receipts/{online_receipt}/pdf"), Some(&desk.patient)).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.headers()["cache-control"], "no-store");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let first = body(app.get(&format!("/api/receipts/{online_receipt}"), Some(&desk.staff)).await).await;
    assert_eq!(first["balance_after_cents"], 7000, "a receipt keeps the balance of its own moment");
    assert_error(app.get(&format!("/api/receipts/{online_receipt}"), Some(&desk.other_patient)).await, StatusCode::NOT_FOUND, "not_found")
        .await;

    // Audited: the payments, and the desk's reads, which the patient sees.
    assert_eq!(audit_count(app, "billing.payment", desk.patient_id).await, 2);
    assert_eq!(audit_count(app, "billing.payment.declined", desk.patient_id).await, 1);
    let log = body(app.get("/api/profile/access-log", Some(&desk.patient)).await).await;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "billing.view" && e["actor_role"] == "staff"), "{log}");
}

#[sqlx::test(migrations = "./migrations")]
async fn ten_concurrent_payments_of_sixty_percent_of_the_balance_settle_exactly_one(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let invoice = desk.invoice(json!([{"description": "MRI", "unit_price_cents": 10000}]), false).await;
    let id = invoice["id"].as_i64().unwrap();
    // Half of them the patient's card online, half the desk's cash, all at once.
    let attempts = (0..10).map(|i| {
        let (payment, token) = if i % 2 == 0 {
            (json!({"amount_cents": 6000, "method": "card", "card_token": PAYS}), desk.patient.clone())
        } else {
            (json!({"amount_cents": 6000, "method": "cash"}), desk.staff.clone())
        };
        let desk = &desk;
        async move { desk.pay(id, payment, &token).await.status() }
    });
    let statuses = futures::future::join_all(attempts).await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| matches!(*s, StatusCode::CREATED | StatusCode::UNPROCESSABLE_ENTITY)), "{statuses:?}");
    let invoice = desk.get(id, &desk.staff).await;
    assert_eq!((invoice["paid_cents"].as_i64(), invoice["balance_cents"].as_i64()), (Some(6000), Some(4000)));
    assert_eq!(count(&pool, &format!("SELECT count(*) FROM payments WHERE invoice_id = {id}")).await, 1);

    // And the database refuses an overpayment even from a writer that skipped the checks.
    let overpaid = sqlx::query("UPDATE invoices SET paid_cents = paid_cents + 6000 WHERE id = $1").bind(id).execute(&pool).await;
    assert!(overpaid.unwrap_err().to_string().contains("invoices_not_overpaid"));
}

#[sqlx::test(migrations = "./migrations")]
async fn issued_invoices_are_credited_refunded_or_voided_never_edited(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let app = &desk.app;
    // A draft is the desk's to edit; the patient isn't told until it is issued.
    let draft = desk.invoice(json!([{"description": "Physio", "quantity": 3, "unit_price_cents": 4000}]), true).await;
    let id = draft["id"].as_i64().unwrap();
    let path = format!("/api/billing/{id}");
    assert_eq!((draft["status"].as_str(), draft["total_cents"].as_i64()), (Some("draft"), Some(12000)));
    assert_error(desk.pay(id, json!({"amount_cents": 100, "method": "cash"}), &desk.staff).await, StatusCode::CONFLICT, "conflict").await;
    let lines = json!({"lines": [{"description": "Physio", "quantity": 2, "unit_price_cents": 4000}, {"description": "Tape", "unit_price_cents": 550}]});
    let edited = body(app.put(&path, lines.clone(), &desk.staff).await).await;
    assert_eq!((edited["total_cents"].as_i64(), edited["lines"].as_array().unwrap().len()), (Some(8550), 2));
    assert_eq!(count(&pool, "SELECT count(*) FROM notifications WHERE title = 'New bill'").await, 0);
    assert_eq!(app.put(&path, json!({"status": "void", "reason": "x"}), &desk.patient).await.status(), StatusCode::FORBIDDEN);
    let issued = body(app.put(&path, json!({"status": "issued"}), &desk.staff).await).await;
    assert_eq!(issued["status"], "issued");
    assert_eq!(count(&pool, "SELECT count(*) FROM notifications WHERE title = 'New bill'").await, 1);

    // Issued: lines are refused; a credit note lowers it, at most to nothing owed.
    assert_error(app.put(&path, lines, &desk.staff).await, StatusCode::CONFLICT, "conflict").await;
    assert_error(app.put(&path, json!({"status": "issued"}), &desk.staff).await, StatusCode::CONFLICT, "conflict").await;
    let credit = |amount: i64| json!({"amount_cents": amount, "reason": "Goodwill"});
    let credited = app.post(&format!("{path}/credit-notes"), credit(550), Some(&desk.staff)).await;
    assert_eq!(credited.status(), StatusCode::CREATED);
    let credited = body(credited).await;
    assert_eq!((credited["credited_cents"].as_i64(), credited["balance_cents"].as_i64()), (Some(550), Some(8000)));
    assert!(credited["credit_notes"][0]["number"].as_str().unwrap().starts_with("CN-"));
    let too_much = app.post(&format!("{path}/credit-notes"), credit(8001), Some(&desk.staff)).await;
    assert_error(too_much, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // Paid in part, it can't be voided until the money is given back; refunds are their own
    // movement, never more than was paid.
    assert_eq!(
        desk.pay(id, json!({"amount_cents": 3000, "method": "card", "reference": "slip 77"}), &desk.staff).await.status(),
        StatusCode::CREATED
    );
    let void = json!({"status": "void", "reason": "Patient was insured elsewhere"});
    assert!(assert_error(app.put(&path, void.clone(), &desk.staff).await, StatusCode::CONFLICT, "conflict").await.contains("refund"));
    let refund = |amount: i64| json!({"amount_cents": amount, "method": "card", "reason": "Billed by mistake"});
    let over = app.post(&format!("{path}/refunds"), refund(3001), Some(&desk.staff)).await;
    assert_error(over, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(app.post(&format!("{path}/refunds"), refund(3000), Some(&desk.patient)).await.status(), StatusCode::FORBIDDEN);
    let refunded = app.post(&format!("{path}/refunds"), refund(3000), Some(&desk.staff)).await;
    assert_eq!(refunded.status(), StatusCode::CREATED);
    let refunded = body(refunded).await;
    assert_eq!((refunded["payment"]["kind"].as_str(), refunded["payment"]["amount_cents"].as_i64()), (Some("refund"), Some(3000)));
    assert_eq!(refunded["balance_after_cents"], 8000);
    assert_eq!(desk.get(id, &desk.patient).await["status"], "issued");

    // Now it holds no money: voided with its reason, and nothing more moves on it.
    assert_error(app.put(&path, json!({"status": "void"}), &desk.staff).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let voided = body(app.put(&path, void, &desk.staff).await).await;
    assert_eq!((voided["status"].as_str(), voided["void_reason"].as_str()), (Some("void"), Some("Patient was insured elsewhere")));
    assert_error(desk.pay(id, json!({"amount_cents": 100, "method": "cash"}), &desk.staff).await, StatusCode::CONFLICT, "conflict").await;
    assert_error(app.post(&format!("{path}/credit-notes"), credit(1), Some(&desk.staff)).await, StatusCode::CONFLICT, "conflict").await;
    for action in [
        "billing.invoice.create",
        "billing.invoice.edit",
        "billing.invoice.issue",
        "billing.credit",
        "billing.refund",
        "billing.invoice.void",
    ] {
        assert_eq!(audit_count(app, action, desk.patient_id).await, 1, "{action}");
    }
    assert_eq!(body(app.get("/api/billing?status=void", Some(&desk.admin)).await).await["total"], 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn bad_billing_input_is_a_clear_4xx_that_writes_nothing(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let app = &desk.app;
    let line = json!([{"description": "X-ray", "unit_price_cents": 5000}]);
    for (invoice, fragment) in [
        (json!({"patient_id": desk.patient_id, "currency": "USD", "lines": []}), "at least one line"),
        (json!({"patient_id": desk.patient_id, "currency": "dollars", "lines": line}), "currency"),
        (json!({"patient_id": 999_999, "currency": "USD", "lines": line}), "patient_id"),
        (
            json!({"patient_id": desk.patient_id, "currency": "USD", "lines": [{"description": "X", "quantity": 0, "unit_price_cents": 1}]}),
            "quantity",
        ),
        (json!({"patient_id": desk.patient_id, "currency": "USD", "lines": [{"description": "X", "unit_price_cents": -1}]}), "unit price"),
        (json!({"patient_id": desk.patient_id, "currency": "USD", "lines": [{"description": " ", "unit_price_cents": 1}]}), "description"),
        (json!({"patient_id": desk.patient_id, "currency": "USD", "lines": line, "total_cents": 1}), "unknown field"),
    ] {
        let refused = app.post("/api/billing", invoice, Some(&desk.staff)).await;
        let message = assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(message.contains(fragment), "{message} should mention {fragment}");
    }
    // A visit that isn't completed, or isn't theirs, can't be billed by hand.
    let mut day = Utc::now().date_naive() + Duration::days(9);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Duration::days(1);
    }
    let booking = json!({"doctor_id": desk.doctor_id, "date": day.to_string(), "time_slot": "11:00"});
    let pending = body(app.post("/api/appointments", booking, Some(&desk.patient)).await).await["id"].as_i64().unwrap();
    let for_visit = json!({"patient_id": desk.patient_id, "currency": "USD", "lines": line, "appointment_id": pending});
    assert_error(app.post("/api/billing", for_visit, Some(&desk.staff)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM invoices").await, 0, "nothing written");

    let id = desk.invoice(line, false).await["id"].as_i64().unwrap();
    for (payment, token, fragment) in [
        (json!({"amount_cents": 0, "method": "cash"}), &desk.staff, "more than zero"),
        (json!({"amount_cents": -500, "method": "cash"}), &desk.staff, "more than zero"),
        (json!({"amount_cents": 500, "method": "cheque"}), &desk.staff, "method"),
        (json!({"amount_cents": 500, "method": "cash", "card_token": PAYS}), &desk.staff, "terminal"),
        (json!({"amount_cents": 500, "method": "cash"}), &desk.patient, "by card"),
        (json!({"amount_cents": 500, "method": "card"}), &desk.patient, "card number"),
        (json!({"amount_cents": 500, "method": "card", "card_token": "4242 4242 4242 4241"}), &desk.patient, "mistyped"),
    ] {
        let message = assert_error(desk.pay(id, payment, token).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(message.contains(fragment), "{message} should mention {fragment}");
    }
    for query in ["status=owing", "page=0", "patient_id=abc"] {
        let listed = app.get(&format!("/api/billing?{query}"), Some(&desk.staff)).await;
        assert!(listed.status().is_client_error(), "{query}: {}", listed.status());
    }
    assert_error(app.get("/api/billing/999999", Some(&desk.staff)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(app.get("/api/receipts/999999", Some(&desk.staff)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM payments").await, 0, "no payment written");
    assert_eq!(desk.get(id, &desk.staff).await["paid_cents"], 0);
}

#[sqlx::test(migrations = "./migrations")]
async fn an_insurance_claim_goes_through_to_paid_and_settles_the_insurers_share(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let app = &desk.app;
    let invoice = desk.invoice(json!([{"description": "Knee arthroscopy", "unit_price_cents": 20000}]), false).await;
    let id = invoice["id"].as_i64().unwrap();

    // The patient files their policy; nobody else may, and the same one twice is a conflict.
    let insurance = format!("/api/patients/{}/insurance", desk.patient_id);
    let policy = json!({"payer": "Acme Health", "member_id": "AC-778812", "plan": "Gold", "valid_from": "2026-01-01"});
    let added = app.post(&insurance, policy.clone(), Some(&desk.patient)).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let policy_id = body(added).await["id"].as_i64().unwrap();
    assert_error(app.post(&insurance, policy.clone(), Some(&desk.patient)).await, StatusCode::CONFLICT, "conflict").await;
    assert_error(app.post(&insurance, policy, Some(&desk.other_patient)).await, StatusCode::NOT_FOUND, "not_found").await;
    let backwards = json!({"payer": "Acme", "member_id": "X1", "valid_from": "2026-05-01", "valid_to": "2026-01-01"});
    assert_error(app.post(&insurance, backwards, Some(&desk.staff)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body(app.get(&insurance, Some(&desk.staff)).await).await.as_array().unwrap().len(), 1);

    // The desk claims 150.00 of the 200.00; one claim in progress per invoice.
    let claim = json!({"invoice_id": id, "policy_id": policy_id, "amount_cents": 15000});
    let submitted = app.post("/api/claims", claim.clone(), Some(&desk.staff)).await;
    assert_eq!(submitted.status(), StatusCode::CREATED);
    let claim_id = body(submitted).await["id"].as_i64().unwrap();
    assert_error(app.post("/api/claims", claim, Some(&desk.staff)).await, StatusCode::CONFLICT, "conflict").await;
    let too_much = json!({"invoice_id": id, "policy_id": policy_id, "amount_cents": 20001});
    assert_error(app.post("/api/claims", too_much, Some(&desk.staff)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // The state machine: only its next steps; a partial approval carries its amount.
    let path = &format!("/api/claims/{claim_id}");
    let staff = &desk.staff;
    let step = |change: Value| async move { app.put(path, change, staff).await };
    assert_error(step(json!({"status": "paid"})).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        app.put(&format!("/api/claims/{claim_id}"), json!({"status": "in_review"}), &desk.patient).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(step(json!({"status": "in_review"})).await.status(), StatusCode::OK);
    assert_error(step(json!({"status": "partially_approved"})).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_error(step(json!({"status": "denied"})).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let partly = body(step(json!({"status": "partially_approved", "approved_cents": 12000})).await).await;
    assert_eq!((partly["status"].as_str(), partly["approved_cents"].as_i64()), (Some("partially_approved"), Some(12000)));

    // Paid: the insurer's 120.00 is a payment on the invoice, by insurance.
    let paid = body(step(json!({"status": "paid"})).await).await;
    assert_eq!(paid["status"], "paid");
    assert!(paid["payment_id"].as_i64().is_some());
    let history: Vec<&str> = paid["history"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(history, ["submitted", "in_review", "partially_approved", "paid"]);
    assert!(paid["history"].as_array().unwrap().iter().all(|e| e["changed_by_name"] == "The staff"));
    let settled = desk.get(id, &desk.patient).await;
    assert_eq!(
        (settled["paid_cents"].as_i64(), settled["balance_cents"].as_i64(), settled["status"].as_str()),
        (Some(12000), Some(8000), Some("partially_paid"))
    );
    assert_eq!(settled["payments"][0]["method"], "insurance");
    assert_error(step(json!({"status": "in_review"})).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // The patient follows it: their claims, and a notice at every change.
    let mine = body(app.get("/api/claims", Some(&desk.patient)).await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["status"], "paid");
    assert_eq!(body(app.get("/api/claims", Some(&desk.other_patient)).await).await, json!([]));
    assert_error(app.get(&format!("/api/claims/{claim_id}"), Some(&desk.other_patient)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM notifications WHERE title = 'Insurance claim update'").await, 3);
    assert_eq!(count(&pool, "SELECT count(*) FROM notifications WHERE title = 'Insurance claim submitted'").await, 1);

    // The rest goes to a second claim, which the insurer denies, with its reason.
    let again = json!({"invoice_id": id, "policy_id": policy_id, "amount_cents": 8000});
    let second = body(app.post("/api/claims", again, Some(&desk.staff)).await).await["id"].as_i64().unwrap();
    let second_path = format!("/api/claims/{second}");
    assert_eq!(app.put(&second_path, json!({"status": "in_review"}), &desk.staff).await.status(), StatusCode::OK);
    let denied = body(app.put(&second_path, json!({"status": "denied", "reason": "Not covered by the plan"}), &desk.staff).await).await;
    assert_eq!((denied["status"].as_str(), denied["reason"].as_str()), (Some("denied"), Some("Not covered by the plan")));
    assert_eq!(desk.get(id, &desk.staff).await["balance_cents"], 8000);
    assert_eq!(audit_count(app, "billing.claim.paid", desk.patient_id).await, 1);
    assert_eq!(audit_count(app, "billing.claim.denied", desk.patient_id).await, 1);
}
