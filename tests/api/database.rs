use caduceus::auth::Role;
use caduceus::server::demo;
use sqlx::PgPool;

#[sqlx::test(migrations = "./migrations")]
async fn the_audit_log_is_append_only_and_its_chain_verifies(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    for action in ["auth.login", "profile.update", "auth.logout"] {
        caduceus::audit::record(&mut conn, caduceus::audit::Entry::new(action).by_user(1, Role::Patient)).await.unwrap();
    }
    assert_eq!(caduceus::audit::verify_chain(&mut conn).await.unwrap(), None);
    let update = sqlx::query("UPDATE audit_log SET outcome = 'denied'").execute(&mut *conn).await;
    assert!(update.is_err(), "updates must be refused");
    let delete = sqlx::query("DELETE FROM audit_log").execute(&mut *conn).await;
    assert!(delete.is_err(), "deletes must be refused");
    // A fresh entry is not sealed yet; still, only sealing may touch it.
    caduceus::audit::record(&mut conn, caduceus::audit::Entry::new("auth.login")).await.unwrap();
    let edit = sqlx::query("UPDATE audit_log SET detail = 'edited' WHERE seq IS NULL").execute(&mut *conn).await;
    assert!(edit.is_err(), "unsealed entries can't be edited either");
}

#[sqlx::test(migrations = "./migrations")]
async fn entries_written_concurrently_are_all_sealed_into_one_chain(pool: PgPool) {
    let writers = (0..40).map(|i| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            caduceus::audit::record(&mut conn, caduceus::audit::Entry::new(format!("test.{i}"))).await.unwrap();
        }
    });
    futures::future::join_all(writers).await;
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(caduceus::audit::verify_chain(&mut conn).await.unwrap(), None);
    let (sealed, last): (i64, Option<i64>) = sqlx::query_as("SELECT count(seq), max(seq) FROM audit_log").fetch_one(&mut *conn).await.unwrap();
    assert_eq!((sealed, last), (40, Some(40)), "every entry has its place, without gaps");
    // A removed entry leaves a gap the verification finds.
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 20").execute(&mut *conn).await.unwrap();
    let after_gap: i64 = sqlx::query_scalar("SELECT id FROM audit_log WHERE seq = 21").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(caduceus::audit::verify_chain(&mut conn).await.unwrap(), Some(after_gap));
}

#[sqlx::test(migrations = "./migrations")]
async fn tampering_behind_the_triggers_back_is_detected(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    for action in ["a", "b", "c"] {
        caduceus::audit::record(&mut conn, caduceus::audit::Entry::new(action)).await.unwrap();
    }
    // Sealed (the server's sealer does this within a second of the commit)…
    assert_eq!(caduceus::audit::seal(&mut conn).await.unwrap(), 3);
    // …a superuser can switch the guard off; the hash chain still gives them away.
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
    sqlx::query("UPDATE audit_log SET action = 'x' WHERE action = 'b'").execute(&mut *conn).await.unwrap();
    let broken: i64 = sqlx::query_scalar("SELECT id FROM audit_log WHERE action = 'x'").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(caduceus::audit::verify_chain(&mut conn).await.unwrap(), Some(broken));
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
    let roles: Vec<(Role, i64)> = sqlx::query_as("SELECT role, count(*) FROM users WHERE demo GROUP BY role ORDER BY role").fetch_all(&pool).await.unwrap();
    for role in Role::ALL {
        assert!(roles.iter().any(|(r, n)| *r == role && *n >= 1), "no demo {role}");
    }
    let verified_doctors: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users u JOIN doctors d ON d.user_id = u.id WHERE u.verified_at IS NOT NULL",
    )
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
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'").fetch_one(&pool).await.unwrap();
    assert_eq!(tables, 1);
    let listens_on_tcp: String = sqlx::query_scalar("SHOW listen_addresses").fetch_one(&pool).await.unwrap();
    assert_eq!(listens_on_tcp, "");
    pool.close().await;
    pg.stop();
    let after_stop = PgPoolOptions::new().acquire_timeout(std::time::Duration::from_secs(2)).connect_with(pg.connect_options("caduceus")).await;
    assert!(after_stop.is_err(), "the cluster must be down after stop");
    std::fs::remove_dir_all(&dir).ok();
}
