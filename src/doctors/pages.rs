//! The directory and the doctor's practice page. The doctor page, where patients book, is
//! `appointments::doctor_page`.

use super::api::{directory_facets, my_practice, search_doctors, AddMyDayOff, SaveHours, SavePractice};
use super::{format_day_hours, DoctorCard, WEEKDAY_NAMES};
use crate::auth::guard::RequireUser;
use crate::auth::Role;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, ErrorView, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// A doctor's rating as the directory and the doctor page show it.
pub fn stars(rating: Option<f64>, count: i64) -> String {
    match rating {
        Some(r) => format!("★ {r:.1} ({count} review{})", if count == 1 { "" } else { "s" }),
        None => "No reviews yet".to_owned(),
    }
}

lazy_page!(
    /// The route of the doctor directory: [`DirectoryPage`] in a WASM chunk of its own.
    pub DirectoryRoute => DirectoryPage, chunk = page_directory
);

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.read().get(key).filter(|v| !v.is_empty());
    let facets = Resource::new(|| (), |_| directory_facets());
    let doctors = Resource::new(
        move || (param("specialization"), param("city"), param("q")),
        |(specialization, city, q)| search_doctors(specialization, city, q),
    );
    view! {
        <Title text="Find a doctor"/>
        <section class="page-head">
            <h1>"Find a doctor"</h1>
            <p class="muted">"Search by specialty, city or name, then pick a free time."</p>
        </section>
        <section class="card">
            <Form method="GET" action="/doctors" attr:class="filters" attr:aria-label="Search doctors">
                <Suspense fallback=|| ()>
                    {move || facets.get().map(|f| {
                        let f = f.unwrap_or_default();
                        view! {
                            <FacetSelect label="Specialty" name="specialization" any="Any specialty" options=f.specializations
                                selected=param("specialization").unwrap_or_default()/>
                            <FacetSelect label="City" name="city" any="Any city" options=f.cities selected=param("city").unwrap_or_default()/>
                        }
                    })}
                </Suspense>
                <div class="field">
                    <label for="f-q">"Name"</label>
                    <input id="f-q" type="search" name="q" placeholder="e.g. Grey" value=move || param("q").unwrap_or_default()/>
                </div>
                <button type="submit" class="button primary">"Search"</button>
            </Form>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || doctors.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p class="muted empty">"No doctor matches. Try fewer filters."</p> }.into_any(),
                Ok(list) => view! {
                    <ul class="doctor-grid" aria-label="Doctors">
                        {list.into_iter().map(|d| view! { <DoctorCardView doctor=d/> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
            })}
        </Transition>
    }
}

/// A filter drop-down: "any" first, then the values that exist, `selected` chosen.
#[component]
fn FacetSelect(label: &'static str, name: &'static str, any: &'static str, options: Vec<String>, selected: String) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                <option value="">{any}</option>
                {options.into_iter().map(|value| {
                    let chosen = value == selected;
                    let text = value.clone();
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn DoctorCardView(doctor: DoctorCard) -> impl IntoView {
    let href = format!("/doctors/{}", doctor.id);
    view! {
        <li class="card doctor-card">
            <h2><a href=href.clone()>{doctor.name.clone()}</a></h2>
            <p class="spec">{doctor.specialization.clone()} {doctor.city.clone().map(|c| format!(" · {c}"))}</p>
            <p class="muted small">{format!("{} years of experience", doctor.experience_years)} " · " {stars(doctor.rating, doctor.review_count)}</p>
            <p class="fee">{doctor.fee().to_string()} <span class="muted small">" per visit"</span></p>
            <a class="button small" href=href>"See free times"</a>
        </li>
    }
}

lazy_page!(
    /// The route of a doctor's own practice: [`PracticePage`] in a WASM chunk of its own.
    pub PracticeRoute => PracticePage, chunk = page_practice
);

/// A doctor's own practice: profile and fee, weekly hours, days off. Each form is a plain
/// form post, so it works before (and without) the WASM.
#[component]
pub fn PracticePage() -> impl IntoView {
    // Actions and the resource outside RequireUser: they survive its re-renders.
    let save_profile = ServerAction::<SavePractice>::new();
    let save_hours = ServerAction::<SaveHours>::new();
    let add_day_off = ServerAction::<AddMyDayOff>::new();
    let practice =
        Resource::new(move || (save_profile.version().get(), save_hours.version().get(), add_day_off.version().get()), |_| my_practice());
    let saved = move |version: usize, ok: bool| (version > 0 && ok).then(|| view! { <p class="alert success" role="status">"Saved."</p> });
    view! {
        <Title text="Your practice"/>
        <RequireUser roles=&[Role::Doctor]>
            <section class="page-head">
                <h1>"Your practice"</h1>
                <p class="muted">"What patients see in the directory, and when they can book you."</p>
            </section>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || practice.get().map(|result| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(practice) => {
                        let p = practice.profile.clone();
                        let card = p.card.clone();
                        let hours = p.weekly_schedule.clone();
                        view! {
                            <section class="card" aria-label="Profile and fee">
                                <h2>"Profile and fee"</h2>
                                {action_error(save_profile.value())}
                                {move || saved(save_profile.version().get(), save_profile.value().get().is_some_and(|r| r.is_ok()))}
                                <ActionForm action=save_profile attr:class="grid two">
                                    <Field label="Specialization" name="specialization" value=card.specialization.clone() required=true/>
                                    <Field label="License number" name="license_number" value=p.license_number.clone().unwrap_or_default()/>
                                    <Field label="City" name="city" value=card.city.clone().unwrap_or_default()/>
                                    <Field label="Address" name="address" value=p.address.clone().unwrap_or_default()/>
                                    <Field label="Years of experience" name="experience_years" kind="number" value=card.experience_years.to_string()/>
                                    <Field label="Consultation fee" name="fee" value=card.fee().amount() hint="For example 120 or 120.50"/>
                                    <Field label="Currency" name="currency" value=card.currency.clone() hint="Three letters, like USD"/>
                                    <Field label="Languages" name="languages" value=p.languages.join(", ") hint="Separated by commas"/>
                                    <div class="field span-two">
                                        <label for="field-bio">"About you"</label>
                                        <textarea id="field-bio" name="bio" rows="4">{p.bio.clone().unwrap_or_default()}</textarea>
                                    </div>
                                    <button type="submit" class="button primary">"Save profile"</button>
                                </ActionForm>
                            </section>
                            <section class="card" aria-label="Weekly hours">
                                <h2>"Weekly hours"</h2>
                                <p class="muted small">"Blocks like 10:00-13:00, 14:00-17:00 (the gap is your break). Leave a day empty if you don't work it. Patients book 30-minute slots inside these hours."</p>
                                {action_error(save_hours.value())}
                                {move || saved(save_hours.version().get(), save_hours.value().get().is_some_and(|r| r.is_ok()))}
                                <ActionForm action=save_hours attr:class="grid two">
                                    {WEEKDAY_NAMES.iter().enumerate().map(|(i, day)| {
                                        let name: &'static str = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][i];
                                        view! { <Field label=*day name=name value=format_day_hours(&hours, i as u8 + 1)/> }
                                    }).collect_view()}
                                    <button type="submit" class="button primary">"Save hours"</button>
                                </ActionForm>
                            </section>
                            <section class="card" aria-label="Days off">
                                <h2>"Days off"</h2>
                                {action_error(add_day_off.value())}
                                {if practice.days_off.is_empty() {
                                    view! { <p class="muted">"No days off planned."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="list days-off">
                                            {practice.days_off.iter().map(|day| view! { <li>{day.format("%A %-d %B %Y").to_string()}</li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <ActionForm action=add_day_off attr:class="grid two">
                                    <Field label="Date" name="date" kind="date" required=true/>
                                    <Field label="Reason (optional)" name="reason"/>
                                    <button type="submit" class="button">"Add day off"</button>
                                </ActionForm>
                            </section>
                        }.into_any()
                    }
                })}
            </Transition>
        </RequireUser>
    }
}
