//! Prescriptions, refills and the pharmacy: a patient asks for a refill or a new medicine, the
//! doctor decides, the pharmacy dispenses first-expired-first-out from lots that never go below
//! zero, bills it and tells the patient; the stock alerts; both races.

use crate::helpers::{assert_error, body, TestApp};
use crate::records::{audit_count, Clinic};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn notifications_titled(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE title = $1").bind(title).fetch_one(&app.pool).await.unwrap()
}

/// The doctor accepts the visit and writes a note prescribing paracetamol with `refills`.
async fn prescribed(clinic: &Clinic, refills: i32) -> i64 {
    clinic.accept_the_visit().await;
    let note = json!({
        "patient_id": clinic.patient_id,
        "diagnoses": [{"code": "J06.9"}],
        "prescriptions": [{"drug": "Paracetamol", "dose": "500 mg", "frequency": "every 6 hours as needed", "quantity": 20, "refills": refills}],
    });
    let written = clinic.app.post("/api/medical-records", note, Some(&clinic.doctor)).await;
    assert_eq!(written.status(), StatusCode::CREATED);
    let prescriptions = body(clinic.app.get("/api/prescriptions", Some(&clinic.patient)).await).await;
    prescriptions[0]["id"].as_i64().unwrap()
}

/// An item with two lots: `LATE` (30 units, a year away) received first, `EARLY` (25 units, in
/// three months) second.
async fn stocked(clinic: &Clinic, name: &str, kind: &str, price_cents: i64) -> i64 {
    let app = &clinic.app;
    let item = json!({"name": name, "kind": kind, "unit": "tablet", "reorder_level": 10, "price_cents": price_cents});
    let created = app.post("/api/inventory", item, Some(&clinic.staff)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = body(created).await["id"].as_i64().unwrap();
    let today = Utc::now().date_naive();
    for (lot, quantity, expiry) in [("LATE", 30, today + Duration::days(365)), ("EARLY", 25, today + Duration::days(90))] {
        let receipt = json!({"kind": "receive", "quantity": quantity, "lot_number": lot, "expiry_date": expiry});
        assert_eq!(app.post(&format!("/api/inventory/{id}/movements"), receipt, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    }
    id
}

fn lot_quantity(item: &Value, lot: &str) -> i64 {
    item["lots"].as_array().unwrap().iter().find(|l| l["lot_number"] == lot).map_or(0, |l| l["quantity"].as_i64().unwrap())
}

async fn dispense(clinic: &Clinic, item: i64, quantity: i32, prescription_id: Option<i64>) -> reqwest::Response {
    let movement = json!({"kind": "dispense", "quantity": quantity, "prescription_id": prescription_id});
    clinic.app.post(&format!("/api/inventory/{item}/movements"), movement, Some(&clinic.staff)).await
}

#[sqlx::test(migrations = "./migrations")]
async fn a_refill_is_asked_for_approved_and_dispensed_from_the_earliest_expiring_lot(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let prescription = prescribed(&clinic, 1).await;
    let item = stocked(&clinic, "Paracetamol 500 mg", "medicine", 25).await;

    // The first fill waits in the pharmacy's queue; the desk hands it out.
    let queue = body(app.get("/api/prescriptions/to-dispense", Some(&clinic.staff)).await).await;
    assert_eq!(queue[0]["id"], prescription);
    assert_eq!(audit_count(app, "prescriptions.to_dispense", clinic.patient_id).await, 1);
    let filled = dispense(&clinic, item, 20, Some(prescription)).await;
    assert_eq!(filled.status(), StatusCode::CREATED);
    let filled = body(filled).await;
    assert_eq!((lot_quantity(&filled, "EARLY"), lot_quantity(&filled, "LATE")), (5, 30), "first expired, first out");
    assert_eq!(filled["quantity_on_hand"], 35);
    assert_eq!(filled["movements"][0]["kind"], "dispense");
    assert_eq!(filled["movements"][0]["prescription_id"], prescription);
    assert_eq!(notifications_titled(app, "Ready for pickup").await, 1);
    // The medicine is on the patient's bill.
    let bills = body(app.get("/api/billing", Some(&clinic.patient)).await).await;
    assert_eq!(bills["invoices"][0]["total_cents"], 500);
    // Handed out once: nothing waits until a refill is approved.
    assert_error(dispense(&clinic, item, 20, Some(prescription)).await, StatusCode::CONFLICT, "conflict").await;

    // The patient asks for the refill, once.
    let path = format!("/api/prescriptions/{prescription}/refill-requests");
    let asked = app.post(&path, json!({"note": "Running out on Friday"}), Some(&clinic.patient)).await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let request = body(asked).await["id"].as_i64().unwrap();
    assert_eq!(notifications_titled(app, "Refill request").await, 1);
    assert_error(app.post(&path, json!({}), Some(&clinic.patient)).await, StatusCode::CONFLICT, "conflict").await;

    // The doctor's queue shows it with the last fill; another doctor can't decide it.
    let queue = body(app.get("/api/refill-requests?status=pending", Some(&clinic.doctor)).await).await;
    assert_eq!(queue[0]["id"], request);
    assert!(queue[0]["last_filled_at"].is_string());
    assert_eq!(queue[0]["refills_left"], 1);
    assert!(body(app.get("/api/refill-requests", Some(&clinic.other_doctor)).await).await.as_array().unwrap().is_empty());
    let approve = format!("/api/refill-requests/{request}/approve");
    assert_eq!(app.post(&approve, json!({"note": "OK"}), Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);
    assert_error(
        app.post(&approve, json!({"note": " "}), Some(&clinic.doctor)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let approved = app.post(&approve, json!({"note": "One more month, then come and see me."}), Some(&clinic.doctor)).await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(body(approved).await["status"], "approved");
    assert_eq!(notifications_titled(app, "Refill approved").await, 1);
    assert_error(app.post(&approve, json!({"note": "again"}), Some(&clinic.doctor)).await, StatusCode::CONFLICT, "conflict").await;

    // The refill is dispensed: the rest of EARLY, then LATE.
    let refilled = body(dispense(&clinic, item, 20, Some(prescription)).await).await;
    assert_eq!((lot_quantity(&refilled, "EARLY"), lot_quantity(&refilled, "LATE")), (0, 15));
    let lots_moved: Vec<&str> = refilled["movements"].as_array().unwrap()[..2].iter().map(|m| m["lot_number"].as_str().unwrap()).collect();
    assert_eq!(lots_moved, ["LATE", "EARLY"], "the dispense split across two lots, newest movement first");
    let requests = body(app.get("/api/refill-requests", Some(&clinic.patient)).await).await;
    assert_eq!(requests[0]["status"], "dispensed");
    let mine = body(app.get("/api/prescriptions", Some(&clinic.patient)).await).await;
    assert_eq!((mine[0]["fills"].as_i64(), mine[0]["refills_used"].as_i64()), (Some(2), Some(1)));

    // No refills left: asking again is refused with the reason.
    let refused =
        assert_error(app.post(&path, json!({}), Some(&clinic.patient)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(refused.contains("no refills left"), "{refused}");

    // The ledger: every lot is the sum of its movements.
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM inventory_lots l WHERE l.quantity <> (SELECT coalesce(sum(quantity), 0) FROM inventory_movements WHERE lot_id = l.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    // The doctor's reads are in the patient's "who viewed my record".
    assert!(audit_count(app, "refills.list", clinic.patient_id).await >= 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_prescription_past_its_year_or_of_another_patient_is_not_refilled(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let prescription = prescribed(&clinic, 3).await;
    let path = format!("/api/prescriptions/{prescription}/refill-requests");
    // Another patient: not found, as if it did not exist.
    let (_, other) = app.patient("bo@example.org").await;
    assert_error(app.post(&path, json!({}), Some(&other)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.post(&path, json!({}), Some(&clinic.doctor)).await.status(), StatusCode::FORBIDDEN);
    sqlx::query("UPDATE prescriptions SET prescribed_at = now() - interval '366 days' WHERE id = $1")
        .bind(prescription)
        .execute(&app.pool)
        .await
        .unwrap();
    let refused =
        assert_error(app.post(&path, json!({}), Some(&clinic.patient)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(refused.contains("more than a year"), "{refused}");
    // Bad input is a 4xx.
    assert_eq!(
        app.post("/api/prescriptions/999999/refill-requests", json!({}), Some(&clinic.patient)).await.status(),
        StatusCode::NOT_FOUND
    );
    let long = json!({"note": "x".repeat(1001)});
    assert_eq!(app.post(&path, long, Some(&clinic.patient)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post(&path, json!({"notes": "typo"}), Some(&clinic.patient)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Clinicians read a chart's prescriptions with `patient_id`; the desk does not read charts.
    assert_eq!(app.get("/api/prescriptions", Some(&clinic.doctor)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let of_patient = format!("/api/prescriptions?patient_id={}", clinic.patient_id);
    assert_eq!(app.get(&of_patient, Some(&clinic.doctor)).await.status(), StatusCode::OK);
    assert_eq!(app.get(&of_patient, Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&of_patient, Some(&clinic.staff)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(audit_count(app, "prescriptions.list", clinic.patient_id).await, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn two_approvals_racing_past_the_last_refill_give_one(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let prescription = prescribed(&clinic, 1).await;
    let asked = app.post(&format!("/api/prescriptions/{prescription}/refill-requests"), json!({}), Some(&clinic.patient)).await;
    let request = body(asked).await["id"].as_i64().unwrap();
    let approve = format!("/api/refill-requests/{request}/approve");
    let attempts = (0..6).map(|_| app.post(&approve, json!({"note": "Fine."}), Some(&clinic.doctor)));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| matches!(*s, StatusCode::OK | StatusCode::CONFLICT)), "{statuses:?}");
    let used: i32 =
        sqlx::query_scalar("SELECT refills_used FROM prescriptions WHERE id = $1").bind(prescription).fetch_one(&app.pool).await.unwrap();
    assert_eq!(used, 1);
    // Past the last refill, the database itself refuses.
    let over =
        sqlx::query("UPDATE prescriptions SET refills_used = refills_used + 1 WHERE id = $1").bind(prescription).execute(&app.pool).await;
    assert!(over.unwrap_err().to_string().contains("prescriptions_refills_within_written"));
}

#[sqlx::test(migrations = "./migrations")]
async fn twenty_dispenses_racing_for_a_lot_of_five_give_five(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let item = json!({"name": "Gauze pad", "kind": "supply", "unit": "pack"});
    let id = body(app.post("/api/inventory", item, Some(&clinic.staff)).await).await["id"].as_i64().unwrap();
    let expiry = Utc::now().date_naive() + Duration::days(200);
    let receipt = json!({"kind": "receive", "quantity": 5, "lot_number": "G-1", "expiry_date": expiry});
    assert_eq!(app.post(&format!("/api/inventory/{id}/movements"), receipt, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    let attempts = (0..20).map(|_| dispense(&clinic, id, 1, None));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 15, "{statuses:?}");
    let after = body(app.get(&format!("/api/inventory/{id}"), Some(&clinic.staff)).await).await;
    assert_eq!(after["quantity_on_hand"], 0);
    // The lot can't go below zero, whoever writes to the ledger.
    let lot: i64 = sqlx::query_scalar("SELECT id FROM inventory_lots WHERE item_id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    let below = sqlx::query("INSERT INTO inventory_movements (item_id, lot_id, kind, quantity) VALUES ($1, $2, 'dispense', -1)")
        .bind(id)
        .bind(lot)
        .execute(&app.pool)
        .await;
    assert!(below.unwrap_err().to_string().contains("inventory_lots_never_negative"));
}

#[sqlx::test(migrations = "./migrations")]
async fn stock_moves_only_by_the_rules_of_its_lots(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let item = stocked(&clinic, "Ibuprofen 200 mg", "medicine", 0).await;
    let moves = format!("/api/inventory/{item}/movements");
    let post = |movement: Value| app.post(&moves, movement, Some(&clinic.staff));
    let refused = |movement: Value| async move { post(movement).await.status() };
    // A new lot needs its expiry; a lot already held must keep it; expired stock is not received.
    assert_eq!(refused(json!({"kind": "receive", "quantity": 5, "lot_number": "NEW"})).await, StatusCode::UNPROCESSABLE_ENTITY);
    let other_expiry = json!({"kind": "receive", "quantity": 5, "lot_number": "LATE", "expiry_date": "2099-01-01"});
    assert_eq!(refused(other_expiry).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused(json!({"kind": "receive", "quantity": 5, "lot_number": "OLD", "expiry_date": "2020-01-01"})).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Quantities are positive (an adjustment signed, not zero); reasons are required to adjust, waste or return.
    assert_eq!(
        refused(json!({"kind": "waste", "quantity": -2, "lot_number": "LATE", "reason": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        refused(json!({"kind": "adjust", "quantity": 0, "lot_number": "LATE", "reason": "count"})).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(refused(json!({"kind": "waste", "quantity": 2, "lot_number": "LATE"})).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused(json!({"kind": "dispense", "quantity": 2})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a medicine needs a prescription"
    );
    assert_eq!(refused(json!({"kind": "teleport", "quantity": 2})).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused(json!({"kind": "return", "quantity": 31, "lot_number": "LATE", "reason": "recall"})).await, StatusCode::CONFLICT);
    // A count corrected down, a damaged pack wasted, a recall returned: on hand is the ledger's sum.
    for movement in [
        json!({"kind": "adjust", "quantity": -3, "lot_number": "LATE", "reason": "Stock count"}),
        json!({"kind": "waste", "quantity": 2, "lot_number": "EARLY", "reason": "Damaged"}),
        json!({"kind": "return", "quantity": 5, "lot_number": "LATE", "reason": "Recall"}),
    ] {
        assert_eq!(post(movement).await.status(), StatusCode::CREATED);
    }
    let now = body(app.get(&format!("/api/inventory/{item}"), Some(&clinic.nurse)).await).await;
    assert_eq!(now["quantity_on_hand"], 55 - 3 - 2 - 5);
    assert_eq!(now["movements"].as_array().unwrap().len(), 5);
    // An expired lot can only be wasted.
    sqlx::query("UPDATE inventory_lots SET expiry_date = current_date - 1 WHERE lot_number = 'EARLY'").execute(&app.pool).await.unwrap();
    let adjust = json!({"kind": "adjust", "quantity": 1, "lot_number": "EARLY", "reason": "Found one"});
    assert_eq!(refused(adjust).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        post(json!({"kind": "waste", "quantity": 23, "lot_number": "EARLY", "reason": "Expired"})).await.status(),
        StatusCode::CREATED
    );
    // Roles: doctors and nurses look stock up; patients and managers don't; only the desk and admins move it.
    assert_eq!(app.get("/api/inventory", Some(&clinic.patient)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/inventory", Some(&clinic.manager)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.post(&moves, json!({"kind": "adjust", "quantity": 1, "lot_number": "LATE", "reason": "x"}), Some(&clinic.nurse)).await.status(),
        StatusCode::FORBIDDEN
    );
    // Search by name.
    let found = body(app.get("/api/inventory?q=ibupro", Some(&clinic.doctor)).await).await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert!(body(app.get("/api/inventory?q=100%25", Some(&clinic.doctor)).await).await.as_array().unwrap().is_empty());

    // An item that moved stock is deactivated, not deleted; one that never did is deleted.
    assert_eq!(app.delete(&format!("/api/inventory/{item}"), json!({}), &clinic.staff).await.status(), StatusCode::NO_CONTENT);
    let kept = body(app.get(&format!("/api/inventory/{item}"), Some(&clinic.staff)).await).await;
    assert_eq!(kept["active"], false);
    assert_eq!(post(json!({"kind": "receive", "quantity": 1, "lot_number": "LATE"})).await.status(), StatusCode::CONFLICT);
    let fresh =
        body(app.post("/api/inventory", json!({"name": "Swab", "kind": "supply", "unit": "piece"}), Some(&clinic.staff)).await).await;
    let fresh = fresh["id"].as_i64().unwrap();
    assert_eq!(app.delete(&format!("/api/inventory/{fresh}"), json!({}), &clinic.admin).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/inventory/{fresh}"), Some(&clinic.staff)).await.status(), StatusCode::NOT_FOUND);
    // Names: one active item of a name; bad fields are 422s.
    let again = json!({"name": "swab", "kind": "supply", "unit": "piece"});
    assert_eq!(app.post("/api/inventory", again.clone(), Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    assert_error(app.post("/api/inventory", again, Some(&clinic.staff)).await, StatusCode::CONFLICT, "conflict").await;
    let bad = json!({"name": "X", "kind": "supply", "unit": "piece", "reorder_level": -1});
    assert_eq!(app.post("/api/inventory", bad, Some(&clinic.staff)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ledger_changed = sqlx::query("UPDATE inventory_movements SET quantity = 100").execute(&app.pool).await;
    assert!(ledger_changed.unwrap_err().to_string().contains("append-only"));
}

#[sqlx::test(migrations = "./migrations")]
async fn a_new_medicine_is_asked_of_a_doctor_who_writes_it_and_the_pharmacy_hands_it_out(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let doctor_id: i64 =
        sqlx::query_scalar("SELECT doctor_id FROM appointments WHERE id = $1").bind(clinic.visit_id).fetch_one(&app.pool).await.unwrap();
    let ask = json!({"doctor_id": doctor_id, "drug": "Cetirizine", "note": "Hay fever is back"});
    // Not yet one of the patient's doctors.
    assert_eq!(app.post("/api/refill-requests", ask.clone(), Some(&clinic.patient)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    clinic.accept_the_visit().await;
    let asked = app.post("/api/refill-requests", ask, Some(&clinic.patient)).await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let request = body(asked).await["id"].as_i64().unwrap();
    let approve = format!("/api/refill-requests/{request}/approve");
    let without = assert_error(
        app.post(&approve, json!({"note": "Yes"}), Some(&clinic.doctor)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(without.contains("prescription"), "{without}");
    let written = json!({"note": "Once a day in the evening.",
                         "prescription": {"drug": "Cetirizine", "dose": "10 mg", "frequency": "once a day", "quantity": 30, "refills": 2}});
    let approved = body(app.post(&approve, written, Some(&clinic.doctor)).await).await;
    let issued = approved["issued_prescription_id"].as_i64().expect("the prescription written");
    assert_eq!(audit_count(app, "chart.prescription.add", clinic.patient_id).await, 1);
    let mine = body(app.get("/api/prescriptions", Some(&clinic.patient)).await).await;
    assert_eq!((mine[0]["id"].as_i64(), mine[0]["refills"].as_i64()), (Some(issued), Some(2)));
    // The pharmacy dispenses it; the request is ready for pickup.
    let item = stocked(&clinic, "Cetirizine 10 mg", "medicine", 0).await;
    assert_eq!(dispense(&clinic, item, 30, Some(issued)).await.status(), StatusCode::CREATED);
    let requests = body(app.get("/api/refill-requests", Some(&clinic.patient)).await).await;
    assert_eq!(requests[0]["status"], "dispensed");
    // A denial needs its reason, and is told to the patient.
    let second =
        body(app.post("/api/refill-requests", json!({"doctor_id": doctor_id, "drug": "Codeine"}), Some(&clinic.patient)).await).await;
    let deny = format!("/api/refill-requests/{}/deny", second["id"]);
    assert_eq!(app.post(&deny, json!({}), Some(&clinic.doctor)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let denied = body(app.post(&deny, json!({"note": "Let's talk at your next visit."}), Some(&clinic.doctor)).await).await;
    assert_eq!(denied["status"], "denied");
    assert_eq!(notifications_titled(app, "Refill declined").await, 1);
    // Refill requests are between patients and doctors.
    assert_eq!(app.get("/api/refill-requests", Some(&clinic.staff)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/refill-requests", Some(&clinic.nurse)).await.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "./migrations")]
async fn stock_alerts_are_shown_and_sent_once_until_they_clear(pool: PgPool) {
    let clinic = Clinic::new(pool.clone()).await;
    let app = &clinic.app;
    let item = json!({"name": "Insulin pen", "kind": "medicine", "unit": "pen", "reorder_level": 10});
    let id = body(app.post("/api/inventory", item, Some(&clinic.staff)).await).await["id"].as_i64().unwrap();
    let soon = Utc::now().date_naive() + Duration::days(30);
    let receipt = json!({"kind": "receive", "quantity": 4, "lot_number": "IN-1", "expiry_date": soon});
    assert_eq!(app.post(&format!("/api/inventory/{id}/movements"), receipt, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    let alerts = body(app.get("/api/inventory/alerts", Some(&clinic.staff)).await).await;
    assert_eq!(alerts["days"], 60);
    assert_eq!(alerts["low_stock"][0]["id"], id);
    assert_eq!(alerts["expiring"][0]["lot_number"], "IN-1");
    let narrow = body(app.get("/api/inventory/alerts?days=7", Some(&clinic.staff)).await).await;
    assert!(narrow["expiring"].as_array().unwrap().is_empty());
    assert_eq!(app.get("/api/inventory/alerts?days=0", Some(&clinic.staff)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let settings = caduceus::clinic::Clinic {
        timezone: chrono_tz::UTC,
        cancel_cutoff_hours: 2,
        public_url: "http://clinic.test".into(),
        break_glass_hours: 4,
        expiry_alert_days: 60,
    };
    let pharmacy_users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE role IN ('staff', 'admin') AND active").fetch_one(&pool).await.unwrap();
    assert_eq!(caduceus::pharmacy::service::send_alerts(&pool, &settings).await.unwrap(), 2);
    assert_eq!(notifications_titled(app, "Stock low").await, pharmacy_users);
    assert_eq!(notifications_titled(app, "Stock expiring").await, pharmacy_users);
    // Once: the next run sends nothing new.
    assert_eq!(caduceus::pharmacy::service::send_alerts(&pool, &settings).await.unwrap(), 0);
    // Restocked above the level, the low-stock alert clears; when stock falls again it is sent again.
    let later = Utc::now().date_naive() + Duration::days(300);
    let restock = json!({"kind": "receive", "quantity": 20, "lot_number": "IN-2", "expiry_date": later});
    assert_eq!(app.post(&format!("/api/inventory/{id}/movements"), restock, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    assert_eq!(caduceus::pharmacy::service::send_alerts(&pool, &settings).await.unwrap(), 0);
    let used = json!({"kind": "adjust", "quantity": -18, "lot_number": "IN-2", "reason": "Stock count"});
    assert_eq!(app.post(&format!("/api/inventory/{id}/movements"), used, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    assert_eq!(caduceus::pharmacy::service::send_alerts(&pool, &settings).await.unwrap(), 1);
    assert_eq!(notifications_titled(app, "Stock low").await, 2 * pharmacy_users);
}
