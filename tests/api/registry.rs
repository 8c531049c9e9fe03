//! A patient's registration, read and corrected by the front desk: who may, what is checked,
//! and what the patient sees of it.

use crate::helpers::{assert_error, body};
use crate::records::{audit_count, Clinic};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "./migrations")]
async fn the_desk_corrects_a_registration_and_the_patient_sees_who_did(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let path = format!("/api/patients/{}", clinic.patient_id);

    let record = body(app.get(&path, Some(&clinic.staff)).await).await;
    assert_eq!(record["patient_id"], clinic.patient_id);
    assert!(record["mrn"].as_str().unwrap().starts_with("MRN"));
    assert_eq!(record["email"], "ann@example.org");

    let change = json!({"phone": "+1 555 010 2030", "date_of_birth": "1984-05-06", "blood_group": "ab-",
                        "emergency_contact_name": "Ben", "emergency_contact_phone": "555 0100", "address": "1 Main St"});
    let updated = app.put(&path, change, &clinic.staff).await;
    assert_eq!(updated.status(), StatusCode::OK);
    let updated = body(updated).await;
    assert_eq!(updated["phone"], "+1 555 010 2030");
    assert_eq!(updated["date_of_birth"], "1984-05-06");
    assert_eq!(updated["blood_group"], "AB-");
    // The patient's own profile shows the same.
    let profile = body(app.get("/api/profile", Some(&clinic.patient)).await).await;
    assert_eq!(profile["patient"]["blood_group"], "AB-");
    assert_eq!(profile["phone"], "+1 555 010 2030");

    // The same rules as the profile: nothing changes when one field is wrong.
    let wrong = app.put(&path, json!({"phone": "0", "gender": "female"}), &clinic.staff).await;
    assert_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body(app.get(&path, Some(&clinic.nurse)).await).await["gender"], serde_json::Value::Null);
    let unknown = app.put(&path, json!({"role": "admin"}), &clinic.staff).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A new address must be confirmed again: the patient is sent a link.
    let moved = body(app.put(&path, json!({"email": "ann.new@example.org"}), &clinic.admin).await).await;
    assert_eq!(moved["email"], "ann.new@example.org");
    assert_eq!(moved["email_verified"], false);
    let link: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE to_address = 'ann.new@example.org'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(link, 1);

    // Audited on the patient, and shown to them.
    assert_eq!(audit_count(app, "patients.update", clinic.patient_id).await, 2);
    assert_eq!(audit_count(app, "patients.view", clinic.patient_id).await, 2);
    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "patients.update" && e["actor_name"] == "The staff"), "{log}");
}

#[sqlx::test(migrations = "./migrations")]
async fn a_registration_is_read_by_those_who_care_for_the_patient_and_changed_by_the_desk(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let path = format!("/api/patients/{}", clinic.patient_id);
    // A pending request is not yet a relationship.
    assert_eq!(app.get(&path, Some(&clinic.doctor)).await.status(), StatusCode::NOT_FOUND);
    clinic.accept_the_visit().await;
    assert_eq!(app.get(&path, Some(&clinic.doctor)).await.status(), StatusCode::OK);
    assert_eq!(app.get(&path, Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&path, Some(&clinic.patient)).await.status(), StatusCode::OK);
    assert_eq!(app.get(&path, Some(&clinic.manager)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&path, None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/patients/999999", Some(&clinic.staff)).await.status(), StatusCode::NOT_FOUND);

    let change = json!({"address": "2 High St"});
    assert_eq!(app.put(&path, change.clone(), &clinic.doctor).await.status(), StatusCode::FORBIDDEN);
    let own = app.put(&path, change.clone(), &clinic.patient).await;
    assert_error(own, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.put(&path, change.clone(), &clinic.nurse).await.status(), StatusCode::OK);
    assert_eq!(app.put("/api/patients/999999", change, &clinic.staff).await.status(), StatusCode::NOT_FOUND);
}
