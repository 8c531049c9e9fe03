//! Process start-up: database, migrations, state, the router with its layers, serving and
//! orderly shutdown.

use super::assets;
use super::config::Config;
use super::embedded_pg::EmbeddedPostgres;
use super::security;
use super::state::AppState;
use crate::app::{shell, App};
use crate::appointments::queue::BookingQueue;
use crate::auth::actor::{resolve_actor, SignInSource};
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::sign_ins::SignIns;
use crate::clinic::Clinic;
use crate::error::AppError;
use crate::{appointments, audit, auth, doctors, notifications, profile, users};
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
use tower_http::limit::RequestBodyLimitLayer;
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

/// The database this process uses: the configured server, or the embedded cluster (which the
/// caller must keep alive and stop).
/// With `statement_timeout`, every statement of the pool's connections is bounded by it (the
/// server's requests); migrations, dataset generation and admin commands run unbounded.
pub async fn connect(config: &Config, statement_timeout: Option<Duration>) -> anyhow::Result<(PgPool, Option<EmbeddedPostgres>)> {
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
    migration_conn.close().await.ok();
    let options = match statement_timeout.filter(|t| !t.is_zero()) {
        Some(timeout) => options.options([("statement_timeout", format!("{}ms", timeout.as_millis()))]),
        None => options,
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

pub fn state(leptos_options: LeptosOptions, pool: PgPool, config: Config) -> AppState {
    let sign_ins = Arc::new(SignIns::default());
    tokio::spawn(crate::auth::sign_ins::listen(pool.clone(), sign_ins.clone()));
    let public_url = config.public_url(leptos_options.site_addr).into();
    let clinic = Arc::new(Clinic { timezone: config.timezone, cancel_cutoff_hours: config.cancel_cutoff_hours, public_url });
    AppState {
        leptos_options,
        bookings: BookingQueue::start(pool.clone(), clinic.clone()),
        clinic,
        pool,
        login_limiter: Arc::new(LoginLimiter::new(config.login_per_ip_per_minute, config.login_per_account_per_15_minutes)),
        config: Arc::new(config),
        sign_ins,
    }
}

/// The whole application: REST API, server functions, pages, static files, and the layers
/// that guard them.
pub async fn router(state: AppState) -> anyhow::Result<Router> {
    let store = PostgresStore::new(state.pool.clone());
    store.migrate().await.context("Failed to prepare the session store")?;
    let sessions = SessionManagerLayer::new(store)
        .with_name("caduceus_session")
        .with_secure(!state.config.insecure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::hours(12)));

    let leptos_options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let max_body = state.config.max_body_bytes;
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
        .layer(middleware::from_fn_with_state(SignInSource { pool: state.pool.clone(), sign_ins: state.sign_ins.clone() }, resolve_actor))
        .layer(sessions)
        .layer(middleware::from_fn(security::same_origin_only))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(middleware::from_fn(payload_too_large_as_json))
        .layer(middleware::from_fn(assets::cache_headers))
        .layer(assets::compression())
        .layer(middleware::from_fn(security::security_headers))
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
        .merge(users::rest::routes())
        .merge(doctors::rest::routes())
        .merge(appointments::rest::routes())
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

/// Periodic housekeeping: expired cookie sessions, idle rate-limit keys.
fn spawn_housekeeping(state: &AppState) {
    let store = PostgresStore::new(state.pool.clone());
    tokio::spawn(async move {
        use tower_sessions::ExpiredDeletion;
        if let Err(err) = store.continuously_delete_expired(Duration::from_secs(600)).await {
            tracing::warn!(error = ?err, "expired-session cleanup stopped");
        }
    });
    let limiter = state.login_limiter.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            limiter.forget_idle_keys();
        }
    });
}

/// `caduceus serve`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let mut leptos_options = leptos::config::get_configuration(None).context("Failed to read the Leptos configuration")?.leptos_options;
    assets::detect_hash_files(&mut leptos_options);
    let addr = leptos_options.site_addr;
    let timeout = Duration::from_secs(config.statement_timeout_seconds);
    let (pool, mut embedded) = connect(&config, Some(timeout)).await?;
    if config.demo {
        super::demo::seed(&pool).await.context("Failed to seed demo data")?;
    } else {
        super::demo::remove(&pool).await.context("Failed to remove demo data")?;
    }
    tokio::spawn(audit::run_sealer(pool.clone()));
    crate::mail::spawn_sender(pool.clone(), config.smtp_url.clone(), config.smtp_from.clone())?;
    let state = state(leptos_options, pool.clone(), config);
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
    let (pool, mut embedded) = connect(&config, None).await?;
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
