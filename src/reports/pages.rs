//! `/reports`: the revenue dashboard; `/reports/patients`: the patient summary. Managers and
//! admins. Each shows a range (picked with presets or two dates; a plain GET form, so links
//! keep the range), its headline figures, and for every breakdown an SVG chart beside its data
//! table with a CSV download.

use super::api::{month_glance, patient_report, revenue_report, Dashboard, Glance};
use super::charts::{compact, BarChart, DataTable, LineChart, Series};
use super::{month_start, PatientSummaryReport, RevenueSummary, Table};
use crate::auth::guard::{page_resource, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::money::Money;
use crate::ui::lazy::lazy_page;
use crate::ui::{urlencode, ErrorView};
use chrono::{Datelike, Duration, Months, NaiveDate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Who reads the reports.
const REPORT_ROLES: &[Role] = &[Role::Manager, Role::Admin];

lazy_page!(
    /// The revenue dashboard: [`RevenueReportPage`] in a WASM chunk of its own.
    pub RevenueReportRoute => RevenueReportPage, chunk = page_revenue_report
);

lazy_page!(
    /// The patient summary: [`PatientReportPage`] in a WASM chunk of its own.
    pub PatientReportRoute => PatientReportPage, chunk = page_patient_report
);

/// The range (and currency) in the address.
fn range_query() -> impl Fn() -> (Option<String>, Option<String>, Option<String>) + Clone + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        let query = query.read();
        let get = |key: &str| query.get(key).filter(|v| !v.is_empty());
        (get("from"), get("to"), get("currency"))
    }
}

#[component]
pub fn RevenueReportPage() -> impl IntoView {
    let report = page_resource(REPORT_ROLES, range_query(), |(from, to, currency)| revenue_report(from, to, currency));
    view! {
        <Title text="Revenue"/>
        <RequireUser roles=REPORT_ROLES>
            <ReportTabs current="/reports"/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || report.get().flatten().map(|result| match result {
                    Ok(dashboard) => view! { <Revenue dashboard=dashboard/> }.into_any(),
                    Err(err) => view! { <RangeError error=err path="/reports"/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
pub fn PatientReportPage() -> impl IntoView {
    let report = page_resource(REPORT_ROLES, range_query(), |(from, to, _)| patient_report(from, to));
    view! {
        <Title text="Patient summary"/>
        <RequireUser roles=REPORT_ROLES>
            <ReportTabs current="/reports/patients"/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || report.get().flatten().map(|result| match result {
                    Ok(dashboard) => view! { <Patients dashboard=dashboard/> }.into_any(),
                    Err(err) => view! { <RangeError error=err path="/reports/patients"/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn ReportTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! { <a href=href class="tab" aria-current=(href == current).then_some("page")>{label}</a> }
    };
    view! {
        <section class="page-head">
            <h1>"Reports"</h1>
            <nav class="tabs" aria-label="Reports">{tab("/reports", "Revenue")}{tab("/reports/patients", "Patients")}</nav>
        </section>
    }
}

/// A range that can't be read: the message, and the way back to the default range.
#[component]
fn RangeError(error: ApiError, path: &'static str) -> impl IntoView {
    view! {
        <ErrorView error=error/>
        <p><a href=path>"Show the last twelve months"</a></p>
    }
}

/// The presets: a name and its range, counted from the clinic's today.
fn presets(today: NaiveDate) -> Vec<(&'static str, NaiveDate, NaiveDate)> {
    let this_month = month_start(today);
    let last_month = this_month - Months::new(1);
    vec![
        ("Last 30 days", today - Duration::days(29), today),
        ("This month", this_month, today),
        ("Last month", last_month, this_month - Duration::days(1)),
        ("Last 3 months", this_month - Months::new(2), today),
        ("Year to date", NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today), today),
        ("Last 12 months", this_month - Months::new(11), today),
        ("Last 2 years", this_month - Months::new(23), today),
    ]
}

fn address(path: &str, from: NaiveDate, to: NaiveDate, currency: Option<&str>) -> String {
    let currency = currency.map(|c| format!("&currency={}", urlencode(c))).unwrap_or_default();
    format!("{path}?from={from}&to={to}{currency}")
}

/// The range picker: presets as links, or two dates (and a currency) in a GET form.
#[component]
fn RangePicker(
    path: &'static str,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    #[prop(optional)] currency: Option<(String, Vec<String>)>,
) -> impl IntoView {
    let chosen = currency.as_ref().map(|(c, _)| c.clone());
    let links = presets(today)
        .into_iter()
        .map(|(name, start, end)| {
            let current = (start == from && end == to).then_some("true");
            view! { <a class="button small" href=address(path, start, end, chosen.as_deref()) aria-current=current>{name}</a> }
        })
        .collect_view();
    let currency_field = currency.filter(|(_, all)| all.len() > 1).map(|(chosen, all)| {
        view! {
            <div class="field">
                <label for="report-currency">"Currency"</label>
                <select id="report-currency" name="currency">
                    {all.into_iter().map(|c| view! { <option value=c.clone() selected=c == chosen>{c.clone()}</option> }).collect_view()}
                </select>
            </div>
        }
    });
    view! {
        <section class="card range-picker" aria-label="Date range">
            <div class="presets">{links}</div>
            <form method="get" action=path class="range-form">
                <div class="field">
                    <label for="report-from">"From"</label>
                    <input id="report-from" type="date" name="from" value=from.to_string() required/>
                </div>
                <div class="field">
                    <label for="report-to">"To"</label>
                    <input id="report-to" type="date" name="to" value=to.to_string() required/>
                </div>
                {currency_field}
                <button type="submit" class="primary">"Show"</button>
            </form>
        </section>
    }
}

/// The headline figures.
#[component]
fn Figures(figures: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <dl class="kpis">
            {figures.into_iter().map(|(name, value)| view! { <div class="kpi card"><dt>{name}</dt><dd>{value}</dd></div> }).collect_view()}
        </dl>
    }
}

/// One breakdown: its chart beside its table (or above it).
#[component]
fn Breakdown(
    heading: &'static str,
    chart: AnyView,
    table: Table,
    csv: String,
    #[prop(optional)] limit: Option<usize>,
    /// Names long enough to need the table full width, under its chart.
    #[prop(optional)]
    stacked: bool,
) -> impl IntoView {
    let layout = if stacked { "report-pair stacked" } else { "report-pair" };
    view! {
        <section class="card report-block" aria-label=heading>
            <h2>{heading}</h2>
            <div class=layout>
                <div>{chart}</div>
                <div><DataTable table=table csv_href=csv limit=limit.unwrap_or(usize::MAX)/></div>
            </div>
        </section>
    }
}

fn major(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn table(tables: &[Table], key: &str) -> Table {
    tables.iter().find(|t| t.key == key).cloned().unwrap_or(Table { key: "", title: "", columns: vec![], rows: vec![] })
}

#[component]
fn Revenue(dashboard: Dashboard<RevenueSummary>) -> impl IntoView {
    let Dashboard { report, today } = dashboard;
    let currency = report.currency.clone();
    let money = {
        let currency = currency.clone();
        move |cents: i64| Money::new(cents, currency.as_str()).to_string()
    };
    let tables = report.tables();
    let csv = |key: &str| {
        format!("/api/reports/revenue-summary.csv?from={}&to={}&currency={}&table={key}", report.from, report.to, urlencode(&currency))
    };
    let months: Vec<String> = report.by_month.iter().map(|m| m.month.clone()).collect();
    let line = |name, class, pick: fn(&super::RevenueTotals) -> i64| Series {
        name,
        values: report.by_month.iter().map(|m| major(pick(&m.totals))).collect(),
        class,
    };
    let by_month = view! {
        <LineChart title=format!("Billed and collected by month, {currency}") labels=months series=vec![
            line("Billed", "s1", |t| t.billed_cents),
            line("Collected", "s2", |t| t.collected_cents),
            line("Outstanding", "s3", |t| t.outstanding_cents),
        ]/>
    }
    .into_any();
    let bar_format = Callback::new(|v: f64| compact(v));
    let bars = |title: String, bars: Vec<(String, f64)>| view! { <BarChart title=title bars=bars format=bar_format/> }.into_any();
    let doctors = bars(
        format!("Billed by doctor (top 10), {currency}"),
        report.by_doctor.iter().take(10).map(|d| (d.name.clone(), major(d.totals.billed_cents))).collect(),
    );
    let specializations = bars(
        format!("Billed by specialization, {currency}"),
        report.by_specialization.iter().take(12).map(|s| (s.specialization.clone(), major(s.totals.billed_cents))).collect(),
    );
    let methods = bars(
        format!("Collected by payment method, {currency}"),
        report.by_method.iter().map(|m| (m.method.label().to_owned(), major(m.collected_cents))).collect(),
    );
    let ageing = bars(
        format!("Outstanding by days since issued, {currency}"),
        report.ageing.iter().map(|a| (format!("{} days", a.days), major(a.outstanding_cents))).collect(),
    );
    let figures = vec![
        ("Billed", money(report.totals.billed_cents)),
        ("Collected", money(report.totals.collected_cents)),
        ("Outstanding", money(report.totals.outstanding_cents)),
        ("Invoices", report.totals.invoices.to_string()),
    ];
    view! {
        <RangePicker path="/reports" from=report.from to=report.to today=today currency=(currency.clone(), report.currencies.clone())/>
        <p class="muted small">
            {format!("{} to {}. Billed: invoices issued in the range, net of credit notes; collected: money received in the range, net of refunds; outstanding: what is still owed today on the range's invoices.", report.from, report.to)}
        </p>
        <Figures figures=figures/>
        <Breakdown heading="By month" chart=by_month table=table(&tables, "by_month") csv=csv("by_month")/>
        <Breakdown heading="By doctor" chart=doctors table=table(&tables, "by_doctor") csv=csv("by_doctor") limit=25 stacked=true/>
        <Breakdown heading="By specialization" chart=specializations table=table(&tables, "by_specialization") csv=csv("by_specialization") stacked=true/>
        <Breakdown heading="By payment method" chart=methods table=table(&tables, "by_method") csv=csv("by_method")/>
        <Breakdown heading="Outstanding by age" chart=ageing table=table(&tables, "ageing") csv=csv("ageing")/>
    }
}

fn percent(rate: f64) -> String {
    format!("{:.1} %", rate * 100.0)
}

#[component]
fn Patients(dashboard: Dashboard<PatientSummaryReport>) -> impl IntoView {
    let Dashboard { report, today } = dashboard;
    let tables = report.tables();
    let csv = |key: &str| format!("/api/reports/patient-summary.csv?from={}&to={}&table={key}", report.from, report.to);
    let months: Vec<String> = report.by_month.iter().map(|m| m.month.clone()).collect();
    let line = |name, class, pick: fn(&super::MonthVisits) -> i64| Series {
        name,
        values: report.by_month.iter().map(|m| pick(m) as f64).collect(),
        class,
    };
    let by_month = view! {
        <LineChart title="Visits, no-shows and new patients by month".to_owned() labels=months series=vec![
            line("Visits", "s1", |m| m.visits),
            line("New patients", "s2", |m| m.new_patients),
            line("No-shows", "s3", |m| m.no_shows),
        ]/>
    }
    .into_any();
    let count_format = Callback::new(|v: f64| format!("{v:.0}"));
    let bars =
        |title: &str, bars: Vec<(String, f64)>| view! { <BarChart title=title.to_owned() bars=bars format=count_format/> }.into_any();
    let ages = bars("Visits by age group", report.by_age_group.iter().map(|g| (g.group.clone(), g.visits as f64)).collect());
    let genders = bars("Visits by gender", report.by_gender.iter().map(|g| (g.group.clone(), g.visits as f64)).collect());
    let frequency = bars(
        "Patients by number of visits",
        report.visit_frequency.iter().map(|f| (format!("{} visits", f.visits), f.patients as f64)).collect(),
    );
    let figures = vec![
        ("Patients", report.total_patients.to_string()),
        ("New patients", report.new_patients.to_string()),
        ("Visits", report.visits.to_string()),
        ("No-show rate", percent(report.no_show_rate)),
    ];
    view! {
        <RangePicker path="/reports/patients" from=report.from to=report.to today=today/>
        <p class="muted small">
            {format!("{} to {}. Patients: registered by {}; visits: completed appointments; no-show rate: missed visits among those due; number of visits: each patient's completed visits up to {}.", report.from, report.to, report.to, report.to)}
        </p>
        <Figures figures=figures/>
        <Breakdown heading="By month" chart=by_month table=table(&tables, "by_month") csv=csv("by_month")/>
        <Breakdown heading="By age group" chart=ages table=table(&tables, "by_age_group") csv=csv("by_age_group")/>
        <Breakdown heading="By gender" chart=genders table=table(&tables, "by_gender") csv=csv("by_gender")/>
        <Breakdown heading="Visit frequency" chart=frequency table=table(&tables, "visit_frequency") csv=csv("visit_frequency")/>
    }
}

/// The dashboard's panel for managers and admins: the last 30 days, and the way to the reports.
pub type GlanceResource = Resource<Option<Result<Glance, ApiError>>>;

pub fn month_glance_resource() -> GlanceResource {
    page_resource(REPORT_ROLES, || (), |_| month_glance())
}

#[component]
pub fn MonthGlancePanel(glance: GlanceResource) -> impl IntoView {
    view! {
        <section class="card panel">
            <h2>"Last 30 days"</h2>
            <Suspense fallback=|| ()>
                {move || glance.get().flatten().map(|result| match result {
                    Ok(g) => view! {
                        <dl class="facts">
                            <div><dt>"Billed"</dt><dd>{Money::new(g.billed_cents, g.currency.as_str()).to_string()}</dd></div>
                            <div><dt>"Collected"</dt><dd>{Money::new(g.collected_cents, g.currency.as_str()).to_string()}</dd></div>
                            <div><dt>"Outstanding"</dt><dd>{Money::new(g.outstanding_cents, g.currency.as_str()).to_string()}</dd></div>
                            <div><dt>"Visits"</dt><dd>{g.visits}</dd></div>
                            <div><dt>"New patients"</dt><dd>{g.new_patients}</dd></div>
                            <div><dt>"No-show rate"</dt><dd>{format!("{}.{} %", g.no_show_permille / 10, g.no_show_permille % 10)}</dd></div>
                        </dl>
                        <p><a href="/reports">"Revenue report"</a> " · " <a href="/reports/patients">"Patient summary"</a></p>
                    }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
