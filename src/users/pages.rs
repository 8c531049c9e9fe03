//! Dashboards, user management, outbox and audit pages.

use super::api::{
    audit_chain_state, get_outbox, list_users, search_audit, CreateAccount, DeactivateUser, VerifyAuditChain, VerifyDoctor, VerifyUserEmail,
};
use super::{OutboxMessage, UserSummary};
use crate::appointments::pages::{doctor_day, upcoming_visits, CalendarResource, DoctorDayPanels, UpcomingVisitsPanel, VisitsResource};
use crate::audit::{AuditRecord, ChainState};
use crate::auth::guard::{page_resource, use_auth, use_user, RequireUser};
use crate::auth::{CurrentUser, Role};
use crate::billing::pages::{outstanding_bills_resource, BillsPanel, OutstandingResource};
use crate::error::ApiError;
use crate::pharmacy::pages::{stock_alerts_resource, AlertsResource, StockAlertsPanel};
use crate::prescriptions::pages::{refill_count, RefillCountResource, RefillQueuePanel};
use crate::questions::pages::{open_question_count, CountResource, QuestionQueuePanel};
use crate::reports::pages::{month_glance_resource, GlanceResource, MonthGlancePanel};
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView, Field};
use crate::xrays::pages::{unread_xray_count, XrayWorklistPanel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The panels' data, loaded where the page starts (see `page_resource`).
#[derive(Clone, Copy)]
struct PanelData {
    pending_doctors: Resource<Option<Result<Vec<UserSummary>, ApiError>>>,
    visits: VisitsResource,
    day: CalendarResource,
    open_questions: CountResource,
    xrays_to_read: CountResource,
    bills: OutstandingResource,
    glance: GlanceResource,
    refills: RefillCountResource,
    stock: AlertsResource,
}

lazy_page!(
    /// The route of the home dashboard: [`DashboardPage`] in a WASM chunk of its own.
    pub DashboardRoute => DashboardPage, chunk = page_dashboard
);

#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = use_auth();
    let data = PanelData {
        pending_doctors: page_resource(&[Role::Admin], || (), |_| list_users(Some(Role::Doctor), None)),
        visits: upcoming_visits(),
        day: doctor_day(),
        open_questions: open_question_count(),
        xrays_to_read: unread_xray_count(),
        bills: outstanding_bills_resource(),
        glance: month_glance_resource(),
        refills: refill_count(),
        stock: stock_alerts_resource(),
    };
    view! {
        <Title text=""/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || auth.user.get().map(|user| match user {
                Ok(Some(user)) => view! { <Dashboard user=user data=data/> }.into_any(),
                Ok(None) => view! { <Welcome/> }.into_any(),
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Your care, in one place"</h1>
            <p>"Find a doctor and book a visit, see your records, x-rays and bills, ask your doctor a question — or get help fast in an emergency."</p>
            <div class="actions">
                <a class="button primary" href="/register">"Create an account"</a>
                <a class="button" href="/login">"Sign in"</a>
            </div>
        </section>
    }
}

/// Panels per role; each fills in as its feature lands.
fn panels(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        // Appointments have live panels of their own (see `Dashboard`).
        Role::Patient => &[("Messages", "No new messages.")],
        // Doctors' panels are all live (see `Dashboard`).
        Role::Doctor => &[],
        Role::Nurse => &[("Emergency board", "No open emergencies."), ("Vitals to record", "Nothing waiting.")],
        Role::Staff => &[("Front desk", "No patients waiting."), ("Emergency board", "No open emergencies.")],
        // The month's figures and the reports (see `Dashboard`).
        Role::Manager => &[],
        Role::Admin => &[("System", "All services running.")],
    }
}

#[component]
fn Dashboard(user: CurrentUser, data: PanelData) -> impl IntoView {
    let first_name = user.name.split_whitespace().find(|w| !w.ends_with('.')).unwrap_or(&user.name).to_owned();
    view! {
        <section class="page-head">
            <h1>"Welcome, " {first_name}</h1>
            <p class="muted">{format!("{} dashboard", user.role.label())}</p>
        </section>
        {(user.role == Role::Patient && !user.email_verified).then(|| view! {
            <p class="alert warn" role="status">
                "Please confirm your email address: we sent you a link. Until then you can't book appointments."
            </p>
        })}
        {(user.role == Role::Doctor && !user.verified).then(|| view! {
            <p class="alert warn" role="status">
                "Your doctor profile is waiting for verification by the clinic. Patients can book you once it is verified."
            </p>
        })}
        <div class="panels">
            {(user.role == Role::Admin).then(|| view! { <PendingDoctorsPanel doctors=data.pending_doctors/> })}
            {(user.role == Role::Patient).then(|| view! { <UpcomingVisitsPanel visits=data.visits/> })}
            {(user.role == Role::Doctor).then(|| view! { <DoctorDayPanels today=data.day/> <QuestionQueuePanel queue=data.open_questions/> <RefillQueuePanel count=data.refills/> <XrayWorklistPanel count=data.xrays_to_read/> })}
            {matches!(user.role, Role::Patient | Role::Staff | Role::Admin).then(|| view! { <BillsPanel bills=data.bills role=user.role/> })}
            {matches!(user.role, Role::Staff | Role::Admin).then(|| view! { <StockAlertsPanel alerts=data.stock/> })}
            {matches!(user.role, Role::Manager | Role::Admin).then(|| view! { <MonthGlancePanel glance=data.glance/> })}
            {panels(user.role).iter().map(|(title, empty)| view! {
                <section class="card panel">
                    <h2>{*title}</h2>
                    <p class="muted empty">{*empty}</p>
                </section>
            }).collect_view()}
        </div>
    }
}

#[component]
fn PendingDoctorsPanel(doctors: Resource<Option<Result<Vec<UserSummary>, ApiError>>>) -> impl IntoView {
    view! {
        <section class="card panel">
            <h2>"Doctors awaiting verification"</h2>
            <Suspense fallback=|| ()>
                {move || doctors.get().flatten().map(|result| {
                    let pending: Vec<UserSummary> = result.unwrap_or_default().into_iter().filter(|d| !d.verified && d.active).collect();
                    if pending.is_empty() {
                        view! { <p class="muted empty">"None — every doctor is verified."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="list compact">
                                {pending.into_iter().map(|d| view! { <li>{d.name} " · " <span class="muted">{d.email.unwrap_or_default()}</span></li> }).collect_view()}
                            </ul>
                            <a href="/users?role=doctor">"Review in Users"</a>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Who manages accounts (staff register patients only).
const USER_ADMINS: &[Role] = &[Role::Admin, Role::Staff];

lazy_page!(
    /// The route of account management: [`UsersPage`] in a WASM chunk of its own.
    pub UsersRoute => UsersPage, chunk = page_users
);

#[component]
pub fn UsersPage() -> impl IntoView {
    // Loaded here, read inside RequireUser (see `page_resource`).
    let query = use_query_map();
    let create = ServerAction::<CreateAccount>::new();
    let verify = ServerAction::<VerifyDoctor>::new();
    let verify_email = ServerAction::<VerifyUserEmail>::new();
    let deactivate = ServerAction::<DeactivateUser>::new();
    let role_filter = RwSignal::new(query.read_untracked().get("role").and_then(|r| r.parse::<Role>().ok()));
    let search = RwSignal::new(String::new());
    let users = page_resource(
        USER_ADMINS,
        move || {
            (
                role_filter.get(),
                search.get(),
                create.version().get(),
                verify.version().get(),
                verify_email.version().get(),
                deactivate.version().get(),
            )
        },
        |(filter, q, ..)| list_users(filter, Some(q)),
    );
    let state = UserAdminState { create, verify, verify_email, deactivate, role_filter, search, users };
    view! {
        <Title text="Users"/>
        <RequireUser roles=USER_ADMINS>
            <UserAdmin state=state/>
        </RequireUser>
    }
}

/// The users page's actions, filters and list.
#[derive(Clone, Copy)]
struct UserAdminState {
    create: ServerAction<CreateAccount>,
    verify: ServerAction<VerifyDoctor>,
    verify_email: ServerAction<VerifyUserEmail>,
    deactivate: ServerAction<DeactivateUser>,
    role_filter: RwSignal<Option<Role>>,
    search: RwSignal<String>,
    users: Resource<Option<Result<Vec<UserSummary>, ApiError>>>,
}

#[component]
fn UserAdmin(state: UserAdminState) -> impl IntoView {
    let me = use_user();
    let is_admin = me.role == Role::Admin;
    let UserAdminState { create, verify, verify_email, deactivate, role_filter, search, users } = state;
    let (role_filter, set_role_filter) = role_filter.split();
    let set_search = search.write_only();
    let created = move || create.value().get().and_then(Result::ok);
    let (new_role, set_new_role) = signal(if is_admin { "nurse".to_owned() } else { "patient".to_owned() });
    let creatable: Vec<Role> = if is_admin { Role::ALL.to_vec() } else { vec![Role::Patient] };
    view! {
        <section class="page-head">
            <h1>{if is_admin { "Users" } else { "Patients" }}</h1>
        </section>
        <section class="card">
            <h2>{if is_admin { "Create an account" } else { "Register a patient" }}</h2>
            <ActionForm action=create attr:class="stack" attr:aria-label="Create an account">
                {action_error(create.value())}
                {move || created().map(|u| view! {
                    <p class="alert success" role="status">{format!("Created {} account for {} ({}).", u.role.label().to_lowercase(), u.name, u.email.unwrap_or_default())}</p>
                })}
                <div class="grid two">
                    <Field label="Full name" name="name" required=true/>
                    <Field label="Email" name="email" kind="email" required=true/>
                    <Field label="Initial password" name="password" kind="password" required=true autocomplete="new-password"
                        hint="Share it privately; they can change it in their profile."/>
                    <div class="field">
                        <label for="field-role">"Role"</label>
                        <select id="field-role" name="role" on:change=move |ev| set_new_role.set(event_target_value(&ev))>
                            {creatable.into_iter().map(|role| view! {
                                <option value=role.as_str() selected=move || new_role.get() == role.as_str()>{role.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <Show when=move || new_role.get() == "doctor">
                    <fieldset class="grid two">
                        <legend>"Doctor profile"</legend>
                        <Field label="Specialization" name="specialization"/>
                        <Field label="City" name="city"/>
                        <Field label="License number" name="license_number"/>
                        <Field label="Years of experience" name="experience_years" kind="number"/>
                        <Field label="Consultation fee (USD)" name="fee" hint="For example 120 or 120.50"/>
                    </fieldset>
                </Show>
                <button type="submit" class="button primary">"Create account"</button>
            </ActionForm>
        </section>
        <section class="card">
            <div class="toolbar">
                <label class="sr-only" for="user-search">"Search users"</label>
                <input id="user-search" type="search" placeholder="Search by name or email"
                    on:input=move |ev| set_search.set(event_target_value(&ev))/>
                {is_admin.then(|| view! {
                    <label class="sr-only" for="role-filter">"Filter by role"</label>
                    <select id="role-filter" on:change=move |ev| set_role_filter.set(event_target_value(&ev).parse::<Role>().ok())>
                        <option value="">"All roles"</option>
                        {Role::ALL.into_iter().map(|role| view! {
                            <option value=role.as_str() selected=move || role_filter.get() == Some(role)>{role.label()}</option>
                        }).collect_view()}
                    </select>
                })}
            </div>
            {action_error(verify.value())}
            {action_error(verify_email.value())}
            {action_error(deactivate.value())}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || users.get().flatten().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="muted empty">"No accounts match."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|u| view! {
                                        <UserRow user=u is_admin=is_admin me=me.id verify=verify verify_email=verify_email deactivate=deactivate/>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UserRow(
    user: UserSummary,
    is_admin: bool,
    /// The signed-in admin, who can't deactivate their own account.
    me: i64,
    verify: ServerAction<VerifyDoctor>,
    verify_email: ServerAction<VerifyUserEmail>,
    deactivate: ServerAction<DeactivateUser>,
) -> impl IntoView {
    let id = user.id;
    let mut status = Vec::new();
    if !user.active {
        status.push(("muted", "deactivated"));
    }
    if !user.email_verified {
        status.push(("warn", "email unconfirmed"));
    }
    if user.role == Role::Doctor && !user.verified {
        status.push(("warn", "awaiting verification"));
    }
    if status.is_empty() {
        status.push(("ok", "active"));
    }
    view! {
        <tr data-email=user.email.clone().unwrap_or_default()>
            <td>{user.name.clone()}</td>
            <td>{user.email.clone().unwrap_or_else(|| "no email (registered at the desk)".into())}</td>
            <td><span class=format!("badge role-{}", user.role)>{user.role.label()}</span></td>
            <td>{status.into_iter().map(|(kind, text)| view! { <span class=format!("badge {kind}")>{text}</span> " " }).collect_view()}</td>
            <td class="actions">
                {(is_admin && user.role == Role::Doctor && !user.verified).then(|| view! {
                    <ActionForm action=verify attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button small">"Verify doctor"</button>
                    </ActionForm>
                })}
                {(!user.email_verified).then(|| view! {
                    <ActionForm action=verify_email attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button small">"Confirm email"</button>
                    </ActionForm>
                })}
                {(is_admin && user.active && user.id != me).then(|| view! {
                    <ActionForm action=deactivate attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button ghost small danger">"Deactivate"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

lazy_page!(
    /// The route of the mail outbox: [`OutboxPage`] in a WASM chunk of its own.
    pub OutboxRoute => OutboxPage, chunk = page_outbox
);

#[component]
pub fn OutboxPage() -> impl IntoView {
    let messages = page_resource(&[Role::Admin], || (), |_| get_outbox());
    view! {
        <Title text="Outbox"/>
        <RequireUser roles=&[Role::Admin]>
            <OutboxList messages=messages/>
        </RequireUser>
    }
}

#[component]
fn OutboxList(messages: Resource<Option<Result<Vec<OutboxMessage>, ApiError>>>) -> impl IntoView {
    view! {
        <section class="page-head">
            <h1>"Outbox"</h1>
            <p class="muted">"Emails the system sent or queued. Without an SMTP server configured, they wait here."</p>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || messages.get().flatten().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p class="muted empty">"No emails yet."</p> }.into_any(),
                Ok(list) => list.into_iter().map(|m| view! {
                    <article class="card mail">
                        <header>
                            <strong>{m.subject}</strong>
                            <span class="muted small">" to " {m.to_address} " · " {format_time(&m.created_at)}</span>
                            {if m.sent_at.is_some() {
                                view! { <span class="badge ok">"sent"</span> }.into_any()
                            } else {
                                view! { <span class="badge muted">"queued"</span> }.into_any()
                            }}
                        </header>
                        <pre class="mail-body">{linkify(&m.body)}</pre>
                    </article>
                }).collect_view().into_any(),
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Plain text with its http(s) URLs as links.
fn linkify(text: &str) -> impl IntoView {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                let rest = word[trimmed.len()..].to_owned();
                view! { <a href=trimmed.to_owned()>{trimmed.to_owned()}</a>{rest} }.into_any()
            } else {
                word.to_owned().into_any()
            }
        })
        .collect_view()
}

lazy_page!(
    /// The route of the audit trail: [`AuditPage`] in a WASM chunk of its own.
    pub AuditRoute => AuditPage, chunk = page_audit
);

#[component]
pub fn AuditPage() -> impl IntoView {
    let filters = (signal(String::new()), signal(String::new()));
    let ((action, _), (outcome, _)) = filters;
    let entries = page_resource(&[Role::Admin], move || (action.get(), outcome.get()), |(a, o)| search_audit(Some(a), Some(o)));
    let verify = ServerAction::<VerifyAuditChain>::new();
    let chain = page_resource(&[Role::Admin], move || verify.version().get(), |_| audit_chain_state());
    view! {
        <Title text="Audit log"/>
        <RequireUser roles=&[Role::Admin]>
            <section class="page-head">
                <h1>"Audit log"</h1>
                <p class="muted">"Every sign-in, account change and refused access, newest first. Entries are hash-chained and can't be edited."</p>
            </section>
            <ChainCard chain=chain verify=verify/>
            <AuditList filters=filters entries=entries/>
        </RequireUser>
    }
}

/// The hash chain's state at its latest verification, and "Verify now".
#[component]
fn ChainCard(chain: Resource<Option<Result<Option<ChainState>, ApiError>>>, verify: ServerAction<VerifyAuditChain>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="chain-title">
            <div class="row">
                <h2 id="chain-title">"Hash chain"</h2>
                <ActionForm action=verify attr:class="inline">
                    <button type="submit" class="button small" disabled=move || verify.pending().get()>"Verify now"</button>
                </ActionForm>
            </div>
            {action_error(verify.value())}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || chain.get().flatten().map(|result| match result {
                    Ok(Some(state)) if state.intact => view! {
                        <p role="status"><span class="badge ok">"intact"</span> " "
                            {format!("{} entries in {} blocks, verified {} ({}).", state.entries, state.blocks, format_time(&state.verified_at), state.by_whom)}
                        </p>
                    }.into_any(),
                    Ok(Some(state)) => view! {
                        <p class="alert error" role="alert">
                            {format!("Broken at block {}: an entry was edited or removed. Found {} ({}).",
                                state.broken_block.unwrap_or_default(), format_time(&state.verified_at), state.by_whom)}
                        </p>
                    }.into_any(),
                    Ok(None) => view! { <p class="muted">"Not verified yet: the server checks it every 15 minutes."</p> }.into_any(),
                    Err(err) => view! { <p class="alert error">{err.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

type Filter = (ReadSignal<String>, WriteSignal<String>);

#[component]
fn AuditList(filters: (Filter, Filter), entries: Resource<Option<Result<Vec<AuditRecord>, ApiError>>>) -> impl IntoView {
    let ((_, set_action), (_, set_outcome)) = filters;
    view! {
        <section class="card">
            <div class="toolbar">
                <label class="sr-only" for="audit-action">"Action starts with"</label>
                <input id="audit-action" type="search" placeholder="Action, e.g. auth.login" on:input=move |ev| set_action.set(event_target_value(&ev))/>
                <label class="sr-only" for="audit-outcome">"Outcome"</label>
                <select id="audit-outcome" on:change=move |ev| set_outcome.set(event_target_value(&ev))>
                    <option value="">"Any outcome"</option>
                    <option value="success">"Success"</option>
                    <option value="failure">"Failure"</option>
                    <option value="denied">"Denied"</option>
                </select>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || entries.get().flatten().map(|result| match result {
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"Outcome"</th><th scope="col">"From"</th><th scope="col">"Detail"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| view! {
                                        <tr>
                                            <td class="nowrap">{format_time(&e.at)}</td>
                                            <td>{match (e.actor_id, e.actor_role, e.actor_name) {
                                                (Some(id), Some(role), Some(name)) => format!("{name} #{id} ({role})"),
                                                (Some(id), Some(role), None) => format!("deleted account #{id} ({role})"),
                                                _ => "anonymous".to_owned(),
                                            }}</td>
                                            <td><code>{e.action}</code></td>
                                            <td>{e.target_type.map(|t| format!("{t} #{}", e.target_id.unwrap_or_default())).unwrap_or_default()}</td>
                                            <td><span class=format!("badge outcome-{}", e.outcome)>{e.outcome.clone()}</span></td>
                                            <td>{e.ip.unwrap_or_default()}</td>
                                            <td>{e.detail.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
