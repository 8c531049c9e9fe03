//! Sending and reading notifications.

use super::{Notification, LIST_LIMIT};
use crate::auth::actor::Actor;
use crate::error::{AppError, AppResult};
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
#[tracing::instrument(skip_all)]
pub async fn send(conn: &mut PgConnection, public_url: &str, notices: &[Notice]) -> AppResult<()> {
    let columns = NoticeColumns::of(notices);
    sqlx::query("SELECT notify($1, $2, $3, $4, $5)")
        .bind(columns.user_ids)
        .bind(columns.titles)
        .bind(columns.bodies)
        .bind(columns.links)
        .bind(base_url(public_url))
        .execute(conn)
        .await?;
    Ok(())
}

/// The notices as the arrays the SQL function `notify` takes (see migration `…08`).
struct NoticeColumns<'a> {
    user_ids: Vec<i64>,
    titles: Vec<&'a str>,
    bodies: Vec<&'a str>,
    links: Vec<Option<&'a str>>,
}

impl<'a> NoticeColumns<'a> {
    fn of(notices: &'a [Notice]) -> Self {
        Self {
            user_ids: notices.iter().map(|n| n.user_id).collect(),
            titles: notices.iter().map(|n| n.title.as_str()).collect(),
            bodies: notices.iter().map(|n| n.body.as_str()).collect(),
            links: notices.iter().map(|n| n.link.as_deref()).collect(),
        }
    }
}

/// The portal's address as emailed links start with it.
pub fn base_url(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

/// The actor's newest notifications.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut PgConnection, actor: &Actor) -> AppResult<Vec<Notification>> {
    Ok(sqlx::query_as(
        "SELECT id, title, body, link, created_at, read_at IS NOT NULL AS read
           FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(actor.user_id)
    .bind(LIST_LIMIT)
    .fetch_all(&mut *conn)
    .await?)
}

#[tracing::instrument(skip_all)]
pub async fn unread_count(conn: &mut PgConnection, actor: &Actor) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(actor.user_id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Marks one of the actor's notifications read; someone else's is "not found".
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn mark_read(conn: &mut PgConnection, actor: &Actor, id: i64) -> AppResult<()> {
    let found = sqlx::query("UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(actor.user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if found == 0 {
        // Someone else's notification is a 404 too, but an audited one.
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM notifications WHERE id = $1)").bind(id).fetch_one(conn).await?;
        return Err(if exists { AppError::concealed("Notification") } else { AppError::not_found("Notification") });
    }
    Ok(())
}

/// Marks all of the actor's notifications read; returns how many were unread.
#[tracing::instrument(skip_all)]
pub async fn mark_all_read(conn: &mut PgConnection, actor: &Actor) -> AppResult<u64> {
    Ok(sqlx::query("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL")
        .bind(actor.user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
