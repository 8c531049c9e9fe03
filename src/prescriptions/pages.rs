//! `/medications`: a patient's prescriptions with "Request refill", their requests and a form
//! to ask one of their doctors for a new medicine. `/refills`: the doctor's queue of requests,
//! each approved or denied with a note (a new medicine with the prescription written for it).
//! Every form posts without JavaScript too.

use super::api::{
    load_medications, load_refill_queue, pending_refill_count, ApproveRefill, DenyRefill, Medications, RequestMedicine, RequestRefill,
};
use super::{PatientPrescription, RefillRequest, RefillStatus, MAX_NOTE_CHARS};
use crate::auth::guard::{page_resource, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;

lazy_page!(
    /// The patient's medications: [`MedicationsPage`] in a WASM chunk of its own.
    pub MedicationsRoute => MedicationsPage, chunk = page_medications
);

lazy_page!(
    /// The doctor's refill queue: [`RefillsPage`] in a WASM chunk of its own.
    pub RefillsRoute => RefillsPage, chunk = page_refills
);

/// How many refill requests wait for the doctor, for the dashboard.
pub type RefillCountResource = Resource<Option<Result<i64, ApiError>>>;

/// The dashboard's count (loaded where the page starts, see `page_resource`).
pub fn refill_count() -> RefillCountResource {
    page_resource(&[Role::Doctor], || (), |_| pending_refill_count())
}

fn day(at: &DateTime<Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

fn badge(status: RefillStatus) -> &'static str {
    match status {
        RefillStatus::Pending => "badge warn",
        RefillStatus::Approved => "badge",
        RefillStatus::Denied => "badge muted",
        RefillStatus::Dispensed => "badge ok",
    }
}

/// "500 mg · every 6 hours · 20 per fill".
fn directions(p: &PatientPrescription) -> String {
    let mut parts = vec![p.dose.clone(), p.frequency.clone()];
    parts.extend(p.route.clone());
    parts.extend(p.quantity.map(|q| format!("{q} per fill")));
    parts.join(" · ")
}

#[derive(Clone, Copy)]
struct PatientActions {
    refill: ServerAction<RequestRefill>,
    medicine: ServerAction<RequestMedicine>,
}

#[component]
pub fn MedicationsPage() -> impl IntoView {
    let actions = PatientActions { refill: ServerAction::new(), medicine: ServerAction::new() };
    let versions = move || (actions.refill.version().get(), actions.medicine.version().get());
    let medications = page_resource(&[Role::Patient], versions, |_| load_medications());
    view! {
        <Title text="Medications"/>
        <RequireUser roles=&[Role::Patient]>
            <section class="page-head"><h1>"Your medications"</h1></section>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || medications.get().flatten().map(|result| match result {
                    Ok(medications) => view! { <MedicationsView medications=medications actions=actions/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn MedicationsView(medications: Medications, actions: PatientActions) -> impl IntoView {
    let now = medications.now;
    let (current, past): (Vec<_>, Vec<_>) = medications.prescriptions.into_iter().partition(|p| p.is_current(now));
    view! {
        {move || actions.refill.value().get().and_then(Result::ok).map(|r| view! {
            <p class="alert success" role="status">{format!("Your refill request for {} was sent to your doctor.", r.drug)}</p>
        })}
        {action_error(actions.refill.value())}
        <section class="card">
            <h2>"Current prescriptions"</h2>
            {if current.is_empty() {
                view! { <p class="muted empty">"No current prescriptions."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Current prescriptions">
                        {current.into_iter().map(|p| view! { <PrescriptionRow p=p now=now refill=actions.refill/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <RequestsCard requests=medications.requests/>
        <NewMedicineForm action=actions.medicine doctors=medications.doctors/>
        {(!past.is_empty()).then(|| view! {
            <section class="card">
                <h2>"Past prescriptions"</h2>
                <ul class="list" aria-label="Past prescriptions">
                    {past.into_iter().map(|p| view! {
                        <li class="row">
                            <div><strong>{p.drug.clone()}</strong>
                                <div class="muted small">{format!("{} · written {}", directions(&p), day(&p.prescribed_at))}</div></div>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn PrescriptionRow(p: PatientPrescription, now: DateTime<Utc>, refill: ServerAction<RequestRefill>) -> impl IntoView {
    let refusal = p.refill_refusal(now);
    let filled = p.last_filled_at.as_ref().map_or_else(|| "not filled yet".to_owned(), |at| format!("last filled {}", day(at)));
    let by = p.prescriber_name.clone().map(|name| format!(" by {name}")).unwrap_or_default();
    let facts = format!(
        "{} refill{} left · {filled} · written {}{by} · refills until {}",
        p.refills_left(),
        if p.refills_left() == 1 { "" } else { "s" },
        day(&p.prescribed_at),
        day(&p.refillable_until())
    );
    let id = p.id;
    view! {
        <li class="row prescription" data-testid="prescription">
            <div>
                <strong>{p.drug.clone()}</strong>
                <div>{directions(&p)}</div>
                <div class="muted small">{facts}</div>
                {p.fill_waiting().then(|| view! { <div class="small">"At the pharmacy: being prepared."</div> })}
            </div>
            {match (p.open_request_id, refusal) {
                (Some(_), _) => view! { <span class="badge warn">"Refill requested"</span> }.into_any(),
                (None, Some(why)) => view! { <span class="muted small">{why}</span> }.into_any(),
                (None, None) => view! {
                    <ActionForm action=refill attr:class="inline-form" attr:aria-label=format!("Request a refill of {}", p.drug)>
                        <input type="hidden" name="prescription_id" value=id/>
                        <label class="sr-only" for=format!("refill-note-{id}")>"Note for your doctor"</label>
                        <input id=format!("refill-note-{id}") name="note" placeholder="Note for your doctor (optional)" maxlength=MAX_NOTE_CHARS/>
                        <button type="submit" class="button primary small" disabled=move || refill.pending().get()>"Request refill"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </li>
    }
}

#[component]
fn RequestsCard(requests: Vec<RefillRequest>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Your requests"</h2>
            {if requests.is_empty() {
                view! { <p class="muted empty">"No requests yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Your requests">
                        {requests.into_iter().map(|r| {
                            let what = if r.is_new_medicine() { format!("New prescription: {}", r.drug) } else { format!("Refill: {}", r.drug) };
                            let to = r.doctor_name.clone().map(|d| format!(" · to {d}")).unwrap_or_default();
                            view! {
                                <li class="row" data-testid="refill-request">
                                    <div>
                                        <strong>{what}</strong>
                                        <div class="muted small">{format!("asked {}{to}", format_time(&r.created_at))}</div>
                                        {r.decision_note.clone().map(|note| view! {
                                            <div class="small">{format!("{}: {note}", r.decided_by_name.clone().unwrap_or_else(|| "Doctor".into()))}</div>
                                        })}
                                    </div>
                                    <span class=badge(r.status)>{r.status.label()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn NewMedicineForm(action: ServerAction<RequestMedicine>, doctors: Vec<crate::patients::TreatingDoctor>) -> impl IntoView {
    if doctors.is_empty() {
        return view! {
            <section class="card"><h2>"Ask for a new prescription"</h2>
                <p class="muted">"Once you have seen one of our doctors, you can ask them for a prescription here."</p></section>
        }
        .into_any();
    }
    view! {
        <section class="card">
            <h2>"Ask for a new prescription"</h2>
            {move || action.value().get().and_then(Result::ok).map(|r| view! {
                <p class="alert success" role="status">{format!("Your request for {} was sent.", r.drug)}</p>
            })}
            <ActionForm action=action attr:class="stack" attr:aria-label="Ask for a new prescription">
                {action_error(action.value())}
                <div class="field"><label for="medicine-doctor">"Doctor"</label>
                    <select id="medicine-doctor" name="doctor_id" required=true>
                        {doctors.into_iter().map(|d| view! {
                            <option value=d.doctor_id>{format!("{} ({})", d.name, d.specialization)}</option>
                        }).collect_view()}
                    </select></div>
                <div class="field"><label for="medicine-drug">"Medicine"</label>
                    <input id="medicine-drug" name="drug" required=true maxlength=200/></div>
                <div class="field"><label for="medicine-note">"Why, for your doctor"</label>
                    <textarea id="medicine-note" name="note" rows="3" maxlength=MAX_NOTE_CHARS></textarea></div>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Send request"</button>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[derive(Clone, Copy)]
struct DoctorActions {
    approve: ServerAction<ApproveRefill>,
    deny: ServerAction<DenyRefill>,
}

const DECIDERS: &[Role] = &[Role::Doctor, Role::Admin];

#[component]
pub fn RefillsPage() -> impl IntoView {
    let actions = DoctorActions { approve: ServerAction::new(), deny: ServerAction::new() };
    let versions = move || (actions.approve.version().get(), actions.deny.version().get());
    let queue = page_resource(DECIDERS, versions, |_| load_refill_queue());
    view! {
        <Title text="Refill requests"/>
        <RequireUser roles=DECIDERS>
            <section class="page-head"><h1>"Refill requests"</h1></section>
            {action_error(actions.approve.value())}
            {action_error(actions.deny.value())}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || queue.get().flatten().map(|result| match result {
                    Ok(requests) => {
                        let (pending, decided): (Vec<_>, Vec<_>) = requests.into_iter().partition(|r| r.status == RefillStatus::Pending);
                        view! {
                            <section class="card">
                                <h2>{format!("Waiting for you ({})", pending.len())}</h2>
                                {if pending.is_empty() {
                                    view! { <p class="muted empty">"No requests waiting."</p> }.into_any()
                                } else {
                                    view! { <ul class="list" aria-label="Waiting for you">
                                        {pending.into_iter().map(|r| view! { <PendingRequest r=r actions=actions/> }).collect_view()}
                                    </ul> }.into_any()
                                }}
                            </section>
                            <section class="card">
                                <h2>"Decided"</h2>
                                {if decided.is_empty() {
                                    view! { <p class="muted empty">"Nothing decided yet."</p> }.into_any()
                                } else {
                                    view! { <ul class="list" aria-label="Decided">
                                        {decided.into_iter().map(|r| view! {
                                            <li class="row"><div><strong>{format!("{} · {}", r.patient_name, r.drug)}</strong>
                                                <div class="muted small">{r.decision_note.clone().unwrap_or_default()}</div></div>
                                                <span class=badge(r.status)>{r.status.label()}</span></li>
                                        }).collect_view()}
                                    </ul> }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn PendingRequest(r: RefillRequest, actions: DoctorActions) -> impl IntoView {
    let id = r.id;
    let new_medicine = r.is_new_medicine();
    let facts = if new_medicine {
        "New prescription asked for".to_owned()
    } else {
        let filled = r.last_filled_at.as_ref().map_or_else(|| "never filled".to_owned(), |at| format!("last filled {}", day(at)));
        format!("Refill · {filled} · {} refill(s) left", r.refills_left.unwrap_or(0))
    };
    let drug = r.drug.clone();
    view! {
        <li class="refill-request stack" data-testid="pending-refill">
            <div>
                <strong>{format!("{} · {}", r.patient_name, r.drug)}</strong>
                <div class="muted small">{format!("{facts} · asked {}", format_time(&r.created_at))}</div>
                {r.note.clone().map(|note| view! { <blockquote class="small">{note}</blockquote> })}
            </div>
            <ActionForm action=actions.approve attr:class="stack" attr:aria-label=format!("Approve {}", r.drug)>
                <input type="hidden" name="id" value=id/>
                {new_medicine.then(|| view! {
                    <div class="form-row">
                        <div class="field"><label for=format!("drug-{id}")>"Medicine"</label>
                            <input id=format!("drug-{id}") name="drug" value=drug.clone() required=true maxlength=200/></div>
                        <div class="field"><label for=format!("dose-{id}")>"Dose"</label>
                            <input id=format!("dose-{id}") name="dose" required=true maxlength=100 placeholder="10 mg"/></div>
                        <div class="field"><label for=format!("frequency-{id}")>"How often"</label>
                            <input id=format!("frequency-{id}") name="frequency" required=true maxlength=100 placeholder="once a day"/></div>
                        <div class="field"><label for=format!("quantity-{id}")>"Quantity"</label>
                            <input id=format!("quantity-{id}") name="quantity" type="number" min=1 max=10000/></div>
                        <div class="field"><label for=format!("refills-{id}")>"Refills"</label>
                            <input id=format!("refills-{id}") name="refills" type="number" min=0 max=12 value="0"/></div>
                    </div>
                })}
                <div class="field"><label for=format!("approve-note-{id}")>"Note for the patient"</label>
                    <input id=format!("approve-note-{id}") name="note" required=true maxlength=MAX_NOTE_CHARS/></div>
                <button type="submit" class="button primary small" disabled=move || actions.approve.pending().get()>"Approve"</button>
            </ActionForm>
            <ActionForm action=actions.deny attr:class="inline-form" attr:aria-label=format!("Deny {}", r.drug)>
                <input type="hidden" name="id" value=id/>
                <label class="sr-only" for=format!("deny-note-{id}")>"Why not"</label>
                <input id=format!("deny-note-{id}") name="note" required=true maxlength=MAX_NOTE_CHARS placeholder="Why not, for the patient"/>
                <button type="submit" class="button small" disabled=move || actions.deny.pending().get()>"Deny"</button>
            </ActionForm>
        </li>
    }
}

/// The doctor's dashboard panel: how many refill requests wait (a count names no patient).
#[component]
pub fn RefillQueuePanel(count: RefillCountResource) -> impl IntoView {
    view! {
        <section class="card panel">
            <h2>"Refill requests"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || count.get().flatten().map(|result| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(0) => view! { <p class="muted empty">"No refill requests waiting."</p> }.into_any(),
                    Ok(count) => view! {
                        <p><strong data-testid="pending-refills">{format!("{count} waiting for you")}</strong></p>
                        <a href="/refills">"Open the queue"</a>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
