//! Server functions for the bell and the notifications page.

use super::Notification;
use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {super::service, crate::auth::actor::current_actor};

#[server(prefix = "/sfn", endpoint = "notifications")]
pub async fn my_notifications() -> Result<Vec<Notification>, ApiError> {
    let mut conn = crate::extract::connection().await?;
    Ok(service::list(&mut conn, &current_actor()?).await?)
}

#[server(prefix = "/sfn", endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<i64, ApiError> {
    let mut conn = crate::extract::connection().await?;
    Ok(service::unread_count(&mut conn, &current_actor()?).await?)
}

#[server(prefix = "/sfn", endpoint = "notification_read")]
pub async fn mark_notification_read(id: i64) -> Result<(), ApiError> {
    let mut conn = crate::extract::connection().await?;
    Ok(service::mark_read(&mut conn, &current_actor()?, id).await?)
}

#[server(prefix = "/sfn", endpoint = "notifications_read")]
pub async fn mark_all_notifications_read() -> Result<(), ApiError> {
    let mut conn = crate::extract::connection().await?;
    service::mark_all_read(&mut conn, &current_actor()?).await?;
    Ok(())
}
