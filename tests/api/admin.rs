use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "./migrations")]
async fn an_admin_creates_a_nurse_who_can_then_sign_in(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let created = app
        .post("/api/users", json!({"name": "Nina Nurse", "email": "nina@clinic.test", "password": PASSWORD, "role": "nurse"}), Some(&admin))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let nurse = body(created).await;
    assert_eq!(nurse["role"], "nurse");
    let login = body(app.login("nina@clinic.test", PASSWORD).await).await;
    assert_eq!(login["role"], "nurse");
}

#[sqlx::test(migrations = "./migrations")]
async fn only_admins_create_staff_accounts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, patient) = app.patient("ann@example.org").await;
    let attempt = app
        .post("/api/users", json!({"name": "Evil", "email": "evil@example.org", "password": PASSWORD, "role": "admin"}), Some(&patient))
        .await;
    assert_error(attempt, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(app.get("/api/users", Some(&patient)).await, StatusCode::FORBIDDEN, "forbidden").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn front_desk_staff_register_patients_but_not_colleagues(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    app.post("/api/users", json!({"name": "Sam Staff", "email": "sam@clinic.test", "password": PASSWORD, "role": "staff"}), Some(&admin))
        .await;
    let staff = app.token("sam@clinic.test", PASSWORD).await;
    let patient = app
        .post(
            "/api/users",
            json!({"name": "Walk In", "email": "walkin@example.org", "password": PASSWORD, "role": "patient"}),
            Some(&staff),
        )
        .await;
    assert_eq!(patient.status(), StatusCode::CREATED);
    let patient_id = body(patient).await["id"].as_i64().unwrap();
    let nurse = app
        .post("/api/users", json!({"name": "Nope", "email": "nope@clinic.test", "password": PASSWORD, "role": "nurse"}), Some(&staff))
        .await;
    assert_error(nurse, StatusCode::FORBIDDEN, "forbidden").await;
    // The desk confirms the patient's email in person.
    let confirmed = app.post(&format!("/api/users/{patient_id}/verify-email"), json!({}), Some(&staff)).await;
    assert_eq!(body(confirmed).await["email_verified"], true);
    // Staff see patients only.
    let listed = body(app.get("/api/users", Some(&staff)).await).await;
    assert!(listed.as_array().unwrap().iter().all(|u| u["role"] == "patient"));
}

#[sqlx::test(migrations = "./migrations")]
async fn an_admin_verifies_a_self_registered_doctor(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let doctor = body(app.register("Dr. Who", "who@example.org", "doctor").await).await;
    let id = doctor["id"].as_i64().unwrap();
    let verified = app.post(&format!("/api/users/{id}/verify"), json!({}), Some(&admin)).await;
    assert_eq!(verified.status(), StatusCode::OK);
    assert_eq!(body(verified).await["verified"], true);
    let login = body(app.login("who@example.org", PASSWORD).await).await;
    assert_eq!(login["user"]["verified"], true);
}

#[sqlx::test(migrations = "./migrations")]
async fn an_admin_created_doctor_has_a_profile_and_is_verified(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/users",
            json!({"name": "Dr. Heart", "email": "heart@clinic.test", "password": PASSWORD, "role": "doctor",
            "specialization": "Cardiology", "city": "Springfield", "fee_cents": 12000, "experience_years": 12}),
            Some(&admin),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let user = body(created).await;
    assert_eq!(user["verified"], true);
    let (specialization, fee): (String, i64) = sqlx::query_as("SELECT specialization, fee_cents FROM doctors WHERE user_id = $1")
        .bind(user["id"].as_i64().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((specialization.as_str(), fee), ("Cardiology", 12000));
}

#[sqlx::test(migrations = "./migrations")]
async fn a_deactivated_account_is_signed_out_and_can_not_sign_in(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (id, token) = app.patient("ann@example.org").await;
    let response = app.post(&format!("/api/users/{id}/deactivate"), json!({}), Some(&admin)).await;
    assert_eq!(body(response).await["active"], false);
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::UNAUTHORIZED);
    assert_error(app.login("ann@example.org", PASSWORD).await, StatusCode::FORBIDDEN, "forbidden").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn an_admin_can_not_lock_themselves_out(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let me = body(app.get("/api/profile", Some(&admin)).await).await["id"].as_i64().unwrap();
    let response = app.post(&format!("/api/users/{me}/deactivate"), json!({}), Some(&admin)).await;
    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn admins_read_the_outbox_and_others_can_not(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (_, patient) = app.patient("ann@example.org").await;
    let outbox = body(app.get("/api/outbox", Some(&admin)).await).await;
    let mail = &outbox.as_array().unwrap()[0];
    assert_eq!(mail["to_address"], "ann@example.org");
    assert!(mail["body"].as_str().unwrap().contains("/verify-email?token="));
    assert_eq!(app.get("/api/outbox", Some(&patient)).await.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "./migrations")]
async fn logins_and_refused_access_are_audited(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (patient_id, patient) = app.patient("ann@example.org").await;
    app.login("ann@example.org", "wrong password!").await;
    app.get("/api/users", Some(&patient)).await;

    let denied = body(app.get("/api/audit?outcome=denied", Some(&admin)).await).await;
    let entry = denied.as_array().unwrap().iter().find(|e| e["actor_id"] == patient_id).expect("denial recorded");
    assert_eq!(entry["action"], "access.denied");
    assert_eq!(entry["detail"], "GET /api/users");
    assert_eq!(entry["ip"], "127.0.0.1");

    let logins = body(app.get("/api/audit?action=auth.login", Some(&admin)).await).await;
    let outcomes: Vec<&str> =
        logins.as_array().unwrap().iter().filter(|e| e["actor_id"] == patient_id).map(|e| e["outcome"].as_str().unwrap()).collect();
    assert!(outcomes.contains(&"success") && outcomes.contains(&"failure"), "{outcomes:?}");
    assert_eq!(app.get("/api/audit", Some(&patient)).await.status(), StatusCode::FORBIDDEN);
}
