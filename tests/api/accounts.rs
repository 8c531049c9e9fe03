use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "./migrations")]
async fn health_reports_the_database(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.get("/health", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await["database"], "ok");
}

#[sqlx::test(migrations = "./migrations")]
async fn a_patient_registers_logs_in_and_reads_their_profile(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.register("Ann Patient", "Ann@Example.org", "patient").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user = body(response).await;
    assert_eq!(user["email"], "ann@example.org");
    assert_eq!(user["role"], "patient");
    assert_eq!(user["email_verified"], false);

    let login = body(app.login("ann@example.org", PASSWORD).await).await;
    assert_eq!(login["role"], "patient");
    let token = login["token"].as_str().unwrap();
    let profile = body(app.get("/api/profile", Some(token)).await).await;
    assert_eq!(profile["name"], "Ann Patient");
    assert!(profile["patient"]["patient_id"].is_i64());
}

#[sqlx::test(migrations = "./migrations")]
async fn registering_without_a_role_makes_a_patient(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response =
        app.post("/api/auth/register", json!({"name": "No Role", "email": "norole@example.org", "password": PASSWORD}), None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(body(response).await["role"], "patient");
}

#[sqlx::test(migrations = "./migrations")]
async fn self_registration_can_not_pick_a_staff_role(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for role in ["admin", "nurse", "staff", "manager"] {
        let response = app.register("Eve", &format!("eve-{role}@example.org"), role).await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_error(app.register("Eve", "eve@example.org", "superuser").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(accounts, 0, "no account may be left behind");
}

#[sqlx::test(migrations = "./migrations")]
async fn unknown_fields_like_verified_are_refused_at_registration(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app
        .post(
            "/api/auth/register",
            json!({"name": "Eve", "email": "eve@example.org", "password": PASSWORD, "role": "doctor", "verified": true}),
            None,
        )
        .await;
    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn a_self_registered_doctor_is_unverified(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = body(app.register("Dr. New", "new.doc@example.org", "doctor").await).await;
    assert_eq!(user["role"], "doctor");
    assert_eq!(user["verified"], false);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_duplicate_email_is_a_conflict_whatever_its_case(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.register("Ann", "ann@example.org", "patient").await.status(), StatusCode::CREATED);
    let message = assert_error(app.register("Ann Again", "ANN@example.org", "patient").await, StatusCode::CONFLICT, "conflict").await;
    assert!(message.contains("already exists"));
}

#[sqlx::test(migrations = "./migrations")]
async fn weak_passwords_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for password in ["short", "password123", "Qwerty123", &"x".repeat(129)] {
        let response =
            app.post("/api/auth/register", json!({"name": "Weak", "email": "weak@example.org", "password": password}), None).await;
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn wrong_password_and_unknown_email_get_the_same_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.register("Ann", "ann@example.org", "patient").await;
    let wrong_password = app.login("ann@example.org", "not-the-password").await;
    let unknown_email = app.login("nobody@example.org", "not-the-password").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    // The same answer but for the request's own id (which names the log line, not the account).
    let (mut wrong_password, mut unknown_email) = (body(wrong_password).await, body(unknown_email).await);
    assert!(wrong_password["error"]["request_id"].is_string());
    wrong_password["error"]["request_id"].take();
    unknown_email["error"]["request_id"].take();
    assert_eq!(wrong_password, unknown_email);
}

#[sqlx::test(migrations = "./migrations")]
async fn logout_revokes_the_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.patient("ann@example.org").await;
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::OK);
    assert_eq!(app.post("/api/auth/logout", json!({}), Some(&token)).await.status(), StatusCode::NO_CONTENT);
    assert_error(app.get("/api/profile", Some(&token)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn anonymous_and_made_up_tokens_get_401(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_error(app.get("/api/profile", None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(app.get("/api/profile", Some("cad_made_up")).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn the_email_link_confirms_the_address(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.patient("ann@example.org").await;
    let link_token = app.verification_token_for("ann@example.org").await;
    let verified = app.post("/api/auth/verify-email", json!({"token": link_token}), None).await;
    assert_eq!(verified.status(), StatusCode::OK);
    assert_eq!(body(verified).await["email_verified"], true);
    assert_eq!(body(app.get("/api/profile", Some(&token)).await).await["email_verified"], true);
    // A link works once.
    let again = app.post("/api/auth/verify-email", json!({"token": link_token}), None).await;
    assert_error(again, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn a_profile_update_applies_contact_and_medical_details(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.patient("ann@example.org").await;
    let update = json!({"name": "Ann B. Patient", "phone": "+1 555 010 2030", "date_of_birth": "1985-04-12", "blood_group": "o-",
        "emergency_contact_name": "Bob", "emergency_contact_phone": "+1 555 010 9999"});
    let response = app.put("/api/profile", update, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let profile = body(app.get("/api/profile", Some(&token)).await).await;
    assert_eq!(profile["name"], "Ann B. Patient");
    assert_eq!(profile["phone"], "+1 555 010 2030");
    assert_eq!(profile["patient"]["date_of_birth"], "1985-04-12");
    assert_eq!(profile["patient"]["blood_group"], "O-");
}

#[sqlx::test(migrations = "./migrations")]
async fn a_profile_update_can_not_change_role_or_verification(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.patient("ann@example.org").await;
    for sneaky in [json!({"role": "admin"}), json!({"name": "Ann", "verified": true}), json!({"email_verified": true})] {
        assert_error(app.put("/api/profile", sneaky, &token).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    let profile = body(app.get("/api/profile", Some(&token)).await).await;
    assert_eq!(profile["role"], "patient");
    assert_eq!(profile["name"], "Pat Example");
}

#[sqlx::test(migrations = "./migrations")]
async fn an_invalid_profile_field_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.patient("ann@example.org").await;
    let response = app.put("/api/profile", json!({"name": "New Name", "date_of_birth": "2999-01-01"}), &token).await;
    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body(app.get("/api/profile", Some(&token)).await).await["name"], "Pat Example");
}

#[sqlx::test(migrations = "./migrations")]
async fn changing_the_password_ends_every_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, first) = app.patient("ann@example.org").await;
    let second = app.token("ann@example.org", PASSWORD).await;
    let change = json!({"current_password": PASSWORD, "new_password": "a brand new phrase"});
    assert_eq!(app.post("/api/auth/password", change, Some(&first)).await.status(), StatusCode::NO_CONTENT);
    for token in [&first, &second] {
        assert_eq!(app.get("/api/profile", Some(token)).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login("ann@example.org", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("ann@example.org", "a brand new phrase").await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_user_lists_and_revokes_their_own_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, first) = app.patient("ann@example.org").await;
    let second = app.token("ann@example.org", PASSWORD).await;
    let sessions = body(app.get("/api/auth/sessions", Some(&first)).await).await;
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].as_i64().unwrap();
    let revoked = app.client.delete(app.url(&format!("/api/auth/sessions/{other}"))).bearer_auth(&first).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/profile", Some(&second)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/profile", Some(&first)).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_user_can_not_revoke_someone_elses_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, ann) = app.patient("ann@example.org").await;
    let (_, bob) = app.patient("bob@example.org").await;
    let bobs = body(app.get("/api/auth/sessions", Some(&bob)).await).await[0]["id"].as_i64().unwrap();
    let attempt = app.client.delete(app.url(&format!("/api/auth/sessions/{bobs}"))).bearer_auth(&ann).send().await.unwrap();
    assert_eq!(attempt.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/profile", Some(&bob)).await.status(), StatusCode::OK);
}
