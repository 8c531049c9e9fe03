//! The reports' reads of the rollups (see the migration `…27_reports.sql`), and their upkeep.
//!
//! Each read is an unnamed statement (`persistent(false)`): planned for its actual dates, since
//! a cached generic plan guesses a range's size and picked index scans that visit the table
//! row by row for two years of rows (seen in a profile of the 10M-appointment benchmark).

use super::{DateRange, RevenueTotals};
use crate::billing::PaymentMethod;
use chrono::NaiveDate;
use sqlx::{FromRow, PgConnection, PgPool};

/// The revenue figures of one day.
#[derive(Debug, Clone, FromRow)]
pub struct RevenueRow {
    pub day: NaiveDate,
    #[sqlx(flatten)]
    pub totals: RevenueTotals,
}

const SUMS: &str = "sum(invoices)::bigint AS invoices, sum(billed_cents)::bigint AS billed_cents, \
    sum(credited_cents)::bigint AS credited_cents, sum(outstanding_cents)::bigint AS outstanding_cents, \
    sum(collected_cents)::bigint AS collected_cents";

/// The currencies with figures in the range, the most billed first.
pub async fn currencies(conn: &mut PgConnection, range: DateRange) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT currency FROM revenue_daily WHERE day BETWEEN $1 AND $2 GROUP BY currency \
         ORDER BY sum(billed_cents) + sum(collected_cents) DESC, currency",
    )
    .persistent(false)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

/// The day-by-day figures of the range in one currency.
pub async fn revenue_days(conn: &mut PgConnection, currency: &str, range: DateRange) -> sqlx::Result<Vec<RevenueRow>> {
    sqlx::query_as(&format!(
        "SELECT day, {SUMS} FROM revenue_daily WHERE currency = $1 AND day BETWEEN $2 AND $3 GROUP BY day ORDER BY day"
    ))
    .persistent(false)
    .bind(currency)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DoctorRevenueRow {
    /// 0: services of no doctor.
    pub doctor_id: i64,
    pub name: Option<String>,
    pub specialization: Option<String>,
    #[sqlx(flatten)]
    pub totals: RevenueTotals,
}

/// Each doctor's figures in the range, read as [`DateRange::rollup_reads`] says: whole months
/// (and months the range covers mostly) from the monthly rollup, the other days from the daily
/// one, and the days of those mostly covered months outside the range taken away.
pub async fn revenue_by_doctor(conn: &mut PgConnection, currency: &str, range: DateRange) -> sqlx::Result<Vec<DoctorRevenueRow>> {
    let reads = range.rollup_reads();
    // An empty range (from after to) where a part is missing.
    let never = DateRange {
        from: NaiveDate::from_ymd_opt(2000, 1, 2).unwrap_or_default(),
        to: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
    };
    let (months_from, months_to) = reads.whole_months.unwrap_or((never.from, never.to));
    let day_range = |list: &[DateRange], i: usize| list.get(i).copied().unwrap_or(never);
    let (add_a, add_b) = (day_range(&reads.add_days, 0), day_range(&reads.add_days, 1));
    let (less_a, less_b) = (day_range(&reads.subtract_days, 0), day_range(&reads.subtract_days, 1));
    let columns = "doctor_id, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents";
    let negated = "doctor_id, -invoices, -billed_cents, -credited_cents, -outstanding_cents, -collected_cents";
    // One plain range per branch, so that each is an index-only scan of the covering index.
    sqlx::query_as(&format!(
        "WITH shares AS (
             SELECT {columns} FROM revenue_doctor_monthly WHERE currency = $1 AND ((day >= $2 AND day < $3) OR day = ANY($4))
             UNION ALL
             SELECT {columns} FROM revenue_doctor_daily WHERE currency = $1 AND day BETWEEN $5 AND $6
             UNION ALL
             SELECT {columns} FROM revenue_doctor_daily WHERE currency = $1 AND day BETWEEN $7 AND $8
             UNION ALL
             SELECT {negated} FROM revenue_doctor_daily WHERE currency = $1 AND day BETWEEN $9 AND $10
             UNION ALL
             SELECT {negated} FROM revenue_doctor_daily WHERE currency = $1 AND day BETWEEN $11 AND $12
         ), by_doctor AS (
             SELECT doctor_id, {SUMS} FROM shares GROUP BY doctor_id
         )
         SELECT b.*, u.name, d.specialization
         FROM by_doctor b
         LEFT JOIN doctors d ON d.id = b.doctor_id
         LEFT JOIN users u ON u.id = d.user_id
         WHERE b.invoices <> 0 OR b.billed_cents <> 0 OR b.collected_cents <> 0 OR b.outstanding_cents <> 0
         ORDER BY b.billed_cents DESC, b.collected_cents DESC, b.doctor_id"
    ))
    .persistent(false)
    .bind(currency)
    .bind(months_from)
    .bind(months_to)
    .bind(&reads.add_months)
    .bind(add_a.from)
    .bind(add_a.to)
    .bind(add_b.from)
    .bind(add_b.to)
    .bind(less_a.from)
    .bind(less_a.to)
    .bind(less_b.from)
    .bind(less_b.to)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct MethodRow {
    pub method: PaymentMethod,
    pub paid_cents: i64,
    pub refunded_cents: i64,
}

pub async fn revenue_by_method(conn: &mut PgConnection, currency: &str, range: DateRange) -> sqlx::Result<Vec<MethodRow>> {
    sqlx::query_as(
        "SELECT method, sum(paid_cents)::bigint AS paid_cents, sum(refunded_cents)::bigint AS refunded_cents
         FROM revenue_method_daily WHERE currency = $1 AND day BETWEEN $2 AND $3 GROUP BY method ORDER BY method",
    )
    .persistent(false)
    .bind(currency)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

/// Patients registered by the end of the range.
pub async fn patients_registered_by(conn: &mut PgConnection, day: NaiveDate) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT coalesce(sum(patients), 0)::bigint FROM registrations_daily WHERE day <= $1").bind(day).fetch_one(conn).await
}

/// New patients per month of the range (`month` the first day).
pub async fn registrations_by_month(conn: &mut PgConnection, range: DateRange) -> sqlx::Result<Vec<(NaiveDate, i64)>> {
    sqlx::query_as(
        "SELECT date_trunc('month', day)::date AS month, sum(patients)::bigint FROM registrations_daily
         WHERE day BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 1",
    )
    .persistent(false)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct VisitRow {
    pub month: NaiveDate,
    pub age_group: String,
    pub gender: String,
    pub visits: i64,
    pub no_shows: i64,
}

/// Visits and no-shows of the range by month, age group and gender.
pub async fn visits(conn: &mut PgConnection, range: DateRange) -> sqlx::Result<Vec<VisitRow>> {
    sqlx::query_as(
        "SELECT date_trunc('month', day)::date AS month, age_group, gender,
                sum(visits)::bigint AS visits, sum(no_shows)::bigint AS no_shows
         FROM visits_daily WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2, 3",
    )
    .persistent(false)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

/// How many patients had reached their 1st, 2nd, 4th and 11th visit by `day`.
pub async fn visit_milestones_by(conn: &mut PgConnection, day: NaiveDate) -> sqlx::Result<[i64; 4]> {
    let rows: Vec<(i16, i64)> =
        sqlx::query_as("SELECT visits, sum(patients)::bigint FROM visit_milestones_daily WHERE day <= $1 GROUP BY visits")
            .bind(day)
            .fetch_all(conn)
            .await?;
    let reached = |k: i16| rows.iter().find(|(visits, _)| *visits == k).map_or(0, |(_, n)| *n);
    Ok([reached(1), reached(2), reached(4), reached(11)])
}

/// Folds the rollups' appended rows (see the migration); the reports read the same either way.
pub async fn compact(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::query("SELECT reports_compact()").execute(pool).await.map(|_| ())
}

/// Days are the clinic's: when its time zone is not the one the rollups were kept in, they are
/// computed again in the new one (once, at start).
pub async fn use_time_zone(pool: &PgPool, time_zone: &str) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let current: String = sqlx::query_scalar("SELECT time_zone FROM report_settings FOR UPDATE").fetch_one(&mut *tx).await?;
    if current == time_zone {
        return Ok(false);
    }
    sqlx::query("UPDATE report_settings SET time_zone = $1").bind(time_zone).execute(&mut *tx).await?;
    sqlx::query("SELECT reports_rebuild()").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}
