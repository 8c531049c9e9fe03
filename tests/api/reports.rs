//! Reports: the revenue and patient summaries move with the money and the visits (deltas
//! before and after), the rollups kept by the writes equal a full recomputation (after
//! concurrent payments and an erasure too), only managers and admins read them, and bad ranges
//! are a 422.

use crate::billing::{Desk, PAYS};
use crate::helpers::{assert_error, body};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn revenue(desk: &Desk, query: &str) -> Value {
    let response = desk.app.get(&format!("/api/reports/revenue-summary{query}"), Some(&desk.manager)).await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn patients(desk: &Desk) -> Value {
    let response = desk.app.get("/api/reports/patient-summary", Some(&desk.manager)).await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or_else(|| panic!("not an integer: {value}"))
}

/// Every rollup summed by its keys, as text: what the reports read.
async fn rollups(pool: &PgPool) -> Vec<String> {
    let tables: Vec<(String, Vec<String>, Vec<String>)> =
        sqlx::query_as("SELECT name::text, keys, measures FROM report_rollups ORDER BY 1").fetch_all(pool).await.unwrap();
    let mut out = Vec::new();
    for (table, keys, measures) in tables {
        let keys = keys.join(", ");
        let sums: Vec<String> = measures.iter().map(|m| format!("sum({m})::bigint AS {m}")).collect();
        let nonzero: Vec<String> = measures.iter().map(|m| format!("sum({m}) <> 0")).collect();
        let sql = format!(
            "SELECT coalesce(json_agg(x ORDER BY {keys})::text, '[]') FROM (SELECT {keys}, {} FROM {table} GROUP BY {keys} HAVING {}) x",
            sums.join(", "),
            nonzero.join(" OR ")
        );
        let rows: String = sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap();
        out.push(format!("{table}: {rows}"));
    }
    out
}

/// The rollups as the writes kept them equal the same computed from scratch.
pub(crate) async fn assert_rollups_match_recomputation(pool: &PgPool) {
    let kept = rollups(pool).await;
    sqlx::query("SELECT reports_rebuild()").execute(pool).await.unwrap();
    let recomputed = rollups(pool).await;
    assert_eq!(kept, recomputed);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_revenue_summary_follows_the_money_and_matches_a_recomputation(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let app = &desk.app;
    let before = revenue(&desk, "").await;
    let patients_before = patients(&desk).await;

    // A visit (120.00, Dr. Fee, Cardiology) paid 50 online and 70 in cash, 10 refunded; another
    // service of 30.00 lowered by a 5.00 credit note.
    desk.completed_visit().await;
    let bills = body(app.get("/api/billing", Some(&desk.patient)).await).await;
    let visit_bill = int(&bills["invoices"][0]["id"]);
    let online = json!({"amount_cents": 5000, "method": "card", "card_token": PAYS});
    assert_eq!(desk.pay(visit_bill, online, &desk.patient).await.status(), StatusCode::CREATED);
    assert_eq!(desk.pay(visit_bill, json!({"amount_cents": 7000, "method": "cash"}), &desk.staff).await.status(), StatusCode::CREATED);
    let refund = json!({"amount_cents": 1000, "method": "cash", "reason": "Overcharged"});
    assert_eq!(app.post(&format!("/api/billing/{visit_bill}/refunds"), refund, Some(&desk.staff)).await.status(), StatusCode::CREATED);
    let other = desk.invoice(json!([{"description": "Dressing", "quantity": 1, "unit_price_cents": 3000}]), false).await;
    let credit = json!({"amount_cents": 500, "reason": "Goodwill"});
    let credited = app.post(&format!("/api/billing/{}/credit-notes", int(&other["id"])), credit, Some(&desk.staff)).await;
    assert_eq!(credited.status(), StatusCode::CREATED);
    // A draft bills nothing yet.
    desk.invoice(json!([{"description": "Later", "quantity": 1, "unit_price_cents": 999}]), true).await;

    let after = revenue(&desk, "").await;
    assert_eq!(after["currency"], "USD");
    let delta = |key: &str| int(&after["totals"][key]) - int(&before["totals"][key]);
    assert_eq!(delta("invoices"), 2);
    assert_eq!(delta("billed_cents"), 12000 + 3000 - 500);
    assert_eq!(delta("credited_cents"), 500);
    assert_eq!(delta("collected_cents"), 5000 + 7000 - 1000);
    assert_eq!(delta("outstanding_cents"), 1000 + 2500);

    let method =
        |report: &Value, name: &str| report["by_method"].as_array().unwrap().iter().find(|m| m["method"] == name).cloned().unwrap();
    assert_eq!(int(&method(&after, "card")["paid_cents"]) - int(&method(&before, "card")["paid_cents"]), 5000);
    let cash = method(&after, "cash");
    assert_eq!((int(&cash["paid_cents"]), int(&cash["refunded_cents"]), int(&cash["collected_cents"])), (7000, 1000, 6000));

    let doctor = after["by_doctor"].as_array().unwrap().iter().find(|d| d["doctor_id"] == desk.doctor_id).cloned().unwrap();
    assert_eq!((doctor["name"].as_str(), doctor["specialization"].as_str()), (Some("Dr. Fee"), Some("Cardiology")));
    assert_eq!((int(&doctor["billed_cents"]), int(&doctor["collected_cents"]), int(&doctor["outstanding_cents"])), (12000, 11000, 1000));
    let others = after["by_doctor"].as_array().unwrap().iter().find(|d| d["doctor_id"].is_null()).cloned().unwrap();
    assert_eq!((int(&others["billed_cents"]), int(&others["outstanding_cents"])), (2500, 2500));
    let cardiology = after["by_specialization"].as_array().unwrap().iter().find(|s| s["specialization"] == "Cardiology").cloned().unwrap();
    assert_eq!(int(&cardiology["billed_cents"]), 12000);
    // Issued today: all of it in the youngest bucket.
    assert_eq!(after["ageing"][0], json!({"days": "0-30", "outstanding_cents": int(&after["totals"]["outstanding_cents"])}));
    let by_month: i64 = after["by_month"].as_array().unwrap().iter().map(|m| int(&m["billed_cents"])).sum();
    assert_eq!(by_month, int(&after["totals"]["billed_cents"]));
    assert_eq!(after["by_month"].as_array().unwrap().len(), 12, "the last twelve months by default");

    // A range before any of it has none of it.
    let long_ago = revenue(&desk, "?from=2020-01-01&to=2020-03-31").await;
    assert_eq!(
        long_ago["totals"],
        json!({"invoices": 0, "billed_cents": 0, "credited_cents": 0, "collected_cents": 0, "outstanding_cents": 0})
    );
    assert_eq!(long_ago["by_month"].as_array().unwrap().len(), 3);

    // The visit counts in the patient summary, and the patient has had one visit.
    let patients_after = patients(&desk).await;
    assert_eq!(int(&patients_after["visits"]) - int(&patients_before["visits"]), 1);
    let one_visit = |report: &Value| int(&report["visit_frequency"][0]["patients"]);
    assert_eq!(patients_after["visit_frequency"][0]["visits"], "1");
    assert_eq!(one_visit(&patients_after) - one_visit(&patients_before), 1);
    assert!(int(&patients_after["total_patients"]) >= 2);

    // Folding the appended rows changes no figure; the rollups equal a recomputation.
    sqlx::query("SELECT reports_compact()").execute(&pool).await.unwrap();
    assert_eq!(revenue(&desk, "").await, after);
    assert_rollups_match_recomputation(&pool).await;

    // The CSV of a table: a download, with the doctor's row.
    let csv = app.get("/api/reports/revenue-summary.csv?table=by_doctor", Some(&desk.manager)).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("Doctor,Specialization,Invoices,Billed,Collected,Outstanding\r\n"), "{text}");
    assert!(text.contains("Dr. Fee,Cardiology,1,120.00,110.00,10.00\r\n"), "{text}");
}

#[sqlx::test(migrations = "./migrations")]
async fn concurrent_payments_and_an_erasure_keep_the_rollups_equal_to_a_recomputation(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let before = revenue(&desk, "").await;
    let mut invoices = Vec::new();
    for _ in 0..10 {
        let invoice = desk.invoice(json!([{"description": "Test", "quantity": 1, "unit_price_cents": 1000}]), false).await;
        invoices.push(int(&invoice["id"]));
    }
    // Ten payments at once on ten invoices of one patient, doctor and day: none waits on
    // another's rollup row, none fails.
    let payments = invoices.iter().map(|id| desk.pay(*id, json!({"amount_cents": 400, "method": "cash"}), &desk.staff));
    let statuses: Vec<StatusCode> = futures::future::join_all(payments).await.into_iter().map(|r| r.status()).collect();
    assert_eq!(statuses, vec![StatusCode::CREATED; 10]);
    let after = revenue(&desk, "").await;
    assert_eq!(int(&after["totals"]["collected_cents"]) - int(&before["totals"]["collected_cents"]), 4000);
    assert_eq!(int(&after["totals"]["outstanding_cents"]) - int(&before["totals"]["outstanding_cents"]), 6000);
    assert_rollups_match_recomputation(&pool).await;

    // A visit, then the patient's erasure: their share leaves every rollup with them.
    desk.completed_visit().await;
    sqlx::query("DELETE FROM patients WHERE id = $1").bind(desk.patient_id).execute(&pool).await.unwrap();
    assert_rollups_match_recomputation(&pool).await;
    assert_eq!(revenue(&desk, "").await["totals"], before["totals"]);
}

#[sqlx::test(migrations = "./migrations")]
async fn reports_are_for_managers_and_admins_and_bad_ranges_are_refused(pool: PgPool) {
    let desk = Desk::new(pool.clone()).await;
    let app = &desk.app;
    for path in ["/api/reports/revenue-summary", "/api/reports/patient-summary", "/api/reports/revenue-summary.csv"] {
        for token in [&desk.patient, &desk.doctor, &desk.staff] {
            assert_error(app.get(path, Some(token)).await, StatusCode::FORBIDDEN, "forbidden").await;
        }
        assert_eq!(app.get(path, None).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(app.get(path, Some(&desk.admin)).await.status(), StatusCode::OK);
    }
    for (query, says) in [
        ("?from=2026-13-01", "from must be a date"),
        ("?to=yesterday", "to must be a date"),
        ("?from=2026-05-02&to=2026-05-01", "on or before"),
        ("?from=2000-01-01&to=2026-01-01", "ten years"),
        ("?currency=US1", "three-letter"),
    ] {
        let refused = app.get(&format!("/api/reports/revenue-summary{query}"), Some(&desk.manager)).await;
        let message = assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(message.contains(says), "{query}: {message}");
    }
    let unknown = app.get("/api/reports/patient-summary.csv?table=secrets", Some(&desk.manager)).await;
    let message = assert_error(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("by_month, by_age_group, by_gender, visit_frequency"), "{message}");
}
