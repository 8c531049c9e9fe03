//! Group commit for bookings. Each booking request checks its rules on its own, then hands
//! the finished booking to this queue; a writer takes everything that is waiting and writes
//! it in ONE statement ([`db::insert_booked`]), so that under load a commit, a statement and
//! a round trip are shared by many bookings. Alone, a booking is written at once, as before.
//!
//! The rules stay the database's: the slot and patient constraints decide every booking, in
//! a batch as alone, across any number of server processes.

use super::db::{self, NewBooking};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// The most bookings in one statement.
const MOST_PER_STATEMENT: usize = 64;
/// Statements in flight at once. Measured at 16 concurrent clients on the benchmark dataset:
/// one and two writers book alike (~2,200/s), four and eight fewer (smaller batches, more
/// contention in the indexes). Two, so that one batch waiting on a lock (a booking of the
/// same slot in flight in another server process) does not hold up every other booking.
const WRITERS: usize = 2;
/// Bookings waiting for a writer, beyond which requests wait to be queued.
const QUEUE_CAPACITY: usize = 1024;
/// How often a booking is tried again when what stood in its way was cancelled meanwhile.
const ATTEMPTS: usize = 3;

/// The id and creation time of a written booking.
pub type Booked = (i64, DateTime<Utc>);

struct Job {
    booking: NewBooking,
    answer: oneshot::Sender<AppResult<Booked>>,
}

/// The handle every request books through; cheap to clone.
#[derive(Clone)]
pub struct BookingQueue {
    jobs: mpsc::Sender<Job>,
}

impl BookingQueue {
    /// Starts the writers (on the current Tokio runtime). They stop when the last handle is
    /// dropped.
    pub fn start(pool: PgPool, public_url: Arc<str>) -> Self {
        let (jobs, waiting) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(dispatch(pool, public_url, waiting));
        Self { jobs }
    }

    /// Writes the booking; 409 when its slot is taken or its patient busy.
    pub async fn book(&self, booking: NewBooking) -> AppResult<Booked> {
        let (answer, answered) = oneshot::channel();
        self.jobs.send(Job { booking, answer }).await.map_err(|_| writers_gone())?;
        answered.await.map_err(|_| writers_gone())?
    }
}

fn writers_gone() -> AppError {
    AppError::Unavailable(anyhow::anyhow!("the booking writers stopped"))
}

/// Waits for a free writer, then gives it everything queued by then (up to a statement's
/// worth): while both writers are busy, the bookings arriving meanwhile gather into the next
/// batch.
async fn dispatch(pool: PgPool, public_url: Arc<str>, mut waiting: mpsc::Receiver<Job>) {
    let writers = Arc::new(Semaphore::new(WRITERS));
    while let Some(first) = waiting.recv().await {
        let Ok(writer) = writers.clone().acquire_owned().await else { return };
        let mut batch = vec![first];
        while batch.len() < MOST_PER_STATEMENT {
            match waiting.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (pool, public_url) = (pool.clone(), public_url.clone());
        tokio::spawn(async move {
            write(&pool, &public_url, batch).await;
            drop(writer);
        });
    }
}

/// What became of one booking of a batch.
enum Outcome {
    Booked(Booked),
    Refused(AppError),
    /// It was skipped for an appointment that is gone now: try again.
    Freed,
}

/// Writes a batch and answers each of its bookings.
async fn write(pool: &PgPool, public_url: &str, mut jobs: Vec<Job>) {
    for _ in 0..ATTEMPTS {
        let outcomes = match attempt(pool, public_url, &jobs).await {
            Ok(outcomes) => outcomes,
            // A statement error fails the whole batch (a party deleted since its rules were
            // checked, say): each booking alone, so that it fails only its own.
            Err(AppError::Internal(_)) if jobs.len() > 1 => {
                for job in jobs {
                    Box::pin(write(pool, public_url, vec![job])).await;
                }
                return;
            }
            // A lone booking gets its own error; a batch gets here only when the database
            // is out of reach (any other error split it above), so each gets a 503.
            Err(err) if jobs.len() == 1 => {
                let _ = jobs.remove(0).answer.send(Err(err));
                return;
            }
            Err(err) => {
                tracing::warn!(error = ?err, bookings = jobs.len(), "bookings not written");
                for job in jobs {
                    let _ = job.answer.send(Err(writers_gone()));
                }
                return;
            }
        };
        let mut again = Vec::new();
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Booked(booked) => drop(job.answer.send(Ok(booked))),
                Outcome::Refused(err) => drop(job.answer.send(Err(err))),
                Outcome::Freed => again.push(job),
            }
        }
        if again.is_empty() {
            return;
        }
        jobs = again;
    }
    for job in jobs {
        let _ = job.answer.send(Err(AppError::Conflict("That slot changed while you were booking it. Please try again.".into())));
    }
}

/// One statement for the batch, then the reason of each booking it skipped.
async fn attempt(pool: &PgPool, public_url: &str, jobs: &[Job]) -> AppResult<Vec<Outcome>> {
    let bookings: Vec<&NewBooking> = jobs.iter().map(|job| &job.booking).collect();
    let mut conn = pool.acquire().await?;
    let written = db::insert_booked(&mut conn, &bookings, public_url).await?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (booking, written) in bookings.into_iter().zip(written) {
        outcomes.push(match written {
            Some(booked) => Outcome::Booked(booked),
            // The statement has committed: an error from here on concerns this booking only.
            None => match db::why_refused(&mut conn, booking).await {
                Ok(Some(refusal)) => Outcome::Refused(refusal),
                Ok(None) => Outcome::Freed,
                Err(err) => Outcome::Refused(err),
            },
        });
    }
    Ok(outcomes)
}
