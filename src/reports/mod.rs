//! Revenue and patient-summary reports (SPEC feature 11), for managers and admins.
//!
//! The figures come from rollups the database keeps current with every write (see the
//! migration `…27_reports.sql`): a report over two years reads a few thousand rows, whatever
//! the number of invoices, payments and visits behind them. This module holds the reports'
//! shapes and the rules that need no database: date ranges, months, ageing buckets and the
//! tables a report exports as CSV.

pub mod api;
pub mod charts;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use crate::billing::PaymentMethod;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The longest range a report covers.
pub const MAX_RANGE_DAYS: i64 = 366 * 10;
/// The years a report's dates may name (the database's dates end far sooner than chrono's).
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2200;

/// What a report is asked for: `from` and `to` as `YYYY-MM-DD`, both days included; by default
/// the last twelve months to today.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct ReportQuery {
    /// First day (`YYYY-MM-DD`); default: the first day of the month eleven months ago.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`), included; default: today in the clinic's time zone.
    #[serde(default)]
    pub to: Option<String>,
    /// Revenue only: the currency to report (`USD`); default: the one billed most.
    #[serde(default)]
    pub currency: Option<String>,
    /// CSV only: which table (`by_month`, `by_doctor`, …); default: the first.
    #[serde(default)]
    pub table: Option<String>,
}

/// A range of days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The range asked for, with the defaults filled in; a message when it can't be read.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<DateRange, String> {
        let day = |raw: Option<&str>, what: &str| -> Result<Option<NaiveDate>, String> {
            match raw.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .filter(|d| (MIN_YEAR..=MAX_YEAR).contains(&d.year()))
                    .map(Some)
                    .ok_or_else(|| format!("{what} must be a date like 2026-01-31, between {MIN_YEAR} and {MAX_YEAR}.")),
            }
        };
        let to = day(to, "to")?.unwrap_or(today);
        let from = day(from, "from")?.unwrap_or_else(|| month_start(to) - Months::new(11));
        if from > to {
            return Err("from must be on or before to.".into());
        }
        if (to - from).num_days() >= MAX_RANGE_DAYS {
            return Err("A report covers at most ten years.".into());
        }
        Ok(DateRange { from, to })
    }

    /// The months the range touches, first days, in order.
    pub fn months(&self) -> Vec<NaiveDate> {
        let mut months = Vec::new();
        let mut month = month_start(self.from);
        while month <= self.to {
            months.push(month);
            month = month + Months::new(1);
        }
        months
    }

    /// The range cut into whole months and the days around them, so that a report reads the
    /// monthly rollup for the months and the daily one only for the edges.
    pub fn split_by_month(&self) -> MonthSplit {
        let whole_from = if self.from.day() == 1 { self.from } else { month_start(self.from) + Months::new(1) };
        let after = self.to.succ_opt().unwrap_or(self.to);
        let whole_to = if after.day() == 1 { after } else { month_start(self.to) };
        if whole_from >= whole_to {
            return MonthSplit { whole_months: None, days_before: Some(*self), days_after: None };
        }
        let before = (self.from < whole_from).then(|| DateRange { from: self.from, to: whole_from.pred_opt().unwrap_or(whole_from) });
        let after = (whole_to <= self.to).then_some(DateRange { from: whole_to, to: self.to });
        MonthSplit { whole_months: Some((whole_from, whole_to)), days_before: before, days_after: after }
    }
}

impl DateRange {
    /// How to sum a range from the daily and monthly rollups reading the fewest rows: whole
    /// months from the monthly one; a month the range covers mostly, as that month less the
    /// days it leaves out; a month it covers little, as its days.
    pub fn rollup_reads(&self) -> RollupReads {
        let split = self.split_by_month();
        let mut reads = RollupReads { whole_months: split.whole_months, ..RollupReads::default() };
        for part in [split.days_before, split.days_after].into_iter().flatten() {
            let first = month_start(part.from);
            let last = (first + Months::new(1)).pred_opt().unwrap_or(first);
            let included = (part.to - part.from).num_days() + 1;
            let excluded = (last - first).num_days() + 1 - included;
            if excluded >= included {
                reads.add_days.push(part);
                continue;
            }
            reads.add_months.push(first);
            if part.from > first {
                reads.subtract_days.push(DateRange { from: first, to: part.from.pred_opt().unwrap_or(first) });
            }
            if part.to < last {
                reads.subtract_days.push(DateRange { from: part.to.succ_opt().unwrap_or(last), to: last });
            }
        }
        reads
    }
}

/// See [`DateRange::rollup_reads`]: at most two of each list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupReads {
    pub whole_months: Option<(NaiveDate, NaiveDate)>,
    /// Other months (their first days) read whole.
    pub add_months: Vec<NaiveDate>,
    pub add_days: Vec<DateRange>,
    /// Days of the `add_months` outside the range, taken away.
    pub subtract_days: Vec<DateRange>,
}

/// See [`DateRange::split_by_month`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSplit {
    /// The first day of the first whole month, and of the month after the last one.
    pub whole_months: Option<(NaiveDate, NaiveDate)>,
    pub days_before: Option<DateRange>,
    pub days_after: Option<DateRange>,
}

pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// `2026-01`: how the reports name a month.
pub fn month_label(month: NaiveDate) -> String {
    month.format("%Y-%m").to_string()
}

/// The ageing buckets of what is still owed, by days since the invoice was issued.
pub const AGEING_BUCKETS: [&str; 4] = ["0-30", "31-60", "61-90", "90+"];

pub fn ageing_bucket(days_old: i64) -> usize {
    match days_old {
        ..=30 => 0,
        31..=60 => 1,
        61..=90 => 2,
        _ => 3,
    }
}

/// Age groups of the patient summary (age at the visit), in order.
pub const AGE_GROUPS: [&str; 6] = ["0-17", "18-34", "35-49", "50-64", "65+", "unknown"];
pub const GENDERS: [&str; 4] = ["female", "male", "other", "undisclosed"];

/// Visit frequency buckets: patients with 1, 2–3, 4–10 and more than 10 visits.
pub const FREQUENCY_BUCKETS: [&str; 4] = ["1", "2-3", "4-10", "11+"];

/// Patients in each frequency bucket from how many reached their 1st, 2nd, 4th and 11th visit.
pub fn frequency_buckets(reached: [i64; 4]) -> [i64; 4] {
    [reached[0] - reached[1], reached[1] - reached[2], reached[2] - reached[3], reached[3]]
}

// ------------------------------------------------------------------------------------------
// Revenue

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct RevenueTotals {
    /// Invoices issued in the range (void ones aside).
    pub invoices: i64,
    /// What they bill, net of credit notes.
    pub billed_cents: i64,
    pub credited_cents: i64,
    /// Money received in the range, net of refunds.
    pub collected_cents: i64,
    /// What is still owed today on the invoices issued in the range.
    pub outstanding_cents: i64,
}

impl RevenueTotals {
    pub fn add(&mut self, other: &RevenueTotals) {
        self.invoices += other.invoices;
        self.billed_cents += other.billed_cents;
        self.credited_cents += other.credited_cents;
        self.collected_cents += other.collected_cents;
        self.outstanding_cents += other.outstanding_cents;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevenueMonth {
    /// `YYYY-MM`.
    pub month: String,
    #[serde(flatten)]
    pub totals: RevenueTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevenueByDoctor {
    /// None: services of no doctor.
    pub doctor_id: Option<i64>,
    pub name: String,
    pub specialization: String,
    #[serde(flatten)]
    pub totals: RevenueTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevenueBySpecialization {
    pub specialization: String,
    #[serde(flatten)]
    pub totals: RevenueTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevenueByMethod {
    pub method: PaymentMethod,
    pub paid_cents: i64,
    pub refunded_cents: i64,
    /// Paid less refunded.
    pub collected_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AgeingBucket {
    /// `0-30`, `31-60`, `61-90` or `90+` days since the invoice was issued.
    pub days: String,
    pub outstanding_cents: i64,
}

/// `GET /api/reports/revenue-summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevenueSummary {
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    /// The currency of every amount here.
    pub currency: String,
    /// Every currency billed or paid in the range (ask for another with `currency`).
    pub currencies: Vec<String>,
    pub totals: RevenueTotals,
    pub by_month: Vec<RevenueMonth>,
    /// Highest billed first.
    pub by_doctor: Vec<RevenueByDoctor>,
    pub by_specialization: Vec<RevenueBySpecialization>,
    pub by_method: Vec<RevenueByMethod>,
    /// What is owed today on the range's invoices, by their age.
    pub ageing: Vec<AgeingBucket>,
}

// ------------------------------------------------------------------------------------------
// Patients

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MonthVisits {
    pub month: String,
    pub new_patients: i64,
    pub visits: i64,
    pub no_shows: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupVisits {
    /// An age group (`0-17`, `18-34`, `35-49`, `50-64`, `65+`, `unknown`) or a gender.
    pub group: String,
    pub visits: i64,
    pub no_shows: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FrequencyBucket {
    /// `1`, `2-3`, `4-10` or `11+` visits.
    pub visits: String,
    pub patients: i64,
}

/// `GET /api/reports/patient-summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PatientSummaryReport {
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    /// Patients registered by the end of the range.
    pub total_patients: i64,
    /// Patients registered in the range.
    pub new_patients: i64,
    /// Completed visits in the range.
    pub visits: i64,
    pub no_shows: i64,
    /// No-shows among the visits due (completed or missed), 0 to 1.
    pub no_show_rate: f64,
    pub by_month: Vec<MonthVisits>,
    /// Visits by the patient's age at the visit.
    pub by_age_group: Vec<GroupVisits>,
    pub by_gender: Vec<GroupVisits>,
    /// Patients by their number of completed visits up to the end of the range.
    pub visit_frequency: Vec<FrequencyBucket>,
}

pub fn no_show_rate(visits: i64, no_shows: i64) -> f64 {
    let due = visits + no_shows;
    if due <= 0 {
        0.0
    } else {
        (no_shows as f64 / due as f64 * 10_000.0).round() / 10_000.0
    }
}

// ------------------------------------------------------------------------------------------
// Tables: what the pages show beside each chart and the CSV export sends.

/// One table of a report: its key (`by_month`), title, column heads and rows of cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub key: &'static str,
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

fn cents(value: i64) -> String {
    crate::money::Money::new(value, "").amount()
}

fn revenue_cells(t: &RevenueTotals) -> [String; 4] {
    [t.invoices.to_string(), cents(t.billed_cents), cents(t.collected_cents), cents(t.outstanding_cents)]
}

const REVENUE_COLUMNS: [&str; 4] = ["Invoices", "Billed", "Collected", "Outstanding"];

fn with_label(label: &'static str, cells: impl IntoIterator<Item = &'static str>) -> Vec<&'static str> {
    std::iter::once(label).chain(cells).collect()
}

impl RevenueSummary {
    /// The report's tables, amounts in major units of `currency`.
    pub fn tables(&self) -> Vec<Table> {
        let row = |label: String, t: &RevenueTotals| std::iter::once(label).chain(revenue_cells(t)).collect::<Vec<_>>();
        vec![
            Table {
                key: "by_month",
                title: "By month",
                columns: with_label("Month", REVENUE_COLUMNS),
                rows: self.by_month.iter().map(|m| row(m.month.clone(), &m.totals)).collect(),
            },
            Table {
                key: "by_doctor",
                title: "By doctor",
                columns: with_label("Doctor", with_label("Specialization", REVENUE_COLUMNS)),
                rows: self
                    .by_doctor
                    .iter()
                    .map(|d| [d.name.clone(), d.specialization.clone()].into_iter().chain(revenue_cells(&d.totals)).collect())
                    .collect(),
            },
            Table {
                key: "by_specialization",
                title: "By specialization",
                columns: with_label("Specialization", REVENUE_COLUMNS),
                rows: self.by_specialization.iter().map(|s| row(s.specialization.clone(), &s.totals)).collect(),
            },
            Table {
                key: "by_method",
                title: "By payment method",
                columns: vec!["Method", "Paid", "Refunded", "Collected"],
                rows: self
                    .by_method
                    .iter()
                    .map(|m| vec![m.method.label().to_owned(), cents(m.paid_cents), cents(m.refunded_cents), cents(m.collected_cents)])
                    .collect(),
            },
            Table {
                key: "ageing",
                title: "Outstanding by age",
                columns: vec!["Days since issued", "Outstanding"],
                rows: self.ageing.iter().map(|a| vec![a.days.clone(), cents(a.outstanding_cents)]).collect(),
            },
        ]
    }
}

impl PatientSummaryReport {
    pub fn tables(&self) -> Vec<Table> {
        let groups = |rows: &[GroupVisits]| {
            rows.iter().map(|g| vec![g.group.clone(), g.visits.to_string(), g.no_shows.to_string()]).collect::<Vec<_>>()
        };
        vec![
            Table {
                key: "by_month",
                title: "By month",
                columns: vec!["Month", "New patients", "Visits", "No-shows"],
                rows: self
                    .by_month
                    .iter()
                    .map(|m| vec![m.month.clone(), m.new_patients.to_string(), m.visits.to_string(), m.no_shows.to_string()])
                    .collect(),
            },
            Table {
                key: "by_age_group",
                title: "Visits by age group",
                columns: vec!["Age group", "Visits", "No-shows"],
                rows: groups(&self.by_age_group),
            },
            Table {
                key: "by_gender",
                title: "Visits by gender",
                columns: vec!["Gender", "Visits", "No-shows"],
                rows: groups(&self.by_gender),
            },
            Table {
                key: "visit_frequency",
                title: "Patients by number of visits",
                columns: vec!["Visits", "Patients"],
                rows: self.visit_frequency.iter().map(|f| vec![f.visits.clone(), f.patients.to_string()]).collect(),
            },
        ]
    }
}

/// A table as CSV (RFC 4180: quoted where needed, CRLF line ends).
pub fn to_csv(table: &Table) -> String {
    fn field(out: &mut String, cell: &str) {
        // A cell starting with = + - @ would be a formula in a spreadsheet: quote it as text.
        let formula = cell.starts_with(['=', '+', '@']) || (cell.starts_with('-') && cell.parse::<f64>().is_err());
        if formula || cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            if formula {
                out.push('\'');
            }
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    let mut out = String::new();
    for (i, head) in table.columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, head);
    }
    out.push_str("\r\n");
    for row in &table.rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, cell);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_default_range_is_the_last_twelve_months_to_today() {
        let range = DateRange::parse(None, None, day("2026-12-07")).unwrap();
        assert_eq!(range, DateRange { from: day("2026-01-01"), to: day("2026-12-07") });
        assert_eq!(range.months().len(), 12);
    }

    #[test]
    fn a_range_must_read_and_run_forward_for_at_most_ten_years() {
        let today = day("2026-12-07");
        assert!(DateRange::parse(Some("2026-13-01"), None, today).is_err());
        assert!(DateRange::parse(Some("yesterday"), None, today).is_err());
        assert!(DateRange::parse(Some("-4714-01-01"), Some("-4714-01-02"), today).is_err());
        assert!(DateRange::parse(Some("20000-01-01"), Some("20000-01-02"), today).is_err());
        assert!(DateRange::parse(Some("2026-05-02"), Some("2026-05-01"), today).is_err());
        assert!(DateRange::parse(Some("2000-01-01"), Some("2026-01-01"), today).is_err());
        assert_eq!(DateRange::parse(Some("2026-05-01"), Some("2026-05-01"), today).unwrap().months(), vec![day("2026-05-01")]);
    }

    #[test]
    fn a_range_splits_into_whole_months_and_the_days_around_them() {
        let split = DateRange { from: day("2025-01-15"), to: day("2025-04-10") }.split_by_month();
        assert_eq!(split.whole_months, Some((day("2025-02-01"), day("2025-04-01"))));
        assert_eq!(split.days_before, Some(DateRange { from: day("2025-01-15"), to: day("2025-01-31") }));
        assert_eq!(split.days_after, Some(DateRange { from: day("2025-04-01"), to: day("2025-04-10") }));

        let whole = DateRange { from: day("2025-01-01"), to: day("2025-12-31") }.split_by_month();
        assert_eq!(whole, MonthSplit { whole_months: Some((day("2025-01-01"), day("2026-01-01"))), days_before: None, days_after: None });

        let inside = DateRange { from: day("2025-03-02"), to: day("2025-03-30") };
        assert_eq!(inside.split_by_month(), MonthSplit { whole_months: None, days_before: Some(inside), days_after: None });
    }

    #[test]
    fn a_mostly_covered_month_is_read_as_the_month_less_the_days_left_out() {
        let reads = DateRange { from: day("2025-03-07"), to: day("2027-03-05") }.rollup_reads();
        assert_eq!(reads.whole_months, Some((day("2025-04-01"), day("2027-03-01"))));
        assert_eq!(reads.add_months, vec![day("2025-03-01")]);
        assert_eq!(reads.subtract_days, vec![DateRange { from: day("2025-03-01"), to: day("2025-03-06") }]);
        assert_eq!(reads.add_days, vec![DateRange { from: day("2027-03-01"), to: day("2027-03-05") }]);

        // Inside one month: the month less both ends, when that is fewer days.
        let inside = DateRange { from: day("2025-03-02"), to: day("2025-03-30") }.rollup_reads();
        assert_eq!((inside.whole_months, inside.add_months.clone()), (None, vec![day("2025-03-01")]));
        assert_eq!(
            inside.subtract_days,
            vec![
                DateRange { from: day("2025-03-01"), to: day("2025-03-01") },
                DateRange { from: day("2025-03-31"), to: day("2025-03-31") }
            ]
        );
        let short = DateRange { from: day("2025-03-10"), to: day("2025-03-12") }.rollup_reads();
        assert_eq!(
            (short.add_days, short.add_months, short.subtract_days),
            (vec![DateRange { from: day("2025-03-10"), to: day("2025-03-12") }], vec![], vec![])
        );
    }

    #[test]
    fn balances_age_into_four_buckets() {
        assert_eq!([0, 30, 31, 60, 61, 90, 91, 400].map(ageing_bucket), [0, 0, 1, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn frequency_buckets_come_from_milestones_reached() {
        // 100 patients had a 1st visit, 60 a 2nd, 20 a 4th, 5 an 11th.
        assert_eq!(frequency_buckets([100, 60, 20, 5]), [40, 40, 15, 5]);
        assert_eq!(no_show_rate(0, 0), 0.0);
        assert_eq!(no_show_rate(3, 1), 0.25);
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        let table = Table {
            key: "t",
            title: "T",
            columns: vec!["Name", "Amount"],
            rows: vec![vec!["Grey, Meredith".into(), "-12.50".into()], vec!["=HYPERLINK(\"x\")".into(), "3".into()]],
        };
        assert_eq!(to_csv(&table), "Name,Amount\r\n\"Grey, Meredith\",-12.50\r\n\"'=HYPERLINK(\"\"x\"\")\",3\r\n");
    }
}
