//! `/patients`: "My patients" for doctors, the patient search for nurses, the front desk and
//! admins. The search box is a plain GET form (`?q=`), so it works before the WASM arrives and
//! a search can be bookmarked. `/patients/new`: the front desk registers a walk-in.

use super::api::{search_patients, RegisterPatient};
use super::{PatientRecord, PatientSummary};
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::profile::{BLOOD_GROUPS, GENDERS};
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!(
    /// The patient list and search: [`PatientsPage`] in a WASM chunk of its own.
    pub PatientsRoute => PatientsPage, chunk = page_patients
);

const SEARCHERS: &[Role] = &[Role::Doctor, Role::Nurse, Role::Staff, Role::Admin];
/// Who registers walk-ins (the service decides; this only shows the way there).
const REGISTRARS: &[Role] = &[Role::Staff, Role::Admin];

#[component]
pub fn PatientsPage() -> impl IntoView {
    view! {
        <Title text="Patients"/>
        <RequireUser roles=SEARCHERS>
            <PatientsView/>
        </RequireUser>
    }
}

#[component]
fn PatientsView() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let found = page_resource(SEARCHERS, q, |q| search_patients(q, None));
    // Read once, under RequireUser (the closures below may run again while the page is left).
    let role = use_user().role;
    let links_to_chart = role != Role::Staff;
    view! {
        <section class="card">
            <div class="row">
                <h1>{if role == Role::Doctor { "My patients" } else { "Patients" }}</h1>
                {REGISTRARS.contains(&role).then(|| view! { <a class="button" href="/patients/new">"Register a patient"</a> })}
            </div>
            <form method="get" action="/patients" class="search-row" role="search">
                <label for="patient-q" class="sr-only">"Find a patient"</label>
                <input id="patient-q" name="q" type="search" value=q placeholder="Name, MRN, phone or date of birth (YYYY-MM-DD)"/>
                <button type="submit" class="button primary">"Search"</button>
            </form>
            <Suspense fallback=|| view! { <p class="muted">"Searching…"</p> }>
                {move || found.get().flatten().map(|result: Result<Vec<PatientSummary>, ApiError>| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No patient found."</p> }.into_any(),
                    Ok(list) => view! { <PatientList patients=list links_to_chart=links_to_chart/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PatientList(patients: Vec<PatientSummary>, links_to_chart: bool) -> impl IntoView {
    view! {
        <ul class="list" aria-label="Patients found">
            {patients.into_iter().map(|p| {
                let born = p.date_of_birth.map(|d| format!("born {d}")).unwrap_or_else(|| "birth date not recorded".into());
                let details = [Some(p.mrn.clone()), Some(born), p.phone.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                let name = if links_to_chart {
                    view! { <a href=format!("/patients/{}/chart", p.patient_id)><strong>{p.name.clone()}</strong></a> }.into_any()
                } else {
                    view! { <strong>{p.name.clone()}</strong> }.into_any()
                };
                view! {
                    <li class="row">
                        <div>{name}<div class="muted small">{details}</div></div>
                        {p.last_visit.map(|at| view! { <span class="muted small">{format!("Last visit {}", format_time(&at))}</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

lazy_page!(
    /// Walk-in registration at the front desk: [`NewPatientPage`] in a WASM chunk of its own.
    pub NewPatientRoute => NewPatientPage, chunk = page_new_patient
);

#[component]
pub fn NewPatientPage() -> impl IntoView {
    view! {
        <Title text="Register a patient"/>
        <RequireUser roles=REGISTRARS>
            <NewPatientView/>
        </RequireUser>
    }
}

/// The registration form; after a registration, the new record (MRN, invitation sent or not)
/// and the way to the next step. A possible duplicate (same name and date of birth) is
/// refused with the existing MRN, and the form then offers to register a different person.
#[component]
fn NewPatientView() -> impl IntoView {
    let register = ServerAction::<RegisterPatient>::new();
    let possible_duplicate = move || {
        register.value().get().and_then(Result::err).is_some_and(|err| err.status == 409 && err.message.contains("already registered"))
    };
    view! {
        <section class="card">
            <h1>"Register a patient"</h1>
            <p class="muted">"For a patient at the desk. With an email address they get a link to set a password for the portal; without one they have a record but no sign-in."</p>
            {move || register.value().get().and_then(Result::ok).map(|record| view! { <Registered record=record/> })}
            <ActionForm action=register attr:class="grid two" attr:aria-label="Register a patient">
                <div class="span-two">{action_error(register.value())}</div>
                <Field label="Full name" name="name" required=true autocomplete="off"/>
                <Field label="Date of birth" name="date_of_birth" kind="date" required=true autocomplete="off"/>
                <div class="field"><label for="field-gender">"Gender"</label>
                    <select id="field-gender" name="gender">
                        <option value="">"Not given"</option>
                        {GENDERS.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                    </select></div>
                <div class="field"><label for="field-blood_group">"Blood group"</label>
                    <select id="field-blood_group" name="blood_group">
                        <option value="">"Unknown"</option>
                        {BLOOD_GROUPS.into_iter().map(|group| view! { <option value=group>{group}</option> }).collect_view()}
                    </select></div>
                <Field label="Email (optional)" name="email" kind="email" autocomplete="off" hint="We send the portal invitation here."/>
                <Field label="Phone" name="phone" kind="tel" autocomplete="off"/>
                <div class="span-two"><Field label="Address" name="address" autocomplete="off"/></div>
                <Field label="Emergency contact" name="emergency_contact_name" autocomplete="off"/>
                <Field label="Emergency contact phone" name="emergency_contact_phone" kind="tel" autocomplete="off"/>
                <Show when=possible_duplicate>
                    <label class="span-two check">
                        <input type="checkbox" name="confirm_duplicate" value="true"/>
                        " I checked: this is a different person with the same name and date of birth"
                    </label>
                </Show>
                <div class="span-two">
                    <button type="submit" class="button primary" disabled=move || register.pending().get()>
                        {move || if register.pending().get() { "Registering…" } else { "Register" }}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Registered(record: PatientRecord) -> impl IntoView {
    let invitation = match &record.email {
        Some(email) => format!("An invitation to set a password was sent to {email}."),
        None => "No email address: they have a record but can't sign in (add an address later to invite them).".to_owned(),
    };
    view! {
        <div class="alert success" role="status">
            <p><strong>{format!("{} is registered as {}.", record.name, record.mrn)}</strong></p>
            <p>{invitation}</p>
            <p>
                <a href=format!("/patients?q={}", record.mrn)>"Find them in Patients"</a>
                " · "
                <a href="/doctors">"Book a visit"</a>
            </p>
        </div>
    }
}
