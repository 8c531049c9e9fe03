//! The benchmark dataset generator, at a small scale: it writes what it says, keeps the
//! booking rules, and the files it writes for the benchmark work against the real API.

use crate::helpers::*;
use caduceus::server::dataset::{self, DatasetSize};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

/// A fresh directory for one test's benchmark files.
fn scratch_dir() -> std::path::PathBuf {
    let unique = format!(
        "caduceus-dataset-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    std::env::temp_dir().join(unique)
}

const SIZE: DatasetSize = DatasetSize { patients: 120, doctors: 12, appointments: 20_000 };

#[sqlx::test(migrations = "./migrations")]
async fn generates_the_requested_clinic_and_keeps_the_booking_rules(pool: PgPool) {
    let out = scratch_dir();
    let summary = dataset::generate(&pool, chrono_tz::UTC, SIZE, Some(&out), 7).await.unwrap();
    assert_eq!((summary.patients, summary.doctors, summary.appointments), (120, 12, 20_000));

    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count("SELECT count(*) FROM appointments").await, 20_000);
    assert_eq!(count("SELECT count(*) FROM users u JOIN doctors d ON d.user_id = u.id WHERE u.verified_at IS NOT NULL").await, 12);
    assert_eq!(
        count("SELECT count(*) FROM appointments WHERE status IN ('pending', 'accepted') AND ends_at <= now()").await,
        0,
        "nothing live in the past"
    );
    assert_eq!(
        count("SELECT count(*) FROM appointments WHERE status = 'completed' AND starts_at > now()").await,
        0,
        "nothing completed in the future"
    );
    assert!(count("SELECT count(*) FROM reviews").await > 0);
    // The secondary indexes dropped for the load are back.
    let indexes = count("SELECT count(*) FROM pg_indexes WHERE indexname IN ('appointments_doctor_time_idx', 'appointments_patient_time_idx', 'users_name_trgm_idx')");
    assert_eq!(indexes.await, 3);
    let foreign_keys = count("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('appointments'::regclass, 'reviews'::regclass, 'patients'::regclass)");
    assert_eq!(foreign_keys.await, 7, "the foreign keys dropped for the load are back");

    // Running it again would double the clinic: refused, nothing written.
    let again = dataset::generate(&pool, chrono_tz::UTC, SIZE, None, 7).await;
    assert!(again.unwrap_err().to_string().contains("already has"));
    assert_eq!(count("SELECT count(*) FROM patients").await, 120);
    std::fs::remove_dir_all(&out).ok();
}

#[sqlx::test(migrations = "./migrations")]
async fn the_benchmark_files_book_free_slots_and_read_lists(pool: PgPool) {
    let out = scratch_dir();
    dataset::generate(&pool, chrono_tz::UTC, SIZE, Some(&out), 7).await.unwrap();
    let app = TestApp::spawn(pool.clone()).await;
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();

    // The first bookings of the shuffled list: each is a free slot its patient can take.
    for line in read("bookings.tsv").lines().take(20) {
        let (token, request) = line.split_once('\t').unwrap();
        let request: Value = serde_json::from_str(request).unwrap();
        let booked = app.post("/api/appointments", request.clone(), Some(token)).await;
        assert_eq!(booked.status(), StatusCode::CREATED, "booking {request}");
    }

    let token = read("patient_tokens.txt").lines().next().unwrap().to_owned();
    let listed = app.get("/api/appointments", Some(&token)).await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert!(!body(listed).await.as_array().unwrap().is_empty(), "sample patients have appointments");

    let doctor = read("doctor_ids.txt").lines().next().unwrap().to_owned();
    let date = read("dates.txt").lines().next().unwrap().to_owned();
    let slots = app.get(&format!("/api/doctors/{doctor}/available_slots?date={date}"), None).await;
    assert_eq!(slots.status(), StatusCode::OK);

    for query in read("directory_queries.txt").lines() {
        let found = app.get(&format!("/api/doctors?{query}"), None).await;
        assert_eq!(found.status(), StatusCode::OK, "directory query {query}");
    }
    std::fs::remove_dir_all(&out).ok();
}
