//! The generator behind `caduceus-dataset`: fills a database with a clinic at scale for benchmarks — by
//! default 1,000,000 patients, 2,000 doctors and 10,000,000 appointments over two years
//! (21 months back, 3 ahead) on the default schedule.
//!
//! Rows are streamed with COPY inside one transaction (a failed run leaves nothing), and the
//! secondary indexes and foreign keys of the loaded tables are dropped for the load and
//! restored after it: one sorted build (or one join) is far cheaper than millions of index
//! insertions (or queued per-row checks). The booking rules still
//! hold: every (doctor, slot) is used once, and a slot's patients are distinct by
//! construction, so the exclusion constraints (which stay in place) are never tripped.
//!
//! The chart is filled too: visit notes for every patient (10 on average, 0 to 20 each; the
//! first [`HEAVY_PATIENTS`] patients have [`HEAVY_ENCOUNTERS`] each, the record OpenEMR takes
//! minutes to open), coded diagnoses, a prescription on every other note, and vitals for the
//! heavy patients.
//!
//! Completed visits are billed, and most bills paid (see [`insert_billing`]). The report
//! rollups' triggers are off for the load; the rollups are computed once after it.
//!
//! With `--bench-out DIR` it also writes what `benches/run.sh` needs: API tokens for sample
//! patients, free slots paired with patients who can book them, doctor ids, directory queries.

use anyhow::{bail, Context, Result};
use caduceus::auth::actor::hash_token;
use caduceus::auth::password;
use caduceus::auth::service::random_token;
use caduceus::doctors::slots::{default_week, local_instant, slot_times};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::postgres::PgCopyIn;
use sqlx::{PgConnection, PgPool};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Marks generated accounts, so they are easy to tell apart (and to delete).
pub const EMAIL_DOMAIN: &str = "dataset.caduceus.test";
const DAYS_BACK: i64 = 640;
const DAYS_AHEAD: i64 = 90;
/// Generated patients whose tokens the benchmark uses to read their appointment lists.
const SAMPLE_TOKENS: usize = 1_000;
/// User agents of the benchmark's sign-ins: the booking patients' appointments are the
/// benchmark's own, and `benches/run.sh` deletes them after each run.
pub const READER_AGENT: &str = "caduceus benchmark: reader";
pub const BOOKER_AGENT: &str = "caduceus benchmark: booker";
/// Share of completed visits that get a review, in percent.
const REVIEWED_PERCENT: i64 = 10;
/// Patients with a long record (the first regular patients), and how many notes each has.
pub const HEAVY_PATIENTS: usize = 5;
pub const HEAVY_ENCOUNTERS: i32 = 700;
/// Most notes an ordinary patient has: each has 0 to this many, half of it on average.
const MOST_ENCOUNTERS: i64 = 20;
/// Diagnoses of the generated notes: real ICD-10-CM codes with their official wording.
const DIAGNOSES: [(&str, &str); 8] = [
    ("I10", "Essential (primary) hypertension"),
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("J06.9", "Acute upper respiratory infection, unspecified"),
    ("M54.50", "Low back pain, unspecified"),
    ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
    ("F41.1", "Generalized anxiety disorder"),
    ("E78.5", "Hyperlipidemia, unspecified"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
];
const DRUGS: [(&str, &str); 8] = [
    ("Amlodipine", "5 mg"),
    ("Metformin", "500 mg"),
    ("Paracetamol", "1 g"),
    ("Ibuprofen", "400 mg"),
    ("Omeprazole", "20 mg"),
    ("Sertraline", "50 mg"),
    ("Atorvastatin", "20 mg"),
    ("Salbutamol", "100 mcg"),
];

const FIRST_NAMES: [&str; 40] = [
    "Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Fatima", "John", "Priya", "Luca", "Emma", "Noah", "Yuki", "Omar", "Sofia", "Liam",
    "Amara", "Mateo", "Hana", "David", "Elena", "Ivan", "Grace", "Kwame", "Lena", "Diego", "Sara", "Arjun", "Chloe", "Tomas", "Nadia",
    "Peter", "Zara", "Ali", "Mia", "Samuel", "Leila", "Jonas", "Rosa", "Hugo",
];
const LAST_NAMES: [&str; 40] = [
    "Garcia",
    "Smith",
    "Khan",
    "Chen",
    "Ivanova",
    "Silva",
    "Haddad",
    "Miller",
    "Patel",
    "Rossi",
    "Johnson",
    "Brown",
    "Tanaka",
    "Farouk",
    "Lopez",
    "Wilson",
    "Okafor",
    "Fernandez",
    "Kim",
    "Cohen",
    "Popescu",
    "Petrov",
    "Taylor",
    "Mensah",
    "Fischer",
    "Moreno",
    "Nielsen",
    "Sharma",
    "Martin",
    "Novak",
    "Rahman",
    "Schmidt",
    "Ahmed",
    "Hassan",
    "Larsen",
    "Adeyemi",
    "Karimi",
    "Berg",
    "Santos",
    "Dubois",
];
const SPECIALIZATIONS: [&str; 12] = [
    "Cardiology",
    "Dermatology",
    "Pediatrics",
    "Neurology",
    "Orthopedics",
    "General Practice",
    "Otolaryngology",
    "Ophthalmology",
    "Gynecology",
    "Psychiatry",
    "Endocrinology",
    "Gastroenterology",
];
const CITIES: [&str; 15] = [
    "Springfield",
    "Riverton",
    "Lakeside",
    "Fairview",
    "Georgetown",
    "Madison",
    "Clinton",
    "Franklin",
    "Greenville",
    "Bristol",
    "Salem",
    "Ashland",
    "Dover",
    "Milton",
    "Oakland",
];
const BLOOD_GROUPS: [&str; 8] = ["O+", "A+", "B+", "AB+", "O-", "A-", "B-", "AB-"];
const GENDERS: [&str; 4] = ["female", "male", "other", "undisclosed"];

#[derive(Debug, Clone, Copy)]
pub struct DatasetSize {
    pub patients: usize,
    pub doctors: usize,
    pub appointments: usize,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub patients: u64,
    pub doctors: u64,
    pub appointments: u64,
    pub reviews: u64,
    pub free_future_slots: usize,
    pub encounters: u64,
    pub prescriptions: u64,
    pub invoices: u64,
    pub payments: u64,
}

/// A future slot left free, and the generated patient set aside to book it.
struct FreeSlot {
    doctor_id: i64,
    date: NaiveDate,
    time: NaiveTime,
    patient: usize,
}

/// Generates the dataset into an empty clinic (no appointments yet). `seed` makes it
/// reproducible apart from the ids the database assigns.
pub async fn generate(pool: &PgPool, tz: Tz, size: DatasetSize, bench_out: Option<&Path>, seed: u64) -> Result<Summary> {
    check_size(size)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let now = Utc::now();
    // One hash for every generated account, of a password nobody knows: they can't sign in,
    // the benchmark uses API tokens written by this generator instead.
    let password_hash = password::hash(random_token()).await?;

    let mut tx = pool.begin().await?;
    let mut summary = Summary::default();
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&mut *tx).await?;
    if existing > 0 {
        bail!("the database already has {existing} appointments; the generator fills an empty clinic (use a new database)");
    }
    sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await?;
    sqlx::query("SET LOCAL maintenance_work_mem = '512MB'").execute(&mut *tx).await?;

    let started = Instant::now();
    set_report_triggers(&mut tx, false).await?;
    let dropped =
        drop_for_load(&mut tx, &["users", "patients", "doctors", "appointments", "reviews", "encounters", "prescriptions", "vitals"])
            .await?;
    // Doctors first, so that patients (who are many) reuse no doctor names.
    let doctor_users = copy_users(&mut tx, "d", size.doctors, "doctor", &password_hash, now, &mut rng).await?;
    let doctors = copy_doctors(&mut tx, &doctor_users, &mut rng).await?;
    summary.doctors = doctors.len() as u64;
    let patient_users = copy_users(&mut tx, "p", size.patients, "patient", &password_hash, now, &mut rng).await?;
    let patients = copy_patients(&mut tx, &patient_users, &mut rng).await?;
    summary.patients = patients.len() as u64;
    tracing::info!(elapsed = ?started.elapsed(), "dataset: accounts loaded");

    // Patients the benchmark books for have no appointments of their own, so that their
    // bookings never meet the patient-busy rule. One per doctor covers any slot's bookings.
    let bench_patients = if bench_out.is_some() { size.doctors } else { 0 };
    let (regular, reserved) = patients.split_at(patients.len() - bench_patients);
    let (appointments, free) = copy_appointments(&mut tx, tz, now, &doctors, regular, size.appointments, &mut rng).await?;
    summary.appointments = appointments;
    summary.free_future_slots = free.len();
    tracing::info!(elapsed = ?started.elapsed(), "dataset: appointments loaded");

    summary.reviews = sqlx::query(
        "INSERT INTO reviews (appointment_id, doctor_id, patient_id, rating, body, created_at)
         SELECT id, doctor_id, patient_id, 3 + (id % 3), 'Clear explanations and on time.', ends_at + interval '1 day'
           FROM appointments WHERE status = 'completed' AND id % 100 < $1",
    )
    .bind(REVIEWED_PERCENT)
    .execute(&mut *tx)
    .await?
    .rows_affected();

    (summary.invoices, summary.payments) = insert_billing(&mut tx, now).await?;
    tracing::info!(elapsed = ?started.elapsed(), "dataset: bills loaded");

    (summary.encounters, summary.prescriptions) = insert_chart(&mut tx, regular, &doctor_users, now).await?;
    tracing::info!(elapsed = ?started.elapsed(), "dataset: charts loaded");

    for definition in &dropped {
        sqlx::query(definition).execute(&mut *tx).await.with_context(|| format!("rebuilding {definition}"))?;
    }
    tracing::info!(elapsed = ?started.elapsed(), "dataset: indexes and foreign keys restored");
    set_report_triggers(&mut tx, true).await?;
    // In the clinic's days, so that the server finds them so and keeps them.
    sqlx::query("UPDATE report_settings SET time_zone = $1").bind(tz.name()).execute(&mut *tx).await?;
    sqlx::query("SELECT reports_rebuild()").execute(&mut *tx).await?;
    tracing::info!(elapsed = ?started.elapsed(), "dataset: report rollups computed");

    if let Some(dir) = bench_out {
        write_bench_files(&mut tx, dir, &doctors, regular, reserved, free, &mut rng).await?;
    }
    tx.commit().await?;
    for table in [
        "users",
        "patients",
        "doctors",
        "appointments",
        "reviews",
        "auth_sessions",
        "encounters",
        "prescriptions",
        "vitals",
        "invoices",
        "payments",
    ] {
        sqlx::query(&format!("ANALYZE {table}")).execute(pool).await?;
    }
    // The rollups as a running server's autovacuum leaves them: all-visible, so the reports'
    // covering index is read without visiting the table.
    for table in ["revenue_daily", "revenue_doctor_daily", "revenue_doctor_monthly"] {
        sqlx::query(&format!("VACUUM (ANALYZE) {table}")).execute(pool).await?;
    }
    tracing::info!(elapsed = ?started.elapsed(), "dataset: done");
    Ok(summary)
}

/// The triggers that keep the report rollups (and the payment's doctor): one row at a time is
/// far too slow for millions, so they are off during the load.
const REPORT_TRIGGERS: [(&str, &str); 9] = [
    ("patients", "patients_report_insert"),
    ("patients", "patients_report_erased"),
    ("patients", "patients_report_update"),
    ("appointments", "appointments_report_insert_delete"),
    ("appointments", "appointments_report_update"),
    ("invoices", "invoices_revenue_insert_delete"),
    ("invoices", "invoices_revenue_update"),
    ("payments", "payments_revenue"),
    ("payments", "payments_doctor"),
];

async fn set_report_triggers(conn: &mut PgConnection, on: bool) -> Result<()> {
    let state = if on { "ENABLE" } else { "DISABLE" };
    for (table, trigger) in REPORT_TRIGGERS {
        sqlx::query(&format!("ALTER TABLE {table} {state} TRIGGER {trigger}")).execute(&mut *conn).await?;
    }
    Ok(())
}

/// An invoice for every completed visit with a fee, issued when the visit ended, and its
/// payment: 18 in 20 paid in full, 1 in half, 1 not yet; paid within three weeks (never after
/// now), by cash, card, bank transfer or insurance in turn. Returns (invoices, payments).
async fn insert_billing(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<(u64, u64)> {
    let invoices = sqlx::query(
        "INSERT INTO invoices (patient_id, appointment_id, doctor_id, state, currency, total_cents, paid_cents, issued_at, created_at)
         SELECT patient_id, id, doctor_id, 'issued', currency, fee_cents,
                CASE id % 20 WHEN 0 THEN 0 WHEN 1 THEN fee_cents / 2 ELSE fee_cents END, ends_at, ends_at
           FROM appointments WHERE status = 'completed' AND fee_cents > 0",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO invoice_lines (invoice_id, patient_id, position, description, quantity, unit_price_cents)
         SELECT id, patient_id, 1, 'Consultation', 1, total_cents FROM invoices",
    )
    .execute(&mut *conn)
    .await?;
    let payments = sqlx::query(
        "INSERT INTO payments (invoice_id, patient_id, doctor_id, kind, method, amount_cents, currency, created_at)
         SELECT id, patient_id, doctor_id, 'payment', (ARRAY['cash', 'card', 'bank_transfer', 'insurance']::payment_method[])[1 + id % 4],
                paid_cents, currency, least(issued_at + (id % 21) * interval '1 day', $1)
           FROM invoices WHERE paid_cents > 0",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((invoices, payments))
}

/// Visit notes, prescriptions and vitals (see the module's comment), written by the database
/// from the patients already loaded: one statement a table, no rows through the client.
/// Notes lie a week apart going back from now; prescriptions of the last half year are active,
/// older ones superseded. Returns how many notes and prescriptions were written.
async fn insert_chart(conn: &mut PgConnection, regular: &[Patient], doctor_users: &[i64], now: DateTime<Utc>) -> Result<(u64, u64)> {
    let heavy: Vec<i64> = regular.iter().take(HEAVY_PATIENTS).map(|p| p.id).collect();
    let (codes, wordings): (Vec<&str>, Vec<&str>) = DIAGNOSES.iter().copied().unzip();
    let first = regular.first().map_or(0, |p| p.id);
    let last = regular.last().map_or(0, |p| p.id);
    let encounters = sqlx::query(
        "INSERT INTO encounters (patient_id, author_id, diagnoses, treatment, notes, created_at, updated_at)
         SELECT p.id, ($4::bigint[])[1 + (p.id + n) % cardinality($4::bigint[])],
                jsonb_build_array(jsonb_build_object('code', ($5::text[])[k], 'description', ($6::text[])[k])),
                'Lifestyle advice; review in three months.', 'Seen in clinic; examination as expected for the diagnosis.', at, at
           FROM patients p
          CROSS JOIN LATERAL generate_series(1, CASE WHEN p.id = ANY ($3) THEN $7 ELSE ((hashint8(p.id) & 2147483647) % ($8 + 1))::int END) n
          CROSS JOIN LATERAL (SELECT 1 + ((p.id + n) % 8)::int AS k, $9::timestamptz - (n * 7 + p.id % 7) * interval '1 day' AS at) pick
          WHERE p.id BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .bind(&heavy)
    .bind(doctor_users)
    .bind(&codes)
    .bind(&wordings)
    .bind(HEAVY_ENCOUNTERS)
    .bind(MOST_ENCOUNTERS)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let (drugs, doses): (Vec<&str>, Vec<&str>) = DRUGS.iter().copied().unzip();
    let prescriptions = sqlx::query(
        "INSERT INTO prescriptions (encounter_id, patient_id, prescriber_id, position, drug, dose, route, frequency, duration_days,
                                    quantity, refills, status, prescribed_at)
         SELECT e.id, e.patient_id, e.author_id, 1, ($1::text[])[1 + e.id % 8], ($2::text[])[1 + e.id % 8], 'oral', 'once a day', 30, 30, 2,
                CASE WHEN e.created_at > $3::timestamptz - interval '180 days' THEN 'active' ELSE 'superseded' END::prescription_status,
                e.created_at
           FROM encounters e WHERE e.id % 2 = 0",
    )
    .bind(&drugs)
    .bind(&doses)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO vitals (patient_id, taken_at, systolic, diastolic, pulse, weight_kg, height_cm, recorded_by)
         SELECT p, $2::timestamptz - n * interval '14 days', 115 + n % 30, 70 + n % 15, 60 + n % 25, 70 + (n % 10) * 0.5, 172, $3
           FROM unnest($1::bigint[]) p CROSS JOIN generate_series(1, 60) n",
    )
    .bind(&heavy)
    .bind(now)
    .bind(doctor_users.first().copied().unwrap_or(0))
    .execute(&mut *conn)
    .await?;
    Ok((encounters, prescriptions))
}

fn check_size(size: DatasetSize) -> Result<()> {
    if size.doctors == 0 || size.patients == 0 {
        bail!("the dataset needs at least one doctor and one patient");
    }
    // Each slot's patients are distinct only if there are more patients than doctors; the
    // benchmark's own patients (one per doctor) come on top.
    if size.patients < 3 * size.doctors {
        bail!("use at least three patients per doctor ({} for {} doctors)", 3 * size.doctors, size.doctors);
    }
    Ok(())
}

/// Drops the foreign keys and non-unique secondary indexes of `tables` and returns the
/// statements that restore them: a foreign key re-added is checked in one join, where COPY
/// would queue a trigger per row. Primary keys, unique and exclusion constraints stay.
async fn drop_for_load(conn: &mut PgConnection, tables: &[&str]) -> Result<Vec<String>> {
    let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    let foreign_keys: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid)
           FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY ($1::text[]::regclass[])",
    )
    .bind(&tables)
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, _) in &foreign_keys {
        sqlx::query(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).execute(&mut *conn).await?;
    }
    let mut restore = drop_secondary_indexes(conn, &tables).await?;
    restore.extend(
        foreign_keys.into_iter().map(|(table, name, definition)| format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")),
    );
    Ok(restore)
}

async fn drop_secondary_indexes(conn: &mut PgConnection, tables: &[String]) -> Result<Vec<String>> {
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i
          WHERE i.indrelid = ANY ($1::text[]::regclass[])
            AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX {name}")).execute(&mut *conn).await?;
    }
    Ok(indexes.into_iter().map(|(_, definition)| definition).collect())
}

/// Buffers COPY text rows and sends them in large chunks.
struct CopyRows<'c> {
    copy: PgCopyIn<&'c mut PgConnection>,
    buffer: String,
}

impl<'c> CopyRows<'c> {
    const CHUNK: usize = 1 << 20;

    async fn start(conn: &'c mut PgConnection, statement: &str) -> Result<Self> {
        Ok(Self { copy: conn.copy_in_raw(statement).await?, buffer: String::with_capacity(Self::CHUNK + 4096) })
    }

    /// Call after writing each row into `buffer` (tab-separated, newline-terminated).
    async fn flush_if_full(&mut self) -> Result<()> {
        if self.buffer.len() >= Self::CHUNK {
            self.copy.send(self.buffer.as_bytes()).await?;
            self.buffer.clear();
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<u64> {
        if !self.buffer.is_empty() {
            self.copy.send(self.buffer.as_bytes()).await?;
        }
        Ok(self.copy.finish().await?)
    }
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items.choose(rng).expect("non-empty list")
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S+00").to_string()
}

/// COPYs `count` verified accounts of `role` and returns their ids in creation order.
async fn copy_users(
    conn: &mut PgConnection,
    prefix: &str,
    count: usize,
    role: &str,
    password_hash: &str,
    now: DateTime<Utc>,
    rng: &mut StdRng,
) -> Result<Vec<i64>> {
    let after: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM users").fetch_one(&mut *conn).await?;
    let mut rows = CopyRows::start(
        conn,
        "COPY users (email, name, password_hash, role, phone, email_verified_at, verified_at, created_at) FROM STDIN",
    )
    .await?;
    for n in 1..=count {
        let title = if role == "doctor" { "Dr. " } else { "" };
        let joined = timestamp(now - Duration::minutes(rng.gen_range(60..3 * 365 * 24 * 60)));
        let verified = if role == "doctor" { joined.as_str() } else { "\\N" };
        writeln!(
            rows.buffer,
            "{prefix}{n:07}@{EMAIL_DOMAIN}\t{title}{} {}\t{password_hash}\t{role}\t+1 555 {:07}\t{joined}\t{verified}\t{joined}",
            pick(rng, &FIRST_NAMES),
            pick(rng, &LAST_NAMES),
            rng.gen_range(0..10_000_000)
        )?;
        rows.flush_if_full().await?;
    }
    rows.finish().await?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id > $1 ORDER BY id").bind(after).fetch_all(&mut *conn).await?;
    if ids.len() != count {
        bail!("another process added accounts during the load; run the generator alone");
    }
    Ok(ids)
}

/// A generated doctor: the id and the fee every appointment with them costs.
struct Doctor {
    id: i64,
    fee_cents: i64,
}

async fn copy_doctors(conn: &mut PgConnection, user_ids: &[i64], rng: &mut StdRng) -> Result<Vec<Doctor>> {
    let after: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM doctors").fetch_one(&mut *conn).await?;
    let mut rows = CopyRows::start(
        conn,
        "COPY doctors (user_id, specialization, license_number, city, address, experience_years, fee_cents, currency, bio, languages) FROM STDIN",
    )
    .await?;
    for user_id in user_ids {
        let specialization = pick(rng, &SPECIALIZATIONS);
        let city = pick(rng, &CITIES);
        let languages = ["{English}", "{English,Spanish}", "{English,French}", "{English,Arabic}"].choose(rng).expect("non-empty");
        writeln!(
            rows.buffer,
            "{user_id}\t{specialization}\tLIC-{user_id:08}\t{city}\t{} Main Street, {city}\t{}\t{}\tUSD\tPractises {specialization} in {city}.\t{languages}",
            rng.gen_range(1..300),
            rng.gen_range(1..40),
            rng.gen_range(40..250) * 100,
        )?;
        rows.flush_if_full().await?;
    }
    rows.finish().await?;
    let doctors: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, fee_cents FROM doctors WHERE id > $1 ORDER BY id").bind(after).fetch_all(&mut *conn).await?;
    Ok(doctors.into_iter().map(|(id, fee_cents)| Doctor { id, fee_cents }).collect())
}

/// A generated patient: their patient id and account id.
#[derive(Clone, Copy)]
struct Patient {
    id: i64,
    user_id: i64,
}

async fn copy_patients(conn: &mut PgConnection, user_ids: &[i64], rng: &mut StdRng) -> Result<Vec<Patient>> {
    let after: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM patients").fetch_one(&mut *conn).await?;
    let mut rows = CopyRows::start(conn, "COPY patients (user_id, date_of_birth, gender, blood_group) FROM STDIN").await?;
    let first_birthday = NaiveDate::from_ymd_opt(1935, 1, 1).expect("valid date");
    for user_id in user_ids {
        let born = first_birthday + Duration::days(rng.gen_range(0..88 * 365));
        writeln!(rows.buffer, "{user_id}\t{born}\t{}\t{}", pick(rng, &GENDERS), pick(rng, &BLOOD_GROUPS))?;
        rows.flush_if_full().await?;
    }
    rows.finish().await?;
    let patients: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, user_id FROM patients WHERE id > $1 ORDER BY id").bind(after).fetch_all(&mut *conn).await?;
    Ok(patients.into_iter().map(|(id, user_id)| Patient { id, user_id }).collect())
}

/// Every slot start (UTC, with its local date and time) of the default week from `from` for
/// `days` days, skipping local times a clock change removes.
fn slot_starts(tz: Tz, from: NaiveDate, days: i64) -> Vec<(DateTime<Utc>, NaiveDate, NaiveTime)> {
    let week = default_week();
    (0..days)
        .map(|offset| from + Duration::days(offset))
        .filter(|date| !matches!(date.weekday(), Weekday::Sat | Weekday::Sun))
        .flat_map(|date| slot_times(&week, date).into_iter().map(move |time| (date, time)))
        .filter_map(|(date, time)| local_instant(&tz, date, time).map(|start| (start, date, time)))
        .collect()
}

/// Picks `past` or `future` statuses with clinic-like frequencies; with the reason or notes
/// each one carries.
fn status_of(rng: &mut StdRng, in_past: bool) -> (&'static str, &'static str, &'static str) {
    let roll = rng.gen_range(0..100);
    match (in_past, roll) {
        (true, 0..=81) => ("completed", "\\N", "Examined; advice given. Follow up if symptoms persist."),
        (true, 82..=89) => ("cancelled", "Patient cancelled", "\\N"),
        (true, 90..=94) => ("no_show", "\\N", "\\N"),
        (true, _) => ("rejected", "Doctor unavailable", "\\N"),
        (false, 0..=54) => ("accepted", "\\N", "\\N"),
        (false, 55..=89) => ("pending", "\\N", "\\N"),
        (false, _) => ("cancelled", "Patient cancelled", "\\N"),
    }
}

/// COPYs exactly `wanted` appointments spread evenly over every (slot, doctor) pair, and
/// returns how many it wrote and the future slots it left free.
///
/// The patient of doctor `d` in the `s`-th slot is `regular[(s × doctors + d) mod patients]`:
/// within one slot the doctors' patients are consecutive, hence distinct, so nobody is in two
/// places at once.
async fn copy_appointments(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    doctors: &[Doctor],
    regular: &[Patient],
    wanted: usize,
    rng: &mut StdRng,
) -> Result<(u64, Vec<FreeSlot>)> {
    let today = now.with_timezone(&tz).date_naive();
    let starts = slot_starts(tz, today - Duration::days(DAYS_BACK), DAYS_BACK + DAYS_AHEAD);
    let capacity = starts.len() * doctors.len();
    if wanted > capacity {
        bail!("{wanted} appointments don't fit: {} doctors have {capacity} slots in the two years", doctors.len());
    }
    // Bookings the benchmark can make must stay in the future for the whole run.
    let bookable_after = now + Duration::days(1);
    let mut rows = CopyRows::start(
        conn,
        "COPY appointments (doctor_id, patient_id, starts_at, ends_at, status, reason, fee_cents, currency, status_reason, visit_notes, booked_by, created_at) FROM STDIN",
    )
    .await?;
    let mut free = Vec::new();
    let (mut remaining_wanted, mut remaining_pairs) = (wanted, capacity);
    for (slot_index, (start, date, time)) in starts.iter().enumerate() {
        let (start, end) = (*start, *start + Duration::minutes(caduceus::doctors::slots::SLOT_MINUTES));
        for (doctor_index, doctor) in doctors.iter().enumerate() {
            // Selection sampling: exactly `wanted` pairs, uniformly spread.
            let take = rng.gen_range(0..remaining_pairs) < remaining_wanted;
            remaining_pairs -= 1;
            let (status, status_reason, notes) = if take { status_of(rng, end <= now) } else { ("", "", "") };
            if take {
                remaining_wanted -= 1;
                let patient = regular[(slot_index * doctors.len() + doctor_index) % regular.len()];
                let booked = (start - Duration::days(rng.gen_range(1..30))).min(now);
                writeln!(
                    rows.buffer,
                    "{}\t{}\t{}\t{}\t{status}\tCheck-up\t{}\tUSD\t{status_reason}\t{notes}\t{}\t{}",
                    doctor.id,
                    patient.id,
                    timestamp(start),
                    timestamp(end),
                    doctor.fee_cents,
                    patient.user_id,
                    timestamp(booked)
                )?;
                rows.flush_if_full().await?;
            }
            let live = matches!(status, "pending" | "accepted");
            if start > bookable_after && !live {
                free.push(FreeSlot { doctor_id: doctor.id, date: *date, time: *time, patient: free.len() % doctors.len().max(1) });
            }
        }
    }
    let written = rows.finish().await?;
    Ok((written, free))
}

/// Files for `benches/run.sh`. Free slots are in (time, doctor) order when paired with the
/// reserved patients, so one slot time never gets the same patient twice; then shuffled.
async fn write_bench_files(
    conn: &mut PgConnection,
    dir: &Path,
    doctors: &[Doctor],
    regular: &[Patient],
    reserved: &[Patient],
    mut free: Vec<FreeSlot>,
    rng: &mut StdRng,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let sample: Vec<Patient> = regular.choose_multiple(rng, SAMPLE_TOKENS.min(regular.len())).copied().collect();
    let sample_tokens = issue_tokens(conn, &sample, READER_AGENT).await?;
    let reserved_tokens = issue_tokens(conn, reserved, BOOKER_AGENT).await?;

    free.shuffle(rng);
    let bookings: String = free
        .iter()
        .map(|slot| {
            format!(
                "{}\t{{\"doctor_id\":{},\"date\":\"{}\",\"time_slot\":\"{}\"}}\n",
                reserved_tokens[slot.patient],
                slot.doctor_id,
                slot.date,
                slot.time.format("%H:%M")
            )
        })
        .collect();
    let mut dates: Vec<NaiveDate> = free.iter().map(|slot| slot.date).collect();
    dates.sort();
    dates.dedup();
    let mut queries: Vec<String> = Vec::new();
    for specialization in SPECIALIZATIONS {
        queries.push(format!("specialization={}", specialization.replace(' ', "%20")));
        queries.push(format!("specialization={}&city={}", specialization.replace(' ', "%20"), pick(rng, &CITIES)));
    }
    queries.extend(CITIES.iter().map(|city| format!("city={city}")));
    queries.extend(LAST_NAMES.iter().map(|name| format!("q={}", name.chars().take(4).collect::<String>().to_lowercase())));

    let lines = |items: Vec<String>| items.join("\n") + "\n";
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).with_context(|| format!("writing {name}"));
    write("bookings.tsv", bookings)?;
    write("patient_tokens.txt", lines(sample_tokens))?;
    write("doctor_ids.txt", lines(doctors.iter().map(|d| d.id.to_string()).collect()))?;
    write("dates.txt", lines(dates.iter().map(|d| d.to_string()).collect()))?;
    write("directory_queries.txt", lines(queries))?;
    Ok(())
}

/// API sign-ins (a year long) for `patients`, labelled `agent`; returns the tokens in the
/// same order.
async fn issue_tokens(conn: &mut PgConnection, patients: &[Patient], agent: &str) -> Result<Vec<String>> {
    let tokens: Vec<String> = patients.iter().map(|_| format!("cad_{}", random_token())).collect();
    let mut rows = CopyRows::start(conn, "COPY auth_sessions (user_id, kind, token_hash, user_agent, expires_at) FROM STDIN").await?;
    let expires = timestamp(Utc::now() + Duration::days(365));
    for (patient, token) in patients.iter().zip(&tokens) {
        writeln!(rows.buffer, "{}\tapi\t\\\\x{}\t{agent}\t{expires}", patient.user_id, hex::encode(hash_token(token)))?;
        rows.flush_if_full().await?;
    }
    rows.finish().await?;
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_years_of_default_weekdays_have_twelve_slots_a_day() {
        let from = NaiveDate::from_ymd_opt(2025, 1, 6).expect("a Monday");
        let starts = slot_starts(chrono_tz::UTC, from, 14);
        assert_eq!(starts.len(), 10 * 12);
        assert!(starts.windows(2).all(|w| w[0].0 < w[1].0), "in time order");
    }

    #[test]
    fn clock_changes_skip_no_working_slot_in_new_york() {
        // 2025-03-09 (Sunday) is the spring-forward day; working hours are never skipped.
        let from = NaiveDate::from_ymd_opt(2025, 3, 3).expect("a Monday");
        let starts = slot_starts(chrono_tz::America::New_York, from, 14);
        assert_eq!(starts.len(), 10 * 12);
    }

    #[test]
    fn sizes_that_would_break_the_patient_rule_are_refused() {
        assert!(check_size(DatasetSize { patients: 10, doctors: 5, appointments: 1 }).is_err());
        assert!(check_size(DatasetSize { patients: 0, doctors: 0, appointments: 0 }).is_err());
        assert!(check_size(DatasetSize { patients: 3_000, doctors: 1_000, appointments: 1 }).is_ok());
    }
}
