//! Shared UI: who is signed in (for pages to require a role), form helpers, status views.
//! The app shell (layout, navigation, bell) is `crate::shell`, beside the router.

use crate::auth::api::{Login, Logout};
use crate::auth::{CurrentUser, Role};
use crate::error::ApiError;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// The signed-in user, loaded once per page and refreshed after sign-in/out.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: Resource<Result<Option<CurrentUser>, ApiError>>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

pub fn use_auth() -> AuthContext {
    use_context::<AuthContext>().expect("AuthContext is provided by App")
}

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

/// Renders `children` for a signed-in user with one of `roles` (any role when empty);
/// anonymous visitors are sent to sign in, others see a 403 view.
#[component]
pub fn RequireUser(#[prop(optional)] roles: &'static [Role], children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || auth.user.get().map(|user| match user {
                Ok(Some(user)) if allows(roles, user.role) => {
                    provide_context(user);
                    children.read_value()().into_any()
                }
                Ok(Some(_)) => view! { <Forbidden/> }.into_any(),
                Ok(None) => {
                    let next = location.pathname.get_untracked();
                    view! { <Redirect path=format!("/login?next={}", urlencode(&next))/> }.into_any()
                }
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Data for a page behind [`RequireUser`], to be created in the page component, outside the
/// `RequireUser`, and read inside it. Leptos walks a `Suspense`'s children again until no new
/// resource read appears, so a resource created inside one is created, and fetched, once per
/// walk: the appointment list page fetched its list three times per render.
///
/// `fetch` runs with `source()` once the signed-in user is known and has one of `roles` (any
/// role when empty, as for `RequireUser`); the resource holds `None` until then and for
/// everyone else.
pub fn page_resource<S, T, Fut>(
    roles: &'static [Role],
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<Option<Result<T, ApiError>>>
where
    S: Clone + PartialEq + Send + Sync + 'static,
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, ApiError>> + Send + 'static,
{
    let auth = use_auth();
    let allowed_user =
        move || auth.user.get().and_then(|user| user.ok().flatten()).filter(|user| allows(roles, user.role)).map(|user| user.id);
    Resource::new(
        move || (allowed_user(), source()),
        move |(user, source)| {
            let fetching = user.map(|_| fetch(source));
            async move {
                match fetching {
                    Some(fetching) => Some(fetching.await),
                    None => None,
                }
            }
        },
    )
}

/// Whether a page for `roles` (any role when empty) is open to `role`.
fn allows(roles: &[Role], role: Role) -> bool {
    roles.is_empty() || roles.contains(&role)
}

/// The signed-in user inside a [`RequireUser`].
pub fn use_user() -> CurrentUser {
    use_context::<CurrentUser>().expect("used inside RequireUser")
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
    view! {
        <section class="card narrow status-view" role="alert">
            <h1>"Something went wrong"</h1>
            <p>{error.message}</p>
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

/// Keeps the user resource usable from server-function callbacks.
pub fn refresh_user() {
    use_auth().user.refetch();
}
