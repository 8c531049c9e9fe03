//! Group commit for bookings. Each booking request checks what needs no database, then
//! hands its order to this queue. Two stages follow, each taking everything waiting when it
//! is free: a reader reads the parties of a batch of orders in ONE statement
//! ([`db::booking_parties`]) and checks each booking's rules ([`booking::prepare_booking`]);
//! a writer writes a batch of the bookings that passed in ONE more ([`db::insert_booked`]).
//! Under load a round trip and a commit are shared by many bookings, and the next bookings'
//! parties are read while the last ones are written; alone, a booking is read and written at
//! once, as before.
//!
//! The rules that must hold under concurrency stay the database's: the slot and patient
//! constraints decide every booking, in a batch as alone, across any number of server
//! processes.

use super::booking::{self, BookingOrder, PreparedBooking};
use super::db::{self, AppointmentRow, NewBooking};
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// The most bookings in one statement.
const MOST_PER_STATEMENT: usize = 64;
/// Writers at work at once. Before reads and writes were separate stages, measured at 16
/// concurrent clients on the benchmark dataset (15 s runs that vary ±15 %): one writer ~3,200
/// bookings/s, two ~2,650–2,950, three ~2,650, four ~2,700 (smaller batches, more commits,
/// more contention in the indexes); with the stages, 1 reader and 1 writer ~3,200, 1 and 2
/// ~3,600, 2 and 2 ~3,400, 2 and 3 ~3,300. Two nevertheless, whatever the noise: a batch waiting
/// on a lock (a booking of the same slot in flight in another server process, or a deadlock
/// PostgreSQL breaks after a second) must not hold up every other booking of this process.
const WRITERS: usize = 2;
/// Readers at work at once (1 or 2 measure the same, within the noise; a second keeps one slow
/// read from holding up every booking).
const READERS: usize = 2;
/// Bookings waiting for a reader (and, read, for a writer), beyond which requests wait to be
/// queued.
const QUEUE_CAPACITY: usize = 1024;
/// How often a booking is tried again when what stood in its way was cancelled meanwhile.
const ATTEMPTS: usize = 3;

type Answer = oneshot::Sender<AppResult<AppointmentRow>>;

/// A booking waiting for its parties to be read.
struct Order {
    order: BookingOrder,
    answer: Answer,
}

/// A booking that passed its rules, waiting to be written.
struct Job {
    prepared: PreparedBooking,
    answer: Answer,
}

/// What the readers and writers share: the pool and the clinic's settings (time zone for the
/// rules, public URL for the notices' links).
struct Shared {
    pool: PgPool,
    clinic: Arc<Clinic>,
}

/// The handle every request books through; cheap to clone.
#[derive(Clone)]
pub struct BookingQueue {
    orders: mpsc::Sender<Order>,
}

impl BookingQueue {
    /// Starts the readers and writers (on the current Tokio runtime). They stop when the last
    /// handle is dropped.
    pub fn start(pool: PgPool, clinic: Arc<Clinic>) -> Self {
        let (orders, waiting) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(dispatch(Arc::new(Shared { pool, clinic }), waiting));
        Self { orders }
    }

    /// Checks and writes the booking: the written appointment, or why not (404, 403, 422 of
    /// its rules; 409 when its slot is taken or its patient busy).
    pub async fn book(&self, order: BookingOrder) -> AppResult<AppointmentRow> {
        let (answer, answered) = oneshot::channel();
        self.orders.send(Order { order, answer }).await.map_err(|_| writers_gone())?;
        answered.await.map_err(|_| writers_gone())?
    }
}

fn writers_gone() -> AppError {
    AppError::Unavailable(anyhow::anyhow!("the booking writers stopped"))
}

/// Two stages, each taking everything waiting when it is free (up to a statement's worth):
/// readers read the parties of a batch of orders and check their rules, writers write a batch
/// of the bookings that passed. A booking's parties are read while earlier bookings are being
/// written, so a writer's turn is one statement and its commit.
async fn dispatch(shared: Arc<Shared>, orders: mpsc::Receiver<Order>) {
    let (jobs, prepared) = mpsc::channel(QUEUE_CAPACITY);
    let read_shared = shared.clone();
    tokio::spawn(in_batches(orders, READERS, move |batch| {
        let (shared, jobs) = (read_shared.clone(), jobs.clone());
        async move {
            for job in prepare(&shared, batch).await {
                // The writers stop only when this sender is dropped.
                let _ = jobs.send(job).await;
            }
        }
    }));
    in_batches(prepared, WRITERS, move |batch| {
        let shared = shared.clone();
        async move { write(&shared, batch).await }
    })
    .await;
}

/// Runs `work` on batches of what `waiting` receives, at most `workers` at once: when a worker
/// is free it gets everything waiting by then, so what arrives while all are busy gathers into
/// the next batch.
async fn in_batches<T, F, Fut>(mut waiting: mpsc::Receiver<T>, workers: usize, work: F)
where
    T: Send + 'static,
    F: Fn(Vec<T>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let free = Arc::new(Semaphore::new(workers));
    while let Some(first) = waiting.recv().await {
        let Ok(worker) = free.clone().acquire_owned().await else { return };
        let mut batch = vec![first];
        while batch.len() < MOST_PER_STATEMENT {
            match waiting.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let done = work(batch);
        tokio::spawn(async move {
            done.await;
            drop(worker);
        });
    }
}

/// Reads the parties of every order in one statement and checks each one's rules; the
/// refused are answered here, the rest returned to be written.
async fn prepare(shared: &Shared, orders: Vec<Order>) -> Vec<Job> {
    let keys: Vec<_> = orders.iter().map(|o| o.order.parties_key()).collect();
    let read = async {
        let mut conn = shared.pool.acquire().await?;
        db::booking_parties(&mut conn, &keys).await
    };
    let parties = match read.await {
        Ok(parties) => parties,
        // As for writes (below): a failed statement fails each order alone, so that a bad
        // one fails only itself.
        Err(AppError::Internal(_)) if orders.len() > 1 => {
            let mut jobs = Vec::new();
            for order in orders {
                jobs.extend(Box::pin(prepare(shared, vec![order])).await);
            }
            return jobs;
        }
        Err(err) => {
            answer_all(orders.into_iter().map(|o| o.answer).collect(), err);
            return Vec::new();
        }
    };
    let mut jobs = Vec::with_capacity(orders.len());
    for (Order { order, answer }, parties) in orders.into_iter().zip(parties) {
        match booking::prepare_booking(&shared.clinic.timezone, order, parties) {
            Ok(prepared) => jobs.push(Job { prepared, answer }),
            Err(refusal) => drop(answer.send(Err(refusal))),
        }
    }
    jobs
}

/// Answers every booking with `err`: a lone booking gets the error itself; a batch gets here
/// only when the database is out of reach, so each gets a 503.
fn answer_all(mut answers: Vec<Answer>, err: AppError) {
    if answers.len() == 1 {
        let _ = answers.remove(0).send(Err(err));
        return;
    }
    tracing::warn!(error = ?err, bookings = answers.len(), "bookings not written");
    for answer in answers {
        let _ = answer.send(Err(writers_gone()));
    }
}

/// What became of one booking of a batch.
enum Outcome {
    Booked(i64, DateTime<Utc>),
    Refused(AppError),
    /// It was skipped for an appointment that is gone now: try again.
    Freed,
}

/// Writes a batch and answers each of its bookings.
async fn write(shared: &Shared, mut jobs: Vec<Job>) {
    for _ in 0..ATTEMPTS {
        let outcomes = match attempt(shared, &jobs).await {
            Ok(outcomes) => outcomes,
            // A statement error fails the whole batch (a party deleted since its rules were
            // checked, say): each booking alone, so that it fails only its own.
            Err(AppError::Internal(_)) if jobs.len() > 1 => {
                for job in jobs {
                    Box::pin(write(shared, vec![job])).await;
                }
                return;
            }
            Err(err) => {
                answer_all(jobs.into_iter().map(|job| job.answer).collect(), err);
                return;
            }
        };
        let mut again = Vec::new();
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Booked(id, created_at) => drop(job.answer.send(Ok(job.prepared.written(id, created_at)))),
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
async fn attempt(shared: &Shared, jobs: &[Job]) -> AppResult<Vec<Outcome>> {
    let bookings: Vec<&NewBooking> = jobs.iter().map(|job| &job.prepared.booking).collect();
    let mut conn = shared.pool.acquire().await?;
    let written = db::insert_booked(&mut conn, &bookings, &shared.clinic.public_url).await?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (booking, written) in bookings.into_iter().zip(written) {
        outcomes.push(match written {
            Some((id, created_at)) => Outcome::Booked(id, created_at),
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
