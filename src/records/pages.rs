//! "My health record" (patients) and a patient's chart (doctors, nurses, admins): who the
//! patient is, the allergy banner, allergies, history and vitals with their trend; clinicians
//! add to it from the same page.

use super::api::{
    break_glass_log, get_chart, AddAllergy, AddHistoryEntry, BreakGlass, ChangeAllergyStatus, RecordNoKnownAllergies, RecordVitals,
};
use super::{Allergy, AllergyList, AllergyState, BreakGlassGrant, Chart, EntryStatus, HistoryEntry, HistoryKind, Severity, Vitals};
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::documents::api::upload_document;
use crate::documents::{Report, ReportKind};
use crate::encounters::pages::{EncounterTimeline, MedicationList};
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView};
use crate::xrays::pages::{new_upload_action, UploadAction, XraysCard};
use leptos::prelude::*;
use leptos::web_sys::FormData;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

lazy_page!(
    /// "My health record": [`MyRecordPage`] in a WASM chunk of its own.
    pub MyRecordRoute => MyRecordPage, chunk = page_my_record
);

lazy_page!(
    /// A patient's chart: [`ChartPage`] in a WASM chunk of its own.
    pub ChartRoute => ChartPage, chunk = page_chart
);

lazy_page!(
    /// The admins' list of emergency accesses: [`BreakGlassLogPage`] in a WASM chunk of its own.
    pub BreakGlassLogRoute => BreakGlassLogPage, chunk = page_break_glass_log
);

const PATIENTS: &[Role] = &[Role::Patient];
const ADMINS: &[Role] = &[Role::Admin];
const CHART_READERS: &[Role] = &[Role::Doctor, Role::Nurse, Role::Admin];

/// The forms of the chart page; each one's success reloads the chart.
#[derive(Clone, Copy)]
struct ChartActions {
    allergy: ServerAction<AddAllergy>,
    none_known: ServerAction<RecordNoKnownAllergies>,
    allergy_status: ServerAction<ChangeAllergyStatus>,
    history: ServerAction<AddHistoryEntry>,
    vitals: ServerAction<RecordVitals>,
    break_glass: ServerAction<BreakGlass>,
    /// A document upload: the form's data as the browser has it (files are not text fields).
    upload: Action<FormData, Result<Report, ApiError>>,
    xray_upload: UploadAction,
}

impl ChartActions {
    fn new() -> Self {
        Self {
            allergy: ServerAction::new(),
            none_known: ServerAction::new(),
            allergy_status: ServerAction::new(),
            history: ServerAction::new(),
            vitals: ServerAction::new(),
            break_glass: ServerAction::new(),
            upload: Action::new_local(|data: &FormData| upload_document(data.clone().into())),
            xray_upload: new_upload_action(),
        }
    }

    /// Changes whenever any form succeeded or failed: the chart's resource source.
    fn versions(&self) -> [usize; 8] {
        [
            self.break_glass.version().get(),
            self.allergy.version().get(),
            self.none_known.version().get(),
            self.allergy_status.version().get(),
            self.history.version().get(),
            self.vitals.version().get(),
            self.upload.version().get(),
            self.xray_upload.version().get(),
        ]
    }
}

type ChartResource = Resource<Option<Result<Chart, ApiError>>>;

#[component]
pub fn MyRecordPage() -> impl IntoView {
    let actions = ChartActions::new();
    let chart = page_resource(PATIENTS, move || actions.versions(), |_| get_chart(None));
    view! {
        <Title text="My health record"/>
        <RequireUser roles=PATIENTS>
            <ChartView chart=chart actions=actions own=true/>
        </RequireUser>
    }
}

#[component]
pub fn ChartPage() -> impl IntoView {
    let actions = ChartActions::new();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let chart = page_resource(CHART_READERS, move || (id(), actions.versions()), |(id, _)| get_chart(Some(id)));
    view! {
        <Title text="Chart"/>
        <RequireUser roles=CHART_READERS>
            <ChartView chart=chart actions=actions own=false/>
        </RequireUser>
    }
}

#[component]
fn ChartView(chart: ChartResource, actions: ChartActions, own: bool) -> impl IntoView {
    // Read once, here under RequireUser: the closure below may run again while the page is
    // being left (signing out), when the signed-in user is no longer there to ask.
    let doctor = !own && use_user().role == Role::Doctor;
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || chart.get().flatten().map(|result| match result {
                // A doctor who has not seen the patient may still open the chart in an emergency.
                Err(err) if err.status == 404 && doctor => view! {
                    <ErrorView error=err/>
                    <BreakGlassForm action=actions.break_glass/>
                }.into_any(),
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
                Ok(chart) => view! { <ChartSections chart=chart actions=actions own=own/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ChartSections(chart: Chart, actions: ChartActions, own: bool) -> impl IntoView {
    let p = chart.patient.clone();
    let heading = if own { "My health record".to_owned() } else { p.name.clone() };
    let born = p.date_of_birth.map(|d| d.to_string()).unwrap_or_else(|| "not recorded".into());
    let writes = chart.may_write;
    view! {
        <section class="card">
            <h1>{heading}</h1>
            <dl class="facts">
                <div><dt>"MRN"</dt><dd>{p.mrn.clone()}</dd></div>
                <div><dt>"Born"</dt><dd>{born}</dd></div>
                <div><dt>"Gender"</dt><dd>{p.gender.clone().unwrap_or_else(|| "not recorded".into())}</dd></div>
                <div><dt>"Blood group"</dt><dd>{p.blood_group.clone().unwrap_or_else(|| "not recorded".into())}</dd></div>
            </dl>
            <AllergyBanner allergies=chart.allergies.clone()/>
        </section>
        {chart.may_write_notes.then(|| view! {
            <p><a class="button primary" href=format!("/patients/{}/visit-note", p.patient_id)>"Write a visit note"</a></p>
        })}
        <AllergiesCard patient_id=p.patient_id allergies=chart.allergies writes=writes actions=actions/>
        <MedicationList encounters=chart.encounters.clone()/>
        <EncounterTimeline encounters=chart.encounters total=chart.encounter_count/>
        <VitalsCard patient_id=p.patient_id vitals=chart.vitals writes=writes actions=actions/>
        <HistoryCard patient_id=p.patient_id history=chart.history writes=writes actions=actions/>
        <DocumentsCard patient_id=p.patient_id documents=chart.documents uploads=writes actions=actions/>
        <XraysCard patient_id=p.patient_id xrays=chart.xrays uploads=writes || own upload=actions.xray_upload/>
    }
}

/// Lab results, imaging reports and letters: each opens in the browser (a new tab) or
/// downloads; the file itself comes from the API, which checks the reader again.
#[component]
fn DocumentsCard(patient_id: i64, documents: Vec<Report>, uploads: bool, actions: ChartActions) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="documents-heading">
            <h2 id="documents-heading">"Documents"</h2>
            {if documents.is_empty() {
                view! { <p class="muted">"No documents yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Documents">
                        {documents.into_iter().map(|d| {
                            let file = format!("/api/reports/{}/file", d.id);
                            let size = format!("{:.1} MB", d.size_bytes as f64 / 1_048_576.0);
                            let by = d.uploaded_by.clone().map(|name| format!(" · added by {name}")).unwrap_or_default();
                            view! {
                                <li class="row">
                                    <span>
                                        <strong>{d.title.clone()}</strong>" "
                                        <span class="badge muted">{d.kind.label()}</span>
                                        <br/><span class="muted small">{format!("{} · {}{by} · {size}", format_time(&d.created_at), d.file_name)}</span>
                                    </span>
                                    <span class="actions">
                                        <a class="button small" href=file.clone() target="_blank" rel="noopener" aria-label=format!("Open {}", d.title)>"Open"</a>
                                        <a class="button small ghost" href=format!("{file}?download=true") download=d.file_name.clone() aria-label=format!("Download {}", d.title)>"Download"</a>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {uploads.then(|| view! { <DocumentUpload patient_id=patient_id upload=actions.upload/> })}
        </section>
    }
}

/// Adds a document. With JavaScript the form's data (the file among it) goes to the upload
/// function and the chart reloads; without, the same form posts there itself.
#[component]
fn DocumentUpload(patient_id: i64, upload: Action<FormData, Result<Report, ApiError>>) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    use leptos::wasm_bindgen::JsCast;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev.target().and_then(|target| target.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) else { return };
        if let Ok(data) = FormData::new_with_form(&form) {
            upload.dispatch_local(data);
        }
    };
    let pending = upload.pending();
    view! {
        {action_error(upload.value())}
        {move || upload.value().get().and_then(Result::ok).map(|report| view! {
            <p class="alert success" role="status">{format!("Added: {}.", report.title)}</p>
        })}
        <form class="grid two" aria-label="Add a document" method="post" enctype="multipart/form-data"
            action=crate::documents::api::UploadDocument::url() on:submit=on_submit>
            <input type="hidden" name="patient_id" value=patient_id/>
            <div class="field"><label for="document-title">"Title"</label>
                <input id="document-title" name="title" required=true maxlength="200" placeholder="e.g. Full blood count"/></div>
            <div class="field"><label for="document-kind">"Kind"</label>
                <select id="document-kind" name="kind">
                    {ReportKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select></div>
            <div class="field span-two"><label for="document-file">"File (PDF, PNG or JPEG)"</label>
                <input id="document-file" name="file" type="file" required=true accept="application/pdf,image/png,image/jpeg"/></div>
            <button type="submit" class="button primary" disabled=move || pending.get()>
                {move || if pending.get() { "Uploading…" } else { "Add document" }}
            </button>
        </form>
    }
}

/// The first thing a prescriber must see: what the patient reacts to, or that nobody asked.
#[component]
fn AllergyBanner(allergies: AllergyList) -> impl IntoView {
    match allergies.state {
        AllergyState::HasAllergies => {
            let list = allergies.active().map(|a| format!("{} ({})", a.substance, a.severity.label().to_lowercase())).collect::<Vec<_>>().join(", ");
            view! { <p class="alert error allergy-banner" role="note"><strong>"Allergies: "</strong>{list}</p> }.into_any()
        }
        AllergyState::NoKnownAllergies => view! {
            <p class="alert success allergy-banner" role="note">
                {format!("No known allergies (recorded {}).", allergies.no_known_allergies_at.as_ref().map(format_time).unwrap_or_default())}
            </p>
        }
        .into_any(),
        AllergyState::Unknown => view! { <p class="alert warn allergy-banner" role="note">"Allergies not recorded yet: ask before prescribing."</p> }.into_any(),
    }
}

fn severity_badge(severity: Severity) -> impl IntoView {
    let kind = match severity {
        Severity::Mild => "muted",
        Severity::Moderate => "warn",
        Severity::Severe | Severity::LifeThreatening => "outcome-denied",
    };
    view! { <span class=format!("badge {kind}")>{severity.label()}</span> }
}

#[component]
fn AllergiesCard(patient_id: i64, allergies: AllergyList, writes: bool, actions: ChartActions) -> impl IntoView {
    let no_active = allergies.state != AllergyState::HasAllergies;
    let asked = allergies.state == AllergyState::NoKnownAllergies;
    view! {
        <section class="card" aria-labelledby="allergies-heading">
            <h2 id="allergies-heading">"Allergies"</h2>
            {if allergies.allergies.is_empty() {
                view! { <p class="muted">"None on file."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Allergies">
                        {allergies.allergies.into_iter().map(|a| view! { <AllergyRow allergy=a writes=writes actions=actions/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {writes.then(|| view! {
                {action_error(actions.allergy.value())}
                {action_error(actions.none_known.value())}
                {action_error(actions.allergy_status.value())}
                <ActionForm action=actions.allergy attr:class="grid two" attr:aria-label="Add an allergy">
                    <input type="hidden" name="patient_id" value=patient_id/>
                    <div class="field"><label for="allergy-substance">"Substance"</label>
                        <input id="allergy-substance" name="substance" required=true maxlength="100"/></div>
                    <div class="field"><label for="allergy-severity">"Severity"</label>
                        <select id="allergy-severity" name="severity">
                            {Severity::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                        </select></div>
                    <div class="field span-two"><label for="allergy-reaction">"Reaction"</label>
                        <input id="allergy-reaction" name="reaction" maxlength="500" placeholder="e.g. hives, anaphylaxis"/></div>
                    <button type="submit" class="button primary">"Add allergy"</button>
                </ActionForm>
                {(no_active && !asked).then(|| view! {
                    <ActionForm action=actions.none_known attr:class="inline">
                        <input type="hidden" name="patient_id" value=patient_id/>
                        <button type="submit" class="button">"Record: no known allergies"</button>
                    </ActionForm>
                })}
            })}
        </section>
    }
}

#[component]
fn AllergyRow(allergy: Allergy, writes: bool, actions: ChartActions) -> impl IntoView {
    let active = allergy.status == EntryStatus::Active;
    let by = allergy.recorded_by.clone().map(|who| format!(" · {who}")).unwrap_or_default();
    view! {
        <li class="row">
            <div>
                <strong>{allergy.substance.clone()}</strong> " " {severity_badge(allergy.severity)}
                {(!active).then(|| view! { " " <span class="badge">{allergy.status.label()}</span> })}
                {allergy.reaction.clone().map(|r| view! { <div>{r}</div> })}
                <div class="muted small">{format!("{}{by}", format_time(&allergy.recorded_at))}</div>
            </div>
            {writes.then(|| {
                let (next, label) = if active { ("inactive", "Mark inactive") } else { ("active", "Mark active") };
                view! {
                    <div class="row-actions">
                        <ActionForm action=actions.allergy_status attr:class="inline">
                            <input type="hidden" name="allergy_id" value=allergy.id/>
                            <input type="hidden" name="status" value=next/>
                            <button type="submit" class="button small">{label}</button>
                        </ActionForm>
                        <ActionForm action=actions.allergy_status attr:class="inline">
                            <input type="hidden" name="allergy_id" value=allergy.id/>
                            <input type="hidden" name="status" value="entered_in_error"/>
                            <button type="submit" class="button small">"Entered in error"</button>
                        </ActionForm>
                    </div>
                }
            })}
        </li>
    }
}

#[component]
fn HistoryCard(patient_id: i64, history: Vec<HistoryEntry>, writes: bool, actions: ChartActions) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            {HistoryKind::ALL.into_iter().map(|kind| {
                let entries: Vec<HistoryEntry> = history.iter().filter(|e| e.kind == kind).cloned().collect();
                view! {
                    <h3>{kind.label()}</h3>
                    {if entries.is_empty() {
                        view! { <p class="muted small">"Nothing recorded."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="list compact" aria-label=kind.label()>
                                {entries.into_iter().map(|e| view! {
                                    <li>
                                        <strong>{e.name}</strong>
                                        {e.date.map(|d| view! { " · " <span class="muted">{d.to_string()}</span> })}
                                        {e.description.map(|d| view! { <div>{d}</div> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }
            }).collect_view()}
            {writes.then(|| view! {
                {action_error(actions.history.value())}
                <ActionForm action=actions.history attr:class="grid two" attr:aria-label="Add to the history">
                    <input type="hidden" name="patient_id" value=patient_id/>
                    <div class="field"><label for="history-kind">"Kind"</label>
                        <select id="history-kind" name="kind">
                            {HistoryKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                        </select></div>
                    <div class="field"><label for="history-name">"What"</label>
                        <input id="history-name" name="name" required=true maxlength="200" placeholder="e.g. Asthma, Appendectomy"/></div>
                    <div class="field"><label for="history-date">"When (optional)"</label>
                        <input id="history-date" name="date" type="date"/></div>
                    <div class="field"><label for="history-description">"Details (optional)"</label>
                        <input id="history-description" name="description" maxlength="2000"/></div>
                    <button type="submit" class="button primary">"Add to history"</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn VitalsCard(patient_id: i64, vitals: Vec<Vitals>, writes: bool, actions: ChartActions) -> impl IntoView {
    let recorded = action_recorded(actions.vitals);
    view! {
        <section class="card" aria-labelledby="vitals-heading">
            <h2 id="vitals-heading">"Vitals"</h2>
            {recorded}
            {if vitals.is_empty() {
                view! { <p class="muted">"No vitals recorded yet."</p> }.into_any()
            } else {
                view! { <VitalsTrend vitals=vitals.clone()/> <VitalsTable vitals=vitals/> }.into_any()
            }}
            {writes.then(|| view! {
                {action_error(actions.vitals.value())}
                <ActionForm action=actions.vitals attr:class="grid two vitals-form" attr:aria-label="Record vitals">
                    <input type="hidden" name="patient_id" value=patient_id/>
                    <VitalsField label="Systolic (mmHg)" name="systolic" step="1"/>
                    <VitalsField label="Diastolic (mmHg)" name="diastolic" step="1"/>
                    <VitalsField label="Pulse (/min)" name="pulse" step="1"/>
                    <VitalsField label="Temperature (°C)" name="temperature_c" step="0.1"/>
                    <VitalsField label="Respiratory rate (/min)" name="respiratory_rate" step="1"/>
                    <VitalsField label="SpO2 (%)" name="spo2" step="1"/>
                    <VitalsField label="Weight (kg)" name="weight_kg" step="0.1"/>
                    <VitalsField label="Height (cm)" name="height_cm" step="0.1"/>
                    <button type="submit" class="button primary">"Record vitals"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// "Recorded." after a successful vitals form (the chart reloads under it).
fn action_recorded(action: ServerAction<RecordVitals>) -> impl IntoView {
    move || matches!(action.value().get(), Some(Ok(_))).then(|| view! { <p class="alert success" role="status">"Vitals recorded."</p> })
}

#[component]
fn VitalsField(label: &'static str, name: &'static str, step: &'static str) -> impl IntoView {
    let id = format!("vitals-{name}");
    view! {
        <div class="field"><label for=id.clone()>{label}</label>
            <input id=id name=name type="number" step=step inputmode="decimal"/></div>
    }
}

fn show(value: Option<i32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

fn show_tenths(value: Option<f64>) -> String {
    value.map(one_decimal).unwrap_or_else(|| "–".into())
}

/// `36.8`, `80` — with integer arithmetic: formatting an `f64` would pull the float
/// formatting of `core` (some 20 kB) into the browser's code.
fn one_decimal(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
    if tenth == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{tenth}")
    }
}

#[component]
fn VitalsTable(vitals: Vec<Vitals>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="vitals-table">
                <caption class="sr-only">"Vitals, newest first"</caption>
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"BP"</th><th scope="col">"Pulse"</th><th scope="col">"Temp °C"</th>
                    <th scope="col">"Resp."</th><th scope="col">"SpO2"</th><th scope="col">"Weight"</th><th scope="col">"Height"</th><th scope="col">"BMI"</th>
                </tr></thead>
                <tbody>
                    {vitals.into_iter().map(|v| {
                        let bp = match (v.systolic, v.diastolic) { (Some(s), Some(d)) => format!("{s}/{d}"), _ => "–".into() };
                        view! {
                            <tr>
                                <td>{format_time(&v.taken_at)}</td><td>{bp}</td><td>{show(v.pulse)}</td><td>{show_tenths(v.temperature_c)}</td>
                                <td>{show(v.respiratory_rate)}</td><td>{show(v.spo2)}</td><td>{show_tenths(v.weight_kg)}</td><td>{show_tenths(v.height_cm)}</td><td>{show_tenths(v.bmi)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Small line charts of blood pressure, pulse and weight, oldest on the left.
#[component]
fn VitalsTrend(vitals: Vec<Vitals>) -> impl IntoView {
    let oldest_first: Vec<Vitals> = vitals.into_iter().rev().collect();
    let series = |label: &'static str, unit: &'static str, pick: fn(&Vitals) -> Option<f64>| {
        let points: Vec<f64> = oldest_first.iter().filter_map(pick).collect();
        (points.len() >= 2).then(|| view! { <Sparkline label=label unit=unit points=points/> })
    };
    view! {
        <div class="trends">
            {series("Systolic", "mmHg", |v| v.systolic.map(f64::from))}
            {series("Diastolic", "mmHg", |v| v.diastolic.map(f64::from))}
            {series("Pulse", "/min", |v| v.pulse.map(f64::from))}
            {series("Weight", "kg", |v| v.weight_kg)}
        </div>
    }
}

/// One measurement over time as an SVG polyline, with its latest value and range in words
/// (the picture is decoration; the words are what a screen reader reads).
#[component]
fn Sparkline(label: &'static str, unit: &'static str, points: Vec<f64>) -> impl IntoView {
    // Whole-number coordinates (see `one_decimal`).
    const WIDTH: i64 = 160;
    const HEIGHT: i64 = 40;
    let (low, high) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let span = (high - low).max(1.0);
    let step = WIDTH as f64 / (points.len() - 1) as f64;
    let path = points
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let y = (HEIGHT - 4) as f64 - (v - low) / span * (HEIGHT - 8) as f64;
            format!("{},{}", (i as f64 * step).round() as i64, y.round() as i64)
        })
        .collect::<Vec<_>>()
        .join(" ");
    let latest = one_decimal(points.last().copied().unwrap_or_default());
    let summary =
        format!("{label}: latest {latest} {unit}, range {}–{} over {} readings", one_decimal(low), one_decimal(high), points.len());
    view! {
        <figure class="sparkline">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH height=HEIGHT aria-hidden="true" focusable="false">
                <polyline points=path fill="none" stroke="currentColor" stroke-width="2"/>
            </svg>
            <figcaption class="small">{summary}</figcaption>
        </figure>
    }
}

/// Break-glass: the doctor says why, and the chart opens for a few hours; the patient and the
/// admins see it, with the reason.
#[component]
fn BreakGlassForm(action: ServerAction<BreakGlass>) -> impl IntoView {
    let params = use_params_map();
    let patient_id = move || params.read().get("id").unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="break-glass-heading">
            <h2 id="break-glass-heading">"Emergency access"</h2>
            <p>"If this patient needs your care now, you can open the chart by giving the reason. \
                Access lasts a few hours, is logged, and the patient and the administrators see it with your reason."</p>
            {action_error(action.value())}
            <ActionForm action=action attr:aria-label="Emergency access">
                <input type="hidden" name="patient_id" value=patient_id/>
                <div class="field"><label for="break-glass-reason">"Reason"</label>
                    <input id="break-glass-reason" name="reason" required=true minlength="10" maxlength="500"
                        placeholder="e.g. Unconscious in the emergency room, no treating doctor reachable"/></div>
                <button type="submit" class="button danger">"Open the chart (break-glass)"</button>
            </ActionForm>
        </section>
    }
}

/// `/admin/break-glass`: every emergency access to a chart, newest first.
#[component]
pub fn BreakGlassLogPage() -> impl IntoView {
    let grants = page_resource(ADMINS, || (), |_| break_glass_log());
    view! {
        <Title text="Emergency access"/>
        <RequireUser roles=ADMINS>
            <section class="card">
                <h1>"Emergency access"</h1>
                <p class="muted">"Doctors who opened a chart without a visit with the patient (break-glass), with their reasons."</p>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || grants.get().flatten().map(|result: Result<Vec<BreakGlassGrant>, ApiError>| match result {
                        Err(err) => view! { <ErrorView error=err/> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No emergency access so far."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="list" aria-label="Emergency accesses">
                                {list.into_iter().map(|g| view! {
                                    <li>
                                        <strong>{g.doctor_name.clone().unwrap_or_else(|| "A former doctor".into())}</strong>
                                        " opened the chart of "
                                        <a href=format!("/patients/{}/chart", g.patient_id)>{g.patient_name.clone().unwrap_or_else(|| format!("patient {}", g.patient_id))}</a>
                                        <div>{format!("Reason: {}", g.reason)}</div>
                                        <div class="muted small">{format!("{} · until {}", format_time(&g.granted_at), format_time(&g.expires_at))}</div>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    })}
                </Suspense>
            </section>
        </RequireUser>
    }
}
