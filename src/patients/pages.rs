//! `/patients`: "My patients" for doctors, the patient search for nurses, the front desk and
//! admins. The search box is a plain GET form (`?q=`), so it works before the WASM arrives and
//! a search can be bookmarked.

use super::api::search_patients;
use super::PatientSummary;
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{format_time, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!(
    /// The patient list and search: [`PatientsPage`] in a WASM chunk of its own.
    pub PatientsRoute => PatientsPage, chunk = page_patients
);

const SEARCHERS: &[Role] = &[Role::Doctor, Role::Nurse, Role::Staff, Role::Admin];

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
            <h1>{if role == Role::Doctor { "My patients" } else { "Patients" }}</h1>
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
