//! Encounters: coded diagnoses, prescriptions with the allergy check, the author's 24-hour
//! correction with versions kept, addenda, "entered in error", who may do what, the audit.

use crate::helpers::{assert_error, body};
use crate::records::{audit_count, Clinic};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

fn note(patient_id: i64) -> Value {
    json!({
        "patient_id": patient_id,
        "diagnoses": [{"code": "J06.9"}, {"code": "r509", "description": "Fever since Monday"}],
        "treatment": "Rest and fluids",
        "notes": "Sore throat for three days, no rash.",
        "prescriptions": [{"drug": "Paracetamol", "dose": "500 mg", "route": "oral", "frequency": "every 6 hours as needed",
                           "duration_days": 5, "quantity": 20}],
    })
}

async fn write(clinic: &Clinic, note: Value) -> Value {
    let written = clinic.app.post("/api/medical-records", note, Some(&clinic.doctor)).await;
    assert_eq!(written.status(), StatusCode::CREATED);
    body(written).await
}

#[sqlx::test(migrations = "./migrations")]
async fn a_treating_doctor_writes_a_coded_note_and_the_patient_reads_it(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    // Before the visit is accepted the doctor doesn't have the chart: a concealed 404.
    assert_eq!(app.post("/api/medical-records", note(clinic.patient_id), Some(&clinic.doctor)).await.status(), StatusCode::NOT_FOUND);
    clinic.accept_the_visit().await;
    let mut from_visit = note(clinic.patient_id);
    from_visit["appointment_id"] = json!(clinic.visit_id);
    let written = write(&clinic, from_visit).await;
    // Codes as typed are normalized; a diagnosis without wording gets the official one.
    assert_eq!(written["diagnoses"][0], json!({"code": "J06.9", "description": "Acute upper respiratory infection, unspecified"}));
    assert_eq!(written["diagnoses"][1], json!({"code": "R50.9", "description": "Fever since Monday"}));
    assert_eq!(written["prescriptions"][0]["drug"], "Paracetamol");
    assert_eq!(written["prescriptions"][0]["refills"], 0);
    assert_eq!((written["version"].as_i64(), written["appointment_id"].as_i64()), (Some(1), Some(clinic.visit_id)));

    let list = body(app.get(&clinic.path("medical-records"), Some(&clinic.patient)).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["encounters"][0]["treatment"], "Rest and fluids");
    let chart = body(app.get(&clinic.path("chart"), Some(&clinic.patient)).await).await;
    assert_eq!(chart["encounter_count"], 1);
    assert_eq!(chart["encounters"][0]["id"], written["id"]);

    // One visit, one note: the second is a 409 that says what to do instead.
    let mut again = note(clinic.patient_id);
    again["appointment_id"] = json!(clinic.visit_id);
    let message = assert_error(app.post("/api/medical-records", again, Some(&clinic.doctor)).await, StatusCode::CONFLICT, "conflict").await;
    assert!(message.contains("addendum"), "{message}");
    assert_eq!(audit_count(app, "chart.encounter.add", clinic.patient_id).await, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn only_doctors_who_treat_the_patient_write_notes(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    clinic.accept_the_visit().await;
    let other = app.post("/api/medical-records", note(clinic.patient_id), Some(&clinic.other_doctor)).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    for token in [&clinic.nurse, &clinic.staff, &clinic.manager, &clinic.admin, &clinic.patient] {
        assert_eq!(app.post("/api/medical-records", note(clinic.patient_id), Some(token)).await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.post("/api/medical-records", note(clinic.patient_id), None).await.status(), StatusCode::UNAUTHORIZED);
    // Someone else's visit can't carry this doctor's note.
    let mut foreign = note(clinic.patient_id);
    foreign["appointment_id"] = json!(clinic.visit_id + 1000);
    let message = assert_error(post_with(&clinic, foreign).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("not one of yours"), "{message}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM encounters").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 0);
}

async fn post_with(clinic: &Clinic, note: Value) -> reqwest::Response {
    clinic.app.post("/api/medical-records", note, Some(&clinic.doctor)).await
}

#[sqlx::test(migrations = "./migrations")]
async fn diagnoses_and_prescriptions_are_checked(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    clinic.accept_the_visit().await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut n = note(clinic.patient_id);
        change(&mut n);
        n
    };
    for (wrong, says) in [
        (with(&|n| n["diagnoses"] = json!([{"code": "Q99.99"}])), "Q99.99 is not an ICD-10-CM code"),
        (with(&|n| n["diagnoses"] = json!([])), "at least one diagnosis"),
        (with(&|n| n["diagnoses"] = json!([{"code": "I10"}, {"code": "i10"}])), "listed twice"),
        (with(&|n| n["prescriptions"][0]["dose"] = json!("")), "dose of Paracetamol is required"),
        (with(&|n| n["prescriptions"][0]["refills"] = json!(40)), "refills"),
        (with(&|n| n["treatment"] = json!("x".repeat(4001))), "treatment is too long"),
    ] {
        let message = assert_error(post_with(&clinic, wrong).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(message.contains(says), "{message} / {says}");
    }
    assert_eq!(
        post_with(&clinic, with(&|n| n["prescriptions"][0]["quantity"] = json!("many"))).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(post_with(&clinic, json!({"patient_id": clinic.patient_id})).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM encounters").fetch_one(&clinic.app.pool).await.unwrap();
    assert_eq!(rows, 0, "refused notes left nothing behind");
}

#[sqlx::test(migrations = "./migrations")]
async fn a_drug_the_patient_is_allergic_to_needs_a_reason(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    clinic.accept_the_visit().await;
    let allergy = json!({"substance": "Penicillin", "severity": "severe", "reaction": "Hives"});
    assert_eq!(app.post(&clinic.path("allergies"), allergy, Some(&clinic.nurse)).await.status(), StatusCode::CREATED);
    let mut amoxicillin = note(clinic.patient_id);
    amoxicillin["prescriptions"] = json!([{"drug": "Amoxicillin", "dose": "500 mg", "frequency": "three times a day"}]);
    let message = assert_error(post_with(&clinic, amoxicillin.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("Amoxicillin conflicts with the patient's severe allergy to Penicillin"), "{message}");

    amoxicillin["prescriptions"][0]["override_reason"] = json!("Tolerated amoxicillin in 2024 under observation");
    let written = write(&clinic, amoxicillin).await;
    assert_eq!(written["prescriptions"][0]["allergy_override_reason"], "Tolerated amoxicillin in 2024 under observation");
    assert_eq!(audit_count(app, "chart.prescription.allergy_override", clinic.patient_id).await, 1);
    // An inactive allergy doesn't stop anything.
    let id = body(app.get(&clinic.path("allergies"), Some(&clinic.nurse)).await).await["allergies"][0]["id"].as_i64().unwrap();
    assert_eq!(app.put(&format!("/api/allergies/{id}"), json!({"status": "inactive"}), &clinic.nurse).await.status(), StatusCode::OK);
    let mut again = note(clinic.patient_id);
    again["prescriptions"] = json!([{"drug": "Ampicillin", "dose": "1 g", "frequency": "four times a day"}]);
    assert_eq!(post_with(&clinic, again).await.status(), StatusCode::CREATED);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_author_corrects_within_24_hours_and_every_version_is_kept(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    clinic.accept_the_visit().await;
    let written = write(&clinic, note(clinic.patient_id)).await;
    let path = format!("/api/medical-records/{}", written["id"]);
    let correction = json!({"diagnoses": [{"code": "J02.9"}], "treatment": "Rest, fluids, throat lozenges",
                            "prescriptions": [{"drug": "Ibuprofen", "dose": "400 mg", "frequency": "three times a day"}]});
    let corrected = body(app.put(&path, correction.clone(), &clinic.doctor).await).await;
    assert_eq!(corrected["encounter"]["version"], 2);
    assert_eq!(corrected["encounter"]["diagnoses"][0]["code"], "J02.9");
    assert_eq!(corrected["encounter"]["prescriptions"].as_array().unwrap().len(), 1);
    assert_eq!(corrected["encounter"]["prescriptions"][0]["drug"], "Ibuprofen");
    let versions = corrected["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!((versions[0]["version"].as_i64(), versions[0]["treatment"].as_str()), (Some(1), Some("Rest and fluids")));
    assert_eq!(versions[0]["prescriptions"][0]["drug"], "Paracetamol");
    assert_eq!(corrected["may_correct"], true);

    // Nobody else corrects it: the nurse adds an addendum instead.
    let message = assert_error(app.put(&path, correction.clone(), &clinic.nurse).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(message.contains("addendum"), "{message}");
    let added = app.post(&format!("{path}/addenda"), json!({"text": "Throat swab sent to the lab."}), Some(&clinic.nurse)).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(body(added).await["addenda"][0]["text"], "Throat swab sent to the lab.");

    // A day later the author can't either.
    sqlx::query("UPDATE encounters SET created_at = now() - interval '25 hours' WHERE id = $1")
        .bind(written["id"].as_i64().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let message = assert_error(app.put(&path, correction, &clinic.doctor).await, StatusCode::CONFLICT, "conflict").await;
    assert!(message.contains("24 hours"), "{message}");
    let detail = body(app.get(&path, Some(&clinic.doctor)).await).await;
    assert_eq!((detail["may_correct"].as_bool(), detail["may_add_addendum"].as_bool()), (Some(false), Some(true)));
    assert_eq!(audit_count(app, "chart.encounter.correct", clinic.patient_id).await, 1);
    assert_eq!(audit_count(app, "chart.encounter.addendum", clinic.patient_id).await, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn entered_in_error_hides_the_note_but_keeps_it(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    clinic.accept_the_visit().await;
    let written = write(&clinic, note(clinic.patient_id)).await;
    let path = format!("/api/medical-records/{}", written["id"]);
    // A reason is required; only the author or an admin may do it.
    assert_eq!(app.delete(&path, json!({"reason": "  "}), &clinic.doctor).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.delete(&path, json!({"reason": "Wrong patient"}), &clinic.nurse).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.delete(&path, json!({"reason": "Wrong patient"}), &clinic.patient).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.delete(&path, json!({"reason": "Wrong patient"}), &clinic.other_doctor).await.status(), StatusCode::NOT_FOUND);
    let marked = app.delete(&path, json!({"reason": "Written on the wrong patient's chart"}), &clinic.doctor).await;
    assert_eq!(marked.status(), StatusCode::OK);
    assert_eq!(body(marked).await["status"], "entered_in_error");
    assert_eq!(app.delete(&path, json!({"reason": "again"}), &clinic.admin).await.status(), StatusCode::CONFLICT);

    let list = body(app.get(&clinic.path("medical-records"), Some(&clinic.patient)).await).await;
    assert_eq!(list["total"], 0, "hidden from the default view");
    let with_errors =
        body(app.get(&format!("{}?include_entered_in_error=true", clinic.path("medical-records")), Some(&clinic.doctor)).await).await;
    assert_eq!(with_errors["encounters"][0]["error_reason"], "Written on the wrong patient's chart");
    let kept = body(app.get(&path, Some(&clinic.admin)).await).await;
    assert_eq!(kept["encounter"]["status"], "entered_in_error");
    assert_eq!(kept["may_add_addendum"], false);
    let active_prescriptions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM prescriptions WHERE status = 'active'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(active_prescriptions, 0);
    assert_eq!(audit_count(app, "chart.encounter.error", clinic.patient_id).await, 1);
}

/// Two submits of one visit's note at the same moment: one encounter, the others 409.
#[sqlx::test(migrations = "./migrations")]
async fn concurrent_notes_for_one_visit_give_one_encounter(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    clinic.accept_the_visit().await;
    let mut from_visit = note(clinic.patient_id);
    from_visit["appointment_id"] = json!(clinic.visit_id);
    let attempts = (0..8).map(|_| app.post("/api/medical-records", from_visit.clone(), Some(&clinic.doctor)));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.into_iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 7, "{statuses:?}");
    let (encounters, prescriptions): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM encounters), (SELECT count(*) FROM prescriptions)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((encounters, prescriptions), (1, 1));
}

#[sqlx::test(migrations = "./migrations")]
async fn reading_notes_is_audited_and_listed_for_the_patient(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    clinic.accept_the_visit().await;
    let written = write(&clinic, note(clinic.patient_id)).await;
    assert_eq!(app.get(&format!("/api/medical-records/{}", written["id"]), Some(&clinic.nurse)).await.status(), StatusCode::OK);
    assert_eq!(app.get(&clinic.path("medical-records"), Some(&clinic.doctor)).await.status(), StatusCode::OK);
    assert_eq!(audit_count(app, "chart.encounter.view", clinic.patient_id).await, 1);
    assert_eq!(audit_count(app, "chart.encounters.view", clinic.patient_id).await, 1);
    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    let entries = log.as_array().unwrap();
    assert!(entries.iter().any(|e| e["action"] == "chart.encounter.view" && e["actor_role"] == "nurse"), "{log}");
    assert!(entries.iter().any(|e| e["action"] == "chart.encounter.add" && e["actor_role"] == "doctor"), "{log}");
    // Staff, managers, other patients and unrelated doctors don't read notes.
    let one = format!("/api/medical-records/{}", written["id"]);
    assert_eq!(app.get(&one, Some(&clinic.staff)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&one, Some(&clinic.manager)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&one, Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);
    let (_, stranger) = app.patient("stranger@example.org").await;
    assert_eq!(app.get(&one, Some(&stranger)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/medical-records/99999999", Some(&clinic.nurse)).await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_diagnosis_type_ahead_answers_clinicians(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let found = body(app.get("/api/icd10?q=type%202%20diabetes", Some(&clinic.doctor)).await).await;
    let found = found.as_array().unwrap();
    assert!(!found.is_empty() && found.len() <= 20);
    assert!(found.iter().all(|d| {
        let text = d["description"].as_str().unwrap().to_lowercase();
        ["type", "2", "diabetes"].iter().all(|word| text.contains(word))
    }));
    assert_eq!(found[0]["code"], "E11", "{found:?}");
    let by_code = body(app.get("/api/icd10?q=E11.9", Some(&clinic.nurse)).await).await;
    assert_eq!(by_code[0]["code"], "E11.9");
    assert_eq!(app.get("/api/icd10?q=asthma", Some(&clinic.patient)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/icd10?q=asthma", None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/icd10", Some(&clinic.doctor)).await.status(), StatusCode::BAD_REQUEST);
}
