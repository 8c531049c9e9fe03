//! Server functions for the bell and the notifications page.

use super::Notification;
use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {super::service, crate::auth::actor::current_actor, crate::server::state::AppState};

#[server(prefix = "/sfn", endpoint = "notifications")]
pub async fn my_notifications() -> Result<Vec<Notification>, ApiError> {
    let state = AppState::from_context()?;
    Ok(service::list(&state, &current_actor()?).await?)
}

#[server(prefix = "/sfn", endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<i64, ApiError> {
    let state = AppState::from_context()?;
    Ok(service::unread_count(&state, &current_actor()?).await?)
}

#[server(prefix = "/sfn", endpoint = "notification_read")]
pub async fn mark_notification_read(id: i64) -> Result<(), ApiError> {
    let state = AppState::from_context()?;
    Ok(service::mark_read(&state, &current_actor()?, id).await?)
}

#[server(prefix = "/sfn", endpoint = "notifications_read")]
pub async fn mark_all_notifications_read() -> Result<(), ApiError> {
    let state = AppState::from_context()?;
    service::mark_all_read(&state, &current_actor()?).await?;
    Ok(())
}
