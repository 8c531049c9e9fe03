//! The reports' reads of the rollups (see the migration `…27_reports.sql`), and their upkeep.

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

/// Each doctor's figures in the range: whole months from the monthly rollup, the days around
/// them from the daily one.
pub async fn revenue_by_doctor(conn: &mut PgConnection, currency: &str, range: DateRange) -> sqlx::Result<Vec<DoctorRevenueRow>> {
    let split = range.split_by_month();
    // An empty range (from after to) where a part is missing.
    let never = (NaiveDate::from_ymd_opt(2000, 1, 2).unwrap_or_default(), NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default());
    let (months_from, months_to) = split.whole_months.unwrap_or(never);
    let (before_from, before_to) = split.days_before.map_or(never, |r| (r.from, r.to));
    let (after_from, after_to) = split.days_after.map_or(never, |r| (r.from, r.to));
    let columns = "doctor_id, invoices, billed_cents, credited_cents, outstanding_cents, collected_cents";
    sqlx::query_as(&format!(
        "WITH shares AS (
             SELECT {columns} FROM revenue_doctor_monthly WHERE currency = $1 AND day >= $2 AND day < $3
             UNION ALL
             SELECT {columns} FROM revenue_doctor_daily WHERE currency = $1 AND day BETWEEN $4 AND $5
             UNION ALL
             SELECT {columns} FROM revenue_doctor_daily WHERE currency = $1 AND day BETWEEN $6 AND $7
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
    .bind(currency)
    .bind(months_from)
    .bind(months_to)
    .bind(before_from)
    .bind(before_to)
    .bind(after_from)
    .bind(after_to)
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
