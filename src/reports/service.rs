//! Report use cases, shared by the dashboards' server functions and the REST API: managers
//! and admins only. The figures are aggregates over the whole clinic and name no patient, so
//! reading them is not a read of anyone's record.

use super::db::{self, DoctorRevenueRow, RevenueRow};
use super::{
    ageing_bucket, frequency_buckets, month_label, month_start, no_show_rate, AgeingBucket, DateRange, FrequencyBucket, GroupVisits,
    MonthVisits, PatientSummaryReport, ReportQuery, RevenueByDoctor, RevenueByMethod, RevenueBySpecialization, RevenueMonth,
    RevenueSummary, RevenueTotals, Table, AGEING_BUCKETS, AGE_GROUPS, FREQUENCY_BUCKETS, GENDERS,
};
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::billing::PaymentMethod;
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use crate::money::parse_currency;
use chrono::NaiveDate;
use sqlx::PgConnection;
use std::collections::BTreeMap;

fn may_read_reports(actor: &Actor) -> AppResult<()> {
    match actor.role {
        Role::Manager | Role::Admin => Ok(()),
        _ => Err(AppError::Forbidden("Reports are for managers and administrators.".into())),
    }
}

fn range(clinic: &Clinic, query: &ReportQuery) -> AppResult<DateRange> {
    DateRange::parse(query.from.as_deref(), query.to.as_deref(), clinic.today()).map_err(AppError::validation)
}

pub async fn revenue(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, query: &ReportQuery) -> AppResult<RevenueSummary> {
    may_read_reports(actor)?;
    let range = range(clinic, query)?;
    let currencies = db::currencies(conn, range).await?;
    let currency = match query.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(raw) => parse_currency(raw).map_err(AppError::validation)?,
        None => currencies.first().cloned().unwrap_or_else(|| "USD".to_owned()),
    };
    let days = db::revenue_days(conn, &currency, range).await?;
    let doctors: Vec<RevenueByDoctor> = db::revenue_by_doctor(conn, &currency, range).await?.into_iter().map(doctor_revenue).collect();
    let methods = db::revenue_by_method(conn, &currency, range).await?;
    Ok(RevenueSummary {
        from: range.from,
        to: range.to,
        totals: sum(days.iter().map(|day| day.totals.clone())),
        by_month: revenue_by_month(range, &days),
        by_specialization: by_specialization(&doctors),
        by_doctor: doctors,
        by_method: by_method(&methods),
        ageing: ageing(clinic.today(), &days),
        currency,
        currencies,
    })
}

fn sum(rows: impl Iterator<Item = RevenueTotals>) -> RevenueTotals {
    rows.fold(RevenueTotals::default(), |mut total, row| {
        total.add(&row);
        total
    })
}

/// Every month of the range, those with no figures too (a chart's gaps are data).
fn revenue_by_month(range: DateRange, days: &[RevenueRow]) -> Vec<RevenueMonth> {
    let mut months: BTreeMap<NaiveDate, RevenueTotals> = range.months().into_iter().map(|m| (m, RevenueTotals::default())).collect();
    for day in days {
        months.entry(month_start(day.day)).or_default().add(&day.totals);
    }
    months.into_iter().map(|(month, totals)| RevenueMonth { month: month_label(month), totals }).collect()
}

fn doctor_revenue(row: DoctorRevenueRow) -> RevenueByDoctor {
    let totals = row.totals;
    match row.doctor_id {
        0 => RevenueByDoctor { doctor_id: None, name: "Other services".into(), specialization: "Other services".into(), totals },
        id => RevenueByDoctor {
            doctor_id: Some(id),
            name: row.name.unwrap_or_else(|| "A former doctor".into()),
            specialization: row.specialization.unwrap_or_else(|| "Unknown".into()),
            totals,
        },
    }
}

fn by_specialization(doctors: &[RevenueByDoctor]) -> Vec<RevenueBySpecialization> {
    let mut groups: BTreeMap<String, RevenueTotals> = BTreeMap::new();
    for doctor in doctors {
        groups.entry(doctor.specialization.clone()).or_default().add(&doctor.totals);
    }
    let mut rows: Vec<_> = groups.into_iter().map(|(specialization, totals)| RevenueBySpecialization { specialization, totals }).collect();
    rows.sort_by(|a, b| b.totals.billed_cents.cmp(&a.totals.billed_cents).then_with(|| a.specialization.cmp(&b.specialization)));
    rows
}

/// Every method, those unused in the range too.
fn by_method(rows: &[db::MethodRow]) -> Vec<RevenueByMethod> {
    PaymentMethod::ALL
        .into_iter()
        .map(|method| {
            let (paid, refunded) = rows.iter().find(|r| r.method == method).map_or((0, 0), |r| (r.paid_cents, r.refunded_cents));
            RevenueByMethod { method, paid_cents: paid, refunded_cents: refunded, collected_cents: paid - refunded }
        })
        .collect()
}

fn ageing(today: NaiveDate, days: &[RevenueRow]) -> Vec<AgeingBucket> {
    let mut buckets = [0i64; 4];
    for day in days {
        buckets[ageing_bucket((today - day.day).num_days())] += day.totals.outstanding_cents;
    }
    AGEING_BUCKETS
        .iter()
        .zip(buckets)
        .map(|(days, outstanding)| AgeingBucket { days: (*days).to_owned(), outstanding_cents: outstanding })
        .collect()
}

pub async fn patients(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, query: &ReportQuery) -> AppResult<PatientSummaryReport> {
    may_read_reports(actor)?;
    let range = range(clinic, query)?;
    let total_patients = db::patients_registered_by(conn, range.to).await?;
    let registrations = db::registrations_by_month(conn, range).await?;
    let visits = db::visits(conn, range).await?;
    let reached = db::visit_milestones_by(conn, range.to).await?;

    let mut by_month: BTreeMap<NaiveDate, MonthVisits> =
        range.months().into_iter().map(|m| (m, MonthVisits { month: month_label(m), new_patients: 0, visits: 0, no_shows: 0 })).collect();
    for (month, patients) in &registrations {
        if let Some(row) = by_month.get_mut(month) {
            row.new_patients += patients;
        }
    }
    let mut by_age: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut by_gender: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for row in &visits {
        if let Some(month) = by_month.get_mut(&row.month) {
            month.visits += row.visits;
            month.no_shows += row.no_shows;
        }
        let age = by_age.entry(row.age_group.as_str()).or_default();
        *age = (age.0 + row.visits, age.1 + row.no_shows);
        let gender = by_gender.entry(row.gender.as_str()).or_default();
        *gender = (gender.0 + row.visits, gender.1 + row.no_shows);
    }
    let (visit_count, no_shows) = visits.iter().fold((0, 0), |(v, n), row| (v + row.visits, n + row.no_shows));
    Ok(PatientSummaryReport {
        from: range.from,
        to: range.to,
        total_patients,
        new_patients: registrations.iter().map(|(_, n)| n).sum(),
        visits: visit_count,
        no_shows,
        no_show_rate: no_show_rate(visit_count, no_shows),
        by_month: by_month.into_values().collect(),
        by_age_group: groups(&AGE_GROUPS, &by_age),
        by_gender: groups(&GENDERS, &by_gender),
        visit_frequency: FREQUENCY_BUCKETS
            .iter()
            .zip(frequency_buckets(reached))
            .map(|(visits, patients)| FrequencyBucket { visits: (*visits).to_owned(), patients })
            .collect(),
    })
}

/// Every group in its order, those with no visits too.
fn groups(order: &[&str], counts: &BTreeMap<&str, (i64, i64)>) -> Vec<GroupVisits> {
    order
        .iter()
        .map(|group| {
            let (visits, no_shows) = counts.get(group).copied().unwrap_or_default();
            GroupVisits { group: (*group).to_owned(), visits, no_shows }
        })
        .collect()
}

/// Which report a CSV export is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Revenue,
    Patients,
}

impl Report {
    pub fn slug(self) -> &'static str {
        match self {
            Report::Revenue => "revenue",
            Report::Patients => "patients",
        }
    }
}

/// One table of a report as CSV, with the file name it downloads as.
pub async fn csv(
    conn: &mut PgConnection,
    clinic: &Clinic,
    actor: &Actor,
    report: Report,
    query: &ReportQuery,
) -> AppResult<(String, String)> {
    let (tables, from, to, currency): (Vec<Table>, _, _, _) = match report {
        Report::Revenue => {
            let summary = revenue(conn, clinic, actor, query).await?;
            (summary.tables(), summary.from, summary.to, Some(summary.currency))
        }
        Report::Patients => {
            let summary = patients(conn, clinic, actor, query).await?;
            (summary.tables(), summary.from, summary.to, None)
        }
    };
    let wanted = query.table.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let table = match wanted {
        None => tables.first(),
        Some(key) => tables.iter().find(|t| t.key == key),
    };
    let Some(table) = table else {
        let keys: Vec<&str> = tables.iter().map(|t| t.key).collect();
        return Err(AppError::validation(format!("table must be one of {}.", keys.join(", "))));
    };
    let currency = currency.map(|c| format!("-{}", c.to_lowercase())).unwrap_or_default();
    let name = format!("{}-{}{currency}-{from}-to-{to}.csv", report.slug(), table.key.replace('_', "-"));
    Ok((name, super::to_csv(table)))
}
