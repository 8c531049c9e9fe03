//! Group commit for bookings. Each booking request checks what needs no database, then
//! hands its order to this queue; a writer takes everything that is waiting, reads the
//! parties of all of it in ONE statement ([`db::booking_parties`]), checks each booking's
//! rules ([`service::prepare_booking`]) and writes the ones that pass in ONE more
//! ([`db::insert_booked`]). Under load two round trips and a commit are shared by many
//! bookings; alone, a booking is read and written at once, as before.
//!
//! The rules that must hold under concurrency stay the database's: the slot and patient
//! constraints decide every booking, in a batch as alone, across any number of server
//! processes.

use super::db::{self, AppointmentRow, NewBooking};
use super::service::{self, BookingOrder, PreparedBooking};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// The most bookings in one statement.
const MOST_PER_STATEMENT: usize = 64;
/// Writers at work at once. Measured at 16 concurrent clients on the benchmark dataset (batched
/// parties read, remembered sign-ins; 15 s runs that vary ±15 %): one writer ~3,200
/// bookings/s, two ~2,650–2,950, three ~2,650, four ~2,700 (smaller batches, more commits,
/// more contention in the indexes). Two nevertheless: a batch waiting on a lock (a booking of
/// the same slot in flight in another server process, or a deadlock PostgreSQL breaks after
/// a second) must not hold up every other booking of this process.
const WRITERS: usize = 2;
/// Bookings waiting for a writer, beyond which requests wait to be queued.
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

/// What the writers need besides the pool.
struct Clinic {
    pool: PgPool,
    public_url: Arc<str>,
    timezone: Tz,
}

/// The handle every request books through; cheap to clone.
#[derive(Clone)]
pub struct BookingQueue {
    orders: mpsc::Sender<Order>,
}

impl BookingQueue {
    /// Starts the writers (on the current Tokio runtime). They stop when the last handle is
    /// dropped.
    pub fn start(pool: PgPool, public_url: Arc<str>, timezone: Tz) -> Self {
        let (orders, waiting) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(dispatch(Arc::new(Clinic { pool, public_url, timezone }), waiting));
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

/// Waits for a free writer, then gives it everything queued by then (up to a statement's
/// worth): while both writers are busy, the bookings arriving meanwhile gather into the next
/// batch.
async fn dispatch(clinic: Arc<Clinic>, mut waiting: mpsc::Receiver<Order>) {
    let writers = Arc::new(Semaphore::new(WRITERS));
    while let Some(first) = waiting.recv().await {
        let Ok(writer) = writers.clone().acquire_owned().await else { return };
        let mut batch = vec![first];
        while batch.len() < MOST_PER_STATEMENT {
            match waiting.try_recv() {
                Ok(order) => batch.push(order),
                Err(_) => break,
            }
        }
        let clinic = clinic.clone();
        tokio::spawn(async move {
            let jobs = prepare(&clinic, batch).await;
            if !jobs.is_empty() {
                write(&clinic, jobs).await;
            }
            drop(writer);
        });
    }
}

/// Reads the parties of every order in one statement and checks each one's rules; the
/// refused are answered here, the rest returned to be written.
async fn prepare(clinic: &Clinic, orders: Vec<Order>) -> Vec<Job> {
    let keys: Vec<_> = orders.iter().map(|o| o.order.parties_key()).collect();
    let read = async {
        let mut conn = clinic.pool.acquire().await?;
        db::booking_parties(&mut conn, &keys).await
    };
    let parties = match read.await {
        Ok(parties) => parties,
        // As for writes (below): a failed statement fails each order alone, so that a bad
        // one fails only itself.
        Err(AppError::Internal(_)) if orders.len() > 1 => {
            let mut jobs = Vec::new();
            for order in orders {
                jobs.extend(Box::pin(prepare(clinic, vec![order])).await);
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
        match service::prepare_booking(&clinic.timezone, order, parties) {
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
async fn write(clinic: &Clinic, mut jobs: Vec<Job>) {
    for _ in 0..ATTEMPTS {
        let outcomes = match attempt(clinic, &jobs).await {
            Ok(outcomes) => outcomes,
            // A statement error fails the whole batch (a party deleted since its rules were
            // checked, say): each booking alone, so that it fails only its own.
            Err(AppError::Internal(_)) if jobs.len() > 1 => {
                for job in jobs {
                    Box::pin(write(clinic, vec![job])).await;
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
async fn attempt(clinic: &Clinic, jobs: &[Job]) -> AppResult<Vec<Outcome>> {
    let bookings: Vec<&NewBooking> = jobs.iter().map(|job| &job.prepared.booking).collect();
    let mut conn = clinic.pool.acquire().await?;
    let written = db::insert_booked(&mut conn, &bookings, &clinic.public_url).await?;
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
