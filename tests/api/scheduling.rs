use crate::helpers::*;
use caduceus::server::config::Config;
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

/// A weekday at least two days ahead (tests run in the UTC clinic time zone).
fn next(weekday: Weekday) -> NaiveDate {
    let mut day = Utc::now().date_naive() + Duration::days(2);
    while day.weekday() != weekday {
        day += Duration::days(1);
    }
    day
}

/// An admin-created, verified doctor; returns (doctor id, doctor token).
async fn doctor(app: &TestApp, admin: &str, name: &str, email: &str, specialization: &str, city: &str) -> (i64, String) {
    let body = json!({"name": name, "email": email, "password": PASSWORD, "role": "doctor",
        "specialization": specialization, "city": city, "fee_cents": 12000, "experience_years": 10});
    let created = app.post("/api/users", body, Some(admin)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let user_id = body_of(created).await["id"].as_i64().unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM doctors WHERE user_id = $1").bind(user_id).fetch_one(&app.pool).await.unwrap();
    (id, app.token(email, PASSWORD).await)
}

async fn body_of(response: reqwest::Response) -> Value {
    body(response).await
}

/// A patient with a confirmed email; returns (patient id, token).
async fn verified_patient(app: &TestApp, email: &str) -> (i64, String) {
    let (user_id, token) = app.patient(email).await;
    let link = app.verification_token_for(email).await;
    assert_eq!(app.post("/api/auth/verify-email", json!({"token": link}), None).await.status(), StatusCode::OK);
    let id: i64 = sqlx::query_scalar("SELECT id FROM patients WHERE user_id = $1").bind(user_id).fetch_one(&app.pool).await.unwrap();
    (id, token)
}

async fn book(app: &TestApp, token: &str, doctor_id: i64, date: NaiveDate, time: &str) -> reqwest::Response {
    app.post(
        "/api/appointments",
        json!({"doctor_id": doctor_id, "date": date.to_string(), "time_slot": time, "reason": "check-up"}),
        Some(token),
    )
    .await
}

async fn slots(app: &TestApp, doctor_id: i64, date: NaiveDate) -> Vec<String> {
    let response = app.get(&format!("/api/doctors/{doctor_id}/available_slots?date={date}"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let value = body(response).await;
    assert_eq!(value["date"], date.to_string());
    value["slots"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

#[sqlx::test(migrations = "./migrations")]
async fn the_directory_lists_verified_doctors_by_specialization_city_and_partial_name(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    doctor(&app, &admin, "Dr. Amara Okafor", "amara@clinic.test", "Cardiology", "Riverton").await;
    doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    doctor(&app, &admin, "Dr. Lena Fischer", "lena@clinic.test", "Dermatology", "Springfield").await;
    app.register("Dr. Unverified", "unverified@example.org", "doctor").await;

    let names = |v: Value| v.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(body(app.get("/api/doctors", None).await).await), ["Dr. Amara Okafor", "Dr. Derek Grey", "Dr. Lena Fischer"]);
    assert_eq!(names(body(app.get("/api/doctors?specialization=cardiology&city=Springfield", None).await).await), ["Dr. Derek Grey"]);
    assert_eq!(names(body(app.get("/api/doctors?q=ok", None).await).await), ["Dr. Amara Okafor"]);
    assert_eq!(names(body(app.get("/api/doctors?q=%25", None).await).await), Vec::<String>::new(), "wildcards are literal");
    let card = &body(app.get("/api/doctors?q=grey", None).await).await[0];
    assert_eq!(card["fee_cents"], 12000);
    assert_eq!(card["currency"], "USD");
    assert_eq!(card["review_count"], 0);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_doctor_page_shows_the_profile_and_schedule_and_hides_unverified_doctors(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let page = body(app.get(&format!("/api/doctors/{id}"), None).await).await;
    assert_eq!(page["specialization"], "Cardiology");
    assert_eq!(page["weekly_schedule"].as_array().unwrap().len(), 10, "Mon–Fri, two blocks a day");
    let unverified = body(app.register("Dr. New", "new@example.org", "doctor").await).await;
    let hidden: i64 = sqlx::query_scalar("SELECT id FROM doctors WHERE user_id = $1")
        .bind(unverified["id"].as_i64().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.get(&format!("/api/doctors/{hidden}"), None).await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_default_day_has_twelve_free_slots_and_a_booking_takes_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, patient) = verified_patient(&app, "ann@example.org").await;
    let monday = next(Weekday::Mon);
    let free = slots(&app, doctor_id, monday).await;
    assert_eq!(free.len(), 12);
    assert_eq!(free[0], "10:00");
    assert!(!free.contains(&"13:00".to_owned()));

    let booked = book(&app, &patient, doctor_id, monday, "10:30").await;
    assert_eq!(booked.status(), StatusCode::CREATED);
    let appointment = body(booked).await;
    assert_eq!(appointment["status"], "pending");
    assert_eq!(appointment["fee_cents"], 12000);
    assert_eq!(appointment["currency"], "USD");
    assert_eq!(appointment["time_slot"], "10:30");
    assert_eq!(appointment["starts_at"], format!("{monday}T10:30:00Z"));
    let free = slots(&app, doctor_id, monday).await;
    assert_eq!(free.len(), 11);
    assert!(!free.contains(&"10:30".to_owned()));
    assert!(slots(&app, doctor_id, next(Weekday::Sat)).await.is_empty());
    // Both sides are told.
    let mails: Vec<String> = sqlx::query_scalar("SELECT subject FROM outbox ORDER BY id").fetch_all(&app.pool).await.unwrap();
    assert!(mails.contains(&"Appointment requested".to_owned()) && mails.contains(&"New appointment request".to_owned()));
}

#[sqlx::test(migrations = "./migrations")]
async fn bookings_outside_the_rules_are_refused_with_a_reason(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, patient) = verified_patient(&app, "ann@example.org").await;
    let monday = next(Weekday::Mon);
    let yesterday = Utc::now().date_naive() - Duration::days(1);
    let cases = [
        (yesterday, "10:00", "already passed"),
        (next(Weekday::Sat), "10:00", "does not work on that weekday"),
        (monday, "13:00", "break"),
        (monday, "10:15", "half hour"),
        (monday, "08:00", "outside"),
        (monday, "17:00", "outside"),
    ];
    for (date, time, expected) in cases {
        let message =
            assert_error(book(&app, &patient, doctor_id, date, time).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(message.contains(expected), "{date} {time}: {message}");
    }
    let bad_format =
        app.post("/api/appointments", json!({"doctor_id": doctor_id, "date": "01/12/2026", "time_slot": "10:00"}), Some(&patient)).await;
    assert_error(bad_format, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // chrono reads years PostgreSQL can't store: still a 422, not a failed query.
    let far_past =
        app.post("/api/appointments", json!({"doctor_id": doctor_id, "date": "-5000-01-01", "time_slot": "10:00"}), Some(&patient)).await;
    assert_error(far_past, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let far_slots = app.get(&format!("/api/doctors/{doctor_id}/available_slots?date=-5000-01-01"), None).await;
    assert_error(far_slots, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // A day off.
    let off = app
        .post(
            &format!("/api/doctors/{doctor_id}/days-off"),
            json!({"date": monday.to_string(), "reason": "conference"}),
            Some(&doctor_token),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    let message =
        assert_error(book(&app, &patient, doctor_id, monday, "10:00").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("not working that day"));
    assert!(slots(&app, doctor_id, monday).await.is_empty());

    // An unverified doctor and an unconfirmed patient.
    let unverified = body(app.register("Dr. New", "new@example.org", "doctor").await).await;
    let unverified_id: i64 = sqlx::query_scalar("SELECT id FROM doctors WHERE user_id = $1")
        .bind(unverified["id"].as_i64().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let tuesday = next(Weekday::Tue);
    assert_error(book(&app, &patient, unverified_id, tuesday, "10:00").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let (_, unconfirmed) = app.patient("bob@example.org").await;
    let message =
        assert_error(book(&app, &unconfirmed, doctor_id, tuesday, "10:00").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
    assert!(message.contains("confirm your email"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&app.pool).await.unwrap();
    assert_eq!(count, 0);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_taken_slot_and_a_busy_patient_are_conflicts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (grey, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (fischer, _) = doctor(&app, &admin, "Dr. Lena Fischer", "lena@clinic.test", "Dermatology", "Springfield").await;
    let (_, ann) = verified_patient(&app, "ann@example.org").await;
    let (_, bob) = verified_patient(&app, "bob@example.org").await;
    let monday = next(Weekday::Mon);
    assert_eq!(book(&app, &ann, grey, monday, "11:00").await.status(), StatusCode::CREATED);
    let taken = assert_error(book(&app, &bob, grey, monday, "11:00").await, StatusCode::CONFLICT, "conflict").await;
    assert!(taken.contains("already booked"));
    let busy = assert_error(book(&app, &ann, fischer, monday, "11:00").await, StatusCode::CONFLICT, "conflict").await;
    assert!(busy.contains("already has an appointment"));
}

/// Fast fixtures for load: `n` confirmed patients signed in with known tokens.
async fn many_patients(pool: &PgPool, n: usize) -> Vec<String> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, role, email_verified_at) VALUES ($1, $2, 'not-a-hash', 'patient', now()) RETURNING id",
        )
        .bind(format!("load{i}@example.org"))
        .bind(format!("Load Patient {i}"))
        .fetch_one(pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO patients (user_id) VALUES ($1)").bind(user_id).execute(pool).await.unwrap();
        let token = format!("cad_load_{i}_{}", caduceus::auth::service::random_token());
        sqlx::query("INSERT INTO auth_sessions (user_id, kind, token_hash, expires_at) VALUES ($1, 'api', $2, now() + interval '1 hour')")
            .bind(user_id)
            .bind(caduceus::auth::actor::hash_token(&token))
            .execute(pool)
            .await
            .unwrap();
        tokens.push(token);
    }
    tokens
}

/// One booking per token, all sent at once: the i-th to server `bases[i % bases.len()]`, for
/// the slot `slot(i)`.
async fn book_at_once(
    bases: &[&str],
    tokens: &[String],
    doctor_id: i64,
    slot: impl Fn(usize) -> (NaiveDate, &'static str),
) -> Vec<reqwest::Response> {
    let client = reqwest::Client::new();
    let requests = tokens.iter().enumerate().map(|(i, token)| {
        let (date, time) = slot(i);
        let body = json!({"doctor_id": doctor_id, "date": date.to_string(), "time_slot": time});
        let request = client.post(format!("{}/api/appointments", bases[i % bases.len()])).bearer_auth(token).json(&body);
        async move { request.send().await.unwrap() }
    });
    futures::future::join_all(requests).await
}

fn statuses(responses: &[reqwest::Response]) -> Vec<StatusCode> {
    responses.iter().map(reqwest::Response::status).collect()
}

#[sqlx::test(migrations = "./migrations")]
async fn fifty_concurrent_bookings_of_one_slot_give_exactly_one_appointment(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let tokens = many_patients(&pool, 50).await;
    let date = next(Weekday::Wed);
    let statuses = statuses(&book_at_once(&[&app.base], &tokens, doctor_id, |_| (date, "15:00")).await);
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 49, "{statuses:?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 1);
}

/// Bookings that arrive together are written together (group commit): each must still get
/// its own appointment, its own notice and its own audit entry.
#[sqlx::test(migrations = "./migrations")]
async fn concurrent_bookings_of_different_slots_each_get_their_own_appointment(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let tokens = many_patients(&pool, 24).await;
    let days = [next(Weekday::Mon), next(Weekday::Tue)];
    let times = ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"];
    let wanted: Vec<(NaiveDate, &'static str)> = days.iter().flat_map(|day| times.iter().map(move |time| (*day, *time))).collect();
    let responses = book_at_once(&[&app.base], &tokens, doctor_id, |i| wanted[i]).await;
    let mut ids = Vec::new();
    for (i, (response, (date, time))) in responses.into_iter().zip(&wanted).enumerate() {
        assert_eq!(response.status(), StatusCode::CREATED);
        let booked = body(response).await;
        assert_eq!(booked["patient_name"], format!("Load Patient {i}"));
        assert_eq!((booked["date"].as_str().unwrap(), booked["time_slot"].as_str().unwrap()), (date.to_string().as_str(), *time));
        let id = booked["id"].as_i64().unwrap();
        let notices = body(app.get("/api/notifications", Some(&tokens[i])).await).await;
        assert_eq!(notices.as_array().unwrap().len(), 1, "one notice each: {notices}");
        assert_eq!(notices[0]["link"], format!("/appointments/{id}"));
        ids.push(id);
    }
    let doctors_notices: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications n JOIN doctors d ON d.user_id = n.user_id WHERE d.id = $1")
            .bind(doctor_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(doctors_notices, 24);
    let audited: Vec<i64> = sqlx::query_scalar("SELECT target_id FROM audit_log WHERE action = 'appointment.book' ORDER BY target_id")
        .fetch_all(&pool)
        .await
        .unwrap();
    ids.sort();
    assert_eq!(audited, ids, "one audit entry per appointment");
    assert!(slots(&app, doctor_id, days[0]).await.is_empty() && slots(&app, doctor_id, days[1]).await.is_empty());
}

#[sqlx::test(migrations = "./migrations")]
async fn concurrent_bookings_that_break_rules_are_refused_each_for_its_own_reason(pool: PgPool) {
    // The queue reads and checks a whole batch at once: a refused booking must not take the
    // others of its batch down, nor get another one's answer.
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let tokens = many_patients(&pool, 12).await;
    let day = next(Weekday::Wed);
    let times = ["10:00", "10:15", "10:30", "13:00", "11:00", "10:15", "11:30", "13:00", "12:00", "10:15", "12:30", "13:00"];
    let responses = book_at_once(&[&app.base], &tokens, doctor_id, |i| (day, times[i])).await;
    let mut booked = Vec::new();
    for (response, time) in responses.into_iter().zip(times) {
        let status = response.status();
        let answer = body(response).await;
        match time {
            "10:15" => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{time}: {answer}");
                assert!(answer["error"]["message"].as_str().unwrap().contains("hour or half hour"), "{answer}");
            }
            "13:00" => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{time}: {answer}");
                assert!(answer["error"]["message"].as_str().unwrap().contains("break"), "{answer}");
            }
            _ => {
                assert_eq!(status, StatusCode::CREATED, "{time}: {answer}");
                assert_eq!(answer["time_slot"], time);
                booked.push(time);
            }
        }
    }
    assert_eq!(booked.len(), 6);
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&pool).await.unwrap();
    assert_eq!(written, 6, "only the bookings that passed are written");
    assert_eq!(slots(&app, doctor_id, day).await, ["14:00", "14:30", "15:00", "15:30", "16:00", "16:30"], "the morning is taken");
}

/// Two real server processes, each with its own connection pool, on one database: the rule
/// is the database's, so it holds across processes.
#[sqlx::test(migrations = "./migrations")]
async fn two_server_processes_racing_for_one_slot_still_give_one_appointment(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let tokens = many_patients(&pool, 60).await;
    let (first, second) = tokio::join!(ServerProcess::start(&pool), ServerProcess::start(&pool));
    let date = next(Weekday::Thu);
    let statuses = statuses(&book_at_once(&[&first.base, &second.base], &tokens, doctor_id, |_| (date, "15:00")).await);
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 59, "{statuses:?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn both_parties_get_in_app_notifications_and_only_read_their_own(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, patient) = verified_patient(&app, "ann@example.org").await;
    let booked = body(book(&app, &patient, doctor_id, next(Weekday::Tue), "11:00").await).await;
    let id = booked["id"].as_i64().unwrap();

    let unread = |token: String| {
        let app = &app;
        async move { body(app.get("/api/notifications/unread", Some(&token)).await).await["unread"].as_i64().unwrap() }
    };
    assert_eq!(unread(doctor_token.clone()).await, 1);
    let inbox = body(app.get("/api/notifications", Some(&doctor_token)).await).await;
    assert_eq!(inbox[0]["title"], "New appointment request");
    assert_eq!(inbox[0]["link"], format!("/appointments/{id}"));
    assert_eq!(inbox[0]["read"], false);
    assert!(inbox[0]["body"].as_str().unwrap().contains("Pat Example"));
    let patients = body(app.get("/api/notifications", Some(&patient)).await).await;
    assert_eq!(patients[0]["title"], "Appointment requested");
    assert!(patients[0]["body"].as_str().unwrap().contains("120.00 USD"), "the cost is in the confirmation");

    // Nobody marks someone else's notice: it does not exist for them.
    let doctors_notice = inbox[0]["id"].as_i64().unwrap();
    let path = format!("/api/notifications/{doctors_notice}/read");
    assert_eq!(app.post(&path, json!({}), Some(&patient)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post(&path, json!({}), Some(&doctor_token)).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(unread(doctor_token.clone()).await, 0);

    // The doctor's answer reaches the patient, in the app and by email.
    assert_eq!(app.post(&format!("/api/appointments/{id}/accept"), json!({}), Some(&doctor_token)).await.status(), StatusCode::OK);
    let patients = body(app.get("/api/notifications", Some(&patient)).await).await;
    assert_eq!(patients[0]["title"], "Appointment confirmed");
    assert_eq!(unread(patient.clone()).await, 2);
    let marked = body(app.post("/api/notifications/read-all", json!({}), Some(&patient)).await).await;
    assert_eq!(marked["marked"], 2);
    let mail: String =
        sqlx::query_scalar("SELECT body FROM outbox WHERE subject = 'Appointment confirmed'").fetch_one(&app.pool).await.unwrap();
    assert!(mail.contains(&format!("/appointments/{id}")), "{mail}");
    assert_eq!(app.get("/api/notifications", None).await.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_lifecycle_accept_reschedule_cancel_frees_the_slot_for_someone_else(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, ann) = verified_patient(&app, "ann@example.org").await;
    let (_, bob) = verified_patient(&app, "bob@example.org").await;
    let monday = next(Weekday::Mon);
    let id = body(book(&app, &ann, doctor_id, monday, "10:00").await).await["id"].as_i64().unwrap();

    // Only the doctor accepts; others don't even see it.
    assert_eq!(app.post(&format!("/api/appointments/{id}/accept"), json!({}), Some(&ann)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/appointments/{id}"), Some(&bob)).await.status(), StatusCode::NOT_FOUND);
    let accepted = app.post(&format!("/api/appointments/{id}/accept"), json!({}), Some(&doctor_token)).await;
    assert_eq!(body(accepted).await["status"], "accepted");
    let doctors_view = body(app.get("/api/appointments", Some(&doctor_token)).await).await;
    assert_eq!(doctors_view.as_array().unwrap().len(), 1);

    // The patient moves it: the old slot is free again, the new one taken, confirmation needed again.
    let moved = app.put(&format!("/api/appointments/{id}"), json!({"date": monday.to_string(), "time_slot": "11:30"}), &ann).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved = body(moved).await;
    assert_eq!((moved["time_slot"].as_str(), moved["status"].as_str()), (Some("11:30"), Some("pending")));
    let free = slots(&app, doctor_id, monday).await;
    assert!(free.contains(&"10:00".to_owned()) && !free.contains(&"11:30".to_owned()));

    // Moving onto a taken slot is a conflict and changes nothing.
    let bobs = body(book(&app, &bob, doctor_id, monday, "12:00").await).await["id"].as_i64().unwrap();
    let onto_taken = app.put(&format!("/api/appointments/{id}"), json!({"date": monday.to_string(), "time_slot": "12:00"}), &ann).await;
    assert_error(onto_taken, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(body(app.get(&format!("/api/appointments/{id}"), Some(&ann)).await).await["time_slot"], "11:30");

    // Cancel, and Bob takes the freed slot.
    let cancelled = app.post(&format!("/api/appointments/{id}/cancel"), json!({"reason": "feeling better"}), Some(&ann)).await;
    assert_eq!(body(cancelled).await["status"], "cancelled");
    let again = app.post(&format!("/api/appointments/{id}/cancel"), json!({}), Some(&ann)).await;
    assert_error(again, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.post(&format!("/api/appointments/{bobs}/cancel"), json!({}), Some(&bob)).await.status(), StatusCode::OK);
    assert_eq!(book(&app, &bob, doctor_id, monday, "11:30").await.status(), StatusCode::CREATED);
}

#[sqlx::test(migrations = "./migrations")]
async fn declining_needs_a_reason_and_frees_the_slot(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, ann) = verified_patient(&app, "ann@example.org").await;
    let monday = next(Weekday::Mon);
    let id = body(book(&app, &ann, doctor_id, monday, "14:00").await).await["id"].as_i64().unwrap();
    let no_reason = app.post(&format!("/api/appointments/{id}/reject"), json!({}), Some(&doctor_token)).await;
    assert_error(no_reason, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let rejected =
        body(app.post(&format!("/api/appointments/{id}/reject"), json!({"reason": "on call that day"}), Some(&doctor_token)).await).await;
    assert_eq!((rejected["status"].as_str(), rejected["status_reason"].as_str()), (Some("rejected"), Some("on call that day")));
    assert!(slots(&app, doctor_id, monday).await.contains(&"14:00".to_owned()));
}

#[sqlx::test(migrations = "./migrations")]
async fn patients_can_not_cancel_inside_the_cut_off_but_the_desk_can(pool: PgPool) {
    let mut config = Config::for_tests();
    config.cancel_cutoff_hours = 24 * 400; // every future slot is "too close"
    let app = TestApp::spawn_with(pool, config).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, ann) = verified_patient(&app, "ann@example.org").await;
    let id = body(book(&app, &ann, doctor_id, next(Weekday::Mon), "10:00").await).await["id"].as_i64().unwrap();
    let late = app.post(&format!("/api/appointments/{id}/cancel"), json!({}), Some(&ann)).await;
    let message = assert_error(late, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("call the clinic"));
    let moved =
        app.put(&format!("/api/appointments/{id}"), json!({"date": next(Weekday::Tue).to_string(), "time_slot": "10:00"}), &ann).await;
    assert_error(moved, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let desk = app.post(&format!("/api/appointments/{id}/cancel"), json!({"reason": "patient phoned"}), Some(&admin)).await;
    assert_eq!(body(desk).await["status"], "cancelled");
}

#[sqlx::test(migrations = "./migrations")]
async fn staff_book_on_behalf_of_a_patient_and_see_every_appointment(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (patient_id, ann) = verified_patient(&app, "ann@example.org").await;
    app.post("/api/users", json!({"name": "Sam Staff", "email": "sam@clinic.test", "password": PASSWORD, "role": "staff"}), Some(&admin))
        .await;
    let staff = app.token("sam@clinic.test", PASSWORD).await;
    let request = json!({"doctor_id": doctor_id, "date": next(Weekday::Fri).to_string(), "time_slot": "16:30", "patient_id": patient_id});
    let booked = app.post("/api/appointments", request.clone(), Some(&staff)).await;
    assert_eq!(booked.status(), StatusCode::CREATED);
    assert_eq!(body(app.get("/api/appointments", Some(&ann)).await).await.as_array().unwrap().len(), 1);
    assert_eq!(body(app.get("/api/appointments", Some(&staff)).await).await.as_array().unwrap().len(), 1);
    // A patient can't book in someone else's name.
    let (_, bob) = verified_patient(&app, "bob@example.org").await;
    assert_error(app.post("/api/appointments", request, Some(&bob)).await, StatusCode::FORBIDDEN, "forbidden").await;
}

/// The desk's patient search, through its server function as the doctor page calls it.
async fn find_patients(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client.post(app.url("/sfn/find_patients")).bearer_auth(token).form(&[("query", query)]).send().await.unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn the_desk_finds_patients_by_part_of_their_name_or_email_and_nobody_else_can(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (ann_id, ann) = verified_patient(&app, "ann.smith@example.org").await;
    app.patient("anne.new@example.org").await; // email not confirmed yet
    verified_patient(&app, "bob@example.org").await;
    app.post("/api/users", json!({"name": "Sam Staff", "email": "sam@clinic.test", "password": PASSWORD, "role": "staff"}), Some(&admin))
        .await;
    let staff = app.token("sam@clinic.test", PASSWORD).await;

    let found = body(find_patients(&app, &staff, "ANN").await).await;
    let found: Vec<(i64, String, bool)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["patient_id"].as_i64().unwrap(), p["email"].as_str().unwrap().to_owned(), p["email_verified"].as_bool().unwrap()))
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.contains(&(ann_id, "ann.smith@example.org".into(), true)));
    assert!(found.iter().any(|(_, email, verified)| email == "anne.new@example.org" && !verified));
    // Staff accounts are not patients; LIKE wildcards are taken literally.
    assert!(body(find_patients(&app, &staff, "sam@clinic").await).await.as_array().unwrap().is_empty());
    assert!(body(find_patients(&app, &staff, "%%").await).await.as_array().unwrap().is_empty());
    assert_eq!(find_patients(&app, &staff, "a").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A patient can't browse other patients.
    assert_eq!(find_patients(&app, &ann, "bob").await.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "./migrations")]
async fn after_a_completed_visit_the_patient_reviews_the_doctor_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, ann) = verified_patient(&app, "ann@example.org").await;
    let (_, bob) = verified_patient(&app, "bob@example.org").await;
    let id = body(book(&app, &ann, doctor_id, next(Weekday::Mon), "10:00").await).await["id"].as_i64().unwrap();
    let review = json!({"appointment_id": id, "rating": 5, "text": "Kind and thorough."});
    assert_error(
        app.post(&format!("/api/doctors/{doctor_id}/reviews"), review.clone(), Some(&ann)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Completing needs an accepted visit.
    let early = app.post(&format!("/api/appointments/{id}/complete"), json!({"notes": "x"}), Some(&doctor_token)).await;
    assert_error(early, StatusCode::CONFLICT, "conflict").await;
    app.post(&format!("/api/appointments/{id}/accept"), json!({}), Some(&doctor_token)).await;
    // Neither completing nor marking a no-show before the visit's time has come.
    let no_show = app.post(&format!("/api/appointments/{id}/no_show"), json!({}), Some(&doctor_token)).await;
    assert_error(no_show, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let too_soon = app.post(&format!("/api/appointments/{id}/complete"), json!({"notes": "x"}), Some(&doctor_token)).await;
    assert_error(too_soon, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    sqlx::query("UPDATE appointments SET starts_at = starts_at - interval '30 days', ends_at = ends_at - interval '30 days' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let done = body(
        app.post(&format!("/api/appointments/{id}/complete"), json!({"notes": "BP normal; follow up in 6 months."}), Some(&doctor_token))
            .await,
    )
    .await;
    assert_eq!((done["status"].as_str(), done["visit_notes"].as_str()), (Some("completed"), Some("BP normal; follow up in 6 months.")));
    assert_eq!(
        body(app.get(&format!("/api/appointments/{id}"), Some(&ann)).await).await["visit_notes"],
        "BP normal; follow up in 6 months."
    );

    assert_error(
        app.post(&format!("/api/doctors/{doctor_id}/reviews"), review.clone(), Some(&bob)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let bad = json!({"appointment_id": id, "rating": 6, "text": ""});
    assert_error(
        app.post(&format!("/api/doctors/{doctor_id}/reviews"), bad, Some(&ann)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let created = app.post(&format!("/api/doctors/{doctor_id}/reviews"), review.clone(), Some(&ann)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_error(app.post(&format!("/api/doctors/{doctor_id}/reviews"), review, Some(&ann)).await, StatusCode::CONFLICT, "conflict").await;
    let page = body(app.get(&format!("/api/doctors/{doctor_id}"), None).await).await;
    assert_eq!((page["rating"].as_f64(), page["review_count"].as_i64()), (Some(5.0), Some(1)));
    let reviews = body(app.get(&format!("/api/doctors/{doctor_id}/reviews"), None).await).await;
    assert_eq!(reviews[0]["text"], "Kind and thorough.");
    assert_eq!(reviews[0]["patient_name"], "Pat", "only the first name is public");
}

#[sqlx::test(migrations = "./migrations")]
async fn a_doctor_sets_a_weekly_schedule_and_others_can_not(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, ann) = verified_patient(&app, "ann@example.org").await;
    let schedule = json!({"weekly_schedule": [{"weekday": 6, "starts": "09:00:00", "ends": "11:00:00"}], "fee_cents": 9000});
    assert_eq!(app.put(&format!("/api/doctors/{doctor_id}"), schedule.clone(), &ann).await.status(), StatusCode::FORBIDDEN);
    let updated = app.put(&format!("/api/doctors/{doctor_id}"), schedule, &doctor_token).await;
    assert_eq!(updated.status(), StatusCode::OK);
    assert_eq!(slots(&app, doctor_id, next(Weekday::Sat)).await, ["09:00", "09:30", "10:00", "10:30"]);
    assert!(slots(&app, doctor_id, next(Weekday::Mon)).await.is_empty());
    let overlapping = json!({"weekly_schedule": [{"weekday": 1, "starts": "09:00:00", "ends": "12:00:00"}, {"weekday": 1, "starts": "11:00:00", "ends": "13:00:00"}]});
    assert_error(
        app.put(&format!("/api/doctors/{doctor_id}"), overlapping, &doctor_token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let booked = body(book(&app, &ann, doctor_id, next(Weekday::Sat), "09:30").await).await;
    assert_eq!(booked["fee_cents"], 9000);
}

#[sqlx::test(migrations = "./migrations")]
async fn doctors_reach_a_patients_records_only_after_an_appointment(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (doctor_id, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (_, ann) = verified_patient(&app, "ann@example.org").await;
    let ann_user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ann@example.org'").fetch_one(&pool).await.unwrap();
    let doctor_user: i64 = sqlx::query_scalar("SELECT user_id FROM doctors WHERE id = $1").bind(doctor_id).fetch_one(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    assert!(!caduceus::patients::access::have_met(&mut conn, doctor_user, ann_user).await.unwrap());
    book(&app, &ann, doctor_id, next(Weekday::Mon), "10:00").await;
    assert!(caduceus::patients::access::have_met(&mut conn, doctor_user, ann_user).await.unwrap());
}

#[sqlx::test(migrations = "./migrations")]
async fn a_doctors_week_and_day_calendar_show_their_visits_and_pending_requests(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (other_id, _) = doctor(&app, &admin, "Dr. Amara Okafor", "amara@clinic.test", "Cardiology", "Riverton").await;
    let (_, patient) = verified_patient(&app, "ann@example.org").await;
    let wednesday = next(Weekday::Wed);
    let mine = body(book(&app, &patient, doctor_id, wednesday, "10:00").await).await;
    assert_eq!(book(&app, &patient, other_id, wednesday, "11:00").await.status(), StatusCode::CREATED);

    let week = body(app.get(&format!("/api/appointments/calendar?span=week&date={wednesday}"), Some(&doctor_token)).await).await;
    assert_eq!(week["span"], "week");
    let days = week["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let monday = (wednesday - Duration::days(2)).to_string();
    assert_eq!(days[0]["date"], monday, "weeks start on Monday");
    let on_wednesday = &days[2]["appointments"];
    assert_eq!(on_wednesday.as_array().unwrap().len(), 1, "only this doctor's visits");
    assert_eq!(on_wednesday[0]["id"], mine["id"]);
    assert_eq!(week["pending"][0]["id"], mine["id"]);
    assert_eq!(week["previous"], (wednesday - Duration::days(7)).to_string());

    let day = body(app.get(&format!("/api/appointments/calendar?span=day&date={wednesday}"), Some(&doctor_token)).await).await;
    assert_eq!(day["days"].as_array().unwrap().len(), 1);
    assert_eq!(day["next"], (wednesday + Duration::days(1)).to_string());
    let bad = app.get("/api/appointments/calendar?span=month", Some(&doctor_token)).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_date = app.get("/api/appointments/calendar?date=tomorrow", Some(&doctor_token)).await;
    assert_eq!(bad_date.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Fills `doctor_id`'s time from `from` with `count` back-to-back half-hour visits of one
/// patient, straight into the table (the setup of a busy week, not a test of booking).
async fn fill_week(pool: &PgPool, doctor_id: i64, patient_id: i64, from: NaiveDate, count: i32) {
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, fee_cents, currency)
         SELECT $1, $2, $3::date + n * INTERVAL '30 minutes', $3::date + (n + 1) * INTERVAL '30 minutes', 12000, 'USD'
           FROM generate_series(0, $4 - 1) AS n",
    )
    .bind(doctor_id)
    .bind(patient_id)
    .bind(from)
    .bind(count)
    .execute(pool)
    .await
    .unwrap();
}

fn ids_of(calendar: &Value) -> Vec<i64> {
    calendar["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|day| day["appointments"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()))
        .collect()
}

#[sqlx::test(migrations = "./migrations")]
async fn the_clinic_calendar_narrows_to_one_doctor_and_pages_through_a_busy_week(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    let (grey, _) = doctor(&app, &admin, "Dr. Derek Grey", "derek@clinic.test", "Cardiology", "Springfield").await;
    let (okafor, okafor_token) = doctor(&app, &admin, "Dr. Amara Okafor", "amara@clinic.test", "Dermatology", "Riverton").await;
    let (ann_id, ann) = verified_patient(&app, "ann@example.org").await;
    let (bob_id, _) = verified_patient(&app, "bob@example.org").await;
    app.post("/api/users", json!({"name": "Sam Staff", "email": "sam@clinic.test", "password": PASSWORD, "role": "staff"}), Some(&admin))
        .await;
    let staff = app.token("sam@clinic.test", PASSWORD).await;
    // 600 visits in one week: 300 with each doctor.
    let monday = next(Weekday::Mon) + Duration::days(7);
    fill_week(&pool, grey, ann_id, monday, 300).await;
    fill_week(&pool, okafor, bob_id, monday, 300).await;
    let week = |query: &str| format!("/api/appointments/calendar?span=week&date={monday}{query}");

    let first = body(app.get(&week(""), Some(&staff)).await).await;
    assert_eq!(first["total"], 600);
    assert_eq!(first["page"], 0);
    let names: Vec<&str> = first["doctors"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Dr. Amara Okafor", "Dr. Derek Grey"], "the desk can narrow to any doctor, by name");
    let second = body(app.get(&week("&page=1"), Some(&staff)).await).await;
    let (mut first_ids, second_ids) = (ids_of(&first), ids_of(&second));
    assert_eq!((first_ids.len(), second_ids.len()), (500, 100));
    first_ids.extend(&second_ids);
    first_ids.sort();
    first_ids.dedup();
    assert_eq!(first_ids.len(), 600, "the two pages hold every visit once");
    assert!(ids_of(&body(app.get(&week("&page=2"), Some(&staff)).await).await).is_empty());
    // Each day counts all its visits, whichever page shows them: 96 a day, 24 on Sunday; the
    // first page ends 20 visits into Saturday.
    let day = |calendar: &Value, nr: usize| {
        (calendar["days"][nr]["total"].as_i64().unwrap(), calendar["days"][nr]["appointments"].as_array().unwrap().len())
    };
    assert_eq!([day(&first, 0), day(&first, 5), day(&first, 6)], [(96, 96), (96, 20), (24, 0)]);
    assert_eq!([day(&second, 0), day(&second, 5), day(&second, 6)], [(96, 0), (96, 76), (24, 24)]);

    let one = body(app.get(&week(&format!("&doctor_id={okafor}")), Some(&staff)).await).await;
    assert_eq!((one["total"].as_i64(), one["doctor_id"].as_i64()), (Some(300), Some(okafor)));
    assert_eq!(ids_of(&one).len(), 300);
    assert!(one["days"].as_array().unwrap().iter().flat_map(|d| d["appointments"].as_array().unwrap()).all(|a| a["doctor_id"] == okafor));
    // A doctor's calendar is theirs alone, whatever doctor it names; they get no choice of doctors.
    let own = body(app.get(&week(&format!("&doctor_id={grey}")), Some(&okafor_token)).await).await;
    assert_eq!((own["total"].as_i64(), own["doctors"].as_array().unwrap().len()), (Some(0), 0));

    for (bad, status) in [("&page=-1", 422), ("&page=two", 400), ("&doctor_id=x", 400)] {
        assert_eq!(app.get(&week(bad), Some(&staff)).await.status().as_u16(), status, "{bad}");
    }

    // The list pages the same way, by start time.
    let page = |query: &str| format!("/api/appointments?doctor_id={grey}&{query}");
    let head = body(app.get(&page("limit=100"), Some(&staff)).await).await;
    let tail = body(app.get(&page("limit=100&offset=250"), Some(&staff)).await).await;
    assert_eq!((head.as_array().unwrap().len(), tail.as_array().unwrap().len()), (100, 50));
    let starts: Vec<&str> = head.as_array().unwrap().iter().map(|a| a["starts_at"].as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "by start time");
    assert!(head.as_array().unwrap().iter().all(|a| a["doctor_id"] == grey));
    for (bad, status) in [("limit=0", 422), ("limit=501", 422), ("offset=-1", 422), ("limit=lots", 400)] {
        assert_eq!(app.get(&page(bad), Some(&staff)).await.status().as_u16(), status, "{bad}");
    }
    // A patient naming another patient still sees only their own.
    let mine = body(app.get(&format!("/api/appointments?patient_id={bob_id}"), Some(&ann)).await).await;
    assert!(mine.as_array().unwrap().is_empty());
    assert_eq!(
        body(app.get(&format!("/api/appointments?patient_id={ann_id}&limit=5"), Some(&ann)).await).await.as_array().unwrap().len(),
        5
    );
}

#[sqlx::test(migrations = "./migrations")]
async fn an_admin_adds_a_doctor_with_their_practice_and_patients_can_book_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let new_doctor = json!({"name": "Dr. Iris Lens", "email": "lens@clinic.test", "password": PASSWORD,
        "specialization": "Ophthalmology", "city": "Shelbyville", "fee_cents": 9000, "license_number": "OPH-77",
        "experience_years": 8});
    let (_, patient) = verified_patient(&app, "reader@example.test").await;
    assert_error(app.post("/api/doctors", new_doctor.clone(), Some(&patient)).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(app.post("/api/doctors", new_doctor.clone(), None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let created = app.post("/api/doctors", new_doctor.clone(), Some(&admin)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let doctor = body(created).await;
    let doctor_id = doctor["id"].as_i64().unwrap();
    assert!(doctor["user_id"].as_i64().is_some());
    assert_eq!(doctor["specialization"], "Ophthalmology");
    assert_eq!(doctor["license_number"], "OPH-77");
    assert_eq!((doctor["fee_cents"].as_i64(), doctor["verified"].as_bool()), (Some(9000), Some(true)));

    // Listed at once, bookable, and able to sign in.
    let listed = body(app.get("/api/doctors?specialization=Ophthalmology", None).await).await;
    assert_eq!(listed.as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![doctor_id]);
    assert_eq!(slots(&app, doctor_id, next(Weekday::Tue)).await.len(), 12);
    assert_eq!(body(app.login("lens@clinic.test", PASSWORD).await).await["role"], "doctor");

    let again = app.post("/api/doctors", new_doctor, Some(&admin)).await;
    assert_error(again, StatusCode::CONFLICT, "conflict").await;
    let bad_fee = json!({"name": "Dr. Minus", "email": "minus@clinic.test", "password": PASSWORD, "fee_cents": -5});
    assert_error(app.post("/api/doctors", bad_fee, Some(&admin)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn removing_a_doctor_waits_for_their_upcoming_visits_then_unlists_and_signs_them_out(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (doctor_id, doctor_token) = doctor(&app, &admin, "Dr. Leaving", "leaving@clinic.test", "Dermatology", "Ogdenville").await;
    let (_, patient) = verified_patient(&app, "booked@example.test").await;
    let booked = body(book(&app, &patient, doctor_id, next(Weekday::Wed), "10:00").await).await;
    let remove = || app.client.delete(app.url(&format!("/api/doctors/{doctor_id}"))).bearer_auth(&admin).send();

    assert_error(
        app.client.delete(app.url(&format!("/api/doctors/{doctor_id}"))).bearer_auth(&patient).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let refused = assert_error(remove().await.unwrap(), StatusCode::CONFLICT, "conflict").await;
    assert!(refused.contains("1 upcoming appointment"), "{refused}");

    let cancel = app.post(&format!("/api/appointments/{}/cancel", booked["id"]), json!({"reason": "moving away"}), Some(&patient)).await;
    assert_eq!(cancel.status(), StatusCode::OK);
    assert_eq!(remove().await.unwrap().status(), StatusCode::NO_CONTENT);

    assert!(body(app.get("/api/doctors?specialization=Dermatology", None).await).await.as_array().unwrap().is_empty());
    assert_error(app.get(&format!("/api/doctors/{doctor_id}"), None).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(app.get("/api/profile", Some(&doctor_token)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // The past stays: the admin still sees the doctor, deactivated, and the cancelled visit.
    let kept = body(app.get(&format!("/api/doctors/{doctor_id}"), Some(&admin)).await).await;
    assert_eq!(kept["active"], false);
    assert_eq!(body(app.get(&format!("/api/appointments/{}", booked["id"]), Some(&admin)).await).await["status"], "cancelled");
    let missing = app.client.delete(app.url("/api/doctors/999999")).bearer_auth(&admin).send().await.unwrap();
    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
}
