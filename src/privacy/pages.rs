//! "Your data": who viewed your record, download everything, close the account.

use super::api::{list_record_accesses, CloseAccount};
use super::{RecordAccess, CONFIRMATION_WORD};
use crate::auth::guard::{page_resource, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, Field};
use leptos::prelude::*;
use leptos_meta::Title;

lazy_page!(
    /// The route of the privacy page: [`PrivacyPage`] in a WASM chunk of its own.
    pub PrivacyRoute => PrivacyPage, chunk = page_privacy
);

const PATIENTS: &[Role] = &[Role::Patient];

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let accesses = page_resource(PATIENTS, || (), |_| list_record_accesses());
    view! {
        <Title text="Your data"/>
        <RequireUser roles=PATIENTS>
            <section class="card">
                <h1>"Your data"</h1>
                <p>"Everything the clinic holds about you is yours: see who opened your record, take a copy, or leave with all of it deleted."</p>
            </section>
            <AccessLog accesses=accesses/>
            <DownloadCard/>
            <CloseAccountCard/>
        </RequireUser>
    }
}

#[component]
fn AccessLog(accesses: Resource<Option<Result<Vec<RecordAccess>, ApiError>>>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="who-viewed">
            <h2 id="who-viewed">"Who viewed your record"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || accesses.get().flatten().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No one but you has opened your record yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list" aria-label="Accesses to your record">
                            {list.into_iter().map(|access| {
                                let who = access.actor_name.clone().unwrap_or_else(|| "A former staff member".into());
                                let role = access.actor_role.map(|r| r.label()).unwrap_or("");
                                view! {
                                    <li class="row">
                                        <div>
                                            <strong>{who}</strong>" · "<span class="muted small">{role}</span>
                                            <div>{access.describe()}</div>
                                            {access.reason.clone().map(|reason| view! { <div class="small">{format!("Reason given: {reason}")}</div> })}
                                        </div>
                                        <span class="muted small">{format_time(&access.at)}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="alert error">{err.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DownloadCard() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Download your data"</h2>
            <p class="muted">"One file (JSON) with your profile, appointments, reviews, notifications, sign-ins and the audit entries about you."</p>
            // A plain link: the browser downloads the file with the session cookie.
            <a class="button" href="/api/profile/export" download rel="external">"Download my data"</a>
        </section>
    }
}

#[component]
fn CloseAccountCard() -> impl IntoView {
    let close = ServerAction::<CloseAccount>::new();
    view! {
        <section class="card danger" aria-labelledby="close-account">
            <h2 id="close-account">"Close your account"</h2>
            <p>
                "Your account and everything about you are deleted at once: profile, appointments, reviews, notifications. "
                "Coming appointments are cancelled and your doctors told. This can't be undone — download your data first if you want a copy."
            </p>
            <ActionForm action=close attr:class="stack" attr:aria-label="Close your account">
                {action_error(close.value())}
                <div class="grid two">
                    <Field label="Your password" name="password" kind="password" required=true autocomplete="current-password"/>
                    <Field label="Type DELETE to confirm" name="confirmation" required=true autocomplete="off"
                        hint=format!("The word {CONFIRMATION_WORD}, in capitals.")/>
                </div>
                <button type="submit" class="button destructive" disabled=move || close.pending().get()>"Close my account"</button>
            </ActionForm>
        </section>
    }
}
