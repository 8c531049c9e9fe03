//! Shared UI: form helpers and status views; a leaf that imports no domain. Who is signed
//! in, for pages that require a role, is `crate::auth::guard`.
//! The app shell (layout, navigation, bell) is `crate::shell`, beside the router.

use crate::error::ApiError;
use leptos::prelude::*;

pub mod lazy;

/// Sets the HTTP status of the page being rendered on the server (no-op in the browser).
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(code) = axum::http::StatusCode::from_u16(status) {
            options.set_status(code);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

#[component]
pub fn Forbidden() -> impl IntoView {
    set_status(403);
    view! {
        <section class="card narrow status-view">
            <h1>"Not allowed"</h1>
            <p>"Your account does not have access to this page."</p>
            <a href="/" class="button">"Back to your dashboard"</a>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <section class="card narrow status-view">
            <h1>"Page not found"</h1>
            <p>"The page you asked for does not exist or has moved."</p>
            <a href="/" class="button">"Go to the start page"</a>
        </section>
    }
}

#[component]
pub fn ErrorView(error: ApiError) -> impl IntoView {
    set_status(error.status);
    // The heading names the kind of failure; the message says what exactly.
    let heading = match error.status {
        404 => "Not found",
        403 => "Not allowed",
        401 => "Please sign in",
        400..=499 => "That didn't work",
        _ => "Something went wrong",
    };
    view! {
        <section class="card narrow status-view" role="alert">
            <h1>{heading}</h1>
            <p>{error.message}</p>
            // The request's id, as the server's log line names it: what support asks for.
            {error.request_id.map(|id| view! { <p class="muted small">"Reference: " <code>{id}</code></p> })}
        </section>
    }
}

/// The error of the last submission of `action`, as an alert.
pub fn action_error<T, S>(value: S) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
{
    move || {
        value.get().and_then(Result::err).map(|err| {
            view! { <p class="alert error" role="alert">{err.message}</p> }
        })
    }
}

/// A labelled input; `hint` explains the rule under it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] hint: String,
    #[prop(optional)] minlength: Option<u32>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let has_hint = !hint.is_empty();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                required=required
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                minlength=minlength
                aria-describedby=has_hint.then(|| hint_id.clone())
            />
            {has_hint.then(|| view! { <small id=hint_id class="hint">{hint}</small> })}
        </div>
    }
}

/// Percent-encodes a query-string value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A date-time as the user reads it: `2026-11-23 14:05 UTC`.
pub fn format_time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
