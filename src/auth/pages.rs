//! Sign-in, sign-up and email confirmation pages. Each works as a plain HTML form before
//! (or without) the WASM; with it, errors show in place.

use super::api::{AcceptInvitation, Register, VerifyEmail};
use super::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::auth::guard::use_auth;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Messages for the codes that redirects put in the query string.
fn notice_for(key: &str, value: &str) -> Option<(&'static str, &'static str)> {
    Some(match (key, value) {
        ("registered", "patient") => {
            ("success", "Your account is ready. We sent a confirmation link to your email address — you can sign in now.")
        }
        ("registered", _) => {
            ("success", "Your account is ready. An administrator will verify your doctor profile before patients can book you.")
        }
        ("verified", _) => ("success", "Thank you — your email address is confirmed. Sign in to continue."),
        ("welcome", _) => ("success", "Your password is set and your email address confirmed. Sign in with them to continue."),
        ("signed_out", "idle") => ("info", "You were signed out after inactivity, to keep your records safe. Sign in to continue."),
        ("signed_out", _) => ("info", "You have been signed out."),
        ("account_closed", _) => ("info", "Your account is closed and all your data was deleted. Thank you for having been with us."),
        ("password_changed", _) => ("success", "Your password was changed and every device was signed out. Sign in with the new password."),
        ("error", "invalid_credentials") => ("error", "Invalid email or password."),
        ("error", "rate_limited") => ("error", "Too many attempts. Please wait a minute and try again."),
        ("error", "forbidden") => ("error", "This account can't sign in. Contact the clinic."),
        ("error", "conflict") => ("error", "An account with this email already exists."),
        ("error", "validation_failed") => ("error", "Please check the form: some information is missing or not valid."),
        ("error", _) => ("error", "Something went wrong. Please try again."),
        _ => return None,
    })
}

/// The rule of a new password, under its field.
fn password_hint() -> String {
    format!("{PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters. A phrase of a few words is easy to remember and hard to guess.")
}

#[component]
fn QueryNotices() -> impl IntoView {
    let query = use_query_map();
    move || {
        let query = query.get();
        ["registered", "verified", "welcome", "signed_out", "password_changed", "account_closed", "error"]
            .into_iter()
            .filter_map(|key| query.get(key).and_then(|value| notice_for(key, &value)))
            .map(|(kind, text)| {
                let role = if kind == "error" { "alert" } else { "status" };
                view! { <p class=format!("alert {kind}") role=role>{text}</p> }
            })
            .collect_view()
    }
}

lazy_page!(
    /// The route of sign-in: [`LoginPage`] in a WASM chunk of its own.
    pub LoginRoute => LoginPage, chunk = page_login
);

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <QueryNotices/>
            <Suspense fallback=|| ()>
                {move || auth.user.get().and_then(Result::ok).flatten().map(|user| view! {
                    <p class="alert info" role="status">
                        "You are signed in as " {user.name} ". " <a href="/">"Go to your dashboard"</a>
                    </p>
                })}
            </Suspense>
            <ActionForm action=auth.login attr:class="stack" attr:aria-label="Sign in">
                {action_error(auth.login.value())}
                <input type="hidden" name="next" value=next/>
                <Field label="Email" name="email" kind="email" required=true autocomplete="username"/>
                <Field label="Password" name="password" kind="password" required=true autocomplete="current-password"/>
                <button type="submit" class="button primary" disabled=move || auth.login.pending().get()>
                    {move || if auth.login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted">"New here? " <a href="/register">"Create an account"</a></p>
        </section>
    }
}

lazy_page!(
    /// The route of registration: [`RegisterPage`] in a WASM chunk of its own.
    pub RegisterRoute => RegisterPage, chunk = page_register
);

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    view! {
        <Title text="Create an account"/>
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <p class="muted">"Book visits, see your records and bills, and message your care team."</p>
            <QueryNotices/>
            <ActionForm action=register attr:class="stack" attr:aria-label="Create an account">
                {action_error(register.value())}
                <Field label="Full name" name="name" required=true autocomplete="name"/>
                <Field label="Email" name="email" kind="email" required=true autocomplete="email"/>
                <Field label="Password" name="password" kind="password" required=true autocomplete="new-password"
                    minlength=PASSWORD_MIN_CHARS as u32 hint=password_hint()/>
                <fieldset class="choice">
                    <legend>"I am a"</legend>
                    <label><input type="radio" name="role" value="patient" checked=true/>" Patient"</label>
                    <label><input type="radio" name="role" value="doctor"/>" Doctor (verified by the clinic before listing)"</label>
                </fieldset>
                <button type="submit" class="button primary" disabled=move || register.pending().get()>"Create account"</button>
            </ActionForm>
            <p class="muted">"Already registered? " <a href="/login">"Sign in"</a></p>
        </section>
    }
}

lazy_page!(
    /// The route of email verification: [`VerifyEmailPage`] in a WASM chunk of its own.
    pub VerifyEmailRoute => VerifyEmailPage, chunk = page_verify_email
);

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let verify = ServerAction::<VerifyEmail>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Confirm your email"/>
        <section class="card narrow">
            <h1>"Confirm your email address"</h1>
            <QueryNotices/>
            <Show
                when=move || !token().is_empty()
                fallback=|| view! { <p class="alert error" role="alert">"This link is incomplete. Open the link from the email again."</p> }
            >
                <p>"Press the button to confirm that this email address is yours."</p>
                <ActionForm action=verify attr:class="stack">
                    {action_error(verify.value())}
                    <input type="hidden" name="token" value=token/>
                    <button type="submit" class="button primary">"Confirm my email"</button>
                </ActionForm>
            </Show>
        </section>
    }
}

lazy_page!(
    /// The route of an invitation (a patient registered at the desk sets a first password):
    /// [`WelcomePage`] in a WASM chunk of its own.
    pub WelcomeRoute => WelcomePage, chunk = page_welcome
);

#[component]
pub fn WelcomePage() -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Welcome"/>
        <section class="card narrow">
            <h1>"Welcome to your patient portal"</h1>
            <QueryNotices/>
            <Show
                when=move || !token().is_empty()
                fallback=|| view! { <p class="alert error" role="alert">"This link is incomplete. Open the link from the email again."</p> }
            >
                <p>"The clinic registered you at the front desk. Choose a password to see your visits, records and bills online."</p>
                <ActionForm action=accept attr:class="stack" attr:aria-label="Choose your password">
                    {action_error(accept.value())}
                    <input type="hidden" name="token" value=token/>
                    <Field label="New password" name="password" kind="password" required=true autocomplete="new-password"
                        minlength=PASSWORD_MIN_CHARS as u32 hint=password_hint()/>
                    <button type="submit" class="button primary" disabled=move || accept.pending().get()>"Set my password"</button>
                </ActionForm>
            </Show>
        </section>
    }
}
