//! Sending and reading notifications.

use super::{Notification, LIST_LIMIT};
use crate::auth::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::server::state::AppState;
use sqlx::PgConnection;

/// One notice for one user.
pub struct Notice {
    pub user_id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// Stores the notices for the bell and queues their emails, in one statement. Deactivated
/// accounts get neither. `public_url` makes the emailed links absolute.
pub async fn send(conn: &mut PgConnection, public_url: &str, notices: &[Notice]) -> AppResult<()> {
    sqlx::query(
        "WITH notice AS (
             SELECT n.*, u.email, u.name
               FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS n (user_id, title, body, link)
               JOIN users u ON u.id = n.user_id AND u.active
         ), in_app AS (
             INSERT INTO notifications (user_id, title, body, link) SELECT user_id, title, body, link FROM notice
         )
         INSERT INTO outbox (to_address, subject, body)
         SELECT email, title, 'Hello ' || name || E',\\n\\n' || body || coalesce(E'\\nOpen it in the portal: ' || $5 || link, '') || E'\\n\\n— Caduceus\\n'
           FROM notice",
    )
    .bind(notices.iter().map(|n| n.user_id).collect::<Vec<_>>())
    .bind(notices.iter().map(|n| n.title.as_str()).collect::<Vec<_>>())
    .bind(notices.iter().map(|n| n.body.as_str()).collect::<Vec<_>>())
    .bind(notices.iter().map(|n| n.link.as_deref()).collect::<Vec<_>>())
    .bind(public_url.trim_end_matches('/'))
    .execute(conn)
    .await?;
    Ok(())
}

/// The actor's newest notifications.
pub async fn list(state: &AppState, actor: &Actor) -> AppResult<Vec<Notification>> {
    Ok(sqlx::query_as(
        "SELECT id, title, body, link, created_at, read_at IS NOT NULL AS read
           FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(actor.user_id)
    .bind(LIST_LIMIT)
    .fetch_all(&state.pool)
    .await?)
}

pub async fn unread_count(state: &AppState, actor: &Actor) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(actor.user_id)
        .fetch_one(&state.pool)
        .await?)
}

/// Marks one of the actor's notifications read; someone else's is "not found".
pub async fn mark_read(state: &AppState, actor: &Actor, id: i64) -> AppResult<()> {
    let found = sqlx::query("UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(actor.user_id)
        .execute(&state.pool)
        .await?
        .rows_affected();
    if found == 0 {
        return Err(AppError::not_found("Notification"));
    }
    Ok(())
}

/// Marks all of the actor's notifications read; returns how many were unread.
pub async fn mark_all_read(state: &AppState, actor: &Actor) -> AppResult<u64> {
    Ok(sqlx::query("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL")
        .bind(actor.user_id)
        .execute(&state.pool)
        .await?
        .rows_affected())
}
