//! What every handler shares. Cheap to clone.

use crate::appointments::queue::BookingQueue;
use crate::auth::idle::SessionPolicy;
use crate::auth::sign_ins::SignIns;
use crate::auth::throttle::Throttles;
use crate::billing::provider::Payments;
use crate::clinic::Clinic;
use crate::documents::storage::DocumentStore;
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
    /// The clinic's settings, as the domains read them.
    pub clinic: Arc<Clinic>,
    /// The credential endpoints' budgets (kept in PostgreSQL, shared by every process).
    pub throttles: Throttles,
    /// How long sign-ins live (automatic logoff).
    pub sessions: SessionPolicy,
    /// Where finished bookings wait to be written together (group commit).
    pub bookings: BookingQueue,
    /// Sign-ins this process has recently resolved (kept right by `auth::sign_ins::listen`).
    pub sign_ins: Arc<SignIns>,
    /// Where uploaded documents are kept.
    pub documents: DocumentStore,
    /// Who charges patients' online payments.
    pub payments: Payments,
}

impl AppState {
    /// Provides each piece a server function may need as its own context, so that domains
    /// take the pieces (`crate::extract::from_context::<PgPool>()`), never this whole state;
    /// and the request's id, for the error views of the page being rendered.
    pub fn provide_parts(&self) {
        use leptos::prelude::provide_context;
        provide_context(self.pool.clone());
        provide_context(self.clinic.clone());
        provide_context(self.bookings.clone());
        provide_context(self.sign_ins.clone());
        provide_context(self.throttles);
        provide_context(self.sessions);
        provide_context(self.documents.clone());
        provide_context(self.payments.clone());
        if let Some(id) = crate::error::current_request_id() {
            provide_context(crate::error::RequestId(id));
        }
    }
}
