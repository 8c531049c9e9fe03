//! The chart: history, allergies, vitals; who may read and write them; every read audited.

use crate::helpers::{assert_error, body, TestApp, PASSWORD};
use chrono::{Datelike, Duration, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

/// A clinic with a patient, their doctor (with an accepted visit), another doctor, a nurse,
/// the desk and a manager.
pub(crate) struct Clinic {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    pub(crate) patient_id: i64,
    pub(crate) patient: String,
    pub(crate) doctor: String,
    pub(crate) other_doctor: String,
    pub(crate) nurse: String,
    pub(crate) staff: String,
    pub(crate) manager: String,
    /// The patient's pending visit with `doctor`.
    pub(crate) visit_id: i64,
}

fn next_weekday() -> chrono::NaiveDate {
    let mut day = Utc::now().date_naive() + Duration::days(7);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Duration::days(1);
    }
    day
}

async fn staff_account(app: &TestApp, admin: &str, role: &str) -> String {
    let email = format!("{role}@clinic.test");
    let account = json!({"name": format!("The {role}"), "email": email, "password": PASSWORD, "role": role});
    assert_eq!(app.post("/api/users", account, Some(admin)).await.status(), StatusCode::CREATED);
    app.token(&email, PASSWORD).await
}

async fn new_doctor(app: &TestApp, admin: &str, email: &str) -> (i64, String) {
    let created = app.post("/api/doctors", json!({"name": "Dr. Hale", "email": email, "password": PASSWORD}), Some(admin)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    (body(created).await["id"].as_i64().unwrap(), app.token(email, PASSWORD).await)
}

impl Clinic {
    pub(crate) async fn new(pool: PgPool) -> Self {
        let app = TestApp::spawn(pool).await;
        let admin = app.admin().await;
        let (doctor_id, doctor) = new_doctor(&app, &admin, "hale@clinic.test").await;
        let (_, other_doctor) = new_doctor(&app, &admin, "other@clinic.test").await;
        let (_, patient) = app.patient("ann@example.org").await;
        let link = app.verification_token_for("ann@example.org").await;
        assert_eq!(app.post("/api/auth/verify-email", json!({"token": link}), None).await.status(), StatusCode::OK);
        let patient_id = body(app.get("/api/profile", Some(&patient)).await).await["patient"]["patient_id"].as_i64().unwrap();
        let booking = json!({"doctor_id": doctor_id, "date": next_weekday().to_string(), "time_slot": "10:00"});
        let visit = body(app.post("/api/appointments", booking, Some(&patient)).await).await["id"].as_i64().unwrap();
        // A pending request is not yet a relationship: the doctor accepts it below, in the test
        // that needs to see the difference.
        let (nurse, staff, manager) = (
            staff_account(&app, &admin, "nurse").await,
            staff_account(&app, &admin, "staff").await,
            staff_account(&app, &admin, "manager").await,
        );
        Clinic { app, admin, patient_id, patient, doctor, other_doctor, nurse, staff, manager, visit_id: visit }
    }

    pub(crate) fn path(&self, what: &str) -> String {
        format!("/api/patients/{}/{what}", self.patient_id)
    }

    pub(crate) async fn accept_the_visit(&self) {
        let id = self.visit_id;
        assert_eq!(self.app.post(&format!("/api/appointments/{id}/accept"), json!({}), Some(&self.doctor)).await.status(), StatusCode::OK);
    }
}

pub(crate) async fn audit_count(app: &TestApp, action: &str, patient_id: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND patient_id = $2")
        .bind(action)
        .bind(patient_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn a_doctor_reads_the_chart_only_once_a_visit_was_accepted(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    // Pending: not yet the doctor's patient. The refusal hides the chart and is audited.
    assert_error(app.get(&clinic.path("chart"), Some(&clinic.doctor)).await, StatusCode::NOT_FOUND, "not_found").await;
    clinic.accept_the_visit().await;
    let chart = body(app.get(&clinic.path("chart"), Some(&clinic.doctor)).await).await;
    assert_eq!(chart["patient"]["name"], "Pat Example");
    assert_eq!(chart["allergies"]["state"], "unknown");
    assert_eq!(chart["may_write"], true);

    for (who, token, status) in [
        ("the patient", &clinic.patient, StatusCode::OK),
        ("a nurse", &clinic.nurse, StatusCode::OK),
        ("an admin", &clinic.admin, StatusCode::OK),
        ("another doctor", &clinic.other_doctor, StatusCode::NOT_FOUND),
        ("the desk", &clinic.staff, StatusCode::FORBIDDEN),
        ("a manager", &clinic.manager, StatusCode::FORBIDDEN),
    ] {
        for what in ["chart", "history", "allergies", "vitals"] {
            assert_eq!(app.get(&clinic.path(what), Some(token)).await.status(), status, "{who} reading {what}");
        }
    }
    let (_, stranger) = app.patient("eve@example.org").await;
    assert_eq!(app.get(&clinic.path("chart"), Some(&stranger)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/patients/999999/chart", Some(&clinic.nurse)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&clinic.path("chart"), None).await.status(), StatusCode::UNAUTHORIZED);
    let concealed: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE outcome = 'denied'").fetch_one(&app.pool).await.unwrap();
    assert!(concealed >= 3, "refused looks are audited ({concealed})");
}

#[sqlx::test(migrations = "./migrations")]
async fn clinicians_write_the_chart_and_everyone_else_is_refused(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let vitals = json!({"pulse": 72});
    // Before the visit is accepted, the doctor can't write either.
    assert_eq!(app.post(&clinic.path("vitals"), vitals.clone(), Some(&clinic.doctor)).await.status(), StatusCode::NOT_FOUND);
    clinic.accept_the_visit().await;
    for (who, token, status) in [
        ("the doctor", &clinic.doctor, StatusCode::CREATED),
        ("a nurse", &clinic.nurse, StatusCode::CREATED),
        ("the patient", &clinic.patient, StatusCode::FORBIDDEN),
        ("an admin", &clinic.admin, StatusCode::FORBIDDEN),
        ("the desk", &clinic.staff, StatusCode::FORBIDDEN),
        ("a manager", &clinic.manager, StatusCode::FORBIDDEN),
        ("another doctor", &clinic.other_doctor, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(app.post(&clinic.path("vitals"), vitals.clone(), Some(token)).await.status(), status, "{who}");
    }
    let readings = body(app.get(&clinic.path("vitals"), Some(&clinic.patient)).await).await;
    assert_eq!(readings.as_array().unwrap().len(), 2, "the doctor's and the nurse's");
}

#[sqlx::test(migrations = "./migrations")]
async fn history_entries_are_kept_by_kind_and_checked(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let path = clinic.path("history");
    for entry in [
        json!({"kind": "surgery", "name": "Appendectomy", "date": "2001-06-30"}),
        json!({"kind": "condition", "name": "Asthma", "description": "Since childhood; inhaler as needed."}),
        json!({"kind": "family", "name": "Father: type 2 diabetes"}),
        json!({"kind": "social", "name": "Non-smoker"}),
    ] {
        let added = app.post(&path, entry.clone(), Some(&clinic.nurse)).await;
        assert_eq!(added.status(), StatusCode::CREATED, "{entry}");
        let added = body(added).await;
        assert_eq!((&added["kind"], &added["name"]), (&entry["kind"], &entry["name"]));
        assert_eq!(added["recorded_by"], "The nurse");
    }
    for (wrong, field) in [
        (json!({"kind": "hobby", "name": "Chess"}), "Kind"),
        (json!({"kind": "condition", "name": " "}), "name"),
        (json!({"kind": "surgery", "name": "Future op", "date": "2999-01-01"}), "future"),
        (json!({"kind": "surgery", "name": "Bad date", "date": "30/06/2001"}), "YYYY-MM-DD"),
    ] {
        let message =
            assert_error(app.post(&path, wrong, Some(&clinic.nurse)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(message.contains(field), "{message}");
    }
    let unknown_field = app.post(&path, json!({"kind": "social", "name": "x", "recorded_by": 1}), Some(&clinic.nurse)).await;
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let history = body(app.get(&path, Some(&clinic.patient)).await).await;
    let kinds: Vec<&str> = history.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["condition", "surgery", "family", "social"]);
}

#[sqlx::test(migrations = "./migrations")]
async fn one_active_allergy_per_substance_and_no_known_allergies_is_an_explicit_state(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let path = clinic.path("allergies");
    assert_eq!(body(app.get(&path, Some(&clinic.nurse)).await).await["state"], "unknown");
    let none = app.post(&clinic.path("allergies/none-known"), json!({}), Some(&clinic.nurse)).await;
    assert_eq!(body(none).await["state"], "no_known_allergies");

    let penicillin = json!({"substance": "Penicillin", "reaction": "Hives", "severity": "severe"});
    let added = app.post(&path, penicillin, Some(&clinic.nurse)).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let allergy_id = body(added).await["id"].as_i64().unwrap();
    let list = body(app.get(&path, Some(&clinic.patient)).await).await;
    assert_eq!(list["state"], "has_allergies", "an allergy replaces 'no known allergies'");
    assert_eq!(list["no_known_allergies_at"], serde_json::Value::Null);

    let again = json!({"substance": "  PENICILLIN ", "severity": "mild"});
    assert_error(app.post(&path, again.clone(), Some(&clinic.nurse)).await, StatusCode::CONFLICT, "conflict").await;
    assert_error(app.post(&clinic.path("allergies/none-known"), json!({}), Some(&clinic.nurse)).await, StatusCode::CONFLICT, "conflict")
        .await;
    let bad = json!({"substance": "Latex", "severity": "deadly"});
    assert_error(app.post(&path, bad, Some(&clinic.nurse)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // Resolved: inactive. Then a new active entry for the same substance is allowed, and
    // bringing the old one back would make two: 409.
    let change = |status: &str| json!({"status": status});
    let inactive = app.put(&format!("/api/allergies/{allergy_id}"), change("inactive"), &clinic.nurse).await;
    assert_eq!(body(inactive).await["status"], "inactive");
    assert_eq!(app.post(&path, again, Some(&clinic.nurse)).await.status(), StatusCode::CREATED);
    assert_error(app.put(&format!("/api/allergies/{allergy_id}"), change("active"), &clinic.nurse).await, StatusCode::CONFLICT, "conflict")
        .await;
    // Entered in error: hidden from the chart, kept in the table.
    assert_eq!(app.put(&format!("/api/allergies/{allergy_id}"), change("entered_in_error"), &clinic.nurse).await.status(), StatusCode::OK);
    let list = body(app.get(&path, Some(&clinic.patient)).await).await;
    assert!(list["allergies"].as_array().unwrap().iter().all(|a| a["id"] != allergy_id));
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM allergies WHERE id = $1").bind(allergy_id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(kept, 1);
    assert_eq!(app.put(&format!("/api/allergies/{allergy_id}"), change("active"), &clinic.patient).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.put("/api/allergies/999999", change("active"), &clinic.nurse).await.status(), StatusCode::NOT_FOUND);
}

/// Two clinicians adding the same allergy at the same moment: one entry, one 409.
#[sqlx::test(migrations = "./migrations")]
async fn concurrent_entries_of_one_allergy_give_one_row(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let path = clinic.path("allergies");
    let attempts = (0..16).map(|_| app.post(&path, json!({"substance": "Latex", "severity": "moderate"}), Some(&clinic.nurse)));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.into_iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 15, "{statuses:?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM allergies").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn impossible_vitals_are_a_422_and_bmi_comes_from_the_latest_height(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let path = clinic.path("vitals");
    for (wrong, names) in [
        (json!({"pulse": 0}), "pulse"),
        (json!({"temperature_c": 52.5}), "temperature_c"),
        (json!({"spo2": 101}), "spo2"),
        (json!({"systolic": 80, "diastolic": 120}), "Systolic"),
        (json!({"systolic": 120}), "both"),
        (json!({}), "at least one"),
        (json!({"weight_kg": 70000}), "weight_kg"),
    ] {
        let message =
            assert_error(app.post(&path, wrong, Some(&clinic.nurse)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(message.contains(names), "{message}");
    }
    assert_eq!(app.post(&path, json!({"pulse": "fast"}), Some(&clinic.nurse)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post(&path, json!({"pulse": 99999999999_i64}), Some(&clinic.nurse)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let first = body(app.post(&path, json!({"height_cm": 175, "weight_kg": 70}), Some(&clinic.nurse)).await).await;
    assert_eq!(first["bmi"], 22.9);
    let second = body(
        app.post(&path, json!({"weight_kg": 76.6, "systolic": 128, "diastolic": 84, "temperature_c": 36.84}), Some(&clinic.nurse)).await,
    )
    .await;
    assert_eq!((second["bmi"].as_f64(), second["temperature_c"].as_f64()), (Some(25.0), Some(36.8)), "{second}");
    let readings = body(app.get(&path, Some(&clinic.patient)).await).await;
    assert_eq!(readings[0]["id"], second["id"], "newest first");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM vitals").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 2, "refused readings left nothing behind");
}

#[sqlx::test(migrations = "./migrations")]
async fn every_read_is_one_audit_entry_and_the_patient_sees_who_looked(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    clinic.accept_the_visit().await;
    for _ in 0..3 {
        app.post(&clinic.path("history"), json!({"kind": "condition", "name": "Migraine"}), Some(&clinic.doctor)).await;
    }
    assert_eq!(app.get(&clinic.path("history"), Some(&clinic.doctor)).await.status(), StatusCode::OK);
    assert_eq!(audit_count(app, "chart.history.view", clinic.patient_id).await, 1, "one entry for three lines");
    assert_eq!(audit_count(app, "chart.history.add", clinic.patient_id).await, 3);
    assert_eq!(app.get(&clinic.path("chart"), Some(&clinic.nurse)).await.status(), StatusCode::OK);
    assert_eq!(audit_count(app, "chart.view", clinic.patient_id).await, 1);

    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    let entries = log.as_array().unwrap();
    let looked = |action: &str, role: &str| entries.iter().any(|e| e["action"] == action && e["actor_role"] == role);
    assert!(looked("chart.history.view", "doctor") && looked("chart.view", "nurse"), "{log}");
    // The patient's own reads are audited, but not listed as someone else's look.
    app.get(&clinic.path("chart"), Some(&clinic.patient)).await;
    assert_eq!(audit_count(app, "chart.view", clinic.patient_id).await, 2);
    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    assert_eq!(log.as_array().unwrap().iter().filter(|e| e["action"] == "chart.view").count(), 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn break_glass_opens_the_chart_for_hours_with_a_reason_everyone_sees(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let chart = clinic.path("chart");
    let glass = clinic.path("break-glass");
    assert_eq!(app.get(&chart, Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);

    // A reason is required, and only doctors need it.
    let message = assert_error(
        app.post(&glass, json!({"reason": "urgent"}), Some(&clinic.other_doctor)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("10 characters"), "{message}");
    let reason = json!({"reason": "Collapsed in the waiting room, her doctor is away"});
    for token in [&clinic.nurse, &clinic.staff, &clinic.admin, &clinic.patient] {
        assert_eq!(app.post(&glass, reason.clone(), Some(token)).await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.post("/api/patients/99999999/break-glass", reason.clone(), Some(&clinic.other_doctor)).await.status(),
        StatusCode::NOT_FOUND
    );

    let granted = app.post(&glass, reason.clone(), Some(&clinic.other_doctor)).await;
    assert_eq!(granted.status(), StatusCode::CREATED);
    let grant = body(granted).await;
    let hours = (grant["expires_at"].as_str().unwrap().parse::<chrono::DateTime<Utc>>().unwrap()
        - grant["granted_at"].as_str().unwrap().parse::<chrono::DateTime<Utc>>().unwrap())
    .num_minutes();
    assert_eq!(hours, 4 * 60, "four hours by default");
    assert_eq!(app.get(&chart, Some(&clinic.other_doctor)).await.status(), StatusCode::OK);
    // Access is there: asking again is a 409, not a second grant.
    assert_eq!(app.post(&glass, reason.clone(), Some(&clinic.other_doctor)).await.status(), StatusCode::CONFLICT);

    // The patient sees who, and why; the admins list it.
    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    let emergency = log.as_array().unwrap().iter().find(|e| e["action"] == "chart.break_glass").cloned().unwrap_or_default();
    assert_eq!(emergency["reason"], "Collapsed in the waiting room, her doctor is away", "{log}");
    assert_eq!(emergency["actor_role"], "doctor");
    let listed = body(app.get("/api/break-glass", Some(&clinic.admin)).await).await;
    assert_eq!(listed[0]["reason"], "Collapsed in the waiting room, her doctor is away");
    assert_eq!(listed[0]["patient_id"], clinic.patient_id);
    assert_eq!(app.get("/api/break-glass", Some(&clinic.other_doctor)).await.status(), StatusCode::FORBIDDEN);

    // When the time is up, the chart closes again.
    sqlx::query("UPDATE break_glass SET granted_at = now() - interval '5 hours', expires_at = now() - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.get(&chart, Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_registry_finds_patients_by_name_mrn_phone_or_birth_date_and_doctors_only_their_own(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let details = json!({"phone": "+1 (555) 010-4477", "date_of_birth": "1984-03-09"});
    assert_eq!(app.put("/api/profile", details, &clinic.patient).await.status(), StatusCode::OK);
    let mrn = body(app.get(&clinic.path("chart"), Some(&clinic.nurse)).await).await["patient"]["mrn"].as_str().unwrap().to_owned();
    assert_eq!(mrn, format!("MRN{:08}", clinic.patient_id));

    let find = |who: &str, q: &str| {
        let path = format!("/api/patients?q={}", urlencoding(q));
        let token = who.to_owned();
        async move { app.get(&path, Some(&token)).await }
    };
    for q in ["pat exa", "PAT", &mrn, &format!("mrn {}", clinic.patient_id), "0104477", "555-010", "1984-03-09"] {
        let found = body(find(&clinic.staff, q).await).await;
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{q}: {found}");
        assert_eq!(found[0]["patient_id"], clinic.patient_id, "{q}");
        assert_eq!(found[0]["mrn"], mrn.as_str());
    }
    // '%' is a letter here, not "anything".
    assert_eq!(body(find(&clinic.staff, "%%%").await).await, json!([]));
    assert_eq!(body(find(&clinic.staff, "1984-03-10").await).await, json!([]));
    // Too little to search for: a 422 that says why.
    let message = assert_error(find(&clinic.staff, "Pa").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("3 letters"), "{message}");

    // A doctor finds only patients they have treated; patients and managers don't search.
    assert_eq!(body(find(&clinic.doctor, "Pat").await).await, json!([]), "a pending request is not enough");
    clinic.accept_the_visit().await;
    let mine = body(find(&clinic.doctor, "").await).await;
    assert_eq!(mine[0]["patient_id"], clinic.patient_id);
    assert!(mine[0]["last_visit"].is_string());
    assert_eq!(body(find(&clinic.other_doctor, "Pat").await).await, json!([]));
    assert_eq!(find(&clinic.patient, "Pat").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(find(&clinic.manager, "Pat").await.status(), StatusCode::FORBIDDEN);
    let searches: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'patients.search'").fetch_one(&app.pool).await.unwrap();
    assert!(searches >= 10, "{searches}");
}

pub(crate) fn urlencoding(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
