//! Server functions for the privacy page.

use super::RecordAccess;
use crate::error::ApiError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "record_accesses")]
pub async fn list_record_accesses() -> Result<Vec<RecordAccess>, ApiError> {
    use crate::auth::actor::current_actor;
    let mut conn = crate::extract::connection().await?;
    Ok(super::service::record_accesses(&mut conn, &current_actor()?, None).await?)
}

/// Closes the patient's own account. `confirmation` must be the word the page asks for.
#[server(prefix = "/sfn", endpoint = "close_account")]
pub async fn close_account(password: String, confirmation: String) -> Result<(), ApiError> {
    use crate::auth::actor::{current_actor, current_session};
    use crate::auth::sign_ins::SignIns;
    use crate::auth::throttle::Throttles;
    use crate::clinic::Clinic;
    use crate::error::AppError;
    use crate::extract::from_context;
    use sqlx::PgPool;
    use std::sync::Arc;
    if confirmation.trim() != super::CONFIRMATION_WORD {
        return Err(AppError::validation(format!("Type {} to confirm.", super::CONFIRMATION_WORD)).into());
    }
    let (pool, clinic) = (from_context::<PgPool>()?, from_context::<Arc<Clinic>>()?);
    let (sign_ins, throttles) = (from_context::<Arc<SignIns>>()?, from_context::<Throttles>()?);
    let store = from_context::<crate::documents::storage::DocumentStore>()?;
    super::service::close_own_account(&pool, &clinic, &sign_ins, &throttles, &store, &current_actor()?, password).await?;
    current_session().await?.flush().await.map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    leptos_axum::redirect("/login?account_closed=1");
    Ok(())
}
