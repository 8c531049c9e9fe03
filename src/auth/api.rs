//! Server functions for the portal's sign-in flows. Each establishes the request's identity,
//! then calls the same use case as the REST API.

use super::{CurrentUser, SessionInfo};
use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::auth::actor::{current_actor, current_authentication, current_session, Authentication, SESSION_KEY};
    pub use crate::auth::db::SessionKind;
    pub use crate::auth::idle::SessionPolicy;
    pub use crate::auth::service::{self, AcceptInvitationInput, Client, LoginInput, RegisterInput};
    pub use crate::auth::sign_ins::SignIns;
    pub use crate::auth::throttle::Throttles;
    pub use crate::clinic::Clinic;
    pub use crate::error::AppError;
    pub use crate::extract::from_context;
    pub use sqlx::PgPool;
    pub use std::sync::Arc;

    /// The client of the current request (IP from the resolved authentication).
    pub fn client() -> Result<Client, AppError> {
        let authentication = current_authentication()?;
        let user_agent = leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.headers.get(axum::http::header::USER_AGENT)?.to_str().ok().map(str::to_owned));
        Ok(Client { ip: authentication.ip().to_owned(), user_agent })
    }

    /// A plain HTML form post (JavaScript off) can't show an error in place: send the browser
    /// back to `page` with the error code, which the page explains.
    pub fn back_to_form_on_error<T>(result: Result<T, crate::error::ApiError>, page: &str) -> Result<T, crate::error::ApiError> {
        if let Err(err) = &result {
            let plain_form = leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
                parts.headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
            });
            if plain_form {
                let separator = if page.contains('?') { '&' } else { '?' };
                leptos_axum::redirect(&format!("{page}{separator}error={}", err.code));
            }
        }
        result
    }

    /// Only same-site paths may be redirect targets (no open redirects).
    pub fn safe_next(next: Option<String>) -> String {
        // Browsers drop tabs and newlines inside URLs ("/\t/evil.example" becomes
        // "//evil.example"), so any control character disqualifies the target.
        next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control))
            .unwrap_or_else(|| "/".to_owned())
    }
}

#[server(prefix = "/sfn", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, ApiError> {
    use ssr::*;
    Ok(match current_authentication()? {
        Authentication::Authenticated(actor) => Some(actor.current_user()),
        _ => None,
    })
}

#[server(prefix = "/sfn", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<CurrentUser, ApiError> {
    use ssr::*;
    let page = match &next {
        Some(n) => format!("/login?next={}", crate::ui::urlencode(&safe_next(Some(n.clone())))),
        None => "/login".to_owned(),
    };
    let result = async {
        let (pool, throttles, sessions) = (from_context::<PgPool>()?, from_context::<Throttles>()?, from_context::<SessionPolicy>()?);
        let outcome =
            service::login(&pool, &throttles, &sessions, LoginInput { email, password }, &client()?, SessionKind::Browser).await?;
        let session = current_session().await?;
        // A new session id at sign-in defeats session fixation.
        session.cycle_id().await.map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
        session.insert(SESSION_KEY, outcome.session_id).await.map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
        leptos_axum::redirect(&safe_next(next));
        Ok::<_, AppError>(outcome.user)
    }
    .await
    .map_err(ApiError::from);
    back_to_form_on_error(result, &page)
}

#[server(prefix = "/sfn", endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    use ssr::*;
    let sign_ins = from_context::<Arc<SignIns>>()?;
    if let Ok(actor) = current_actor() {
        service::logout(&mut *crate::extract::connection().await?, &sign_ins, &actor).await?;
    }
    current_session().await?.flush().await.map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

#[server(prefix = "/sfn", endpoint = "register")]
pub async fn register(name: String, email: String, password: String, role: Option<String>) -> Result<CurrentUser, ApiError> {
    use ssr::*;
    let result = async {
        let (pool, clinic, throttles) = (from_context::<PgPool>()?, from_context::<Arc<Clinic>>()?, from_context::<Throttles>()?);
        let user = service::register(&pool, &clinic, &throttles, RegisterInput { name, email, password, role }, &client()?).await?;
        leptos_axum::redirect(if user.role == super::Role::Patient { "/login?registered=patient" } else { "/login?registered=doctor" });
        Ok::<_, AppError>(user)
    }
    .await
    .map_err(ApiError::from);
    back_to_form_on_error(result, "/register")
}

#[server(prefix = "/sfn", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<CurrentUser, ApiError> {
    use ssr::*;
    let result = async {
        let (sign_ins, throttles) = (from_context::<Arc<SignIns>>()?, from_context::<Throttles>()?);
        let mut conn = crate::extract::connection().await?;
        let user = service::verify_email(&mut conn, &sign_ins, &throttles, &token, &client()?).await?;
        leptos_axum::redirect("/login?verified=1");
        Ok::<_, AppError>(user)
    }
    .await
    .map_err(ApiError::from);
    back_to_form_on_error(result, &format!("/verify-email?token={}", crate::ui::urlencode(&token)))
}

#[server(prefix = "/sfn", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String, password: String) -> Result<CurrentUser, ApiError> {
    use ssr::*;
    let page = format!("/welcome?token={}", crate::ui::urlencode(&token));
    let result = async {
        let (pool, sign_ins, throttles) = (from_context::<PgPool>()?, from_context::<Arc<SignIns>>()?, from_context::<Throttles>()?);
        let user = service::accept_invitation(&pool, &sign_ins, &throttles, AcceptInvitationInput { token, password }, &client()?).await?;
        leptos_axum::redirect("/login?welcome=1");
        Ok::<_, AppError>(user)
    }
    .await
    .map_err(ApiError::from);
    back_to_form_on_error(result, &page)
}

#[server(prefix = "/sfn", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), ApiError> {
    use ssr::*;
    let (pool, sign_ins, throttles) = (from_context::<PgPool>()?, from_context::<Arc<SignIns>>()?, from_context::<Throttles>()?);
    let actor = current_actor()?;
    service::change_password(&pool, &sign_ins, &throttles, &actor, current_password, new_password).await?;
    current_session().await?.flush().await.map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    leptos_axum::redirect("/login?password_changed=1");
    Ok(())
}

#[server(prefix = "/sfn", endpoint = "sessions")]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, ApiError> {
    use ssr::*;
    let mut conn = crate::extract::connection().await?;
    Ok(service::sessions(&mut conn, &current_actor()?).await?)
}

#[server(prefix = "/sfn", endpoint = "revoke_session")]
pub async fn revoke_session(id: i64) -> Result<(), ApiError> {
    use ssr::*;
    let sign_ins = from_context::<Arc<SignIns>>()?;
    let mut conn = crate::extract::connection().await?;
    Ok(service::revoke_session(&mut conn, &sign_ins, &current_actor()?, id).await?)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::ssr::safe_next;

    #[test]
    fn only_same_site_paths_are_redirect_targets() {
        assert_eq!(safe_next(Some("/profile?tab=1".into())), "/profile?tab=1");
        for hostile in [
            "https://evil.example",
            "//evil.example/x",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\0x",
        ] {
            assert_eq!(safe_next(Some(hostile.into())), "/", "{hostile}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

/// How many seconds without a request end this browser sign-in (None when signed out): the
/// portal warns a minute before.
#[server(prefix = "/sfn", endpoint = "session_timeout")]
pub async fn session_timeout() -> Result<Option<u32>, ApiError> {
    use ssr::*;
    let policy = from_context::<SessionPolicy>()?;
    Ok(match current_authentication()? {
        Authentication::Authenticated(_) => Some(u32::try_from(policy.browser_idle.as_secs()).unwrap_or(u32::MAX)),
        _ => None,
    })
}

/// "Stay signed in": any request counts as use; this one does nothing else.
#[server(prefix = "/sfn", endpoint = "keep_alive")]
pub async fn keep_alive() -> Result<(), ApiError> {
    ssr::current_actor()?;
    Ok(())
}

/// The portal's own logoff when the idle time is up (the server would end the sign-in at its
/// next request anyway): the sign-in ends now, audited as an automatic logoff.
#[server(prefix = "/sfn", endpoint = "end_idle_session")]
pub async fn end_idle_session() -> Result<(), ApiError> {
    use ssr::*;
    if let Ok(actor) = current_actor() {
        let sign_ins = from_context::<Arc<SignIns>>()?;
        service::end_idle_session(&mut *crate::extract::connection().await?, &sign_ins, &actor).await?;
    }
    current_session().await?.flush().await.map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    Ok(())
}
