//! Outgoing email through a transactional outbox: a use case inserts the message in its own
//! transaction (so an email exists exactly when the change it reports does), and a background
//! task delivers unsent rows over SMTP when one is configured. Without SMTP, messages stay in
//! the outbox, which admins read in the portal.

use crate::error::AppResult;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{PgConnection, PgPool};
use std::time::Duration;

/// Queues an email to `to`, the address of account `recipient` (so that the account's export
/// and erasure find it even after the address changes).
pub async fn enqueue(conn: &mut PgConnection, recipient: i64, to: &str, subject: &str, body: &str) -> AppResult<()> {
    sqlx::query("INSERT INTO outbox (recipient_id, to_address, subject, body) VALUES ($1, $2, $3, $4)")
        .bind(recipient)
        .bind(to)
        .bind(subject)
        .bind(body)
        .execute(conn)
        .await?;
    Ok(())
}

/// Starts the delivery loop if SMTP is configured.
pub fn spawn_sender(pool: PgPool, smtp_url: Option<String>, from: String) -> anyhow::Result<()> {
    let Some(url) = smtp_url else {
        tracing::info!("no SMTP configured: emails stay in the outbox (Admin → Outbox)");
        return Ok(());
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)?.build();
    let from: Mailbox = from.parse()?;
    tokio::spawn(async move {
        loop {
            if let Err(err) = deliver_batch(&pool, &transport, &from).await {
                tracing::warn!(error = ?err, "email delivery round failed");
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    Ok(())
}

async fn deliver_batch(pool: &PgPool, transport: &AsyncSmtpTransport<Tokio1Executor>, from: &Mailbox) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    // SKIP LOCKED lets several server processes share the outbox without sending twice.
    let batch: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, to_address, subject, body FROM outbox WHERE sent_at IS NULL
          ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (id, to, subject, body) in batch {
        let sent = async {
            let message = Message::builder().from(from.clone()).to(to.parse()?).subject(subject).body(body)?;
            transport.send(message).await?;
            Ok::<(), anyhow::Error>(())
        }
        .await;
        match sent {
            Ok(()) => sqlx::query("UPDATE outbox SET sent_at = now(), last_error = NULL WHERE id = $1").bind(id).execute(&mut *tx).await?,
            Err(err) => {
                sqlx::query("UPDATE outbox SET last_error = $2 WHERE id = $1").bind(id).bind(err.to_string()).execute(&mut *tx).await?
            }
        };
    }
    tx.commit().await?;
    Ok(())
}
