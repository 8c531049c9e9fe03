//! A patient's registration, read and corrected by the front desk: who may, what is checked,
//! and what the patient sees of it.

use crate::helpers::{assert_error, body, PASSWORD};
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

/// The desk's registration of a walk-in, `POST /api/patients`.
async fn register_walk_in(clinic: &Clinic, patient: serde_json::Value) -> reqwest::Response {
    clinic.app.post("/api/patients", patient, Some(&clinic.staff)).await
}

async fn user_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn the_desk_registers_a_walk_in_without_email_who_is_booked_and_found_but_cannot_sign_in(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let walk_in = json!({"name": "Walter Walkin", "date_of_birth": "1950-03-04", "gender": "male", "phone": "+1 555 777 1234",
                         "blood_group": "o-", "emergency_contact_name": "Wilma", "emergency_contact_phone": "555 0101"});
    let registered = register_walk_in(&clinic, walk_in).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let record = body(registered).await;
    let patient_id = record["patient_id"].as_i64().unwrap();
    assert_eq!(record["mrn"], format!("MRN{patient_id:08}"));
    assert_eq!(record["email"], serde_json::Value::Null);
    assert_eq!((record["can_sign_in"].as_bool(), record["email_verified"].as_bool()), (Some(false), Some(false)));
    assert_eq!((record["date_of_birth"].as_str(), record["blood_group"].as_str()), (Some("1950-03-04"), Some("O-")));
    assert_eq!(audit_count(app, "patients.register", patient_id).await, 1);

    // Found at the desk by name, MRN and phone.
    for q in ["Walter", record["mrn"].as_str().unwrap(), "7771234"] {
        let found = body(app.get(&format!("/api/patients?q={q}"), Some(&clinic.staff)).await).await;
        assert!(found.as_array().unwrap().iter().any(|p| p["patient_id"] == patient_id), "{q}: {found}");
    }
    // Seen in person, so the desk can book them though they have no address to confirm; the
    // booking's notices stay in the app (nothing is mailed to nobody).
    let doctor_id: i64 = sqlx::query_scalar("SELECT id FROM doctors ORDER BY id LIMIT 1").fetch_one(&app.pool).await.unwrap();
    let date = (chrono::Utc::now().date_naive() + chrono::Duration::days(14)).to_string();
    let slots = body(app.get(&format!("/api/doctors/{doctor_id}/available_slots?date={date}"), None).await).await;
    let slot = slots["slots"][0].as_str().map(str::to_owned);
    if let Some(slot) = slot {
        let booking = json!({"doctor_id": doctor_id, "date": date, "time_slot": slot, "patient_id": patient_id});
        assert_eq!(app.post("/api/appointments", booking, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    }
    let mailed: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox o JOIN patients p ON p.user_id = o.recipient_id WHERE p.id = $1")
        .bind(patient_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(mailed, 0);
    // No password, no address: no way in.
    let none: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users u JOIN patients p ON p.user_id = u.id WHERE p.id = $1")
        .bind(patient_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(none, None);

    // An address added later brings the invitation (not a bare confirmation link); corrected
    // once more, the link sent to the wrong address stops working.
    let path = format!("/api/patients/{patient_id}");
    let updated = body(app.put(&path, json!({"email": "walter@exampel.org"}), &clinic.staff).await).await;
    assert_eq!((updated["email"].as_str(), updated["can_sign_in"].as_bool()), (Some("walter@exampel.org"), Some(false)));
    let mistyped = app.verification_token_for("walter@exampel.org").await;
    assert_eq!(app.put(&path, json!({"email": "walter@example.org"}), &clinic.staff).await.status(), StatusCode::OK);
    let stale = app.post("/api/auth/accept-invitation", json!({"token": mistyped, "password": PASSWORD}), None).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let token = app.verification_token_for("walter@example.org").await;
    let accepted = app.post("/api/auth/accept-invitation", json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(app.login("walter@example.org", PASSWORD).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_walk_in_with_an_email_chooses_a_password_from_the_invitation_once(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let walk_in = json!({"name": "Wanda Walkin", "date_of_birth": "1988-12-24", "email": " Wanda@Example.org "});
    let record = body(register_walk_in(&clinic, walk_in).await).await;
    assert_eq!((record["email"].as_str(), record["can_sign_in"].as_bool()), (Some("wanda@example.org"), Some(false)));
    // Before accepting, no password works (the same answer as a wrong one).
    assert_error(app.login("wanda@example.org", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

    let subject: String =
        sqlx::query_scalar("SELECT subject FROM outbox WHERE to_address = 'wanda@example.org'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(subject, "Your patient portal account");
    let token = app.verification_token_for("wanda@example.org").await;
    let accept = |password: &str| json!({"token": token, "password": password});
    // The password rules apply, and a refused password leaves the link usable.
    assert_error(
        app.post("/api/auth/accept-invitation", accept("password"), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let wrong = json!({"token": "0".repeat(64), "password": PASSWORD});
    assert_error(app.post("/api/auth/accept-invitation", wrong, None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let accepted = app.post("/api/auth/accept-invitation", accept(PASSWORD), None).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let accepted = body(accepted).await;
    assert_eq!((accepted["role"].as_str(), accepted["email_verified"].as_bool()), (Some("patient"), Some(true)));
    // Once only.
    assert_error(
        app.post("/api/auth/accept-invitation", accept("another-fine-phrase"), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let token = app.token("wanda@example.org", PASSWORD).await;
    let profile = body(app.get("/api/profile", Some(&token)).await).await;
    assert_eq!(profile["patient"]["patient_id"], record["patient_id"]);
    assert_eq!(profile["patient"]["date_of_birth"], "1988-12-24");
    let accepted_audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'account.invitation_accepted'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(accepted_audit, 1);
    // The patient sees that the desk registered them.
    let log = body(app.get("/api/profile/access-log", Some(&token)).await).await;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "patients.register" && e["actor_name"] == "The staff"), "{log}");
}

#[sqlx::test(migrations = "./migrations")]
async fn the_same_name_and_birth_date_is_a_409_unless_the_desk_confirms_another_person(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let dana = json!({"name": "Dana Double", "date_of_birth": "1990-01-01"});
    let first = body(register_walk_in(&clinic, dana).await).await;
    let again = register_walk_in(&clinic, json!({"name": "dana double", "date_of_birth": "1990-01-01", "phone": "555 1234"})).await;
    let message = assert_error(again, StatusCode::CONFLICT, "conflict").await;
    assert!(message.contains(first["mrn"].as_str().unwrap()), "{message}");
    // Another birth date is another person.
    let other_day = register_walk_in(&clinic, json!({"name": "Dana Double", "date_of_birth": "1990-01-02"})).await;
    assert_eq!(other_day.status(), StatusCode::CREATED);
    let confirmed =
        register_walk_in(&clinic, json!({"name": "Dana Double", "date_of_birth": "1990-01-01", "confirm_duplicate": true})).await;
    assert_eq!(confirmed.status(), StatusCode::CREATED);
    let confirmed = body(confirmed).await;
    assert_ne!(confirmed["mrn"], first["mrn"]);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'patients.register' AND patient_id = $1")
        .bind(confirmed["patient_id"].as_i64().unwrap())
        .fetch_one(&clinic.app.pool)
        .await
        .unwrap();
    assert!(detail.contains("same name and date of birth"));
}

/// Two desks registering the same person at the same moment: the duplicate check holds (one
/// registration, the others 409), as the registrations are serialized on name and birth date.
#[sqlx::test(migrations = "./migrations")]
async fn concurrent_registrations_of_one_person_make_one_record(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let attempts = (0..8).map(|_| register_walk_in(&clinic, json!({"name": "Rita Race", "date_of_birth": "1970-07-07"})));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 7, "{statuses:?}");
    let records: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE name = 'Rita Race'").fetch_one(&clinic.app.pool).await.unwrap();
    assert_eq!(records, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn only_the_desk_and_admins_register_and_bad_input_writes_nothing(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let fine = json!({"name": "Greta Good", "date_of_birth": "1960-06-06"});
    for token in [&clinic.patient, &clinic.doctor, &clinic.nurse, &clinic.manager] {
        assert_error(app.post("/api/patients", fine.clone(), Some(token)).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_eq!(app.post("/api/patients", fine.clone(), None).await.status(), StatusCode::UNAUTHORIZED);

    let before = user_count(&app.pool).await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    for bad in [
        json!({"name": "Greta Good"}),
        json!({"name": "Greta Good", "date_of_birth": ""}),
        json!({"name": "Greta Good", "date_of_birth": tomorrow}),
        json!({"name": "Greta Good", "date_of_birth": "06/06/1960"}),
        json!({"name": "", "date_of_birth": "1960-06-06"}),
        json!({"name": "Greta Good", "date_of_birth": "1960-06-06", "email": "not an address"}),
        // A bad phone is found after the account row is written: the whole registration rolls back.
        json!({"name": "Greta Good", "date_of_birth": "1960-06-06", "phone": "call me"}),
        json!({"name": "Greta Good", "date_of_birth": "1960-06-06", "blood_group": "C+"}),
        json!({"name": "Greta Good", "date_of_birth": "1960-06-06", "role": "admin"}),
    ] {
        let refused = app.post("/api/patients", bad.clone(), Some(&clinic.staff)).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(user_count(&app.pool).await, before, "nothing written");
    // An address that already has an account.
    let taken = json!({"name": "Greta Good", "date_of_birth": "1960-06-06", "email": "ann@example.org"});
    assert_error(app.post("/api/patients", taken, Some(&clinic.admin)).await, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(user_count(&app.pool).await, before);
    assert_eq!(app.post("/api/patients", fine, Some(&clinic.admin)).await.status(), StatusCode::CREATED);
}

/// Name search by word prefixes (the word index): any word of the name, in any order, each
/// word typed the start of one; a common surname is paged in name order; a rename is found
/// under the new name at once; a patient matching twice is listed once.
#[sqlx::test(migrations = "./migrations")]
async fn names_are_found_by_the_start_of_any_word_and_paged_in_order(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    for i in 0..25 {
        let walk_in = json!({"name": format!("Patient{i:02} Mensah"), "date_of_birth": "1970-01-01"});
        assert_eq!(app.post("/api/patients", walk_in, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    }
    let walk_in = json!({"name": "Anna Annabel Ó Súilleabháin-Mensah", "date_of_birth": "1980-02-02"});
    assert_eq!(app.post("/api/patients", walk_in, Some(&clinic.staff)).await.status(), StatusCode::CREATED);
    let names = |found: serde_json::Value| -> Vec<String> {
        found.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
    };
    let staff = clinic.staff.clone();
    let search = |q: &str, page: i64| {
        let path = format!("/api/patients?q={}&page={page}", crate::records::urlencoding(q));
        let staff = staff.clone();
        async move { names(body(app.get(&path, Some(&staff)).await).await) }
    };
    // 26 Mensahs: 20 on the first page, 6 on the second, none twice, in name order.
    let (first, second) = (search("mens", 1).await, search("mens", 2).await);
    assert_eq!((first.len(), second.len()), (20, 6), "{first:?} {second:?}");
    let mut all = first.clone();
    all.extend(second);
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 26, "each patient once");
    assert_eq!(first[0], "Anna Annabel Ó Súilleabháin-Mensah");
    // Words in any order, each the start of a word, accents and case as typed or not.
    assert_eq!(search("mensah patient07", 1).await, vec!["Patient07 Mensah"]);
    assert_eq!(search("ANNAB", 1).await, vec!["Anna Annabel Ó Súilleabháin-Mensah"]);
    assert_eq!(search("ann", 1).await, vec!["Anna Annabel Ó Súilleabháin-Mensah"], "two words match: listed once");
    assert_eq!(search("súill ó", 1).await, vec!["Anna Annabel Ó Súilleabháin-Mensah"]);
    assert_eq!(search("ensah", 1).await, Vec::<String>::new(), "the start of a word, not its middle");
    // A new name is searchable at once; the old one is gone.
    let renamed = json!({"name": "Beatrix Kiddo"});
    let profile_path = "/api/profile";
    assert_eq!(app.put(profile_path, renamed, &clinic.patient).await.status(), StatusCode::OK);
    assert_eq!(search("kiddo", 1).await, vec!["Beatrix Kiddo"]);
}
