//! The doctor page: the profile, the weekly hours, free slots with booking (a patient for
//! themselves, the front desk for a patient they find) and the reviews. It lives with
//! booking, which it is for; the directory and the practice page are `doctors::pages`.

use super::api::{find_patients, BookAppointment};
use super::PatientChoice;
use crate::auth::guard::use_auth;
use crate::auth::Role;
use crate::doctors::api::{doctor_reviews, doctor_slots, get_doctor_profile};
use crate::doctors::pages::stars;
use crate::doctors::slots::WorkBlock;
use crate::doctors::{format_day_hours, DoctorProfile, WEEKDAY_NAMES};
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, urlencode, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

type SlotsResource = Resource<Result<(String, Vec<String>), crate::error::ApiError>>;
type ReviewsResource = Resource<Result<Vec<(i16, String, String, String)>, crate::error::ApiError>>;

/// (weekday, hours) of the days the doctor works, for the doctor page's table.
fn schedule_lines(blocks: &[WorkBlock]) -> Vec<(&'static str, String)> {
    (1..=7u8)
        .map(|day| (WEEKDAY_NAMES[usize::from(day - 1)], format_day_hours(blocks, day).replace('-', "–")))
        .filter(|(_, hours)| !hours.is_empty())
        .collect()
}

lazy_page!(
    /// The route of a doctor's page (booking): [`DoctorPage`] in a WASM chunk of its own.
    pub DoctorRoute => DoctorPage, chunk = page_doctor
);

#[component]
pub fn DoctorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let query = use_query_map();
    let date_param = move || query.read().get("date").filter(|d| !d.is_empty());
    // Every resource of the page is created here, not inside the Suspense below: resources
    // made while hydrating nested Suspense content would not find their server data.
    let profile = Resource::new(id, get_doctor_profile);
    let slots = Resource::new(move || (id(), date_param()), |(id, date)| doctor_slots(id, date));
    let reviews = Resource::new(id, doctor_reviews);
    let matches = patient_matches();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || profile.get().map(|result| match result {
                Ok(p) => view! { <DoctorDetails profile=p slots=slots reviews=reviews matches=matches/> }.into_any(),
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn DoctorDetails(profile: DoctorProfile, slots: SlotsResource, reviews: ReviewsResource, matches: PatientMatches) -> impl IntoView {
    let card = profile.card.clone();
    let doctor_id = card.id;
    view! {
        <Title text=card.name.clone()/>
        <section class="card doctor-head">
            <h1>{card.name.clone()}</h1>
            <p class="spec">{card.specialization.clone()} {card.city.clone().map(|c| format!(" · {c}"))}</p>
            <dl class="facts">
                <div><dt>"Consultation fee"</dt><dd>{card.fee().to_string()}</dd></div>
                <div><dt>"Experience"</dt><dd>{format!("{} years", card.experience_years)}</dd></div>
                <div><dt>"Rating"</dt><dd>{stars(card.rating, card.review_count)}</dd></div>
                {profile.license_number.clone().map(|l| view! { <div><dt>"License"</dt><dd>{l}</dd></div> })}
                {(!profile.languages.is_empty()).then(|| view! { <div><dt>"Languages"</dt><dd>{profile.languages.join(", ")}</dd></div> })}
            </dl>
            {profile.bio.clone().map(|b| view! { <p>{b}</p> })}
            {profile.address.clone().map(|a| view! { <p class="muted">{a}</p> })}
        </section>
        <div class="grid two wide">
            <SlotPicker doctor_id=doctor_id fee=card.fee().to_string() doctor_name=card.name.clone() slots=slots matches=matches/>
            <section class="card">
                <h2>"Working hours"</h2>
                <table class="table compact">
                    <tbody>
                        {schedule_lines(&profile.weekly_schedule).into_iter().map(|(day, hours)| view! {
                            <tr><th scope="row">{day}</th><td>{hours}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <h2>"Reviews"</h2>
                <Suspense fallback=|| ()>
                    {move || reviews.get().map(|r| {
                        let list = r.unwrap_or_default();
                        if list.is_empty() {
                            view! { <p class="muted empty">"No reviews yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list">
                                    {list.into_iter().map(|(rating, text, name, when)| view! {
                                        <li class="review">
                                            <strong aria-label=format!("{rating} out of 5")>{"★".repeat(rating as usize)}</strong>
                                            " " <span class="muted small">{name} " · " {when}</span>
                                            <p>{text}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    })}
                </Suspense>
            </section>
        </div>
    }
}

/// Date → free slots → confirm. Driven by the query string (`?date=&time=`), so it works
/// as plain links and forms before the WASM arrives.
#[component]
fn SlotPicker(doctor_id: i64, fee: String, doctor_name: String, slots: SlotsResource, matches: PatientMatches) -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let time_param = move || query.read().get("time").filter(|t| !t.is_empty());
    let book = ServerAction::<BookAppointment>::new();
    let fee = StoredValue::new(fee);
    let doctor_name = StoredValue::new(doctor_name);
    view! {
        <section class="card" aria-labelledby="book-heading">
            <h2 id="book-heading">"Book a visit"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Finding free times…"</p> }>
                {move || slots.get().map(|result| match result {
                    Err(err) => view! { <p class="alert error" role="alert">{err.message}</p> }.into_any(),
                    Ok((date, times)) => {
                        let here = format!("/doctors/{doctor_id}");
                        let slot_list = if times.is_empty() {
                            view! { <p class="muted empty">"No free times that day. Try another date."</p> }.into_any()
                        } else {
                            let items = times
                                .into_iter()
                                .map(|t| {
                                    let chosen = time_param().as_deref() == Some(t.as_str());
                                    let href = format!("{here}?date={date}&time={}", urlencode(&t));
                                    let class = if chosen { "slot chosen" } else { "slot" };
                                    view! { <li><A href=href attr:class=class attr:aria-current=chosen.then_some("true")>{t}</A></li> }
                                })
                                .collect_view();
                            view! { <ul class="slots" aria-label=format!("Free times on {date}")>{items}</ul> }.into_any()
                        };
                        let form_date = date.clone();
                        view! {
                            <Form method="GET" action=here attr:class="inline-form">
                                <label for="slot-date">"Date"</label>
                                <input id="slot-date" type="date" name="date" value=form_date required=true/>
                                <button type="submit" class="button small">"Show free times"</button>
                            </Form>
                            {slot_list}
                            {move || time_param().map(|time| {
                                let date = date.clone();
                                match auth.user.get().and_then(Result::ok).flatten() {
                                    Some(user) if user.role == Role::Patient => view! {
                                        <div class="confirm" role="region" aria-label="Confirm booking">
                                            <h3>"Confirm your visit"</h3>
                                            <p>{doctor_name.get_value()} " · " {date.clone()} " at " {time.clone()}</p>
                                            <p>"Cost: " <strong>{fee.get_value()}</strong></p>
                                            <ActionForm action=book attr:class="stack">
                                                {action_error(book.value())}
                                                <BookingFields doctor_id date=date.clone() time=time.clone() reason_id="book-reason"/>
                                                <button type="submit" class="button primary" disabled=move || book.pending().get()>"Book this time"</button>
                                            </ActionForm>
                                        </div>
                                    }.into_any(),
                                    Some(user) if matches!(user.role, Role::Staff | Role::Admin) => view! {
                                        <DeskBooking doctor_id date=date.clone() time=time.clone() fee=fee.get_value() doctor_name=doctor_name.get_value() matches/>
                                    }.into_any(),
                                    Some(_) => view! { <p class="muted">"Patients book their own visits here; the front desk can book for them."</p> }.into_any(),
                                    None => {
                                        let next = format!("/doctors/{doctor_id}?date={date}&time={time}");
                                        view! { <p><a class="button primary" href=format!("/login?next={}", urlencode(&next))>"Sign in to book"</a></p> }.into_any()
                                    }
                                }
                            })}
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The fields of a booking form, named as `book_appointment` takes them: the chosen slot
/// (hidden), anything the form adds (`children`), then the optional reason.
#[component]
fn BookingFields(
    doctor_id: i64,
    date: String,
    time: String,
    reason_id: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <input type="hidden" name="doctor_id" value=doctor_id/>
        <input type="hidden" name="date" value=date/>
        <input type="hidden" name="time_slot" value=time/>
        {children.map(|children| children())}
        <div class="field">
            <label for=reason_id>"Reason for the visit (optional)"</label>
            <textarea id=reason_id name="reason" rows="2" maxlength="1000"></textarea>
        </div>
    }
}

type PatientMatches = Resource<Result<Vec<PatientChoice>, ApiError>>;

/// The desk's patient search (`?patient_q=`), made with the page's other resources.
fn patient_matches() -> PatientMatches {
    let query = use_query_map();
    Resource::new(
        move || query.read().get("patient_q").unwrap_or_default(),
        |text| async move {
            if text.trim().is_empty() {
                Ok(Vec::new())
            } else {
                find_patients(text).await
            }
        },
    )
}

/// The front desk books the chosen time for a patient: find them by name or email (a GET
/// form, so the search is a link and works before the WASM), pick one, confirm. Patients
/// whose email is not confirmed are listed but can't be chosen, with the reason.
#[component]
fn DeskBooking(doctor_id: i64, date: String, time: String, fee: String, doctor_name: String, matches: PatientMatches) -> impl IntoView {
    let query = use_query_map();
    let patient_query = move || query.read().get("patient_q").unwrap_or_default();
    let book = ServerAction::<BookAppointment>::new();
    let here = format!("/doctors/{doctor_id}");
    let (form_date, form_time) = (date.clone(), time.clone());
    view! {
        <div class="confirm" role="region" aria-label="Book for a patient">
            <h3>"Book for a patient"</h3>
            <p>{doctor_name} " · " {date.clone()} " at " {time.clone()}</p>
            <p>"Cost: " <strong>{fee}</strong></p>
            <Form method="GET" action=here attr:class="inline-form" attr:role="search">
                <input type="hidden" name="date" value=form_date/>
                <input type="hidden" name="time" value=form_time/>
                <label for="patient-q">"Patient"</label>
                <input id="patient-q" type="search" name="patient_q" value=patient_query placeholder="Name or email" minlength="2" required=true/>
                <button type="submit" class="button small">"Find patient"</button>
            </Form>
            <Suspense fallback=|| view! { <p class="muted">"Searching…"</p> }>
                {move || matches.get().map(|result| match result {
                    Err(err) => view! { <p class="alert error" role="alert">{err.message}</p> }.into_any(),
                    Ok(found) if found.is_empty() => {
                        let text = patient_query();
                        (!text.trim().is_empty()).then(|| view! { <p class="muted empty">"No patient matches “" {text} "”."</p> }).into_any()
                    }
                    Ok(found) => {
                        let (date, time) = (date.clone(), time.clone());
                        let choices = found
                            .into_iter()
                            .map(|patient| {
                                let input_id = format!("patient-{}", patient.patient_id);
                                let label_for = input_id.clone();
                                view! {
                                    <label for=label_for>
                                        <input id=input_id type="radio" name="patient_id" value=patient.patient_id required=true disabled=!patient.bookable/>
                                        " " {patient.name} " · " <span class="muted">{patient.email.unwrap_or_else(|| "no email".into())}</span>
                                        {(!patient.bookable).then(|| view! { <span class="muted small">" (email not confirmed yet)"</span> })}
                                    </label>
                                }
                            })
                            .collect_view();
                        view! {
                            <ActionForm action=book attr:class="stack">
                                {action_error(book.value())}
                                <BookingFields doctor_id date time reason_id="desk-reason">
                                    <fieldset class="choice">
                                        <legend>"Choose the patient"</legend>
                                        {choices}
                                    </fieldset>
                                </BookingFields>
                                <button type="submit" class="button primary" disabled=move || book.pending().get()>"Book for this patient"</button>
                            </ActionForm>
                        }.into_any()
                    }
                })}
            </Suspense>
        </div>
    }
}
