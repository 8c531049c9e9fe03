//! What every handler shares. Cheap to clone.

use crate::appointments::queue::BookingQueue;
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::sign_ins::SignIns;
use crate::server::config::Config;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub login_limiter: Arc<LoginLimiter>,
    /// Base URL for links in emails.
    pub public_url: Arc<str>,
    /// Where finished bookings wait to be written together (group commit).
    pub bookings: BookingQueue,
    /// Sign-ins this process has recently resolved (kept right by `auth::sign_ins::listen`).
    pub sign_ins: Arc<SignIns>,
}

impl AppState {
    /// The state inside a server function (provided as context by the router).
    pub fn from_context() -> Result<Self, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>()
            .ok_or_else(|| crate::error::AppError::Internal(anyhow::anyhow!("AppState missing from context")))
    }
}
