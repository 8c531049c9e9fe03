//! `/xrays`: a patient's own x-rays and their upload form; a doctor's reading worklist.
//! `/xrays/{id}`: the viewer, what the file says, the result and its earlier versions, and the
//! doctor's result form. `XraysCard`: the x-rays on a patient's chart.

use super::api::{get_xray, load_xrays_page, upload_xray, WriteXrayResult, XraysOverview};
use super::viewer::XrayViewer;
use super::{Xray, XrayDetail, XrayFormat, XrayKind, MAX_DESCRIPTION_CHARS, MAX_RESULT_CHARS};
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView};
use leptos::prelude::*;
use leptos::web_sys::FormData;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

lazy_page!(
    /// The x-rays list, upload form and worklist: [`XraysPage`] in a WASM chunk of its own.
    pub XraysRoute => XraysPage, chunk = page_xrays
);

lazy_page!(
    /// One x-ray in the viewer: [`XrayPage`] in a WASM chunk of its own.
    pub XrayRoute => XrayPage, chunk = page_xray
);

/// Who opens x-ray pages: patients (their own), doctors and nurses (their patients'), the desk
/// (to upload from the chart), admins.
const READERS: &[Role] = &[Role::Patient, Role::Doctor, Role::Nurse, Role::Staff, Role::Admin];

/// An x-ray upload: the form's data as the browser has it (files are not text fields).
pub type UploadAction = Action<FormData, Result<Xray, ApiError>>;

pub fn new_upload_action() -> UploadAction {
    Action::new_local(|data: &FormData| upload_xray(data.clone().into()))
}

#[component]
pub fn XraysPage() -> impl IntoView {
    let upload = new_upload_action();
    let overview = page_resource(READERS, move || upload.version().get(), |_| load_xrays_page());
    view! {
        <Title text="X-rays"/>
        <RequireUser roles=READERS>
            <XraysView overview=overview upload=upload/>
        </RequireUser>
    }
}

#[component]
fn XraysView(overview: Resource<Option<Result<XraysOverview, ApiError>>>, upload: UploadAction) -> impl IntoView {
    let role = use_user().role;
    view! {
        <section class="page-head">
            <h1>{if role == Role::Doctor { "X-rays to read" } else { "X-rays" }}</h1>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || overview.get().flatten().map(|result| match result {
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
                Ok(overview) if role == Role::Patient => view! {
                    <section class="card">
                        <h2>"Add an x-ray"</h2>
                        <p class="muted">"An image from another hospital or a CD: PNG, JPEG or DICOM (.dcm). Your doctor reads it and writes the result here."</p>
                        <XrayUploadForm patient_id=None upload=upload/>
                    </section>
                    <section class="card">
                        <h2>"Your x-rays"</h2>
                        <XrayList xrays=overview.mine empty="No x-rays yet." label="Your x-rays" show_patient=false/>
                    </section>
                }.into_any(),
                Ok(overview) if role == Role::Doctor => view! {
                    <section class="card">
                        <h2>{format!("Waiting for a result ({})", overview.worklist.len())}</h2>
                        <p class="muted small">"Your patients' x-rays without a result, oldest first."</p>
                        <XrayList xrays=overview.worklist empty="Nothing to read." label="Reading worklist" show_patient=true/>
                    </section>
                }.into_any(),
                Ok(_) => view! {
                    <section class="card">
                        <p>"X-rays are filed and opened from the patient's chart: find the patient under "
                            <a href="/patients">"Patients"</a>"."</p>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}

fn status_badge(xray: &Xray) -> impl IntoView {
    match &xray.result {
        Some(_) => view! { <span class="badge ok">"Result ready"</span> },
        None => view! { <span class="badge warn">"Waiting for a result"</span> },
    }
}

#[component]
fn XrayList(xrays: Vec<Xray>, empty: &'static str, label: &'static str, show_patient: bool) -> impl IntoView {
    if xrays.is_empty() {
        return view! { <p class="muted empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="list" aria-label=label>
            {xrays.into_iter().map(|x| {
                let mut line = vec![x.kind.label().to_owned(), format_time(&x.created_at)];
                if show_patient {
                    line.insert(0, x.patient_name.clone());
                }
                if let Some(by) = &x.uploaded_by {
                    line.push(format!("added by {by}"));
                }
                view! {
                    <li class="row">
                        <div>
                            <a href=format!("/xrays/{}", x.id)><strong>{x.name.clone()}</strong></a>
                            <div class="muted small">{line.join(" · ")}</div>
                        </div>
                        {status_badge(&x)}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The upload form. With JavaScript its data (the file among it) goes to the upload function
/// and the list reloads; without, the same form posts there itself.
#[component]
fn XrayUploadForm(patient_id: Option<i64>, upload: UploadAction) -> impl IntoView {
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
        {move || upload.value().get().and_then(Result::ok).map(|xray| view! {
            <p class="alert success" role="status">
                {format!("Added: {}. ", xray.name)}<a href=format!("/xrays/{}", xray.id)>"Open it"</a>
            </p>
        })}
        <form class="grid two" aria-label="Add an x-ray" method="post" enctype="multipart/form-data"
            action=super::api::UploadXray::url() on:submit=on_submit>
            {patient_id.map(|id| view! { <input type="hidden" name="patient_id" value=id/> })}
            <div class="field"><label for="xray-name">"Name"</label>
                <input id="xray-name" name="name" required=true maxlength="200" placeholder="e.g. Chest, front view"/></div>
            <div class="field"><label for="xray-type">"Type"</label>
                <select id="xray-type" name="type">
                    {XrayKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select></div>
            <div class="field span-two"><label for="xray-description">"Description (optional)"</label>
                <textarea id="xray-description" name="description" rows="2" maxlength=MAX_DESCRIPTION_CHARS
                    placeholder="Where and why it was taken"></textarea></div>
            <div class="field span-two"><label for="xray-file">"Image (PNG, JPEG or DICOM)"</label>
                <input id="xray-file" name="file" type="file" required=true accept="image/png,image/jpeg,.dcm,application/dicom"/></div>
            <button type="submit" class="button primary" disabled=move || pending.get()>
                {move || if pending.get() { "Uploading…" } else { "Add x-ray" }}
            </button>
        </form>
    }
}

#[component]
pub fn XrayPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let write = ServerAction::<WriteXrayResult>::new();
    let detail = page_resource(READERS, move || (id(), write.version().get()), |(id, _)| get_xray(id));
    view! {
        <Title text="X-ray"/>
        <RequireUser roles=READERS>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || detail.get().flatten().map(|result| match result {
                    Ok(detail) => view! { <XrayDetailView detail=detail write=write/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn XrayDetailView(detail: XrayDetail, write: ServerAction<WriteXrayResult>) -> impl IntoView {
    let x = detail.xray.clone();
    let own = use_user().role == Role::Patient;
    let back = if own { ("/records", "← My health record") } else { ("/xrays", "← X-rays") };
    let mut facts = vec![("Type", x.kind.label().to_owned()), ("Added", format_time(&x.created_at))];
    if !own {
        facts.insert(0, ("Patient", x.patient_name.clone()));
    }
    if let Some(by) = &x.uploaded_by {
        facts.push(("Added by", by.clone()));
    }
    facts.push(("Size", format!("{} × {} pixels", x.width, x.height)));
    if let Some(d) = &x.dicom {
        let known = |v: &Option<String>| v.clone().unwrap_or_else(|| "not given".into());
        facts.push(("Modality", known(&d.modality)));
        facts.push(("Body part", known(&d.body_part)));
        facts.push(("Study date", d.study_date.map(|d| d.to_string()).unwrap_or_else(|| "not given".into())));
        facts.push((
            "Pixel spacing",
            match (d.row_spacing_mm, d.column_spacing_mm) {
                (Some(r), Some(c)) => format!("{r:.3} × {c:.3} mm"),
                _ => "not given (lengths in pixels)".into(),
            },
        ));
        if d.frames > 1 {
            facts.push(("Frames", format!("{} (the first is shown)", d.frames)));
        }
        if let Some(name) = &d.patient_name_in_file {
            facts.push(("Name in the file", name.clone()));
        }
    }
    let id = x.id;
    view! {
        <section class="card">
            <p><a href=back.0>{back.1}</a></p>
            <h1>{x.name.clone()}</h1>
            {(!x.description.is_empty()).then(|| view! { <p>{x.description.clone()}</p> })}
            <XrayViewer xray=x.clone()/>
            <p class="xray-downloads">
                <a class="button small" href=format!("/api/xrays/{id}/image?download=true")>"Download image"</a>
                {detail.can_download_original.then(|| view! {
                    <a class="button small" href=format!("/api/xrays/{id}/original")>"Download DICOM"</a>
                })}
            </p>
            <dl class="facts">
                {facts.into_iter().map(|(term, value)| view! { <div><dt>{term}</dt><dd>{value}</dd></div> }).collect_view()}
            </dl>
        </section>
        <ResultCard detail=detail write=write/>
    }
}

#[component]
fn ResultCard(detail: XrayDetail, write: ServerAction<WriteXrayResult>) -> impl IntoView {
    let current = detail.results.first().cloned();
    let earlier: Vec<_> = detail.results.iter().skip(1).cloned().collect();
    let version = current.as_ref().map_or(0, |r| r.version);
    let id = detail.xray.id;
    let is_dicom = detail.xray.format == XrayFormat::Dicom;
    view! {
        <section class="card" aria-labelledby="result-heading">
            <h2 id="result-heading">"Result"</h2>
            {match &current {
                Some(result) => view! {
                    <blockquote class="xray-result" data-testid="xray-result">{result.body.clone()}</blockquote>
                    <p class="muted small">{format!(
                        "{}{} · {}",
                        result.written_by.clone().unwrap_or_else(|| "A former colleague".into()),
                        if result.version > 1 { format!(" (version {})", result.version) } else { String::new() },
                        format_time(&result.written_at),
                    )}</p>
                }.into_any(),
                None => view! { <p class="muted">"Not read yet: your doctor writes the result here, and you are told when it is ready."</p> }.into_any(),
            }}
            {(!earlier.is_empty()).then(|| view! {
                <details>
                    <summary>{format!("Earlier versions ({})", earlier.len())}</summary>
                    <ol class="thread" aria-label="Earlier versions">
                        {earlier.into_iter().map(|r| view! {
                            <li class="message">
                                <div class="muted small">{format!("Version {} · {} · {}", r.version,
                                    r.written_by.clone().unwrap_or_else(|| "A former colleague".into()), format_time(&r.written_at))}</div>
                                <p>{r.body}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                </details>
            })}
            {detail.can_write_result.then(|| view! {
                <ActionForm action=write attr:class="stack" attr:aria-label="Write the result">
                    {action_error(write.value())}
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="expected_version" value=version/>
                    <div class="field"><label for="xray-result">{if version == 0 { "Result" } else { "Change the result (the current text is kept as an earlier version)" }}</label>
                        <textarea id="xray-result" name="result" rows="5" required=true maxlength=MAX_RESULT_CHARS
                            placeholder=if is_dicom { "Findings, impression" } else { "Findings, impression (read from a picture, not the original study)" }>
                            {current.as_ref().map(|r| r.body.clone()).unwrap_or_default()}
                        </textarea></div>
                    <button type="submit" class="button primary" disabled=move || write.pending().get()>"Save the result"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// The chart's x-rays card: the list (loaded with the chart), and the upload form for those
/// who may add (whose success reloads the chart).
#[component]
pub fn XraysCard(patient_id: i64, xrays: Vec<Xray>, uploads: bool, upload: UploadAction) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="xrays-heading">
            <h2 id="xrays-heading">"X-rays"</h2>
            <XrayList xrays=xrays empty="No x-rays." label="X-rays" show_patient=false/>
            {uploads.then(|| view! { <XrayUploadForm patient_id=Some(patient_id) upload=upload/> })}
        </section>
    }
}

/// How many x-rays wait on the doctor's worklist (loaded where the dashboard starts).
pub fn unread_xray_count() -> crate::questions::pages::CountResource {
    page_resource(&[Role::Doctor], || (), |_| super::api::xray_worklist_count())
}

/// The doctor's dashboard panel: how many of their patients' x-rays wait for a result (a count
/// names no patient, so showing it reads no one's record).
#[component]
pub fn XrayWorklistPanel(count: crate::questions::pages::CountResource) -> impl IntoView {
    view! {
        <section class="card panel">
            <h2>"X-rays to read"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || count.get().flatten().map(|result| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(0) => view! { <p class="muted empty">"Nothing to read."</p> }.into_any(),
                    Ok(count) => view! {
                        <p><strong data-testid="xrays-to-read">{format!("{count} waiting for a result")}</strong></p>
                        <a href="/xrays">"Open the worklist"</a>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
