//! The visit note (a doctor writes an encounter: coded diagnoses found by type-ahead,
//! treatment, notes, medicines), one encounter's page (versions, addenda, correction,
//! "entered in error"), and the encounter timeline and medication list the chart shows.

use super::api::{get_encounter, suggest_diagnoses, visit_note_of, AddAddendum, CorrectEncounter, MarkEncounterInError, WriteEncounter};
use super::{Diagnosis, Encounter, EncounterCorrection, EncounterDetail, EncounterStatus, NewEncounter, PrescriptionInput};
use crate::auth::guard::{page_resource, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

lazy_page!(
    /// The visit-note form: [`VisitNotePage`] in a WASM chunk of its own.
    pub VisitNoteRoute => VisitNotePage, chunk = page_visit_note
);

lazy_page!(
    /// One encounter: [`EncounterPage`] in a WASM chunk of its own.
    pub EncounterRoute => EncounterPage, chunk = page_encounter
);

const DOCTORS: &[Role] = &[Role::Doctor];
const CHART_READERS: &[Role] = &[Role::Patient, Role::Doctor, Role::Nurse, Role::Admin];

fn diagnosis_line(d: &Diagnosis) -> String {
    match &d.description {
        Some(text) => format!("{} — {text}", d.code),
        None => d.code.clone(),
    }
}

fn medicine_line(drug: &str, dose: &str, route: Option<&str>, frequency: &str, days: Option<i32>) -> String {
    let route = route.map(|r| format!(" {r}")).unwrap_or_default();
    let days = days.map(|d| format!(", {d} days")).unwrap_or_default();
    format!("{drug} {dose}{route}, {frequency}{days}")
}

/// The chart's encounter timeline, newest first.
#[component]
pub fn EncounterTimeline(encounters: Vec<Encounter>, total: i64) -> impl IntoView {
    let shown = encounters.len() as i64;
    view! {
        <section class="card" aria-labelledby="encounters-heading">
            <h2 id="encounters-heading">"Visits and diagnoses"</h2>
            {if encounters.is_empty() {
                view! { <p class="muted">"No encounters recorded yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="list timeline" aria-label="Encounters">
                        {encounters.into_iter().map(|e| view! { <EncounterItem encounter=e/> }).collect_view()}
                    </ol>
                    {(total > shown).then(|| view! { <p class="muted small">{format!("The newest {shown} of {total} encounters.")}</p> })}
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn EncounterItem(encounter: Encounter) -> impl IntoView {
    let href = format!("/medical-records/{}", encounter.id);
    let by = encounter.author.clone().unwrap_or_else(|| "a former doctor".into());
    let corrected = (encounter.version > 1).then(|| view! { " " <span class="badge">"Corrected"</span> });
    let addenda =
        (!encounter.addenda.is_empty()).then(|| view! { " " <span class="badge">{format!("{} addenda", encounter.addenda.len())}</span> });
    view! {
        <li>
            <div class="row">
                <div>
                    <a href=href><strong>{format_time(&encounter.created_at)}</strong></a>
                    <span class="muted">{format!(" · {by}")}</span>{corrected}{addenda}
                </div>
            </div>
            <ul class="compact" aria-label="Diagnoses">
                {encounter.diagnoses.iter().map(|d| view! { <li>{diagnosis_line(d)}</li> }).collect_view()}
            </ul>
            {encounter.treatment.clone().map(|t| view! { <p><span class="muted">"Treatment: "</span>{t}</p> })}
            {(!encounter.prescriptions.is_empty()).then(|| view! {
                <p><span class="muted">"Medicines: "</span>
                    {encounter.prescriptions.iter().map(|p| p.drug.clone()).collect::<Vec<_>>().join(", ")}</p>
            })}
        </li>
    }
}

/// The medicines of the encounters shown, newest first: what the patient is taking.
#[component]
pub fn MedicationList(encounters: Vec<Encounter>) -> impl IntoView {
    let medicines: Vec<(String, String)> = encounters
        .iter()
        .flat_map(|e| {
            e.prescriptions.iter().map(move |p| {
                let line = medicine_line(&p.drug, &p.dose, p.route.as_deref(), &p.frequency, p.duration_days);
                (line, format_time(&e.created_at))
            })
        })
        .collect();
    view! {
        <section class="card" aria-labelledby="medications-heading">
            <h2 id="medications-heading">"Medications"</h2>
            {if medicines.is_empty() {
                view! { <p class="muted">"No prescriptions on file."</p> }.into_any()
            } else {
                view! {
                    <ul class="list compact" aria-label="Medications">
                        {medicines.into_iter().map(|(line, when)| view! {
                            <li>{line}<div class="muted small">{format!("Prescribed {when}")}</div></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// The note form

/// One medicine row of the form.
#[derive(Clone, Copy)]
struct MedicineRow {
    key: usize,
    drug: RwSignal<String>,
    dose: RwSignal<String>,
    route: RwSignal<String>,
    frequency: RwSignal<String>,
    duration_days: RwSignal<String>,
    quantity: RwSignal<String>,
    refills: RwSignal<String>,
    override_reason: RwSignal<String>,
}

impl MedicineRow {
    fn new(key: usize) -> Self {
        Self {
            key,
            drug: RwSignal::new(String::new()),
            dose: RwSignal::new(String::new()),
            route: RwSignal::new("oral".into()),
            frequency: RwSignal::new(String::new()),
            duration_days: RwSignal::new(String::new()),
            quantity: RwSignal::new(String::new()),
            refills: RwSignal::new("0".into()),
            override_reason: RwSignal::new(String::new()),
        }
    }

    fn from_input(key: usize, p: &PrescriptionInput) -> Self {
        let row = Self::new(key);
        let number = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
        row.drug.set(p.drug.clone());
        row.dose.set(p.dose.clone());
        row.route.set(p.route.clone().unwrap_or_default());
        row.frequency.set(p.frequency.clone());
        row.duration_days.set(number(p.duration_days));
        row.quantity.set(number(p.quantity));
        row.refills.set(number(p.refills));
        row.override_reason.set(p.override_reason.clone().unwrap_or_default());
        row
    }

    /// The row as sent; an empty drug means the row was left blank.
    fn input(&self) -> Result<Option<PrescriptionInput>, String> {
        let drug = self.drug.get_untracked();
        if drug.trim().is_empty() {
            return Ok(None);
        }
        let number = |signal: RwSignal<String>, what: &str| {
            let text = signal.get_untracked();
            let text = text.trim();
            if text.is_empty() {
                Ok(None)
            } else {
                text.parse::<i32>().map(Some).map_err(|_| format!("The {what} of {drug} must be a whole number."))
            }
        };
        let optional = |signal: RwSignal<String>| Some(signal.get_untracked()).filter(|t| !t.trim().is_empty());
        Ok(Some(PrescriptionInput {
            drug: drug.clone(),
            dose: self.dose.get_untracked(),
            route: optional(self.route),
            frequency: self.frequency.get_untracked(),
            duration_days: number(self.duration_days, "duration")?,
            quantity: number(self.quantity, "quantity")?,
            refills: number(self.refills, "number of refills")?,
            override_reason: optional(self.override_reason),
        }))
    }
}

/// What the note form holds.
#[derive(Clone, Copy)]
struct NoteFields {
    diagnoses: RwSignal<Vec<Diagnosis>>,
    treatment: RwSignal<String>,
    notes: RwSignal<String>,
    medicines: RwSignal<Vec<MedicineRow>>,
    next_key: StoredValue<usize>,
}

impl NoteFields {
    fn new(start: Option<&EncounterCorrection>) -> Self {
        let medicines: Vec<MedicineRow> =
            start.map(|c| c.prescriptions.iter().enumerate().map(|(i, p)| MedicineRow::from_input(i, p)).collect()).unwrap_or_default();
        Self {
            diagnoses: RwSignal::new(start.map(|c| c.diagnoses.clone()).unwrap_or_default()),
            treatment: RwSignal::new(start.and_then(|c| c.treatment.clone()).unwrap_or_default()),
            notes: RwSignal::new(start.and_then(|c| c.notes.clone()).unwrap_or_default()),
            next_key: StoredValue::new(medicines.len()),
            medicines: RwSignal::new(medicines),
        }
    }

    fn add_medicine(&self) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.medicines.update(|rows| rows.push(MedicineRow::new(key)));
    }

    fn content(&self) -> Result<EncounterCorrection, String> {
        let mut prescriptions = Vec::new();
        for row in self.medicines.get_untracked() {
            prescriptions.extend(row.input()?);
        }
        let text = |signal: RwSignal<String>| Some(signal.get_untracked()).filter(|t| !t.trim().is_empty());
        Ok(EncounterCorrection {
            diagnoses: self.diagnoses.get_untracked(),
            treatment: text(self.treatment),
            notes: text(self.notes),
            prescriptions,
        })
    }
}

/// The form's fields: diagnoses by type-ahead, treatment, notes, medicines.
#[component]
fn NoteForm(fields: NoteFields, #[prop(into)] submit_label: String, on_submit: Callback<EncounterCorrection>) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match fields.content() {
            Ok(content) if content.diagnoses.is_empty() => problem.set(Some("Add at least one diagnosis.".into())),
            Ok(content) => {
                problem.set(None);
                on_submit.run(content);
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    let live = crate::ui::lazy::use_interactive();
    view! {
        <form class="note-form" on:submit=submit aria-label="Visit note">
            <fieldset class="bare" disabled=move || !live.get()>
            <DiagnosisPicker chosen=fields.diagnoses/>
            <div class="field"><label for="note-treatment">"Treatment"</label>
                <textarea id="note-treatment" rows="3" maxlength="4000" bind:value=fields.treatment></textarea></div>
            <div class="field"><label for="note-notes">"Notes"</label>
                <textarea id="note-notes" rows="5" maxlength="20000" bind:value=fields.notes></textarea></div>
            <fieldset class="medicines">
                <legend>"Prescriptions"</legend>
                <For each=move || fields.medicines.get() key=|row| row.key let:row>
                    <MedicineFields row=row on_remove=move || fields.medicines.update(|rows| rows.retain(|r| r.key != row.key))/>
                </For>
                <button type="button" class="button small" on:click=move |_| fields.add_medicine()>"Add a medicine"</button>
            </fieldset>
            {move || problem.get().map(|message| view! { <p class="alert error" role="alert">{message}</p> })}
            <button type="submit" class="button primary">{submit_label}</button>
            </fieldset>
        </form>
    }
}

#[component]
fn MedicineFields(row: MedicineRow, on_remove: impl Fn() + 'static) -> impl IntoView {
    let id = |name: &str| format!("rx-{}-{name}", row.key);
    view! {
        <div class="grid two medicine" role="group" aria-label="Medicine">
            <div class="field"><label for=id("drug")>"Drug"</label><input id=id("drug") maxlength="200" bind:value=row.drug/></div>
            <div class="field"><label for=id("dose")>"Dose"</label><input id=id("dose") maxlength="100" placeholder="e.g. 500 mg" bind:value=row.dose/></div>
            <div class="field"><label for=id("route")>"Route"</label><input id=id("route") maxlength="50" bind:value=row.route/></div>
            <div class="field"><label for=id("frequency")>"Frequency"</label>
                <input id=id("frequency") maxlength="100" placeholder="e.g. twice a day" bind:value=row.frequency/></div>
            <div class="field"><label for=id("days")>"Days"</label><input id=id("days") inputmode="numeric" bind:value=row.duration_days/></div>
            <div class="field"><label for=id("quantity")>"Quantity"</label><input id=id("quantity") inputmode="numeric" bind:value=row.quantity/></div>
            <div class="field"><label for=id("refills")>"Refills"</label><input id=id("refills") inputmode="numeric" bind:value=row.refills/></div>
            <div class="field"><label for=id("override")>"Allergy override reason (only if needed)"</label>
                <input id=id("override") maxlength="500" bind:value=row.override_reason/></div>
            <button type="button" class="button small" on:click=move |_| on_remove()>"Remove this medicine"</button>
        </div>
    }
}

/// Diagnoses chosen from the ICD-10-CM list: type part of a code or words of a description,
/// pick a suggestion.
#[component]
fn DiagnosisPicker(chosen: RwSignal<Vec<Diagnosis>>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let suggestions = LocalResource::new(move || {
        let q = query.get();
        async move {
            if q.trim().chars().count() < 2 {
                Ok(Vec::new())
            } else {
                suggest_diagnoses(q).await
            }
        }
    });
    let pick = move |d: Diagnosis| {
        chosen.update(|list| {
            if !list.iter().any(|c| c.code == d.code) {
                list.push(d);
            }
        });
        query.set(String::new());
    };
    view! {
        <fieldset class="diagnoses">
            <legend>"Diagnoses (ICD-10)"</legend>
            <ul class="list compact" aria-label="Chosen diagnoses">
                <For each=move || chosen.get() key=|d| d.code.clone() let:d>
                    {
                        let code = d.code.clone();
                        view! {
                            <li class="row">
                                <span>{diagnosis_line(&d)}</span>
                                <button type="button" class="button small" aria-label=format!("Remove {code}")
                                    on:click=move |_| chosen.update(|list| list.retain(|c| c.code != code))>"Remove"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="field"><label for="diagnosis-search">"Find a diagnosis"</label>
                <input id="diagnosis-search" type="search" autocomplete="off" placeholder="e.g. E11.9 or type 2 diabetes"
                    bind:value=query/></div>
            <Transition>
                {move || suggestions.get().map(|found| match found {
                    Err(err) => view! { <p class="alert error" role="alert">{err.message}</p> }.into_any(),
                    Ok(list) if list.is_empty() => ().into_any(),
                    Ok(list) => view! {
                        <ul class="list compact suggestions" aria-label="Suggested diagnoses">
                            {list.into_iter().map(|d| {
                                let label = diagnosis_line(&d);
                                view! { <li><button type="button" class="link" on:click=move |_| pick(d.clone())>{label}</button></li> }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </fieldset>
    }
}

/// `/patients/{id}/visit-note[?appointment=…]`: the doctor writes the note; on success the
/// encounter's page opens.
#[component]
pub fn VisitNotePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let patient_id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let appointment_id = move || query.read().get("appointment").and_then(|id| id.parse::<i64>().ok());
    let fields = NoteFields::new(None);
    let action = ServerAction::<WriteEncounter>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(encounter)) = action.value().get() {
            navigate(&format!("/medical-records/{}", encounter.id), Default::default());
        }
    });
    let on_submit = Callback::new(move |content: EncounterCorrection| {
        let input = NewEncounter {
            patient_id: patient_id(),
            appointment_id: appointment_id(),
            diagnoses: content.diagnoses,
            treatment: content.treatment,
            notes: content.notes,
            prescriptions: content.prescriptions,
        };
        action.dispatch(WriteEncounter { input });
    });
    // A visit has one note: when it is written, this page points to it instead of a form.
    let existing = page_resource(DOCTORS, appointment_id, |appointment| async move {
        match appointment {
            Some(id) => visit_note_of(id).await,
            None => Ok(None),
        }
    });
    view! {
        <Title text="Visit note"/>
        <RequireUser roles=DOCTORS>
            <section class="card">
                <h1>"Visit note"</h1>
                <p><a href=move || format!("/patients/{}/chart", patient_id())>"Back to the chart"</a></p>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || existing.get().flatten().map(|found| match found {
                        Err(err) => view! { <ErrorView error=err/> }.into_any(),
                        Ok(Some(id)) => view! {
                            <p class="alert" role="status">"This visit already has a note. "
                                <a href=format!("/medical-records/{id}")>"Open it"</a>" to correct it or add an addendum."</p>
                        }.into_any(),
                        Ok(None) => view! {
                            {action_error(action.value())}
                            <NoteForm fields=fields submit_label="Save the note" on_submit=on_submit/>
                        }.into_any(),
                    })}
                </Suspense>
            </section>
        </RequireUser>
    }
}

/// `/medical-records/{id}`: one encounter with its addenda and earlier versions; its author
/// corrects it within the window, clinicians append addenda, its author or an admin marks it
/// entered in error.
#[component]
pub fn EncounterPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let addendum = ServerAction::<AddAddendum>::new();
    let in_error = ServerAction::<MarkEncounterInError>::new();
    let correction = ServerAction::<CorrectEncounter>::new();
    let detail = page_resource(
        CHART_READERS,
        move || (id(), addendum.version().get(), in_error.version().get(), correction.version().get()),
        |(id, ..)| get_encounter(id),
    );
    view! {
        <Title text="Encounter"/>
        <RequireUser roles=CHART_READERS>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || detail.get().flatten().map(|result: Result<EncounterDetail, ApiError>| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(detail) => view! { <EncounterView detail=detail addendum=addendum in_error=in_error correction=correction/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn EncounterView(
    detail: EncounterDetail,
    addendum: ServerAction<AddAddendum>,
    in_error: ServerAction<MarkEncounterInError>,
    correction: ServerAction<CorrectEncounter>,
) -> impl IntoView {
    let e = detail.encounter.clone();
    let id = e.id;
    let in_error_now = e.status == EncounterStatus::EnteredInError;
    let by = e.author.clone().unwrap_or_else(|| "a former doctor".into());
    let current = e.content();
    let on_correct = Callback::new(move |input: EncounterCorrection| {
        correction.dispatch(CorrectEncounter { id, input });
    });
    view! {
        <section class="card">
            <h1>{format!("Encounter of {}", format_time(&e.created_at))}</h1>
            <p class="muted">{format!("Written by {by}")}
                {(e.version > 1).then(|| format!(" · corrected (version {})", e.version))}</p>
            <p><a href=format!("/patients/{}/chart", e.patient_id)>"The chart"</a></p>
            {in_error_now.then(|| view! {
                <p class="alert warn" role="note">{format!("Entered in error: {}", e.error_reason.clone().unwrap_or_default())}</p>
            })}
            <h2>"Diagnoses"</h2>
            <ul class="list compact" aria-label="Diagnoses">
                {e.diagnoses.iter().map(|d| view! { <li>{diagnosis_line(d)}</li> }).collect_view()}
            </ul>
            {e.treatment.clone().map(|t| view! { <h2>"Treatment"</h2><p class="prewrap">{t}</p> })}
            {e.notes.clone().map(|n| view! { <h2>"Notes"</h2><p class="prewrap">{n}</p> })}
            <h2>"Prescriptions"</h2>
            {if e.prescriptions.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="list compact" aria-label="Prescriptions">
                        {e.prescriptions.iter().map(|p| view! {
                            <li>
                                {medicine_line(&p.drug, &p.dose, p.route.as_deref(), &p.frequency, p.duration_days)}
                                <div class="muted small">{format!("Quantity {} · {} refills", p.quantity.map(|q| q.to_string()).unwrap_or_else(|| "–".into()), p.refills)}</div>
                                {p.allergy_override_reason.clone().map(|r| view! { <div class="small">{format!("Prescribed despite an allergy: {r}")}</div> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="addenda-heading">
            <h2 id="addenda-heading">"Addenda"</h2>
            {if e.addenda.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ol class="list compact" aria-label="Addenda">
                        {e.addenda.iter().map(|a| view! {
                            <li><p class="prewrap">{a.text.clone()}</p>
                                <div class="muted small">{format!("{} · {}", format_time(&a.created_at), a.author.clone().unwrap_or_default())}</div></li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {detail.may_add_addendum.then(|| view! {
                {action_error(addendum.value())}
                <ActionForm action=addendum attr:aria-label="Add an addendum">
                    <input type="hidden" name="id" value=id/>
                    <div class="field"><label for="addendum-text">"Addendum"</label>
                        <textarea id="addendum-text" name="text" rows="3" required=true maxlength="4000"></textarea></div>
                    <button type="submit" class="button primary">"Add addendum"</button>
                </ActionForm>
            })}
        </section>
        {detail.may_correct.then(|| view! {
            <section class="card" aria-labelledby="correct-heading">
                <details>
                    <summary id="correct-heading">{format!("Correct this encounter (until {})", format_time(&e.correctable_until()))}</summary>
                    <p class="muted small">"The version you replace is kept and shown below."</p>
                    {action_error(correction.value())}
                    <NoteForm fields=NoteFields::new(Some(&current)) submit_label="Save the correction" on_submit=on_correct/>
                </details>
            </section>
        })}
        {(!detail.versions.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="versions-heading">
                <h2 id="versions-heading">"Earlier versions"</h2>
                <ol class="list compact" aria-label="Earlier versions">
                    {detail.versions.iter().map(|v| view! {
                        <li>
                            <strong>{format!("Version {}", v.version)}</strong>
                            <span class="muted small">{format!(" · written {}, replaced {}", format_time(&v.written_at), format_time(&v.replaced_at))}</span>
                            <ul class="compact">{v.diagnoses.iter().map(|d| view! { <li>{diagnosis_line(d)}</li> }).collect_view()}</ul>
                            {v.treatment.clone().map(|t| view! { <p><span class="muted">"Treatment: "</span>{t}</p> })}
                            {(!v.prescriptions.is_empty()).then(|| view! {
                                <p><span class="muted">"Medicines: "</span>{v.prescriptions.iter().map(|p| p.drug.clone()).collect::<Vec<_>>().join(", ")}</p>
                            })}
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        })}
        {detail.may_mark_in_error.then(|| view! {
            <section class="card" aria-labelledby="error-heading">
                <h2 id="error-heading">"Entered in error"</h2>
                <p class="muted small">"Hides this encounter from the chart. It is kept, with your reason."</p>
                {action_error(in_error.value())}
                <ActionForm action=in_error attr:aria-label="Mark entered in error">
                    <input type="hidden" name="id" value=id/>
                    <div class="field"><label for="error-reason">"Reason"</label>
                        <input id="error-reason" name="reason" required=true maxlength="500"/></div>
                    <button type="submit" class="button">"Mark entered in error"</button>
                </ActionForm>
            </section>
        })}
    }
}
