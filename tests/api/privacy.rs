//! Privacy by default (issue 13): least privilege, automatic logoff, throttles that hold across
//! processes, headers, the sealed audit trail, export and unregister.

use crate::helpers::{assert_error, body, database_url_of, TestApp, PASSWORD};
use caduceus::audit;
use caduceus::server::config::Config;
use chrono::{Datelike, Duration, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::BTreeSet;

/// A verified doctor created by the admin: (doctor id, user id, token).
async fn doctor(app: &TestApp, admin: &str, email: &str) -> (i64, i64, String) {
    let created = app
        .post(
            "/api/doctors",
            json!({"name": "Dr. Hale", "email": email, "password": PASSWORD, "specialization": "Cardiology", "license_number": "LIC-1"}),
            Some(admin),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = body(created).await;
    (created["id"].as_i64().unwrap(), created["user_id"].as_i64().unwrap(), app.token(email, PASSWORD).await)
}

fn next_weekday(weeks: i64) -> chrono::NaiveDate {
    let mut day = Utc::now().date_naive() + Duration::weeks(weeks);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Duration::days(1);
    }
    day
}

async fn delete(app: &TestApp, path: &str, body: Value, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.delete(app.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn audit_count(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1").bind(action).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn a_doctor_who_changes_their_identity_is_unverified_until_an_admin_checks_again(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (doctor_id, user_id, token) = doctor(&app, &admin, "hale@clinic.test").await;
    assert_eq!(app.get(&format!("/api/doctors/{doctor_id}"), None).await.status(), StatusCode::OK, "listed");

    // The bio is not identity: still verified.
    assert_eq!(app.put(&format!("/api/doctors/{doctor_id}"), json!({"bio": "Heart health."}), &token).await.status(), StatusCode::OK);
    assert_eq!(app.get(&format!("/api/doctors/{doctor_id}"), None).await.status(), StatusCode::OK);
    // A new license number is: unlisted, audited.
    let changed = body(app.put(&format!("/api/doctors/{doctor_id}"), json!({"license_number": "LIC-2"}), &token).await).await;
    assert_eq!(changed["verified"], false, "{changed}");
    assert_eq!(app.get(&format!("/api/doctors/{doctor_id}"), None).await.status(), StatusCode::NOT_FOUND, "unlisted for patients");
    assert_eq!(audit_count(&pool, "account.unverify_doctor").await, 1);

    // The admin verifies again; an admin's own edit of the specialization keeps it.
    assert_eq!(app.post(&format!("/api/users/{user_id}/verify"), json!({}), Some(&admin)).await.status(), StatusCode::OK);
    let by_admin = body(app.put(&format!("/api/doctors/{doctor_id}"), json!({"specialization": "Cardiac Surgery"}), &admin).await).await;
    assert_eq!(by_admin["verified"], true);
    // The doctor's own change of name (in the profile) unverifies again.
    assert_eq!(app.put("/api/profile", json!({"name": "Dr. Hale-Smith"}), &token).await.status(), StatusCode::OK);
    let profile = body(app.get("/api/profile", Some(&token)).await).await;
    assert_eq!(profile["verified"], false);
    assert_eq!(audit_count(&pool, "account.unverify_doctor").await, 2);
}

#[sqlx::test(migrations = "./migrations")]
async fn only_failed_attempts_spend_an_accounts_sign_in_budget(pool: PgPool) {
    let config = Config { login_per_account_per_15_minutes: 3, login_per_ip_per_minute: 1000, ..Config::for_tests() };
    let app = TestApp::spawn_with(pool.clone(), config).await;
    app.patient("nurse.like@example.org").await;
    // A nurse signing in at many workstations is never refused.
    for _ in 0..12 {
        assert_eq!(app.login("nurse.like@example.org", PASSWORD).await.status(), StatusCode::OK);
    }
    // Someone else's guesses spend the budget; the owner is slowed down, for one interval of
    // the window at most (15 minutes / 3), never locked out for longer than the window.
    for _ in 0..3 {
        assert_eq!(app.login("nurse.like@example.org", "a wrong guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = app.login("nurse.like@example.org", PASSWORD).await;
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry_after), "retry after {retry_after}s");
    assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // More guesses while refused don't push the wait further out.
    for _ in 0..5 {
        app.login("nurse.like@example.org", "another guess").await;
    }
    let tat_ahead: f64 = sqlx::query_scalar("SELECT extract(epoch FROM tat - now())::float8 FROM throttles WHERE key LIKE 'account:%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(tat_ahead <= 15.0 * 60.0, "never beyond one window: {tat_ahead}");
    // Every 429 is audited.
    assert!(audit_count(&pool, "access.throttled").await >= 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn registrations_of_one_address_are_throttled_whatever_the_ip(pool: PgPool) {
    let config = Config { login_per_account_per_15_minutes: 2, login_per_ip_per_minute: 1000, ..Config::for_tests() };
    let app = TestApp::spawn_with(pool, config).await;
    assert_eq!(app.register("Reg One", "reg@example.org", "patient").await.status(), StatusCode::CREATED);
    assert_eq!(app.register("Reg One", "REG@example.org", "patient").await.status(), StatusCode::CONFLICT);
    assert_eq!(app.register("Reg One", "reg@example.org", "patient").await.status(), StatusCode::TOO_MANY_REQUESTS);
    // Its own budget: the account still signs in.
    assert_eq!(app.login("reg@example.org", PASSWORD).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "./migrations")]
async fn throttles_hold_across_server_processes_and_restarts(pool: PgPool) {
    let config = || Config { login_per_account_per_15_minutes: 4, ..Config::for_tests() };
    let first = TestApp::spawn_with(pool.clone(), config()).await;
    let second = TestApp::spawn_with(pool.clone(), config()).await;
    for app in [&first, &second, &first, &second] {
        assert_eq!(app.login("target@example.org", "guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Two processes did not double the budget…
    assert_eq!(first.login("target@example.org", "guess").await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.login("target@example.org", "guess").await.status(), StatusCode::TOO_MANY_REQUESTS);
    // …and a process started afterwards (a restart) finds it spent.
    let restarted = TestApp::spawn_with(pool, config()).await;
    assert_eq!(restarted.login("target@example.org", "guess").await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_forwarded_client_address_is_believed_only_from_a_configured_proxy(pool: PgPool) {
    let login_from = |app: &TestApp, client_ip: &'static str, email: &'static str| {
        app.client
            .post(app.url("/api/auth/login"))
            .header("x-forwarded-for", client_ip)
            .json(&json!({"email": email, "password": "guess"}))
            .send()
    };
    // Behind a trusted proxy each client has its own budget.
    let behind_proxy = Config { login_per_ip_per_minute: 2, trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Config::for_tests() };
    let app = TestApp::spawn_with(pool.clone(), behind_proxy).await;
    for email in ["a@example.org", "b@example.org"] {
        assert_eq!(login_from(&app, "203.0.113.1", email).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_from(&app, "203.0.113.1", "c@example.org").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login_from(&app, "203.0.113.2", "c@example.org").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let ips: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT ip FROM audit_log WHERE action = 'auth.login' ORDER BY ip").fetch_all(&pool).await.unwrap();
    assert_eq!(ips, ["203.0.113.1", "203.0.113.2"], "the audit trail names the client, not the proxy");

    // Without a configured proxy the header is anyone's to write: ignored.
    let direct = TestApp::spawn_with(pool, Config { login_per_ip_per_minute: 2, ..Config::for_tests() }).await;
    assert_eq!(login_from(&direct, "198.51.100.1", "d@example.org").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login_from(&direct, "198.51.100.2", "e@example.org").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login_from(&direct, "198.51.100.3", "f@example.org").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_burst_of_concurrent_sign_ins_and_sign_ups_gets_no_5xx(pool: PgPool) {
    let config = Config { login_per_ip_per_minute: 10_000, login_per_account_per_15_minutes: 10_000, ..Config::for_tests() };
    let app = TestApp::spawn_with(pool, config).await;
    for n in 0..4 {
        app.patient(&format!("burst{n}@example.org")).await;
    }
    // 32 sign-ins and 16 sign-ups at once: password hashing queues for the cores, and no
    // database connection waits on it.
    use futures::FutureExt;
    let sign_ins = (0..32).map(|n| app.login_owned(format!("burst{}@example.org", n % 4)).boxed());
    let sign_ups = (0..16).map(|n| app.register_owned(format!("new{n}@example.org")).boxed());
    let statuses: Vec<StatusCode> = futures::future::join_all(sign_ins.chain(sign_ups)).await;
    let server_errors: Vec<_> = statuses.iter().filter(|s| s.is_server_error()).collect();
    assert!(server_errors.is_empty(), "{server_errors:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 32);
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 16);
}

impl TestApp {
    async fn login_owned(&self, email: String) -> StatusCode {
        self.login(&email, PASSWORD).await.status()
    }

    async fn register_owned(&self, email: String) -> StatusCode {
        self.register("New Person", &email, "patient").await.status()
    }
}

/// Signs a browser in through the sign-in form; answers its session cookie (`name=value`).
async fn browser_session(app: &TestApp, email: &str) -> String {
    let form = [("email", email), ("password", PASSWORD)];
    let login = app.client.post(app.url("/sfn/login")).header("accept", "text/html").form(&form).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::FOUND);
    login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// Moves the sign-in's last use back. Setting `expires_at` (to itself) announces the change to
/// the server processes, which otherwise keep their copy of the sign-in for up to a minute.
async fn idle_for(pool: &PgPool, user_id: i64, minutes: i64) {
    sqlx::query("UPDATE auth_sessions SET last_seen_at = now() - make_interval(mins => $2), expires_at = expires_at WHERE user_id = $1")
        .bind(user_id)
        .bind(minutes as i32)
        .execute(pool)
        .await
        .unwrap();
}

async fn soon<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[sqlx::test(migrations = "./migrations")]
async fn sign_ins_end_after_their_idle_time_on_the_server(pool: PgPool) {
    let config = Config { session_idle_minutes: 15, token_idle_minutes: 60, ..Config::for_tests() };
    let app = TestApp::spawn_with(pool.clone(), config).await;
    let (user_id, token) = app.patient("idle@example.org").await;

    // Used within its limit: still signed in, and the use is recorded (about once a minute).
    idle_for(&pool, user_id, 30).await;
    assert!(soon(|| async { app.get("/api/profile", Some(&token)).await.status() == StatusCode::OK }).await);
    let recorded: f64 =
        sqlx::query_scalar("SELECT extract(epoch FROM now() - max(last_seen_at))::float8 FROM auth_sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(recorded < 60.0, "last use recorded {recorded}s ago");

    // An API token unused for longer than its limit (60 minutes here) is ended.
    idle_for(&pool, user_id, 62).await;
    assert!(soon(|| async { app.get("/api/profile", Some(&token)).await.status() == StatusCode::UNAUTHORIZED }).await);
    assert_eq!(audit_count(&pool, "auth.logoff_idle").await, 1);
    let revoked: bool = sqlx::query_scalar("SELECT bool_and(revoked_at IS NOT NULL) FROM auth_sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(revoked, "ended for good, not just refused");

    // A browser left idle for 17 minutes: the next page says why and leads back afterwards.
    let cookie = browser_session(&app, "idle@example.org").await;
    let page = |path: &'static str| app.client.get(app.url(path)).header("accept", "text/html").header("cookie", cookie.clone()).send();
    assert_eq!(page("/profile").await.unwrap().status(), StatusCode::OK);
    idle_for(&pool, user_id, 17).await;
    assert!(
        soon(|| async {
            let response = page("/profile").await.unwrap();
            response.status() == StatusCode::SEE_OTHER && response.headers()["location"] == "/login?signed_out=idle&next=/profile"
        })
        .await
    );
    let login_page = app.client.get(app.url("/login?signed_out=idle")).send().await.unwrap().text().await.unwrap();
    assert!(login_page.contains("signed out after inactivity"));
}

#[sqlx::test(migrations = "./migrations")]
async fn a_browser_sign_in_ends_at_its_absolute_lifetime(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), Config { session_max_hours: 12, ..Config::for_tests() }).await;
    app.patient("long@example.org").await;
    let cookie = browser_session(&app, "long@example.org").await;
    let hours: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - created_at)::float8 / 3600 FROM auth_sessions WHERE kind = 'browser' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!((11.99..=12.01).contains(&hours), "a browser sign-in lives {hours} hours");
    sqlx::query("UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE kind = 'browser'").execute(&pool).await.unwrap();
    let profile = app.client.get(app.url("/api/profile")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(profile.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "./migrations")]
async fn nothing_signed_in_is_cached_and_https_gets_hsts_and_a_host_only_cookie(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (_, token) = app.patient("cache@example.org").await;
    let cache_control = |response: &reqwest::Response| response.headers().get("cache-control").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(cache_control(&app.get("/api/profile", Some(&token)).await).as_deref(), Some("no-store"));
    assert_eq!(cache_control(&app.get("/api/doctors", None).await).as_deref(), Some("no-store"), "API answers are data");
    let cookie = browser_session(&app, "cache@example.org").await;
    let signed_in = app.client.get(app.url("/profile")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(cache_control(&signed_in).as_deref(), Some("no-store"));
    let anonymous = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(cache_control(&anonymous).as_deref(), Some("private, no-cache"));
    assert!(anonymous.headers().get("strict-transport-security").is_none(), "plain http: no HSTS");
    let csp = anonymous.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("connect-src 'self';"), "{csp}");
    // No inline script runs but Leptos' own, which carry this response's nonce.
    let script_src = csp.split(';').find(|d| d.trim_start().starts_with("script-src")).unwrap().to_owned();
    assert!(!script_src.contains("'unsafe-inline'"), "{csp}");
    let nonce = script_src.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_owned();
    let html = anonymous.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the nonce");
    let again = app.client.get(app.url("/login")).send().await.unwrap();
    assert!(!again.headers()["content-security-policy"].to_str().unwrap().contains(&nonce), "a fresh nonce per response");
    let api_csp = app.get("/api/doctors", None).await.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(api_csp.contains("script-src 'self' 'wasm-unsafe-eval';"), "no inline script at all: {api_csp}");

    // Served over HTTPS (Secure cookies).
    let https = TestApp::spawn_with(pool, Config { insecure_cookies: false, ..Config::for_tests() }).await;
    let form = [("email", "cache@example.org"), ("password", PASSWORD)];
    let login = https.client.post(https.url("/sfn/login")).header("accept", "text/html").form(&form).send().await.unwrap();
    assert_eq!(login.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.starts_with("__Host-caduceus_session=") && set_cookie.contains("Secure") && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
}

#[sqlx::test(migrations = "./migrations")]
async fn the_audit_trail_refuses_truncation_and_verify_finds_a_hand_edit(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    app.patient("chain@example.org").await;
    let mut conn = pool.acquire().await.unwrap();
    for table in ["audit_log", "audit_seals"] {
        assert!(sqlx::query(&format!("TRUNCATE {table}")).execute(&mut *conn).await.is_err(), "TRUNCATE {table} must be refused");
    }
    // The encoding is unambiguous: a value moved to the next field changes the digest (the
    // old '|'-joined one didn't notice).
    let digests: (bool, bool) = sqlx::query_as(
        "WITH e AS (SELECT (SELECT a FROM audit_log a LIMIT 1) AS base)
         SELECT audit_entry_digest_v2(((base).id, (base).at, 1, 'patient', 'a|b', 'c', 2, 3, 'ip', 'success', NULL, (base).tx)::audit_log)
              = audit_entry_digest_v2(((base).id, (base).at, 1, 'patient', 'a', 'b|c', 2, 3, 'ip', 'success', NULL, (base).tx)::audit_log),
                audit_entry_digest(((base).id, (base).at, 1, 'patient', 'a|b', 'c', 2, 3, 'ip', 'success', NULL, (base).tx)::audit_log)
              = audit_entry_digest(((base).id, (base).at, 1, 'patient', 'a', 'b|c', 2, 3, 'ip', 'success', NULL, (base).tx)::audit_log)
           FROM e",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(digests, (false, true));

    // Intact: the admin's check says so, and records when.
    let state = body(app.post("/api/audit/verify", json!({}), Some(&admin)).await).await;
    assert_eq!((state["intact"].as_bool(), state["by_whom"].as_str()), (Some(true), Some("admin")), "{state}");
    assert!(state["entries"].as_i64().unwrap() >= 3);
    let latest = body(app.get("/api/audit/chain", Some(&admin)).await).await;
    assert_eq!(latest["intact"], true);

    // Someone with the owner's powers edits an entry behind the triggers' back.
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
    sqlx::query("UPDATE audit_log SET ip = '10.9.9.9' WHERE id = (SELECT min(id) FROM audit_log)").execute(&mut *conn).await.unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
    let broken = audit::verify_chain(&mut conn).await.unwrap().expect("the edit is found");
    let first_entry: i64 = sqlx::query_scalar("SELECT min(id) FROM audit_log").fetch_one(&mut *conn).await.unwrap();
    assert!(broken.entry_ids.contains(&first_entry));

    // `caduceus audit verify` says where, and fails.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_caduceus"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", database_url_of(&pool))
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("breaks at block {}", broken.block)), "{stderr}");
    let latest = body(app.get("/api/audit/chain", Some(&admin)).await).await;
    assert_eq!((latest["intact"].as_bool(), latest["by_whom"].as_str()), (Some(false), Some("command")), "{latest}");
}

/// Every foreign key to `users` or `patients`: (table, column, referenced table), from the
/// catalog, so a table added by a later domain is covered without editing these tests.
async fn personal_columns(pool: &PgPool) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT kcu.table_name::text, kcu.column_name::text, ccu.table_name::text
           FROM information_schema.table_constraints tc
           JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
           JOIN information_schema.constraint_column_usage ccu USING (constraint_schema, constraint_name)
          WHERE tc.constraint_type = 'FOREIGN KEY' AND ccu.table_name IN ('users', 'patients') AND ccu.column_name = 'id'
          ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A patient with data in every table a patient's data can be in: a booked and a completed
/// visit, a review, notifications, sign-ins, email verifications, an email. Answers
/// (user id, patient id, token, the doctor's token).
async fn patient_with_history(app: &TestApp, admin: &str) -> (i64, i64, String, String) {
    let (doctor_id, _, doctor_token) = doctor(app, admin, "hale@clinic.test").await;
    // Registered at the desk with her old address; she set her password from the invitation,
    // then moved to a new address and confirmed it (mails went to both).
    let desk = json!({"name": "The desk", "email": "desk@clinic.test", "password": PASSWORD, "role": "staff"});
    assert_eq!(app.post("/api/users", desk, Some(admin)).await.status(), StatusCode::CREATED);
    let desk = app.token("desk@clinic.test", PASSWORD).await;
    let walk_in = json!({"name": "Zelda Quixote-Marsh", "date_of_birth": "1979-04-02", "email": "zq.old@example.org"});
    assert_eq!(app.post("/api/patients", walk_in, Some(&desk)).await.status(), StatusCode::CREATED);
    let invitation = app.verification_token_for("zq.old@example.org").await;
    let accepted = app.post("/api/auth/accept-invitation", json!({"token": invitation, "password": PASSWORD}), None).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let user_id = body(accepted).await["id"].as_i64().unwrap();
    let token = app.token("zq.old@example.org", PASSWORD).await;
    assert_eq!(app.put("/api/profile", json!({"email": "zelda.q@example.org"}), &token).await.status(), StatusCode::OK);
    let link = app.verification_token_for("zelda.q@example.org").await;
    assert_eq!(app.post("/api/auth/verify-email", json!({"token": link}), None).await.status(), StatusCode::OK);
    let profile = body(app.get("/api/profile", Some(&token)).await).await;
    let patient_id = profile["patient"]["patient_id"].as_i64().unwrap();
    assert_eq!(app.put("/api/profile", json!({"phone": "+1 555 0199", "blood_group": "O+"}), &token).await.status(), StatusCode::OK);
    let book = |weeks: i64| json!({"doctor_id": doctor_id, "date": next_weekday(weeks).to_string(), "time_slot": "10:00", "reason": "Palpitations at night"});
    let past = body(app.post("/api/appointments", book(2), Some(&token)).await).await["id"].as_i64().unwrap();
    app.post(&format!("/api/appointments/{past}/accept"), json!({}), Some(&doctor_token)).await;
    sqlx::query("UPDATE appointments SET starts_at = starts_at - interval '60 days', ends_at = ends_at - interval '60 days' WHERE id = $1")
        .bind(past)
        .execute(&app.pool)
        .await
        .unwrap();
    let done =
        app.post(&format!("/api/appointments/{past}/complete"), json!({"notes": "Holter monitor clear."}), Some(&doctor_token)).await;
    assert_eq!(done.status(), StatusCode::OK);
    // The chart: an entry in each of its tables, written by the doctor who treated them.
    for (what, entry) in [
        ("history", json!({"kind": "condition", "name": "Paroxysmal atrial fibrillation"})),
        ("allergies", json!({"substance": "Penicillin", "severity": "severe", "reaction": "Hives"})),
        ("vitals", json!({"systolic": 132, "diastolic": 86, "pulse": 91})),
    ] {
        let path = format!("/api/patients/{patient_id}/{what}");
        assert_eq!(app.post(&path, entry, Some(&doctor_token)).await.status(), StatusCode::CREATED, "{what}");
    }
    // A visit note, corrected once, with an addendum.
    let note = json!({"patient_id": patient_id, "appointment_id": past, "diagnoses": [{"code": "I48.0"}],
                      "prescriptions": [{"drug": "Apixaban", "dose": "5 mg", "frequency": "twice a day"}]});
    let written = app.post("/api/medical-records", note, Some(&doctor_token)).await;
    assert_eq!(written.status(), StatusCode::CREATED);
    let note_path = format!("/api/medical-records/{}", body(written).await["id"]);
    let correction = json!({"diagnoses": [{"code": "I48.0"}], "treatment": "Anticoagulation",
                            "prescriptions": [{"drug": "Apixaban", "dose": "5 mg", "frequency": "twice a day", "quantity": 60, "refills": 2}]});
    assert_eq!(app.put(&note_path, correction, &doctor_token).await.status(), StatusCode::OK);
    let addendum = app.post(&format!("{note_path}/addenda"), json!({"text": "Holter reviewed."}), Some(&doctor_token)).await;
    assert_eq!(addendum.status(), StatusCode::CREATED);
    // An emergency opening of the chart by a doctor who never saw them.
    let (_, _, emergency_doctor) = doctor(app, admin, "er@clinic.test").await;
    let reason = json!({"reason": "Chest pain in the lobby, cardiologist away"});
    let glass = app.post(&format!("/api/patients/{patient_id}/break-glass"), reason, Some(&emergency_doctor)).await;
    assert_eq!(glass.status(), StatusCode::CREATED);
    // A question to her doctor, answered.
    let question = json!({"question_text": "Is the palpitation normal after coffee?", "doctor_id": doctor_id});
    let asked = app.post("/api/questions", question, Some(&token)).await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let answer = json!({"response_text": "Usually; cut down and tell me if it persists."});
    let answered = app.post(&format!("/api/questions/{}/response", body(asked).await["id"]), answer, Some(&doctor_token)).await;
    assert_eq!(answered.status(), StatusCode::OK);
    let review = json!({"appointment_id": past, "rating": 5, "text": "Thorough."});
    assert_eq!(app.post(&format!("/api/doctors/{doctor_id}/reviews"), review, Some(&token)).await.status(), StatusCode::CREATED);
    let coming = app.post("/api/appointments", book(3), Some(&token)).await;
    assert_eq!(coming.status(), StatusCode::CREATED);
    // The doctor opens the visit: a read of the record.
    assert_eq!(app.get(&format!("/api/appointments/{past}"), Some(&doctor_token)).await.status(), StatusCode::OK);
    let letter = crate::documents::upload_form("Discharge letter", "discharge", "letter.pdf", crate::documents::pdf(), "application/pdf");
    let filed = app.client.post(app.url(&format!("/api/patients/{patient_id}/reports"))).bearer_auth(&doctor_token).multipart(letter);
    assert_eq!(filed.send().await.unwrap().status(), StatusCode::CREATED);
    // An x-ray she brought on a CD, read by her doctor.
    let film = crate::xrays::form("Chest CT", "chest", "ct.dcm", crate::xrays::dicom("CT_small.dcm"));
    let xray = crate::xrays::upload(app, &token, film).await;
    assert_eq!(xray.status(), StatusCode::CREATED);
    let result = app.put(&format!("/api/xrays/{}", body(xray).await["id"]), json!({"result": "No acute change."}), &doctor_token).await;
    assert_eq!(result.status(), StatusCode::OK);
    // A bill from the desk: paid in part, partly refunded, lowered by a credit note.
    let bill = json!({"patient_id": patient_id, "currency": "USD", "lines": [{"description": "Holter monitor", "unit_price_cents": 9000}]});
    let bill = app.post("/api/billing", bill, Some(&desk)).await;
    assert_eq!(bill.status(), StatusCode::CREATED);
    let bill = format!("/api/billing/{}", body(bill).await["id"]);
    let cash = json!({"amount_cents": 4000, "method": "cash"});
    assert_eq!(app.post(&format!("{bill}/payments"), cash, Some(&desk)).await.status(), StatusCode::CREATED);
    let refund = json!({"amount_cents": 1000, "method": "cash", "reason": "Overcharged"});
    assert_eq!(app.post(&format!("{bill}/refunds"), refund, Some(&desk)).await.status(), StatusCode::CREATED);
    let credit = json!({"amount_cents": 500, "reason": "Waiting time"});
    assert_eq!(app.post(&format!("{bill}/credit-notes"), credit, Some(&desk)).await.status(), StatusCode::CREATED);
    // Her insurance, claimed from for the rest, now in review.
    let policy = json!({"payer": "Acme Health", "member_id": "ZQ-1979"});
    let policy = app.post(&format!("/api/patients/{patient_id}/insurance"), policy, Some(&token)).await;
    assert_eq!(policy.status(), StatusCode::CREATED);
    let bill_id: i64 = bill.rsplit('/').next().unwrap().parse().unwrap();
    let claim = json!({"invoice_id": bill_id, "policy_id": body(policy).await["id"], "amount_cents": 2000});
    let claim = app.post("/api/claims", claim, Some(&desk)).await;
    assert_eq!(claim.status(), StatusCode::CREATED);
    let review = app.put(&format!("/api/claims/{}", body(claim).await["id"]), json!({"status": "in_review"}), &desk).await;
    assert_eq!(review.status(), StatusCode::OK);
    // A refill of her tablets, approved, and dispensed by the pharmacy (billed, in the ledger).
    let prescriptions = body(app.get("/api/prescriptions", Some(&token)).await).await;
    let apixaban =
        prescriptions.as_array().unwrap().iter().find(|p| p["drug"] == "Apixaban" && p["status"] == "active").unwrap()["id"].clone();
    let asked = app.post(&format!("/api/prescriptions/{apixaban}/refill-requests"), json!({}), Some(&token)).await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let approve = format!("/api/refill-requests/{}/approve", body(asked).await["id"]);
    assert_eq!(app.post(&approve, json!({"note": "Fine."}), Some(&doctor_token)).await.status(), StatusCode::OK);
    let item = json!({"name": "Apixaban 5 mg", "kind": "medicine", "unit": "tablet", "price_cents": 150});
    let item = body(app.post("/api/inventory", item, Some(&desk)).await).await["id"].clone();
    let receipt = json!({"kind": "receive", "quantity": 200, "lot_number": "APX-1", "expiry_date": "2030-01-31"});
    assert_eq!(app.post(&format!("/api/inventory/{item}/movements"), receipt, Some(&desk)).await.status(), StatusCode::CREATED);
    let fill = json!({"kind": "dispense", "quantity": 60, "prescription_id": apixaban});
    assert_eq!(app.post(&format!("/api/inventory/{item}/movements"), fill, Some(&desk)).await.status(), StatusCode::CREATED);
    (user_id, patient_id, token, doctor_token)
}

#[sqlx::test(migrations = "./migrations")]
async fn the_patient_sees_who_viewed_their_record(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (_, _, token, doctor_token) = patient_with_history(&app, &admin).await;
    let log = body(app.get("/api/profile/access-log", Some(&token)).await).await;
    let entries = log.as_array().unwrap();
    let viewed = entries.iter().find(|e| e["action"] == "appointment.view").expect("the doctor's read is listed");
    assert_eq!((viewed["actor_name"].as_str(), viewed["actor_role"].as_str()), (Some("Dr. Hale"), Some("doctor")));
    assert!(entries.iter().any(|e| e["action"] == "appointment.complete"));
    assert!(entries.iter().all(|e| e["actor_name"] != "Zelda Quixote-Marsh"), "the patient's own actions are not listed");
    assert_eq!(app.get("/api/profile/access-log", Some(&doctor_token)).await.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_export_holds_every_table_that_references_the_patient(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (user_id, patient_id, token, _) = patient_with_history(&app, &admin).await;
    let response = app.get("/api/profile/export", Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"caduceus-data-"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let export = body(response).await;
    assert_eq!(export["profile"]["email"], "zelda.q@example.org");
    let tables = export["tables"].as_object().unwrap();
    let missing: Vec<_> =
        personal_columns(&pool).await.into_iter().map(|(table, _, _)| table).filter(|t| !tables.contains_key(t)).collect();
    assert!(missing.is_empty(), "tables referencing a patient but missing from the export: {missing:?}");
    // The fixture gives the patient rows in every table that can hold them, so that erasure
    // (the next test) is tried on each: a new table fails here until the fixture fills it.
    let empty: Vec<_> = tables
        .iter()
        .filter(|(table, rows)| *table != "doctors" && rows.as_array().is_some_and(Vec::is_empty))
        .map(|(table, _)| table.clone())
        .collect();
    assert!(empty.is_empty(), "tables where the fixture patient has no row (add some to patient_with_history): {empty:?}");
    for (table, at_least) in [
        ("users", 1),
        ("patients", 1),
        ("appointments", 2),
        ("reviews", 1),
        ("notifications", 1),
        ("auth_sessions", 1),
        ("email_verifications", 1),
        ("account_invitations", 1),
        ("audit_log", 5),
        ("outbox", 2),
        ("medical_history", 1),
        ("allergies", 1),
        ("vitals", 1),
    ] {
        let rows = tables[table].as_array().unwrap_or_else(|| panic!("{table} is in the export"));
        assert!(rows.len() >= at_least, "{table}: {} rows", rows.len());
    }
    assert_eq!(tables["patients"][0]["id"], patient_id);
    assert_eq!(tables["users"][0]["id"], user_id);
    let text = export.to_string();
    assert!(!text.contains("password_hash") && !text.contains("token_hash") && !text.contains("$argon2"), "no secrets in the export");
    assert!(text.contains("Palpitations at night") && text.contains("Holter monitor clear."));
    assert_eq!(audit_count(&pool, "privacy.export").await, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn unregistering_deletes_every_trace_of_the_patient_and_the_chain_still_verifies(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (user_id, patient_id, token, doctor_token) = patient_with_history(&app, &admin).await;

    // Wrong password: 403, nothing deleted. Only patients close their own account here.
    assert_error(delete(&app, "/api/profile", json!({"password": "not it"}), Some(&token)).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::OK);
    assert_eq!(delete(&app, "/api/profile", json!({"password": PASSWORD}), Some(&doctor_token)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(delete(&app, "/api/profile", json!({}), Some(&token)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(delete(&app, "/api/profile", json!({"password": PASSWORD}), Some(&token)).await.status(), StatusCode::NO_CONTENT);
    // Every sign-in ended; the account is gone.
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("zelda.q@example.org", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    // The doctor was told the coming visit is cancelled, without the patient's name.
    let notes = body(app.get("/api/notifications", Some(&doctor_token)).await).await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["body"].as_str().unwrap().contains("closed their account")), "{notes}");

    // No row anywhere references them…
    for (table, column, referenced) in personal_columns(&pool).await {
        let id = if referenced == "users" { user_id } else { patient_id };
        let left: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = $1"))
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 0, "{table}.{column} still references the patient");
    }
    // …and their name and email are in no column of any table.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
          WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for table in tables {
        for needle in ["Zelda Quixote-Marsh", "zelda.q@example.org", "zq.old@example.org"] {
            let found: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table} t WHERE t::text ILIKE '%' || $1 || '%'"))
                .bind(needle)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(found, 0, "{needle} is still in {table}");
        }
    }
    // One audit entry of the erasure remains, and the chain verifies.
    assert_eq!(audit_count(&pool, "privacy.unregister").await, 2, "the refused attempt and the erasure");
    let state = body(app.post("/api/audit/verify", json!({}), Some(&admin)).await).await;
    assert_eq!(state["intact"], true, "{state}");
}

#[sqlx::test(migrations = "./migrations")]
async fn an_admin_erases_a_patient_with_a_reason(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (user_id, token) = app.patient("erase.me@example.org").await;
    let patient_id: i64 = sqlx::query_scalar("SELECT id FROM patients WHERE user_id = $1").bind(user_id).fetch_one(&pool).await.unwrap();
    let path = format!("/api/patients/{patient_id}");
    assert_eq!(delete(&app, &path, json!({"reason": "duplicate"}), Some(&token)).await.status(), StatusCode::FORBIDDEN);
    assert_error(delete(&app, &path, json!({"reason": "  "}), Some(&admin)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        .await;
    assert_eq!(delete(&app, "/api/patients/999999", json!({"reason": "x"}), Some(&admin)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        delete(&app, &path, json!({"reason": "Asked in writing, letter of 2 Dec"}), Some(&admin)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get("/api/profile", Some(&token)).await.status(), StatusCode::UNAUTHORIZED);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE id = $1").bind(user_id).fetch_one(&pool).await.unwrap();
    assert_eq!(left, 0);
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'privacy.unregister'").fetch_one(&pool).await.unwrap();
    assert_eq!(detail, "by an administrator: Asked in writing, letter of 2 Dec");
}

/// The catalog's view of what export and erasure cover is the same as the tests'.
#[sqlx::test(migrations = "./migrations")]
async fn export_and_erasure_find_the_same_tables_as_the_catalog(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let found: BTreeSet<String> =
        caduceus::privacy::service::personal_tables(&mut conn).await.unwrap().into_iter().map(|t| t.table).collect();
    let expected: BTreeSet<String> =
        personal_columns(&pool).await.into_iter().map(|(table, _, _)| table).chain(["users".to_owned(), "patients".to_owned()]).collect();
    assert_eq!(found, expected);
}

/// The server's requests run as `caduceus_app`, which owns nothing: it reads and writes the
/// domain tables, appends to the audit trail, and can do nothing else to it.
#[sqlx::test(migrations = "./migrations")]
async fn the_servers_database_role_owns_nothing_and_only_appends_to_the_audit_trail(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let owned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'caduceus_app'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(owned, 0);
    sqlx::query("SET ROLE caduceus_app").execute(&mut *conn).await.unwrap();
    audit::record(&mut conn, audit::Entry::new("test.append")).await.unwrap();
    sqlx::query("INSERT INTO throttles (key, tat) VALUES ('k', now())").execute(&mut *conn).await.unwrap();
    for statement in [
        "UPDATE audit_log SET detail = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DELETE FROM audit_seals",
        "UPDATE audit_verifications SET broken_block = NULL",
        "DROP TABLE throttles",
        "CREATE TABLE sneaky (id int)",
        "SELECT * FROM _sqlx_migrations",
    ] {
        let refused = sqlx::query(statement).execute(&mut *conn).await;
        assert!(refused.is_err(), "{statement} must be refused to the app role");
    }
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap();
}

/// Another patient's appointment is a 404 (its existence is not revealed), and the probe is
/// audited like any refused access.
#[sqlx::test(migrations = "./migrations")]
async fn probing_someone_elses_record_is_a_404_and_audited(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    patient_with_history(&app, &admin).await;
    let (_, other) = app.patient("curious@example.org").await;
    let theirs: i64 = sqlx::query_scalar("SELECT min(id) FROM appointments").fetch_one(&pool).await.unwrap();
    let probe = app.get(&format!("/api/appointments/{theirs}"), Some(&other)).await;
    assert!(probe.headers().get(caduceus::error::CONCEALED_HEADER).is_none(), "the marker never leaves the server");
    assert_error(probe, StatusCode::NOT_FOUND, "not_found").await;
    let missing = app.get("/api/appointments/987654", Some(&other)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // Someone else's notification, likewise.
    let their_note: i64 = sqlx::query_scalar("SELECT min(id) FROM notifications").fetch_one(&pool).await.unwrap();
    assert_error(
        app.post(&format!("/api/notifications/{their_note}/read"), json!({}), Some(&other)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let audited: Vec<(String, String)> =
        sqlx::query_as("SELECT outcome, detail FROM audit_log WHERE action = 'access.concealed' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected = [
        ("denied".to_owned(), format!("GET /api/appointments/{theirs}")),
        ("denied".to_owned(), format!("POST /api/notifications/{their_note}/read")),
    ];
    assert_eq!(audited, expected, "only the probes of real records");
}
