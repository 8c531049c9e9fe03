//! Process start-up: database, migrations, state, the router with its layers, serving and
//! orderly shutdown.

use super::assets;
use super::body_limit;
use super::config::Config;
use super::embedded_pg::EmbeddedPostgres;
use super::security;
use super::state::AppState;
use crate::app::{shell, App};
use crate::appointments::queue::BookingQueue;
use crate::auth::actor::{resolve_actor, SignInSource};
use crate::auth::sign_ins::SignIns;
use crate::auth::throttle::Throttles;
use crate::billing::provider::Payments;
use crate::clinic::Clinic;
use crate::documents::storage::DocumentStore;
use crate::error::AppError;
use crate::{
    appointments, audit, auth, billing, doctors, documents, encounters, notifications, patients, privacy, profile, questions, records,
    users, xrays,
};
use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pooled connection idle for longer than this is pinged before it is used again.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);

/// Who the pool's connections are.
#[derive(Debug, Clone, Copy)]
pub enum ConnectAs {
    /// The server's requests: as the role that owns nothing (`caduceus_app`, see migration
    /// `…14`), every statement bounded by the timeout.
    Server { statement_timeout: Duration },
    /// Admin commands and dataset generation: as the owner, unbounded.
    Owner,
}

/// The role the server's requests run as.
pub const APP_ROLE: &str = "caduceus_app";

/// The database this process uses: the configured server, or the embedded cluster (which the
/// caller must keep alive and stop). Migrations always run as the owner (`DATABASE_URL`'s
/// role, or the embedded cluster's superuser).
pub async fn connect(config: &Config, connect_as: ConnectAs) -> anyhow::Result<(PgPool, Option<EmbeddedPostgres>)> {
    let (options, embedded) = match &config.database_url {
        Some(url) => (url.parse::<PgConnectOptions>().context("DATABASE_URL is not a valid PostgreSQL URL")?, None),
        None => {
            let data_dir = config.data_dir.clone();
            let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data_dir)).await??;
            pg.ensure_database("caduceus").await?;
            (pg.connect_options("caduceus"), Some(pg))
        }
    };
    // Statements are prepared once per connection and, after a few runs, PostgreSQL keeps
    // one generic plan for them: planning is then skipped, which for our small reads costs
    // more than running them (measured on the booking path: 0.26 ms planning vs 0.05 ms
    // execution). The list and search queries with optional filters (`$1 IS NULL OR …`)
    // are the exception: a generic plan can't use the index of whichever filter is set (a
    // directory page went from 4 ms to 300 ms). The hot ones, the directory and the
    // appointment lists, name only the filters given (one prepared statement per
    // combination: `doctors::db::search`, `appointments::db::list`); the admin lists run
    // unprepared (`.persistent(false)`), planned for their filters.
    // Migrations first, on a connection of their own: an index built on a big table may take
    // longer than a request's statement is allowed to.
    let mut migration_conn = PgConnection::connect_with(&options).await.context("Failed to connect to PostgreSQL")?;
    MIGRATOR.run(&mut migration_conn).await.context("Failed to apply migrations")?;
    let app_role_ready = prepare_app_role_alone(&mut migration_conn, &options, embedded.is_some()).await?;
    migration_conn.close().await.ok();
    let options = match connect_as {
        ConnectAs::Owner => options,
        ConnectAs::Server { statement_timeout } => {
            let options = match (&config.app_database_url, app_role_ready && embedded.is_some()) {
                (Some(url), _) => url.parse::<PgConnectOptions>().context("CADUCEUS_APP_DATABASE_URL is not a valid PostgreSQL URL")?,
                (None, true) => options.username(APP_ROLE),
                (None, false) => {
                    tracing::warn!(
                        "requests run as the owner of the tables: set CADUCEUS_APP_DATABASE_URL to a role that owns nothing (README, \"Database roles\")"
                    );
                    options
                }
            };
            match statement_timeout {
                timeout if timeout.is_zero() => options,
                timeout => options.options([("statement_timeout", format!("{}ms", timeout.as_millis()))]),
            }
        }
    };
    let pool = PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        // sqlx pings every connection it hands out by default: a round trip to PostgreSQL
        // before each request's first query. Only a connection that sat idle for a while is
        // worth checking (the server may have closed it); one in steady use just failed or
        // succeeded a moment ago, and if the server went away since, the query fails alike.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > IDLE_BEFORE_PING {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        // Fail fast (503) while the database is away instead of piling up requests.
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await
        .context("Failed to connect to PostgreSQL")?;
    Ok((pool, embedded))
}

/// Key of the advisory lock held while a process prepares the app role (any constant no
/// other lock uses; sqlx's migrator takes its own).
const PREPARE_LOCK_KEY: i64 = 0x6361_6475_6365_7573; // "caduceus"

/// `prepare_app_role`, one process at a time: processes starting together on one database
/// would otherwise race in `CREATE SCHEMA IF NOT EXISTS` and in GRANTs on the same objects,
/// which PostgreSQL answers with "duplicate key" or "tuple concurrently updated" (a second
/// server started beside the first exited at start-up).
async fn prepare_app_role_alone(owner: &mut PgConnection, options: &PgConnectOptions, embedded: bool) -> anyhow::Result<bool> {
    sqlx::query("SELECT pg_advisory_lock($1)").bind(PREPARE_LOCK_KEY).execute(&mut *owner).await?;
    let prepared = prepare_app_role(owner, options, embedded).await;
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(PREPARE_LOCK_KEY).execute(&mut *owner).await?;
    prepared
}

/// As the owner, after migrations: the cookie-session store's table (in its own schema, which
/// the app role may not create) and the app role's rights on it; on the embedded cluster the
/// app role may log in (over the private socket only). Answers whether the app role exists.
async fn prepare_app_role(owner: &mut PgConnection, options: &PgConnectOptions, embedded: bool) -> anyhow::Result<bool> {
    let store_pool = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
    PostgresStore::new(store_pool.clone()).migrate().await.context("Failed to prepare the session store")?;
    store_pool.close().await;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)").bind(APP_ROLE).fetch_one(&mut *owner).await?;
    if exists {
        sqlx::query(&format!("GRANT USAGE ON SCHEMA tower_sessions TO {APP_ROLE}")).execute(&mut *owner).await?;
        sqlx::query(&format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tower_sessions TO {APP_ROLE}"))
            .execute(&mut *owner)
            .await?;
        if embedded {
            sqlx::query(&format!("ALTER ROLE {APP_ROLE} LOGIN")).execute(&mut *owner).await?;
        }
    }
    Ok(exists)
}

pub fn state(leptos_options: LeptosOptions, pool: PgPool, config: Config) -> AppState {
    let sign_ins = Arc::new(SignIns::default());
    tokio::spawn(crate::auth::sign_ins::listen(pool.clone(), sign_ins.clone()));
    let public_url = config.public_url(leptos_options.site_addr).into();
    let clinic = Arc::new(Clinic {
        timezone: config.timezone,
        cancel_cutoff_hours: config.cancel_cutoff_hours,
        public_url,
        break_glass_hours: config.break_glass_hours,
        expiry_alert_days: config.expiry_alert_days,
    });
    AppState {
        leptos_options,
        bookings: BookingQueue::start(pool.clone(), clinic.clone()),
        clinic,
        pool,
        throttles: Throttles::new(config.login_per_ip_per_minute, config.login_per_account_per_15_minutes),
        sessions: config.session_policy(),
        documents: DocumentStore::new(config.upload_dir()),
        payments: Payments::from_name(&config.payment_provider).expect("the configuration accepts only built-in providers"),
        config: Arc::new(config),
        sign_ins,
    }
}

/// The whole application: REST API, server functions, pages, static files, and the layers
/// that guard them.
pub async fn router(state: AppState) -> anyhow::Result<Router> {
    let store = PostgresStore::new(state.pool.clone());
    // `connect` prepared the store as the owner; a pool from elsewhere (the tests') may not have.
    let store_ready: bool = sqlx::query_scalar("SELECT to_regclass('tower_sessions.session') IS NOT NULL").fetch_one(&state.pool).await?;
    if !store_ready {
        store.migrate().await.context("Failed to prepare the session store")?;
    }
    let sessions = SessionManagerLayer::new(store)
        .with_name(security::session_cookie_name(!state.config.insecure_cookies))
        .with_secure(!state.config.insecure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // The cookie outlives the sign-in it names, so an idle sign-in is found and reported
        // as such ("signed out after inactivity"); `auth::idle` decides when sign-ins end.
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::hours(i64::from(state.config.session_max_hours.max(1)))));

    let leptos_options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let max_body = state.config.max_body_bytes;
    let upload_max = state.config.max_upload_mb as usize * 1024 * 1024;
    let xray_max = state.config.max_xray_mb as usize * 1024 * 1024;
    Ok(api_routes()
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || state.provide_parts()
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        // The site's code and styles by the static file service itself rather than the page
        // fallback (which passes on only `Accept-Encoding`), so a browser that revalidates
        // gets a 304 and a download can resume with a range request.
        .route_service(&leptos_axum::site_pkg_dir_service_route_path(&leptos_options), leptos_axum::site_pkg_dir_service(&leptos_options))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Inside `resolve_actor`, which audits the refusal with who and where it came from.
        .layer(middleware::from_fn(security::same_origin_only))
        .layer(middleware::from_fn_with_state(
            SignInSource {
                pool: state.pool.clone(),
                sign_ins: state.sign_ins.clone(),
                trusted_proxies: state.config.trusted_proxies.clone().into(),
                policy: state.sessions,
            },
            resolve_actor,
        ))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            body_limit::BodyLimits { body: max_body, upload: upload_max, xray: xray_max },
            body_limit::limit_body,
        ))
        .layer(middleware::from_fn(payload_too_large_as_json))
        .layer(middleware::from_fn_with_state(assets::pkg_prefix(&leptos_options), assets::cache_headers))
        .layer(assets::compression())
        .layer(middleware::from_fn_with_state(security::Transport { https: !state.config.insecure_cookies }, security::security_headers))
        .layer(middleware::from_fn(super::request_log::log_request))
        .with_state(state))
}

/// The REST API: every domain's routes, the OpenAPI document they make, and its docs page.
/// Anything else under `/api/` is a JSON 404.
fn api_routes() -> Router<AppState> {
    let (router, document) = api_router().split_for_parts();
    let document = super::openapi::complete(document);
    router
        // No validator badge: it would send the document to validator.swagger.io.
        .merge(
            SwaggerUi::new("/api/docs")
                .url("/api/openapi.json", document)
                .config(SwaggerConfig::new(["/api/openapi.json"]).validator_url("none")),
        )
        .route("/api/{*rest}", any(api_not_found))
}

/// The documented routes: each domain's `routes()` and `/health`.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(super::openapi::ApiDoc::openapi())
        .merge(auth::rest::routes())
        .merge(profile::rest::routes())
        .merge(privacy::rest::routes())
        .merge(users::rest::routes())
        .merge(doctors::rest::routes())
        .merge(appointments::rest::routes())
        .merge(patients::rest::routes())
        .merge(records::rest::routes())
        .merge(encounters::rest::routes())
        .merge(documents::rest::routes())
        .merge(questions::rest::routes())
        .merge(xrays::rest::routes())
        .merge(billing::rest::routes())
        .merge(crate::prescriptions::rest::routes())
        .merge(crate::pharmacy::rest::routes())
        .merge(crate::reports::rest::routes())
        .merge(notifications::rest::routes())
        .merge(audit::rest::routes())
        .routes(routes!(health))
}

async fn api_not_found() -> AppError {
    AppError::NotFound("No such API endpoint.".into())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok`, or `degraded` while the database is away.
    status: &'static str,
    database: &'static str,
    version: &'static str,
}

/// `GET /health`: 200 when the database answers, 503 when it does not.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "Up, database reachable.", body = Health),
              (status = 503, description = "Up, database away.", body = Health)))]
async fn health(State(state): State<AppState>) -> Response {
    let database_ok = sqlx::query("SELECT 1").execute(&state.pool).await.is_ok();
    let status = if database_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Health {
        status: if database_ok { "ok" } else { "degraded" },
        database: if database_ok { "ok" } else { "unavailable" },
        version: env!("CARGO_PKG_VERSION"),
    };
    (status, Json(body)).into_response()
}

/// The body limit layer answers 413 in plain text; clients get our JSON error body instead.
async fn payload_too_large_as_json(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return AppError::PayloadTooLarge.into_response();
    }
    response
}

/// Periodic housekeeping: expired cookie sessions, throttle keys whose budget is full again, the
/// report rollups' appended rows folded, and (hourly) the pharmacy told of new stock alerts.
fn spawn_housekeeping(state: &AppState) {
    let store = PostgresStore::new(state.pool.clone());
    tokio::spawn(async move {
        use tower_sessions::ExpiredDeletion;
        if let Err(err) = store.continuously_delete_expired(Duration::from_secs(600)).await {
            tracing::warn!(error = ?err, "expired-session cleanup stopped");
        }
    });
    let (pool, clinic) = (state.pool.clone(), state.clinic.clone());
    tokio::spawn(async move {
        loop {
            if let Err(err) = crate::pharmacy::service::send_alerts(&pool, &clinic).await {
                tracing::warn!(error = ?err, "stock alerts failed");
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    let pool = state.pool.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let forgotten = async { crate::auth::throttle::forget_full_budgets(&mut *pool.acquire().await?).await }.await;
            if let Err(err) = forgotten {
                tracing::warn!(error = ?err, "throttle cleanup failed");
            }
            if let Err(err) = crate::reports::db::compact(&pool).await {
                tracing::warn!(error = ?err, "report rollup compaction failed");
            }
        }
    });
}

/// `caduceus serve`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let mut leptos_options = leptos::config::get_configuration(None).context("Failed to read the Leptos configuration")?.leptos_options;
    assets::detect_hash_files(&mut leptos_options);
    let addr = leptos_options.site_addr;
    let statement_timeout = Duration::from_secs(config.statement_timeout_seconds);
    let (pool, mut embedded) = connect(&config, ConnectAs::Server { statement_timeout }).await?;
    if crate::reports::db::use_time_zone(&pool, config.timezone.name()).await.context("Failed to prepare the reports")? {
        tracing::info!(time_zone = config.timezone.name(), "reports recomputed in the clinic's time zone");
    }
    if config.demo {
        super::demo::seed(&pool).await.context("Failed to seed demo data")?;
    } else {
        super::demo::remove(&pool).await.context("Failed to remove demo data")?;
    }
    tokio::spawn(audit::run_sealer(pool.clone()));
    tokio::spawn(audit::run_verifier(pool.clone()));
    crate::mail::spawn_sender(pool.clone(), config.smtp_url.clone(), config.smtp_from.clone())?;
    let state = state(leptos_options, pool.clone(), config);
    state.documents.prepare().await.context("Failed to create the upload directory")?;
    spawn_housekeeping(&state);
    let app = router(state).await?;

    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("Failed to listen on {addr}"))?;
    tracing::info!("Caduceus is listening on http://{addr}");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await?;
    pool.close().await;
    if let Some(pg) = embedded.as_mut() {
        pg.stop();
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async { tokio::signal::ctrl_c().await.ok() };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// `caduceus audit verify`.
pub async fn verify_audit(config: Config) -> anyhow::Result<()> {
    let (pool, mut embedded) = connect(&config, ConnectAs::Owner).await?;
    let result = async {
        let mut conn = pool.acquire().await?;
        let state = audit::verify_and_record(&mut conn, audit::VerifiedBy::Command).await?;
        let broken = match state.broken_block {
            Some(block) => audit::ChainBreak::listed_in(&mut conn, block).await?,
            None => None,
        };
        Ok::<_, AppError>((state, broken))
    }
    .await;
    pool.close().await;
    if let Some(pg) = embedded.as_mut() {
        pg.stop();
    }
    let (state, broken) = result.map_err(|err| anyhow::anyhow!("{}", err.to_api_error().message))?;
    match broken {
        None => {
            println!("The audit chain is intact: {} blocks, {} entries.", state.blocks, state.entries);
            Ok(())
        }
        Some(broken) => anyhow::bail!(
            "the audit chain breaks at block {} of {}: one of its entries {:?} was edited or removed, or the block itself was",
            broken.block,
            state.blocks,
            broken.entry_ids
        ),
    }
}

/// `caduceus create-admin`.
pub async fn create_admin(config: Config, email: String, name: String) -> anyhow::Result<()> {
    let password = match std::env::var("CADUCEUS_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprint!("Password for {email}: ");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let (pool, mut embedded) = connect(&config, ConnectAs::Owner).await?;
    let result = users::service::create_first_admin(&pool, &email, &name, password).await;
    pool.close().await;
    if let Some(pg) = embedded.as_mut() {
        pg.stop();
    }
    match result {
        Ok(id) => {
            println!("Created administrator {} (id {id}).", email.trim().to_lowercase());
            Ok(())
        }
        Err(err) => anyhow::bail!("{}", err.to_api_error().message),
    }
}
