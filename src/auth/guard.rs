//! Who is signed in, for pages: the signed-in user loaded once per page, the guard that
//! requires a role, and page data fetched only for the users a page is for.

use super::api::Login;
use super::{CurrentUser, Role};
use crate::error::ApiError;
use crate::ui::{urlencode, ErrorView, Forbidden};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_url};

/// The signed-in user, loaded once per page and refreshed after sign-in/out.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: Resource<Result<Option<CurrentUser>, ApiError>>,
    pub login: ServerAction<Login>,
}

pub fn use_auth() -> AuthContext {
    use_context::<AuthContext>().expect("AuthContext is provided by App")
}

/// Renders `children` for a signed-in user with one of `roles` (any role when empty);
/// anonymous visitors are sent to sign in, others see a 403 view.
#[component]
pub fn RequireUser(#[prop(optional)] roles: &'static [Role], children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let children = StoredValue::new(children);
    // The address of the route this guard is on, from the route's own URL, not the browser's:
    // while the router loads the next page's code it may build the page being left once more,
    // when the browser's address is already the next page's.
    let own_path = use_url().get_untracked().path().to_owned();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || auth.user.get().map(|user| match user {
                Ok(Some(user)) if allows(roles, user.role) => {
                    provide_context(user);
                    children.read_value()().into_any()
                }
                Ok(Some(_)) => view! { <Forbidden/> }.into_any(),
                // Signed out while a navigation away from this page is under way (the next
                // page's code may still be downloading): that navigation decides where the user
                // lands.
                Ok(None) if location.pathname.get_untracked() != own_path => ().into_any(),
                Ok(None) => view! { <Redirect path=format!("/login?next={}", urlencode(&own_path))/> }.into_any(),
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

/// Keeps the user resource usable from server-function callbacks.
pub fn refresh_user() {
    use_auth().user.refetch();
}
