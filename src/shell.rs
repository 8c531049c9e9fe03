//! The app shell around every page: the top bar with role-aware navigation, the
//! notifications bell and the account menu. It sits beside `app.rs`, above the domains it
//! links to, so that `ui` stays below them.

use crate::auth::guard::use_auth;
use crate::auth::{CurrentUser, Role};
use crate::notifications::api::unread_notifications;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

fn nav_links(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut links = vec![("/", "Dashboard")];
    match role {
        Role::Patient => links.extend([
            ("/doctors", "Find a doctor"),
            ("/appointments", "Appointments"),
            ("/records", "Health record"),
            ("/xrays", "X-rays"),
            ("/medications", "Medications"),
            ("/questions", "Questions"),
            ("/billing", "Bills"),
        ]),
        Role::Doctor => links.extend([
            ("/appointments", "Schedule"),
            ("/patients", "My patients"),
            ("/questions", "Questions"),
            ("/refills", "Refills"),
            ("/xrays", "X-rays"),
            ("/practice", "Practice"),
        ]),
        Role::Nurse => links.extend([("/appointments", "Appointments"), ("/patients", "Patients"), ("/pharmacy", "Pharmacy")]),
        Role::Manager => links.extend([("/reports", "Reports"), ("/appointments", "Appointments")]),
        Role::Admin => links.extend([
            ("/appointments", "Appointments"),
            ("/users", "Users"),
            ("/billing", "Billing"),
            ("/pharmacy", "Pharmacy"),
            ("/reports", "Reports"),
            ("/admin/outbox", "Outbox"),
            ("/admin/audit", "Audit log"),
            ("/admin/break-glass", "Emergency access"),
        ]),
        Role::Staff => links.extend([
            ("/appointments", "Appointments"),
            ("/patients", "Patients"),
            ("/billing", "Billing"),
            ("/pharmacy", "Pharmacy"),
            ("/users", "Accounts"),
        ]),
    }
    links
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    // The bell's count, refreshed on every navigation (one indexed count).
    let unread = Resource::new(
        move || (auth.user.get().and_then(|user| user.ok().flatten()).map(|user| user.id), location.pathname.get()),
        |(user, _)| async move {
            match user {
                Some(_) => unread_notifications().await.unwrap_or(0),
                None => 0,
            }
        },
    );
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/" aria-label="Caduceus home">
                <span class="brand-mark" aria-hidden="true">"⚕"</span>
                <span>"Caduceus"</span>
            </a>
            <Transition fallback=|| ()>
                {move || auth.user.get().map(|user| match user {
                    Ok(Some(user)) => view! { <UserNav user=user unread=unread/> }.into_any(),
                    _ => view! {
                        <nav class="nav" aria-label="Account">
                            <A href="/doctors">"Find a doctor"</A>
                            <A href="/login">"Sign in"</A>
                            <A href="/register" attr:class="button small">"Create account"</A>
                        </nav>
                    }.into_any(),
                })}
            </Transition>
        </header>
        <main id="main" class="container">{children()}</main>
        <footer class="footer">"Caduceus — care, organised."</footer>
    }
}

#[component]
fn UserNav(user: CurrentUser, unread: Resource<i64>) -> impl IntoView {
    use crate::auth::api::Logout;
    use leptos::server_fn::ServerFn;
    let links = nav_links(user.role);
    let count = move || unread.get().unwrap_or(0);
    let profile_label = format!("{} ({}): Profile", user.name, user.role.label());
    view! {
        <nav class="nav" aria-label="Main">
            {links.into_iter().map(|(href, label)| view! { <A href=href>{label}</A> }).collect_view()}
        </nav>
        <div class="usermenu">
            <A href="/notifications" attr:class="bell" attr:aria-label=move || match count() {
                0 => "Notifications".to_owned(),
                n => format!("Notifications, {n} unread"),
            }>
                // An inline icon: an emoji bell depends on the device having an emoji font.
                <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                    <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/>
                    <path d="M13.73 21a2 2 0 0 1-3.46 0"/>
                </svg>
                {move || (count() > 0).then(|| view! { <span class="bell-count" aria-hidden="true">{count()}</span> })}
            </A>
            // The account's name and role lead to its profile (a link of its own would not fit
            // beside a patient's seven sections on one line).
            <A href="/profile" attr:class="who" attr:aria-label=profile_label>
                <span class="who-name">{user.name.clone()}</span>
                <span class=format!("badge role-{}", user.role)>{user.role.label()}</span>
            </A>
            // A plain form, not an ActionForm: signing out loads the sign-in page afresh, so
            // nothing of the signed-in pages (a chart, a message) stays in the tab's memory, and
            // no page still on screen reacts to the user being gone (each would send the
            // browser to sign in again, racing the sign-out's own redirect).
            <form method="post" action=Logout::url() class="inline">
                <button type="submit" class="button ghost small">"Sign out"</button>
            </form>
        </div>
        <IdleWatch/>
    }
}

/// Automatic logoff, the portal's side: a minute before the sign-in's idle time is up, a
/// warning with "Stay signed in"; when it is up, the sign-in ends and the sign-in page says
/// why. The server enforces the same limit on its own (`auth::idle`); this makes it visible.
/// The clock restarts at every page the user opens.
#[component]
fn IdleWatch() -> impl IntoView {
    use crate::auth::api::{end_idle_session, keep_alive, session_timeout};
    use leptos::leptos_dom::helpers::{set_timeout_with_handle, TimeoutHandle};
    use std::time::Duration;

    let warning = RwSignal::new(false);
    let timeout = LocalResource::new(|| async { session_timeout().await.ok().flatten() });
    // One set of timers per browser tab, whichever header armed them, outside the reactive
    // arena, and the time of the last activity beside them. A timer that fires acts only when
    // the last activity really is that long ago: a header rendered anew while its old owner
    // lingers may leave an old timer armed, and that one must not sign the user out a minute
    // after "Stay signed in".
    thread_local! {
        static TIMERS: std::cell::RefCell<Vec<TimeoutHandle>> = const { std::cell::RefCell::new(Vec::new()) };
        static LAST_ACTIVITY_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    }
    let now_ms = leptos::web_sys::js_sys::Date::now;
    // A second's slack: a browser may round a timer's due time.
    let idle_for = move |span: Duration| now_ms() - LAST_ACTIVITY_MS.get() + 1_000.0 >= span.as_millis() as f64;
    let clear_all = || TIMERS.with(|timers| timers.borrow_mut().drain(..).for_each(|handle| handle.clear()));
    // A page change may render the header anew: this watch's timers go with it.
    on_cleanup(clear_all);
    let location = use_location();
    let restart = move || {
        clear_all();
        LAST_ACTIVITY_MS.set(now_ms());
        warning.set(false);
        let Some(Some(idle_secs)) = timeout.get() else { return };
        let idle = Duration::from_secs(u64::from(idle_secs));
        let warn_at = idle.saturating_sub(Duration::from_secs(60));
        let warn = set_timeout_with_handle(
            move || {
                if idle_for(warn_at) {
                    warning.set(true);
                }
            },
            warn_at,
        );
        let end = set_timeout_with_handle(
            move || {
                if !idle_for(idle) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    let _ = end_idle_session().await;
                    let _ = window().location().set_href("/login?signed_out=idle");
                });
            },
            idle,
        );
        TIMERS.with(|timers| timers.borrow_mut().extend([warn, end].into_iter().flatten()));
    };
    let restart = StoredValue::new(restart);
    Effect::new(move |_| {
        location.pathname.track();
        restart.try_with_value(|restart| restart());
    });
    let stay = move |_| {
        leptos::task::spawn_local(async move {
            if keep_alive().await.is_ok() {
                restart.try_with_value(|restart| restart());
            }
        });
    };
    view! {
        <Show when=move || warning.get()>
            <div class="idle-warning" role="alertdialog" aria-labelledby="idle-title" aria-live="assertive">
                <p id="idle-title">"You'll be signed out in a minute because you've been inactive, to keep your records safe."</p>
                <button type="button" class="button primary small" on:click=stay>"Stay signed in"</button>
            </div>
        </Show>
    }
}
