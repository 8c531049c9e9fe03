//! The benchmark dataset generator (the `caduceus-dataset` binary), at a small scale: it writes
//! what it says, keeps the booking rules, and the files it writes for the benchmark work
//! against the real API.

use crate::helpers::*;
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

/// Runs `caduceus-dataset` on the test's database: 120 patients, 12 doctors, 20,000
/// appointments; (succeeded, what it printed).
async fn generate(pool: &PgPool, bench_out: Option<&std::path::Path>) -> (bool, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_caduceus-dataset"));
    command.args(["--patients", "120", "--doctors", "12", "--appointments", "20000", "--seed", "7", "--timezone", "UTC"]);
    if let Some(dir) = bench_out {
        command.arg("--bench-out").arg(dir);
    }
    let output = command.env("DATABASE_URL", database_url_of(pool)).env("RUST_LOG", "warn").output().await.unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[sqlx::test(migrations = "./migrations")]
async fn generates_the_requested_clinic_and_keeps_the_booking_rules(pool: PgPool) {
    let out = scratch_dir();
    let (ok, printed) = generate(&pool, Some(&out)).await;
    assert!(ok, "{printed}");
    assert!(printed.contains("Generated 120 patients, 12 doctors, 20000 appointments"), "{printed}");

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
    // Charts: five long records of 700 notes, the others 0 to 20 notes (10 on average), a
    // prescription on every other note.
    let heavy = count("SELECT count(*) FROM (SELECT patient_id FROM encounters GROUP BY 1 HAVING count(*) = 700) h");
    assert_eq!(heavy.await, 5);
    let most = count("SELECT max(n) FROM (SELECT count(*) AS n FROM encounters GROUP BY patient_id HAVING count(*) < 700) c");
    assert!(most.await <= 20);
    let others =
        count("SELECT count(*) FROM encounters WHERE patient_id IN (SELECT patient_id FROM encounters GROUP BY 1 HAVING count(*) < 700)");
    let average = others.await as f64 / 115.0;
    assert!((7.0..=13.0).contains(&average), "{average} notes per patient");
    let prescribed = count("SELECT count(*) FROM prescriptions").await * 2;
    assert!((prescribed - count("SELECT count(*) FROM encounters").await).abs() <= 2, "a prescription on every other note");
    // The secondary indexes dropped for the load are back.
    let indexes = count("SELECT count(*) FROM pg_indexes WHERE indexname IN ('appointments_doctor_time_idx', 'appointments_patient_time_idx', 'users_name_trgm_idx')");
    assert_eq!(indexes.await, 3);
    let foreign_keys = count("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('appointments'::regclass, 'reviews'::regclass, 'patients'::regclass)");
    assert_eq!(foreign_keys.await, 7, "the foreign keys dropped for the load are back");

    // Completed visits are billed and most bills paid; the report rollups, computed after the
    // load, are what the triggers keep from then on.
    let billed = count("SELECT count(*) FROM invoices i JOIN appointments a ON a.id = i.appointment_id WHERE a.status = 'completed'");
    assert_eq!(billed.await, count("SELECT count(*) FROM appointments WHERE status = 'completed'").await);
    assert!(count("SELECT count(*) FROM payments").await > 0);
    let collected = count("SELECT sum(collected_cents)::bigint FROM revenue_daily");
    assert_eq!(collected.await, count("SELECT sum(amount_cents)::bigint FROM payments").await);
    crate::reports::assert_rollups_match_recomputation(&pool).await;

    // Running it again would double the clinic: refused, nothing written.
    let (ok, printed) = generate(&pool, None).await;
    assert!(!ok && printed.contains("already has"), "{printed}");
    assert_eq!(count("SELECT count(*) FROM patients").await, 120);
    std::fs::remove_dir_all(&out).ok();
}

#[sqlx::test(migrations = "./migrations")]
async fn the_benchmark_files_book_free_slots_and_read_lists(pool: PgPool) {
    let out = scratch_dir();
    let (ok, printed) = generate(&pool, Some(&out)).await;
    assert!(ok, "{printed}");
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

    // The long record opens, newest notes first, with its count.
    let admin = app.admin().await;
    let heavy: i64 = sqlx::query_scalar("SELECT patient_id FROM encounters GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let chart = body(app.get(&format!("/api/patients/{heavy}/chart"), Some(&admin)).await).await;
    assert_eq!(chart["encounter_count"], 700, "{chart}");
    assert_eq!(chart["encounters"].as_array().unwrap().len(), 50);
    assert_eq!(chart["vitals"].as_array().unwrap().len(), 50);

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
