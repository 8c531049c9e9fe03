use caduceus::audit::{self, Entry};
use caduceus::auth::Role;
use caduceus::server::demo;
use sqlx::PgPool;

/// Seals until every entry of this test's database is in a block. Sealing waits for the
/// oldest running transaction of the whole cluster, which may belong to a parallel test.
async fn seal_all(conn: &mut sqlx::PgConnection) {
    for _ in 0..500 {
        audit::seal(conn).await.unwrap();
        let unsealed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE a.id = ANY (s.entry_ids))",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        if unsealed == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("entries were left unsealed");
}

/// The actions of the sealed entries, block by block, in each block's order.
async fn sealed_actions(conn: &mut sqlx::PgConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT a.action FROM audit_seals s, unnest(s.entry_ids) WITH ORDINALITY e (id, n) JOIN audit_log a ON a.id = e.id ORDER BY s.block, e.n",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

async fn record_actions(conn: &mut sqlx::PgConnection, actions: &[&str]) {
    for action in actions {
        audit::record(conn, Entry::new(*action).by_user(1, Role::Patient)).await.unwrap();
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn the_audit_log_is_append_only_and_its_chain_verifies(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    record_actions(&mut conn, &["auth.login", "profile.update", "auth.logout"]).await;
    seal_all(&mut conn).await;
    assert_eq!(audit::verify_chain(&mut conn).await.unwrap(), None);
    for statement in [
        "UPDATE audit_log SET outcome = 'denied'",
        "DELETE FROM audit_log",
        "UPDATE audit_seals SET hash = '\\x00'",
        "DELETE FROM audit_seals",
    ] {
        assert!(sqlx::query(statement).execute(&mut *conn).await.is_err(), "{statement} must be refused");
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn entries_are_sealed_once_their_transaction_has_ended(pool: PgPool) {
    let mut writer = pool.acquire().await.unwrap();
    let mut sealer = pool.acquire().await.unwrap();
    // An entry of a transaction still running must wait, even behind later committed ones.
    sqlx::query("BEGIN").execute(&mut *writer).await.unwrap();
    record_actions(&mut writer, &["slow.write"]).await;
    record_actions(&mut sealer, &["quick.write"]).await;
    audit::seal(&mut sealer).await.unwrap();
    assert!(sealed_actions(&mut sealer).await.is_empty(), "nothing is final while an older transaction runs");
    sqlx::query("COMMIT").execute(&mut *writer).await.unwrap();
    seal_all(&mut sealer).await;
    assert_eq!(sealed_actions(&mut sealer).await, ["slow.write", "quick.write"], "in the order of their transactions");
    assert_eq!(audit::verify_chain(&mut sealer).await.unwrap(), None);
}

#[sqlx::test(migrations = "./migrations")]
async fn entries_written_concurrently_are_all_sealed_into_one_chain(pool: PgPool) {
    let writers = (0..40).map(|i| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            audit::record(&mut conn, Entry::new(format!("test.{i}"))).await.unwrap();
        }
    });
    futures::future::join_all(writers).await;
    let mut conn = pool.acquire().await.unwrap();
    seal_all(&mut conn).await;
    assert_eq!(audit::verify_chain(&mut conn).await.unwrap(), None);
    let (listed, distinct): (i64, i64) = sqlx::query_as("SELECT count(*), count(DISTINCT id) FROM audit_seals, unnest(entry_ids) AS id")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!((listed, distinct), (40, 40), "every entry is in exactly one block");
    // A removed entry breaks its block.
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
    let removed: i64 =
        sqlx::query_scalar("DELETE FROM audit_log WHERE action = 'test.20' RETURNING id").fetch_one(&mut *conn).await.unwrap();
    let broken = audit::verify_chain(&mut conn).await.unwrap().expect("the removal must be found");
    assert!(broken.entry_ids.contains(&removed));
}

#[sqlx::test(migrations = "./migrations")]
async fn tampering_behind_the_triggers_back_is_detected(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    record_actions(&mut conn, &["a", "b", "c"]).await;
    // Sealed (the server's sealer does this within a second of the commit)…
    seal_all(&mut conn).await;
    record_actions(&mut conn, &["d"]).await;
    seal_all(&mut conn).await;
    // …a superuser can switch the guard off; the hashes still give them away.
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
    let edited: i64 =
        sqlx::query_scalar("UPDATE audit_log SET action = 'x' WHERE action = 'b' RETURNING id").fetch_one(&mut *conn).await.unwrap();
    let broken = audit::verify_chain(&mut conn).await.unwrap().expect("the edit must be found");
    assert!(broken.entry_ids.contains(&edited));
    // Rewriting the block's hash to match moves the break to the next block.
    sqlx::query("ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_no_update").execute(&mut *conn).await.unwrap();
    sqlx::query("UPDATE audit_seals SET hash = audit_block_hash(prev_hash, block, entry_ids, format) WHERE block = $1")
        .bind(broken.block)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(audit::verify_chain(&mut conn).await.unwrap().map(|b| b.block), Some(broken.block + 1));
}

#[sqlx::test(migrations = "./migrations")]
async fn emails_are_unique_and_stored_lower_case(pool: PgPool) {
    let insert = |email: &'static str| {
        sqlx::query("INSERT INTO users (email, name, password_hash, role) VALUES ($1, 'X', 'h', 'patient')").bind(email).execute(&pool)
    };
    insert("ann@example.org").await.unwrap();
    assert!(insert("ann@example.org").await.is_err());
    assert!(insert("Bob@Example.org").await.is_err(), "mixed case must be refused by the CHECK");
}

#[sqlx::test(migrations = "./migrations")]
async fn demo_mode_seeds_every_role_and_ten_doctors_and_leaves_with_it(pool: PgPool) {
    demo::seed(&pool).await.unwrap();
    demo::seed(&pool).await.unwrap(); // idempotent
    let roles: Vec<(Role, i64)> =
        sqlx::query_as("SELECT role, count(*) FROM users WHERE demo GROUP BY role ORDER BY role").fetch_all(&pool).await.unwrap();
    for role in Role::ALL {
        assert!(roles.iter().any(|(r, n)| *r == role && *n >= 1), "no demo {role}");
    }
    let verified_doctors: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users u JOIN doctors d ON d.user_id = u.id WHERE u.verified_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(verified_doctors, 10);
    let specializations: i64 = sqlx::query_scalar("SELECT count(DISTINCT specialization) FROM doctors").fetch_one(&pool).await.unwrap();
    let cities: i64 = sqlx::query_scalar("SELECT count(DISTINCT city) FROM doctors").fetch_one(&pool).await.unwrap();
    assert!(specializations >= 5 && cities >= 3);

    demo::remove(&pool).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(left, 0);
}

/// The default database: a private cluster started from the installed PostgreSQL binaries,
/// reachable on a unix socket only, stopped on request.
#[tokio::test]
async fn the_embedded_cluster_initialises_serves_and_stops() {
    use caduceus::server::embedded_pg::EmbeddedPostgres;
    use sqlx::postgres::PgPoolOptions;
    let dir = std::env::temp_dir().join(format!("caduceus-embedded-test-{}", std::process::id()));
    let mut pg = EmbeddedPostgres::start(&dir).unwrap();
    pg.ensure_database("caduceus").await.unwrap();
    let pool = PgPoolOptions::new().max_connections(1).connect_with(pg.connect_options("caduceus")).await.unwrap();
    caduceus::server::startup::MIGRATOR.run(&pool).await.unwrap();
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'").fetch_one(&pool).await.unwrap();
    assert_eq!(tables, 1);
    let listens_on_tcp: String = sqlx::query_scalar("SHOW listen_addresses").fetch_one(&pool).await.unwrap();
    assert_eq!(listens_on_tcp, "");
    pool.close().await;
    pg.stop();
    let after_stop =
        PgPoolOptions::new().acquire_timeout(std::time::Duration::from_secs(2)).connect_with(pg.connect_options("caduceus")).await;
    assert!(after_stop.is_err(), "the cluster must be down after stop");
    std::fs::remove_dir_all(&dir).ok();
}

/// A doctor (verified) and a patient account, straight in SQL; returns (doctor id, patient id,
/// patient's user id).
async fn doctor_and_patient(pool: &PgPool, n: u32) -> (i64, i64, i64) {
    let doctor: i64 = sqlx::query_scalar(
        "WITH u AS (INSERT INTO users (email, name, password_hash, role, verified_at) VALUES ($1, 'Dr. Batch', 'x', 'doctor', now()) RETURNING id)
         INSERT INTO doctors (user_id) SELECT id FROM u RETURNING id",
    )
    .bind(format!("doctor{n}@clinic.test"))
    .fetch_one(pool)
    .await
    .unwrap();
    let (patient, user): (i64, i64) = sqlx::query_as(
        "WITH u AS (INSERT INTO users (email, name, password_hash, role, email_verified_at) VALUES ($1, 'Pat Batch', 'x', 'patient', now()) RETURNING id)
         INSERT INTO patients (user_id) SELECT id FROM u RETURNING id, user_id",
    )
    .bind(format!("patient{n}@example.org"))
    .fetch_one(pool)
    .await
    .unwrap();
    (doctor, patient, user)
}

#[sqlx::test(migrations = "./migrations")]
async fn a_batch_of_bookings_writes_the_free_ones_and_tells_why_the_others_were_refused(pool: PgPool) {
    use caduceus::appointments::db::{insert_booked, why_refused, NewBooking};
    use caduceus::notifications::service::Notice;
    use chrono::{TimeZone, Utc};
    let (first_doctor, first_patient, first_user) = doctor_and_patient(&pool, 1).await;
    let (second_doctor, second_patient, second_user) = doctor_and_patient(&pool, 2).await;
    let booking = |doctor_id, patient_id, user_id, hour| NewBooking {
        doctor_id,
        patient_id,
        starts_at: Utc.with_ymd_and_hms(2030, 1, 7, hour, 0, 0).unwrap(),
        ends_at: Utc.with_ymd_and_hms(2030, 1, 7, hour, 30, 0).unwrap(),
        reason: None,
        fee_cents: 5000,
        currency: "USD".into(),
        booked_by: user_id,
        booked_by_role: Role::Patient,
        ip: "127.0.0.1".into(),
        notices: vec![Notice { user_id, title: "Appointment requested".into(), body: format!("at {hour}:00"), link: None }],
    };
    let batch = [
        booking(first_doctor, first_patient, first_user, 10),
        booking(first_doctor, second_patient, second_user, 10), // the first doctor's 10:00 is taken by the first booking
        booking(second_doctor, first_patient, first_user, 10),  // the first patient is busy at 10:00
        booking(second_doctor, second_patient, second_user, 11),
    ];
    let mut conn = pool.acquire().await.unwrap();
    let answers = insert_booked(&mut conn, &batch.iter().collect::<Vec<_>>(), "http://clinic.test/").await.unwrap();
    let written: Vec<bool> = answers.iter().map(Option::is_some).collect();
    assert_eq!(written, [true, false, false, true]);
    let ids = [answers[0].unwrap().0, answers[3].unwrap().0];

    let refusal = |err: Option<caduceus::error::AppError>| err.map(|e| e.to_string());
    assert_eq!(
        refusal(why_refused(&mut conn, &batch[1]).await.unwrap()).as_deref(),
        Some("That slot is already booked. Please choose another time.")
    );
    assert_eq!(
        refusal(why_refused(&mut conn, &batch[2]).await.unwrap()).as_deref(),
        Some("The patient already has an appointment at that time.")
    );

    // Only the written bookings left notices, emails and audit entries, linked to their own rows.
    let notices: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT user_id, body, link FROM notifications ORDER BY id").fetch_all(&mut *conn).await.unwrap();
    assert_eq!(
        notices,
        [
            (first_user, "at 10:00".into(), format!("/appointments/{}", ids[0])),
            (second_user, "at 11:00".into(), format!("/appointments/{}", ids[1]))
        ]
    );
    let emails: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE body LIKE '%http://clinic.test/appointments/%'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(emails, 2);
    let audited: Vec<i64> = sqlx::query_scalar("SELECT target_id FROM audit_log WHERE action = 'appointment.book' ORDER BY target_id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(audited, ids);

    // Once the holder is cancelled nothing stands in the way: the queue would try again.
    sqlx::query("UPDATE appointments SET status = 'cancelled' WHERE id = $1").bind(ids[0]).execute(&mut *conn).await.unwrap();
    assert!(why_refused(&mut conn, &batch[1]).await.unwrap().is_none());
}

#[sqlx::test(migrations = "./migrations")]
async fn the_parties_of_a_batch_are_read_in_order_by_either_patient_key(pool: PgPool) {
    use caduceus::appointments::db::{booking_parties, PartiesKey, PatientKey};
    let (first_doctor, first_patient, first_user) = doctor_and_patient(&pool, 1).await;
    let (second_doctor, second_patient, _) = doctor_and_patient(&pool, 2).await;
    let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 7).unwrap();
    sqlx::query("INSERT INTO doctor_days_off (doctor_id, day) VALUES ($1, $2)").bind(second_doctor).bind(day).execute(&pool).await.unwrap();
    let keys = [
        PartiesKey { doctor_id: second_doctor, date: day, patient: PatientKey::Record(first_patient) },
        PartiesKey { doctor_id: 999_999, date: day, patient: PatientKey::Account(first_user) },
        PartiesKey { doctor_id: first_doctor, date: day, patient: PatientKey::Account(first_user) },
        PartiesKey { doctor_id: first_doctor, date: day, patient: PatientKey::Record(999_999) },
        PartiesKey { doctor_id: second_doctor, date: day.succ_opt().unwrap(), patient: PatientKey::Record(second_patient) },
    ];
    let mut conn = pool.acquire().await.unwrap();
    let parties = booking_parties(&mut conn, &keys).await.unwrap();
    let seen: Vec<Option<(bool, Option<i64>)>> = parties.iter().map(|p| p.as_ref().map(|p| (p.day_off, p.patient_id))).collect();
    assert_eq!(
        seen,
        [
            Some((true, Some(first_patient))),
            None,
            Some((false, Some(first_patient))),
            Some((false, None)),
            Some((false, Some(second_patient)))
        ],
        "the day off only on its day, the patient by account or by record, no row for an unknown doctor"
    );
}
