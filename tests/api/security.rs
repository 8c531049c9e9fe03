use crate::helpers::*;
use caduceus::server::config::Config;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "./migrations")]
async fn state_changing_requests_from_a_foreign_origin_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let foreign = app
        .client
        .post(app.url("/api/auth/register"))
        .header("origin", "https://evil.example")
        .json(&json!({"name": "Ann", "email": "ann@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_error(foreign, StatusCode::FORBIDDEN, "forbidden").await;
    // Server functions are protected the same way.
    let sfn = app.client.post(app.url("/sfn/logout")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(sfn.status(), StatusCode::FORBIDDEN);
    // The same request from our own origin goes through.
    let own = app
        .client
        .post(app.url("/api/auth/register"))
        .header("origin", app.base.clone())
        .json(&json!({"name": "Ann", "email": "ann@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::CREATED);
}

#[sqlx::test(migrations = "./migrations")]
async fn oversized_bodies_are_refused_with_413(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let response = app.post("/api/auth/register", json!({"name": huge, "email": "a@example.org", "password": PASSWORD}), None).await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn repeated_sign_in_attempts_are_throttled(pool: PgPool) {
    let mut config = Config::for_tests();
    config.login_per_account_per_15_minutes = 3;
    let app = TestApp::spawn_with(pool, config).await;
    for _ in 0..3 {
        assert_eq!(app.login("ann@example.org", "guess-guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = app.login("ann@example.org", "guess-guess").await;
    let retry_after: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    assert_error(throttled, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn the_default_limits_throttle_one_account_after_ten_attempts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(app.login("victim@example.org", "guess-guess").await.status());
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::UNAUTHORIZED));
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "./migrations")]
async fn malformed_input_gets_a_4xx_never_a_500(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let raw = |body: &'static str, content_type: &'static str| {
        app.client.post(app.url("/api/auth/login")).header("content-type", content_type).body(body).send()
    };
    assert_error(raw("{not json", "application/json").await.unwrap(), StatusCode::BAD_REQUEST, "bad_request").await;
    assert_error(raw("{\"email\": 5}", "application/json").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_error(raw("email=a", "text/plain").await.unwrap(), StatusCode::BAD_REQUEST, "bad_request").await;
    assert_error(raw("", "application/json").await.unwrap(), StatusCode::BAD_REQUEST, "bad_request").await;
    let bad_id = app.get("/api/users/not-a-number", None).await;
    assert!(bad_id.status().is_client_error());
    let bad_query = app.admin().await;
    let response = app.get("/api/audit?actor_id=abc", Some(&bad_query)).await;
    assert_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn unknown_api_paths_are_json_404s(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_error(app.get("/api/no-such-thing", None).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in ["/health", "/api/profile", "/login"] {
        let response = app.get(path, None).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn the_portal_session_cookie_is_http_only_and_rotated_at_login(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.patient("ann@example.org").await;
    // The sign-in form posts to its server function like a browser without JavaScript.
    let form = [("email", "ann@example.org"), ("password", PASSWORD)];
    let response = app
        .client
        .post(app.url("/sfn/login"))
        .header("accept", "text/html")
        .header("cookie", "caduceus_session=attacker-chosen-id")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("caduceus_session="));
    assert!(!cookie.contains("attacker-chosen-id"));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    // The cookie signs the browser in.
    let session = cookie.split(';').next().unwrap().to_owned();
    let profile = app.client.get(app.url("/profile")).header("cookie", &session).send().await.unwrap();
    assert_eq!(profile.status(), StatusCode::OK);
    assert!(profile.text().await.unwrap().contains("Pat Example"));
}

#[sqlx::test(migrations = "./migrations")]
async fn a_failed_sign_in_without_javascript_returns_to_the_form_with_the_reason(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let form = [("email", "ann@example.org"), ("password", "wrong password")];
    let response = app.client.post(app.url("/sfn/login")).header("accept", "text/html").form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/login?error=invalid_credentials");
}

#[sqlx::test(migrations = "./migrations")]
async fn protected_pages_send_anonymous_visitors_to_sign_in_and_others_get_403(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // A browser navigation (leptos answers server-side redirects to HTML requests with 302).
    let anonymous = app.client.get(app.url("/users")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::FOUND);
    assert_eq!(anonymous.headers()["location"], "/login?next=/users");
    let missing = app.client.get(app.url("/no/such/page")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.patient("ann@example.org").await;
    // A signed-in patient (browser session) gets the 403 view on a staff page.
    let form = [("email", "ann@example.org"), ("password", PASSWORD)];
    let login = app.client.post(app.url("/sfn/login")).header("accept", "text/html").form(&form).send().await.unwrap();
    let session = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let forbidden = app.client.get(app.url("/users")).header("accept", "text/html").header("cookie", session).send().await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert!(forbidden.text().await.unwrap().contains("Not allowed"));
}

/// GET /api/profile with `token` against `base` until it answers `status`, for up to two
/// seconds; whether it did.
async fn answers_soon(base: &str, token: &str, status: StatusCode) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/api/profile")).bearer_auth(token).send().await.unwrap().status() == status {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[sqlx::test(migrations = "./migrations")]
async fn a_sign_out_in_one_server_process_is_heard_by_the_others(pool: PgPool) {
    // Each process remembers resolved sign-ins; PostgreSQL tells them all when one ends.
    let app = TestApp::spawn(pool.clone()).await;
    let other = ServerProcess::start(&pool).await;
    let (_, token) = app.patient("pat@example.org").await;
    for base in [&app.base, &other.base] {
        for _ in 0..2 {
            assert!(answers_soon(base, &token, StatusCode::OK).await, "signed in at {base}");
        }
    }
    assert_eq!(app.post("/api/auth/logout", json!({}), Some(&token)).await.status(), StatusCode::NO_CONTENT);
    // This process forgets its own change at once; the other hears of it from PostgreSQL.
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::UNAUTHORIZED);
    assert!(answers_soon(&other.base, &token, StatusCode::UNAUTHORIZED).await, "the other process still takes the token");
}

#[sqlx::test(migrations = "./migrations")]
async fn an_account_deactivated_by_hand_in_the_database_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user_id, token) = app.patient("pat@example.org").await;
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::OK);
    sqlx::query("UPDATE users SET active = false WHERE id = $1").bind(user_id).execute(&pool).await.unwrap();
    assert!(answers_soon(&app.base, &token, StatusCode::UNAUTHORIZED).await, "a deactivated account is still served");
}

#[sqlx::test(migrations = "./migrations")]
async fn text_with_control_characters_is_a_422_wherever_it_arrives(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // In a JSON body (PostgreSQL can't store NUL: this was a 500 before the shared check).
    let body = json!({"name": "Ann\u{0}", "email": "ann@example.org", "password": PASSWORD, "role": "patient"});
    assert_error(app.post("/api/auth/register", body, None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // In a query string and in a path.
    assert_error(app.get("/api/doctors?q=Gr%00ey", None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_error(app.get("/api/doctors?q=%1B%5B31m", None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_error(app.get("/api/doctors/1%00", None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Nothing was written, and line breaks stay allowed where text is free.
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email LIKE 'ann@%'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(count, 0);
    assert_eq!(app.get("/api/doctors?q=Grey", None).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "./migrations")]
async fn an_error_body_names_the_request_the_log_line_is_about(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.get("/api/appointments", None).await;
    let header = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(header.len(), 32, "{header}");
    let value = body(response).await;
    assert_eq!(value["error"]["code"], "unauthorized");
    assert_eq!(value["error"]["request_id"], header.as_str());
    // Each request has its own id.
    let other = app.get("/api/appointments", None).await;
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), header);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_body_of_the_wrong_shape_is_a_422_naming_the_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = json!({"name": 5, "email": "ann@example.org", "password": PASSWORD, "role": "patient"});
    let message =
        assert_error(app.post("/api/auth/register", body, None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.starts_with("Invalid request body: name:"), "{message}");
}

/// Found by the schemathesis run: `GET /api/doctors?page=9223372036854775806` overflowed the
/// offset and answered 500. Every paged list now refuses pages outside its range with a 422.
#[sqlx::test(migrations = "./migrations")]
async fn page_numbers_nobody_could_reach_are_a_422_on_every_paged_list(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    for path in ["/api/doctors", "/api/users", "/api/appointments/calendar"] {
        for page in ["9223372036854775806", "-9223372036854775808", "1000001", "-1"] {
            let response = app.get(&format!("{path}?page={page}"), Some(&admin)).await;
            let message = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert!(message.contains("page must be between"), "{path}?page={page}: {message}");
        }
        assert_eq!(app.get(&format!("{path}?page=2"), Some(&admin)).await.status(), StatusCode::OK, "{path}");
    }
}
