//! "My appointments" (patients), the schedule (doctors), the desk's list, and one
//! appointment's page with its confirmation, rescheduling and cancellation.

use super::api::{
    appointment_calendar, appointment_slots, get_appointment, my_appointments, ChangeAppointment, LeaveReview, RescheduleAppointment,
};
use super::{Appointment, AppointmentStatus, Calendar, CalendarDay, CalendarSpan};
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

fn status_badge(status: AppointmentStatus) -> impl IntoView {
    let kind = match status {
        AppointmentStatus::Accepted | AppointmentStatus::Completed => "ok",
        AppointmentStatus::Pending => "warn",
        _ => "muted",
    };
    view! { <span class=format!("badge {kind}")>{status.label()}</span> }
}

/// Whether the appointment page links to the patient's chart: for nurses and admins, and for
/// the doctor once the visit was accepted (the chart rule, `patients::access`).
fn opens_chart(viewer: Role, status: AppointmentStatus) -> bool {
    match viewer {
        Role::Nurse | Role::Admin => true,
        Role::Doctor => matches!(status, AppointmentStatus::Accepted | AppointmentStatus::Completed | AppointmentStatus::NoShow),
        _ => false,
    }
}

/// Who works with a calendar rather than a list of their own visits.
const CLINIC: &[Role] = &[Role::Doctor, Role::Nurse, Role::Staff, Role::Manager, Role::Admin];

lazy_page!(
    /// The route of the appointment list or calendar: [`AppointmentsPage`] in a WASM chunk of its own.
    pub AppointmentsRoute => AppointmentsPage, chunk = page_appointments
);

#[component]
pub fn AppointmentsPage() -> impl IntoView {
    // Actions live outside RequireUser so their results survive its re-renders; so do the
    // resources (see `page_resource`).
    let change = ServerAction::<ChangeAppointment>::new();
    let query = use_query_map();
    let list = page_resource(&[Role::Patient], move || change.version().get(), |_| my_appointments());
    let calendar_query = move || {
        let q = query.read();
        (q.get("span"), q.get("date"), q.get("doctor_id").and_then(|id| id.parse().ok()), q.get("page").and_then(|page| page.parse().ok()))
    };
    let calendar = page_resource(
        CLINIC,
        move || (calendar_query(), change.version().get()),
        |((span, date, doctor_id, page), _)| appointment_calendar(span, date, doctor_id, page),
    );
    view! {
        <Title text="Appointments"/>
        <RequireUser>
            {move || if use_user().role == Role::Patient {
                view! { <AppointmentList change=change appointments=list/> }.into_any()
            } else {
                view! { <CalendarView change=change calendar=calendar/> }.into_any()
            }}
        </RequireUser>
    }
}

/// Doctors' day and week schedule (and the desk's view of the clinic): the window comes from
/// `?span=day|week&date=YYYY-MM-DD`, so every view is a plain link.
#[component]
fn CalendarView(change: ServerAction<ChangeAppointment>, calendar: CalendarResource) -> impl IntoView {
    let me = use_user();
    let (title, intro) = if me.role == Role::Doctor {
        ("Your schedule", "Answer new requests, then complete each visit with your notes.")
    } else {
        ("Appointments", "Every appointment of the clinic, by day or week, for all doctors or one.")
    };
    view! {
        <section class="page-head">
            <h1>{title}</h1>
            <p class="muted">{intro}</p>
        </section>
        {action_error(change.value())}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || calendar.get().flatten().map(|result| match result {
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
                Ok(cal) => {
                    let span = cal.span.as_str();
                    let other = if cal.span == CalendarSpan::Week { ("day", "Day") } else { ("week", "Week") };
                    let doctor = cal.doctor_id;
                    let link = move |span: &str, date: &str| calendar_link(span, date, doctor, 0);
                    view! {
                        {(!cal.pending.is_empty()).then(|| view! {
                            <section class="card pending-requests" aria-label="Requests waiting for you">
                                <h2>"Requests waiting for you " <span class="badge warn">{cal.pending.len()}</span></h2>
                                <ul class="list">{cal.pending.clone().into_iter().map(|a| view! { <AppointmentRow appointment=a change=change/> }).collect_view()}</ul>
                            </section>
                        })}
                        {(!cal.doctors.is_empty()).then(|| doctor_filter(&cal))}
                        <nav class="calendar-nav" aria-label="Calendar">
                            <a class="button small" href=link(span, &cal.previous) aria-label=format!("Previous {span}")>"‹"</a>
                            <a class="button small" href=link(span, &cal.today)>"Today"</a>
                            <a class="button small" href=link(span, &cal.next) aria-label=format!("Next {span}")>"›"</a>
                            <h2 class="calendar-title">{cal.title.clone()}</h2>
                            <a class="button small ghost" href=link(other.0, &cal.date)>{format!("{} view", other.1)}</a>
                        </nav>
                        {calendar_pager(&cal)}
                        <div class=format!("calendar {span}")>
                            {cal.days.into_iter().map(|day| view! { <CalendarDayView day=day change=change detailed=span == "day"/> }).collect_view()}
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The calendar page of `span` around `date`, for one doctor or all, from `page`.
fn calendar_link(span: &str, date: &str, doctor_id: Option<i64>, page: i64) -> String {
    let mut link = format!("/appointments?span={span}&date={date}");
    if let Some(id) = doctor_id {
        link.push_str(&format!("&doctor_id={id}"));
    }
    if page > 0 {
        link.push_str(&format!("&page={page}"));
    }
    link
}

/// The clinic's calendar for all doctors or one (staff).
fn doctor_filter(calendar: &Calendar) -> impl IntoView {
    let (span, date, selected) = (calendar.span.as_str(), calendar.date.clone(), calendar.doctor_id);
    let options = calendar
        .doctors
        .iter()
        .map(|d| view! { <option value=d.id.to_string() selected=selected == Some(d.id)>{format!("{} · {}", d.name, d.specialization)}</option> })
        .collect_view();
    view! {
        <Form method="GET" action="/appointments" attr:class="calendar-filter" attr:aria-label="Whose appointments">
            <input type="hidden" name="span" value=span/>
            <input type="hidden" name="date" value=date/>
            <div class="field">
                <label for="calendar-doctor">"Doctor"</label>
                <select id="calendar-doctor" name="doctor_id">
                    <option value="" selected=selected.is_none()>"All doctors"</option>
                    {options}
                </select>
            </div>
            <button type="submit" class="button">"Show"</button>
        </Form>
    }
}

/// Where this page is among the span's appointments, when they don't fit on one.
fn calendar_pager(calendar: &Calendar) -> Option<impl IntoView> {
    let (first, last) = calendar.shown().filter(|_| calendar.page > 0 || calendar.has_next_page())?;
    let link = |page: i64| calendar_link(calendar.span.as_str(), &calendar.date, calendar.doctor_id, page);
    Some(view! {
        <nav class="calendar-pager" aria-label="Pages">
            <span>{format!("Appointments {first}–{last} of {}", calendar.total)}</span>
            {(calendar.page > 0).then(|| view! { <a class="button small" href=link(calendar.page - 1)>"‹ Earlier"</a> })}
            {calendar.has_next_page().then(|| view! { <a class="button small" href=link(calendar.page + 1)>"Later ›"</a> })}
        </nav>
    })
}

#[component]
fn CalendarDayView(day: CalendarDay, change: ServerAction<ChangeAppointment>, detailed: bool) -> impl IntoView {
    let viewer = use_user().role;
    let href = format!("/appointments?span=day&date={}", day.date);
    let count = day.total;
    let elsewhere = day.total - day.appointments.len() as i64;
    view! {
        <section class="card calendar-day" class:today=day.is_today data-date=day.date.clone()>
            <h3><a href=href>{day.label.clone()}</a> {(count > 0).then(|| view! { <span class="muted small">{format!(" · {count}")}</span> })}</h3>
            {(elsewhere > 0).then(|| view! { <p class="muted small">{format!("{elsewhere} more on other pages")}</p> })}
            {if day.appointments.is_empty() {
                (elsewhere == 0).then(|| view! { <p class="muted empty small">"Free"</p> }).into_any()
            } else if detailed {
                view! { <ul class="list">{day.appointments.into_iter().map(|a| view! { <AppointmentRow appointment=a change=change/> }).collect_view()}</ul> }.into_any()
            } else {
                view! {
                    <ul class="slots-list">
                        {day.appointments.into_iter().map(|a| view! {
                            <li class=format!("slot-entry status-{}", a.status.as_str())>
                                <a href=format!("/appointments/{}", a.id)>
                                    <strong>{a.time_slot.clone()}</strong> " " {other_party(viewer, &a)}
                                </a>
                                " " {status_badge(a.status)}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AppointmentList(
    change: ServerAction<ChangeAppointment>,
    appointments: Resource<Option<Result<Vec<Appointment>, ApiError>>>,
) -> impl IntoView {
    let me = use_user();
    let (title, intro) = match me.role {
        Role::Patient => ("Your appointments", "Upcoming visits first. Open one to move or cancel it."),
        Role::Doctor => ("Your schedule", "Accept or decline requests, then complete visits with your notes."),
        _ => ("Appointments", "Every appointment of the clinic."),
    };
    view! {
        <section class="page-head">
            <h1>{title}</h1>
            <p class="muted">{intro}</p>
            {(me.role == Role::Patient).then(|| view! { <a class="button primary" href="/doctors">"Book a visit"</a> })}
        </section>
        {action_error(change.value())}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || appointments.get().flatten().map(|result| match result {
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
                Ok(list) => {
                    let (live, past): (Vec<Appointment>, Vec<Appointment>) = list.into_iter().partition(|a| a.status.is_live());
                    let mut past = past;
                    past.reverse();
                    view! {
                        <section class="card">
                            <h2>"Upcoming"</h2>
                            {if live.is_empty() {
                                view! { <p class="muted empty">"Nothing scheduled."</p> }.into_any()
                            } else {
                                view! { <ul class="list">{live.into_iter().map(|a| view! { <AppointmentRow appointment=a change=change/> }).collect_view()}</ul> }.into_any()
                            }}
                        </section>
                        <section class="card">
                            <h2>"Past and cancelled"</h2>
                            {if past.is_empty() {
                                view! { <p class="muted empty">"No past appointments."</p> }.into_any()
                            } else {
                                view! { <ul class="list">{past.into_iter().map(|a| view! { <AppointmentRow appointment=a change=change/> }).collect_view()}</ul> }.into_any()
                            }}
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// Who the visit is with, as this user sees it: patients see the doctor, doctors the patient,
/// the clinic's staff both.
fn other_party(viewer: Role, a: &Appointment) -> String {
    match viewer {
        Role::Patient => format!("{} · {}", a.doctor_name, a.specialization),
        Role::Doctor => a.patient_name.clone(),
        _ => format!("{} with {}", a.patient_name, a.doctor_name),
    }
}

#[component]
fn AppointmentRow(appointment: Appointment, change: ServerAction<ChangeAppointment>) -> impl IntoView {
    let me = use_user();
    let a = appointment;
    let other = other_party(me.role, &a);
    let href = format!("/appointments/{}", a.id);
    view! {
        <li class="row appointment" data-id=a.id>
            <div>
                <div><strong>{a.date.clone()} " " {a.time_slot.clone()}</strong> " " {status_badge(a.status)}</div>
                <div>{other}</div>
                {a.reason.clone().map(|r| view! { <div class="muted small">"Reason: " {r}</div> })}
                {a.visit_notes.clone().map(|n| view! { <div class="notes">"Visit notes: " {n}</div> })}
                {a.status_reason.clone().map(|r| view! { <div class="muted small">"Note: " {r}</div> })}
            </div>
            <div class="row-actions">
                <A href=href attr:class="button small">"Details"</A>
                <StatusActions appointment=a.clone() change=change/>
            </div>
        </li>
    }
}

/// The lifecycle buttons this user may press for this appointment.
#[component]
fn StatusActions(appointment: Appointment, change: ServerAction<ChangeAppointment>) -> impl IntoView {
    let me = use_user();
    let a = appointment;
    let id = a.id;
    let simple = move |action: &'static str, label: &'static str| {
        view! {
            <ActionForm action=change attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value=action/>
                <button type="submit" class="button small">{label}</button>
            </ActionForm>
        }
    };
    let with_text = move |action: &'static str, field: &'static str, placeholder: &'static str, label: &'static str| {
        view! {
            <ActionForm action=change attr:class="inline with-text">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value=action/>
                <label class="sr-only" for=format!("{action}-{id}")>{placeholder}</label>
                <input id=format!("{action}-{id}") name=field placeholder=placeholder required=action == "reject"/>
                <button type="submit" class="button small">{label}</button>
            </ActionForm>
        }
    };
    match (me.role, a.status) {
        (Role::Doctor, AppointmentStatus::Pending) => {
            view! { {simple("accept", "Accept")} {with_text("reject", "reason", "Reason for declining", "Decline")} }.into_any()
        }
        (Role::Doctor, AppointmentStatus::Accepted) => view! {
            {with_text("complete", "notes", "Visit notes", "Complete")} {simple("no_show", "Missed")}
        }
        .into_any(),
        (Role::Patient, status) if status.is_live() => simple("cancel", "Cancel").into_any(),
        (Role::Staff | Role::Admin, status) if status.is_live() => {
            with_text("cancel", "reason", "Reason for cancelling", "Cancel").into_any()
        }
        _ => ().into_any(),
    }
}

/// The free times to move an appointment to: the day shown and its slots.
type SlotsResource = Resource<Option<Result<(String, Vec<String>), ApiError>>>;

lazy_page!(
    /// The route of one appointment: [`AppointmentPage`] in a WASM chunk of its own.
    pub AppointmentRoute => AppointmentPage, chunk = page_appointment
);

#[component]
pub fn AppointmentPage() -> impl IntoView {
    let change = ServerAction::<ChangeAppointment>::new();
    let reschedule = ServerAction::<RescheduleAppointment>::new();
    let review = ServerAction::<LeaveReview>::new();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let appointment = page_resource(
        &[],
        move || (id(), change.version().get(), reschedule.version().get(), review.version().get()),
        |(id, ..)| get_appointment(id),
    );
    let date_param = move || query.read().get("date").filter(|d| !d.is_empty());
    let slots = page_resource(&[], move || (id(), date_param(), reschedule.version().get()), |(id, date, _)| appointment_slots(id, date));
    view! {
        <Title text="Appointment"/>
        <RequireUser>
            <AppointmentDetails change=change reschedule=reschedule review=review appointment=appointment slots=slots/>
        </RequireUser>
    }
}

#[component]
fn AppointmentDetails(
    change: ServerAction<ChangeAppointment>,
    reschedule: ServerAction<RescheduleAppointment>,
    review: ServerAction<LeaveReview>,
    appointment: Resource<Option<Result<Appointment, ApiError>>>,
    slots: SlotsResource,
) -> impl IntoView {
    let query = use_query_map();
    let viewer_role = use_user().role;
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || appointment.get().flatten().map(|result| match result {
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
                Ok(a) => {
                    let booked = query.read().get("booked").is_some();
                    // The desk books for patients: say whose visit it is.
                    let whose = if viewer_role == Role::Patient { "Your visit".to_owned() } else { format!("{}'s visit", a.patient_name) };
                    let moved = query.read().get("moved").is_some();
                    view! {
                        {booked.then(|| view! {
                            <p class="alert success" role="status">
                                {format!("Booked! {whose} with {} on {} at {} is waiting for the doctor's confirmation. Cost: {}.",
                                    a.doctor_name, a.date, a.time_slot, a.fee())}
                            </p>
                        })}
                        {moved.then(|| view! { <p class="alert success" role="status">{format!("Moved to {} at {}.", a.date, a.time_slot)}</p> })}
                        {action_error(change.value())}
                        <section class="card">
                            <h1>{format!("{} at {}", a.date, a.time_slot)} " " {status_badge(a.status)}</h1>
                            <dl class="facts">
                                <div><dt>"Doctor"</dt><dd>{a.doctor_name.clone()} " · " {a.specialization.clone()}</dd></div>
                                <div><dt>"Patient"</dt><dd>{a.patient_name.clone()}</dd></div>
                                <div><dt>"Cost"</dt><dd>{a.fee().to_string()}</dd></div>
                                {a.reason.clone().map(|r| view! { <div><dt>"Reason"</dt><dd>{r}</dd></div> })}
                                {a.status_reason.clone().map(|r| view! { <div><dt>"Note"</dt><dd>{r}</dd></div> })}
                            </dl>
                            {a.visit_notes.clone().map(|n| view! { <h2>"Visit notes"</h2><p class="notes">{n}</p> })}
                            <div class="row-actions">
                                <StatusActions appointment=a.clone() change=change/>
                                {opens_chart(viewer_role, a.status).then(|| view! {
                                    <a class="button" href=format!("/patients/{}/chart", a.patient_id)>"Open chart"</a>
                                })}
                                {(viewer_role == Role::Doctor && matches!(a.status, AppointmentStatus::Accepted | AppointmentStatus::Completed)).then(|| view! {
                                    <a class="button" href=format!("/patients/{}/visit-note?appointment={}", a.patient_id, a.id)>"Write the visit note"</a>
                                })}
                            </div>
                        </section>
                        <ReviewCard appointment=a.clone() review=review/>
                        <RescheduleCard appointment=a reschedule=reschedule slots=slots/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// Patients (and the desk) move a live appointment to another free slot of the same doctor.
#[component]
fn RescheduleCard(appointment: Appointment, reschedule: ServerAction<RescheduleAppointment>, slots: SlotsResource) -> impl IntoView {
    let me = use_user();
    let may = appointment.status.is_live() && matches!(me.role, Role::Patient | Role::Staff | Role::Admin);
    let id = appointment.id;
    may.then(|| {
        view! {
            <section class="card" aria-labelledby="move-heading">
                <h2 id="move-heading">"Move this appointment"</h2>
                {action_error(reschedule.value())}
                <Suspense fallback=|| view! { <p class="muted">"Finding free times…"</p> }>
                    {move || slots.get().flatten().map(|result| match result {
                        Err(err) => view! { <p class="alert error">{err.message}</p> }.into_any(),
                        Ok((date, times)) => {
                            let slot_list = if times.is_empty() {
                                view! { <p class="muted empty">"No free times that day."</p> }.into_any()
                            } else {
                                let items = times
                                    .into_iter()
                                    .map(|t| {
                                        let slot_date = date.clone();
                                        let label = format!("Move to {t}");
                                        view! {
                                            <li>
                                                <ActionForm action=reschedule attr:class="inline">
                                                    <input type="hidden" name="id" value=id/>
                                                    <input type="hidden" name="date" value=slot_date/>
                                                    <input type="hidden" name="time_slot" value=t.clone()/>
                                                    <button type="submit" class="slot" aria-label=label>{t}</button>
                                                </ActionForm>
                                            </li>
                                        }
                                    })
                                    .collect_view();
                                view! { <ul class="slots" aria-label=format!("Free times on {date}")>{items}</ul> }.into_any()
                            };
                            view! {
                                <Form method="GET" action=format!("/appointments/{id}") attr:class="inline-form">
                                    <label for="move-date">"Date"</label>
                                    <input id="move-date" type="date" name="date" value=date required=true/>
                                    <button type="submit" class="button small">"Show free times"</button>
                                </Form>
                                {slot_list}
                            }.into_any()
                        }
                    })}
                </Suspense>
            </section>
        }
    })
}

/// After a completed visit, its patient rates the doctor once.
#[component]
fn ReviewCard(appointment: Appointment, review: ServerAction<LeaveReview>) -> impl IntoView {
    let me = use_user();
    let thanked = move || matches!(review.value().get(), Some(Ok(())));
    let open = me.role == Role::Patient && appointment.status == AppointmentStatus::Completed;
    open.then(|| {
        if appointment.reviewed {
            return view! {
                <section class="card"><p class="muted">{move || if thanked() { "Thank you for your review." } else { "You reviewed this visit." }}</p></section>
            }
            .into_any();
        }
        view! {
            <section class="card" aria-labelledby="review-heading">
                <h2 id="review-heading">{format!("How was your visit with {}?", appointment.doctor_name)}</h2>
                <ActionForm action=review attr:class="stack">
                    {action_error(review.value())}
                    <input type="hidden" name="doctor_id" value=appointment.doctor_id/>
                    <input type="hidden" name="appointment_id" value=appointment.id/>
                    <fieldset class="choice rating">
                        <legend>"Rating"</legend>
                        {(1..=5).rev().map(|n| view! {
                            <label>
                                <input type="radio" name="rating" value=n required=true checked=n == 5/>
                                " " <span aria-hidden="true" class="stars">{"★".repeat(n)}</span>
                                {format!(" {n} star{}", if n == 1 { "" } else { "s" })}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for="review-text">"Your review (optional)"</label>
                        <textarea id="review-text" name="text" rows="3" maxlength="4000"></textarea>
                    </div>
                    <button type="submit" class="button primary">"Post review"</button>
                </ActionForm>
            </section>
        }
        .into_any()
    })
}

/// One line of a dashboard panel: when, with whom, its state; opens the appointment.
fn visit_line(a: Appointment, viewer: Role) -> impl IntoView {
    let with = other_party(viewer, &a);
    view! {
        <li class="visit-line">
            <a href=format!("/appointments/{}", a.id)><strong>{a.date} " " {a.time_slot}</strong></a>
            " · " {with} " " {status_badge(a.status)}
        </li>
    }
}

/// How many visits a dashboard panel shows before "See all".
const PANEL_VISITS: usize = 3;

/// What [`UpcomingVisitsPanel`] shows: the patient's appointments (nothing for other roles).
pub type VisitsResource = Resource<Option<Result<Vec<Appointment>, ApiError>>>;

/// Loads [`UpcomingVisitsPanel`]'s data; call it where the page starts (see `page_resource`).
pub fn upcoming_visits() -> VisitsResource {
    page_resource(&[Role::Patient], || (), |_| my_appointments())
}

/// The patient's dashboard: their next live visits.
#[component]
pub fn UpcomingVisitsPanel(visits: VisitsResource) -> impl IntoView {
    view! {
        <section class="card panel">
            <h2>"Upcoming appointments"</h2>
            <Suspense fallback=|| ()>
                {move || visits.get().flatten().map(|result| {
                    let upcoming: Vec<Appointment> = result.unwrap_or_default().into_iter().filter(|a| a.status.is_live()).take(PANEL_VISITS).collect();
                    if upcoming.is_empty() {
                        view! {
                            <p class="muted empty">"You have no upcoming appointments."</p>
                            <a href="/doctors">"Book a visit"</a>
                        }.into_any()
                    } else {
                        view! {
                            <ul class="list compact">
                                {upcoming.into_iter().map(|a| visit_line(a, Role::Patient)).collect_view()}
                            </ul>
                            <a href="/appointments">"See all"</a>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A calendar: the doctor's day on the dashboard, the appointments page of the clinic.
pub type CalendarResource = Resource<Option<Result<Calendar, ApiError>>>;

/// Loads [`DoctorDayPanels`]' data; call it where the page starts (see `page_resource`).
pub fn doctor_day() -> CalendarResource {
    page_resource(&[Role::Doctor], || (), |_| appointment_calendar(Some("day".into()), None, None, None))
}

/// The doctor's dashboard: today's visits and the requests waiting for an answer.
#[component]
pub fn DoctorDayPanels(today: CalendarResource) -> impl IntoView {
    let panel = move |title: &'static str, empty: &'static str, pick: fn(super::Calendar) -> Vec<Appointment>| {
        view! {
            <section class="card panel">
                <h2>{title}</h2>
                <Suspense fallback=|| ()>
                    {move || today.get().flatten().map(|result| {
                        let visits = result.map(pick).unwrap_or_default();
                        if visits.is_empty() {
                            view! { <p class="muted empty">{empty}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list compact">
                                    {visits.into_iter().take(PANEL_VISITS).map(|a| visit_line(a, Role::Doctor)).collect_view()}
                                </ul>
                                <a href="/appointments">"All appointments"</a>
                            }.into_any()
                        }
                    })}
                </Suspense>
            </section>
        }
    };
    view! {
        {panel("Today's schedule", "No appointments today.", |day| day.days.into_iter().flat_map(|d| d.appointments).filter(|a| a.status.is_live()).collect())}
        {panel("Pending requests", "No requests waiting for you.", |day| day.pending)}
    }
}
