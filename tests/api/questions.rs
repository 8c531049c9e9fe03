//! Questions to doctors: asking one's own doctor or the clinic, the doctors' queue, answers
//! and follow-ups, who reads what, and the claim of a question to the clinic under a race.

use crate::helpers::{assert_error, body, TestApp};
use crate::records::{audit_count, Clinic};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn doctor_id_of_visit(clinic: &Clinic) -> i64 {
    sqlx::query_scalar("SELECT doctor_id FROM appointments WHERE id = $1").bind(clinic.visit_id).fetch_one(&clinic.app.pool).await.unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap().iter().map(|q| q["id"].as_i64().unwrap()).collect()
}

async fn notifications_titled(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE title = $1").bind(title).fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn a_patient_asks_their_doctor_who_answers_and_the_thread_goes_on_until_closed(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let doctor_id = doctor_id_of_visit(&clinic).await;
    let question = json!({"question_text": "Can I take ibuprofen with my new tablets?", "doctor_id": doctor_id});
    // A pending request is not yet "one of my doctors".
    assert_error(
        app.post("/api/questions", question.clone(), Some(&clinic.patient)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    clinic.accept_the_visit().await;
    let asked = app.post("/api/questions", question, Some(&clinic.patient)).await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let asked = body(asked).await;
    let id = asked["id"].as_i64().unwrap();
    assert_eq!((asked["status"].as_str(), asked["addressed"].as_bool()), (Some("pending"), Some(true)));
    assert_eq!(asked["doctor_id"], doctor_id);
    assert_eq!(notifications_titled(app, "New question from a patient").await, 1);

    // The doctor's queue has it; another doctor neither sees it nor can answer it.
    assert_eq!(ids(&body(app.get("/api/questions/pending", Some(&clinic.doctor)).await).await), vec![id]);
    assert!(ids(&body(app.get("/api/questions/pending", Some(&clinic.other_doctor)).await).await).is_empty());
    let path = format!("/api/questions/{id}");
    assert_error(app.get(&path, Some(&clinic.other_doctor)).await, StatusCode::NOT_FOUND, "not_found").await;
    let answer = |text: &str| json!({"response_text": text});
    assert_eq!(app.post(&format!("{path}/response"), answer("No."), Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);
    // The queue is the doctors'; questions are not the nurses' or the desk's.
    assert_error(app.get("/api/questions/pending", Some(&clinic.patient)).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get(&path, Some(&clinic.nurse)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/questions", Some(&clinic.staff)).await.status(), StatusCode::FORBIDDEN);

    let answered = app.post(&format!("{path}/response"), answer("Yes, for a few days; take it with food."), Some(&clinic.doctor)).await;
    assert_eq!(answered.status(), StatusCode::OK);
    let answered = body(answered).await;
    assert_eq!(answered["question"]["status"], "answered");
    assert!(answered["question"]["first_answered_at"].is_string());
    assert_eq!(answered["messages"][0]["kind"], "response");
    assert_eq!(answered["messages"][0]["author_role"], "doctor");
    // The patient is told, in the app and by email.
    assert_eq!(notifications_titled(app, "Your question was answered").await, 1);
    let mailed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE to_address = 'ann@example.org' AND subject = 'Your question was answered'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(mailed, 1);

    // The patient reads it, follows up (pending again, the doctor told), then closes it.
    let thread = body(app.get(&path, Some(&clinic.patient)).await).await;
    assert_eq!(thread["messages"][0]["body"], "Yes, for a few days; take it with food.");
    let followed =
        body(app.post(&format!("{path}/follow-up"), json!({"text": "And with paracetamol?"}), Some(&clinic.patient)).await).await;
    assert_eq!(followed["question"]["status"], "pending");
    assert_eq!(followed["messages"][1]["kind"], "follow_up");
    assert_eq!(notifications_titled(app, "A patient followed up").await, 1);
    assert_eq!(app.post(&format!("{path}/response"), answer("That is fine too."), Some(&clinic.doctor)).await.status(), StatusCode::OK);
    let closed = body(app.post(&format!("{path}/close"), json!({}), Some(&clinic.patient)).await).await;
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].is_string());
    let late = app.post(&format!("{path}/follow-up"), json!({"text": "One more thing"}), Some(&clinic.patient)).await;
    assert_error(late, StatusCode::CONFLICT, "conflict").await;
    let late = app.post(&format!("{path}/response"), answer("Also…"), Some(&clinic.doctor)).await;
    assert!(assert_error(late, StatusCode::CONFLICT, "conflict").await.contains("closed"));

    // Between this doctor and this patient: for them and admins.
    let patient_id = clinic.patient_id;
    let between = format!("/api/questions/{doctor_id}/{patient_id}");
    for (token, status) in [
        (&clinic.doctor, StatusCode::OK),
        (&clinic.patient, StatusCode::OK),
        (&clinic.admin, StatusCode::OK),
        (&clinic.other_doctor, StatusCode::NOT_FOUND),
        (&clinic.nurse, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(app.get(&between, Some(token)).await.status(), status);
    }
    assert_eq!(ids(&body(app.get(&between, Some(&clinic.doctor)).await).await), vec![id]);

    // Every read by the doctor is audited on the patient, and the patient sees who.
    assert!(audit_count(app, "questions.list", patient_id).await >= 2);
    assert!(audit_count(app, "questions.respond", patient_id).await == 2);
    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "questions.respond" && e["actor_name"] == "Dr. Hale"), "{log}");
}

/// A question to the clinic belongs to the first doctor who answers: two doctors answering at
/// once make one claim and one 409, every time.
#[sqlx::test(migrations = "./migrations")]
async fn a_question_to_the_clinic_is_claimed_by_exactly_one_of_two_doctors_answering_at_once(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    for round in 0..6 {
        let asked = app
            .post("/api/questions", json!({"question_text": format!("Round {round}: is a fever of 38.5 worrying?")}), Some(&clinic.patient))
            .await;
        assert_eq!(asked.status(), StatusCode::CREATED);
        let asked = body(asked).await;
        assert_eq!((asked["doctor_id"].is_null(), asked["addressed"].as_bool()), (true, Some(false)));
        let id = asked["id"].as_i64().unwrap();
        // Both doctors see it in their queue while nobody has claimed it.
        for token in [&clinic.doctor, &clinic.other_doctor] {
            assert!(ids(&body(app.get("/api/questions/pending", Some(token)).await).await).contains(&id));
        }
        let path = format!("/api/questions/{id}/response");
        let (first, second) = tokio::join!(
            app.post(&path, json!({"response_text": "Drink plenty; come in if it lasts."}), Some(&clinic.doctor)),
            app.post(&path, json!({"response_text": "Rest and fluids."}), Some(&clinic.other_doctor)),
        );
        let mut statuses = [first.status(), second.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "round {round}");
        let (answers, claimed): (i64, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM question_messages WHERE question_id = $1), (SELECT doctor_id FROM questions WHERE id = $1)",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(answers, 1, "one answer, from the doctor who claimed it");
        assert!(claimed.is_some());
        // The other doctor no longer sees it.
        let loser = if first.status() == StatusCode::OK { &clinic.other_doctor } else { &clinic.doctor };
        assert_eq!(app.get(&format!("/api/questions/{id}"), Some(loser)).await.status(), StatusCode::NOT_FOUND);
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn bad_questions_and_answers_are_refused_with_the_reason_and_write_nothing(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    for bad in [
        json!({"question_text": "   "}),
        json!({"question_text": "x".repeat(4001)}),
        json!({"question_text": "Hello", "doctor_id": 999999}),
        json!({"question_text": "Hello", "priority": "urgent"}),
        json!({}),
    ] {
        let refused = app.post("/api/questions", bad.clone(), Some(&clinic.patient)).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM questions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(written, 0);
    assert_error(
        app.post("/api/questions", json!({"question_text": "Hi"}), Some(&clinic.doctor)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(app.post("/api/questions", json!({"question_text": "Hi"}), None).await.status(), StatusCode::UNAUTHORIZED);

    let id = body(app.post("/api/questions", json!({"question_text": "Is my lab result back?"}), Some(&clinic.patient)).await).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/questions/{id}/response");
    assert_eq!(app.post(&path, json!({"response_text": ""}), Some(&clinic.doctor)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post(&path, json!({"response_text": "Yes"}), Some(&clinic.patient)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/questions/999999", Some(&clinic.doctor)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/questions/not-a-number", Some(&clinic.doctor)).await.status(), StatusCode::BAD_REQUEST);
    let status: String =
        sqlx::query_scalar("SELECT status::text FROM questions WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "pending", "the refused answers changed nothing");
}
