//! Charts drawn as SVG in the page's HTML: the server renders them with the rest of the page,
//! so they show before any WASM and print as they look. Each chart stands beside a data table
//! with the same figures (the accessible reading of it), so the SVG itself is one labelled
//! image to assistive technology.

use super::Table;
use leptos::prelude::*;

/// The drawing's width in SVG units: about the width it is shown at beside its table, so that
/// its text keeps the page's size.
const WIDTH: f64 = 520.0;

/// `12.3k`, `1.2M`: an axis label.
pub fn compact(value: f64) -> String {
    let abs = value.abs();
    if abs >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0)
    } else if abs >= 10_000.0 {
        format!("{:.0}k", value / 1_000.0)
    } else if abs >= 1_000.0 {
        format!("{:.1}k", value / 1_000.0)
    } else {
        format!("{value:.0}")
    }
}

/// One line of a [`LineChart`]: its name, a value per label, and its CSS class (its colour).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: &'static str,
    pub values: Vec<f64>,
    pub class: &'static str,
}

/// Values over time (months), one line per series, with a legend.
#[component]
pub fn LineChart(title: String, labels: Vec<String>, series: Vec<Series>) -> impl IntoView {
    let (left, right, top, bottom) = (56.0, WIDTH - 28.0, 16.0, 200.0);
    let height = 236.0;
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0_f64, f64::max).max(1.0);
    let count = labels.len().max(1);
    let x = move |i: usize| if count == 1 { (left + right) / 2.0 } else { left + (right - left) * i as f64 / (count - 1) as f64 };
    let y = move |v: f64| bottom - (bottom - top) * v.max(0.0) / max;
    // At most six month labels under the axis.
    let every = count.div_ceil(6);
    let grid = [0.0, 0.5, 1.0].map(|f| {
        let value = max * f;
        view! {
            <line class="grid" x1=left x2=right y1=y(value) y2=y(value)/>
            <text class="axis" x=left - 6.0 y=y(value) + 4.0 text-anchor="end">{compact(value)}</text>
        }
    });
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, label)| view! { <text class="axis" x=x(i) y=bottom + 18.0 text-anchor="middle">{label.clone()}</text> })
        .collect_view();
    let legend = series.iter().map(|s| view! { <li><span class=format!("swatch {}", s.class)></span>{s.name}</li> }).collect_view();
    let lines = series
        .into_iter()
        .map(|s| {
            let points = s.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect::<Vec<_>>().join(" ");
            let dots = s.values.iter().enumerate().map(|(i, v)| view! { <circle cx=x(i) cy=y(*v) r="3"/> }).collect_view();
            view! { <g class=format!("series {}", s.class)><polyline points=points/>{dots}</g> }
        })
        .collect_view();
    let label = title.clone();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=label>
                <title>{title}</title>
                {grid}
                {ticks}
                {lines}
            </svg>
            <ul class="legend">{legend}</ul>
        </figure>
    }
}

/// Categories compared: a horizontal bar each, its value written at its end.
#[component]
pub fn BarChart(title: String, bars: Vec<(String, f64)>, #[prop(into)] format: Callback<f64, String>) -> impl IntoView {
    let row = 30.0;
    let (label_width, value_width) = (150.0, 70.0);
    let span = WIDTH - label_width - value_width;
    let height = (bars.len().max(1) as f64) * row + 8.0;
    let max = bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1.0);
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let top = 4.0 + i as f64 * row;
            let length = (span * value.max(0.0) / max).max(if value > 0.0 { 2.0 } else { 0.0 });
            let label = if label.chars().count() > 21 { format!("{}…", label.chars().take(20).collect::<String>()) } else { label };
            view! {
                <text class="axis" x=label_width - 8.0 y=top + 19.0 text-anchor="end">{label}</text>
                <rect class="bar" x=label_width y=top + 5.0 width=format!("{length:.1}") height=row - 10.0 rx="3"/>
                <text class="value" x=label_width + length + 6.0 y=top + 19.0>{format.run(value)}</text>
            }
        })
        .collect_view();
    let label = title.clone();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=label>
                <title>{title}</title>
                {rows}
            </svg>
        </figure>
    }
}

/// A report's table with its caption and CSV download link.
#[component]
pub fn DataTable(table: Table, csv_href: String, #[prop(optional)] limit: Option<usize>) -> impl IntoView {
    let total = table.rows.len();
    let shown = limit.unwrap_or(total).min(total);
    let file = format!("{}.csv", table.key);
    view! {
        <div class="table-wrap">
            <table class="table report-table">
                <caption>{table.title}</caption>
                <thead><tr>{table.columns.iter().enumerate().map(|(i, c)| view! {
                    <th scope="col" class=(i > 0).then_some("num")>{*c}</th>
                }).collect_view()}</tr></thead>
                <tbody>
                    {table.rows.into_iter().take(shown).map(|row| view! {
                        <tr>{row.into_iter().enumerate().map(|(i, cell)| if i == 0 {
                            view! { <th scope="row">{cell}</th> }.into_any()
                        } else {
                            view! { <td class="num">{cell}</td> }.into_any()
                        }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="small">
            {(shown < total).then(|| format!("The first {shown} of {total} rows; the CSV has them all. "))}
            <a href=csv_href download=file>"Download CSV"</a>
        </p>
    }
}
