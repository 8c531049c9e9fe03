//! Who is asking, and what they may do. The actor is resolved once per request by
//! [`resolve_actor`] (from a bearer token or the session cookie) and read from there by REST
//! handlers (the [`Actor`] extractor) and server functions ([`current_actor`]). Who may see a
//! patient's data is the patients domain's rule (`patients::access`).

use super::db;
use super::idle::{self, SessionPolicy};
use super::sign_ins::{SignInKey, SignIns};
use crate::audit::{self, Entry, Outcome};
use crate::error::{AppError, AppResult};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_sessions::Session;

/// Key of the browser sign-in (an `auth_sessions` id) in the cookie session.
pub const SESSION_KEY: &str = "auth_session_id";

pub use crate::identity::Actor;

/// The outcome of resolving a request's credentials.
#[derive(Debug, Clone)]
pub enum Authentication {
    Anonymous {
        ip: String,
    },
    Authenticated(Actor),
    /// A bearer token was sent but is unknown, expired or revoked.
    InvalidToken {
        ip: String,
    },
    /// The browser's sign-in was just ended for inactivity (the caller is anonymous now).
    EndedIdle {
        ip: String,
    },
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Who made the request, left on the response for the request's log line.
#[derive(Debug, Clone, Copy)]
pub struct ActorId(pub i64);

/// What [`resolve_actor`] reads sign-ins from.
#[derive(Clone)]
pub struct SignInSource {
    pub pool: PgPool,
    pub sign_ins: Arc<SignIns>,
    /// Proxies whose `X-Forwarded-For` is believed (`CADUCEUS_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    pub policy: SessionPolicy,
}

/// Middleware: resolves the caller once, and audits every refused request (403, 429).
pub async fn resolve_actor(State(state): State<SignInSource>, mut request: Request, next: Next) -> Response {
    let ip = client_ip(&request, &state.trusted_proxies);
    // Static assets need no identity; skip the session lookup for them.
    let path = request.uri().path();
    if path.starts_with("/pkg/") || path == "/favicon.ico" {
        request.extensions_mut().insert(Authentication::Anonymous { ip });
        return next.run(request).await;
    }
    // Take what we need out of the request first: a borrowed request is not `Send`.
    let token = bearer_token(&request).map(str::to_owned);
    let session = request.extensions().get::<Session>().cloned();
    let authentication = match authenticate(&state, token, session, ip.clone()).await {
        Ok(authentication) => authentication,
        Err(err) => return err.into_response(),
    };
    let refusal = {
        let (actor, ip) = (authentication.clone().actor().ok(), ip.clone());
        move |action: &str| match &actor {
            Some(actor) => Entry::new(action).by(actor),
            None => Entry::new(action).from_ip(&ip),
        }
    };
    let what = format!("{} {}", request.method(), request.uri().path());
    let actor_id = match &authentication {
        Authentication::Authenticated(actor) => Some(ActorId(actor.user_id)),
        _ => None,
    };
    if matches!(authentication, Authentication::EndedIdle { .. }) && is_page_navigation(&request) {
        // The next page after an automatic logoff says why, and leads back after signing in.
        let next_page = crate::ui::urlencode(request.uri().path_and_query().map_or("/", |p| p.as_str()));
        return axum::response::Redirect::to(&format!("/login?signed_out=idle&next={next_page}")).into_response();
    }
    request.extensions_mut().insert(authentication);
    let mut response = next.run(request).await;
    if let Some(actor_id) = actor_id {
        response.extensions_mut().insert(actor_id);
    }
    if response.headers_mut().remove(crate::error::CONCEALED_HEADER).is_some() {
        audit::record_detached(&state.pool, refusal("access.concealed").outcome(Outcome::Denied).detail(what.clone())).await;
    }
    match response.status() {
        StatusCode::FORBIDDEN => audit::record_detached(&state.pool, refusal("access.denied").outcome(Outcome::Denied).detail(what)).await,
        StatusCode::TOO_MANY_REQUESTS => {
            audit::record_detached(&state.pool, refusal("access.throttled").outcome(Outcome::Denied).detail(what)).await
        }
        _ => {}
    }
    response
}

/// A sign-in as found for a request.
enum SignedIn {
    Live(db::SessionUser),
    /// It existed, but went unused past its idle limit: it has just been ended.
    EndedIdle,
    Unknown,
}

async fn authenticate(state: &SignInSource, token: Option<String>, session: Option<Session>, ip: String) -> AppResult<Authentication> {
    if let Some(token) = token {
        return Ok(match signed_in(state, SignInKey::Token(hash_token(&token)), &ip).await? {
            SignedIn::Live(user) => Authentication::Authenticated(actor_from(user, ip)),
            SignedIn::EndedIdle | SignedIn::Unknown => Authentication::InvalidToken { ip },
        });
    }
    // Without a session cookie this reads nothing from the database.
    let session_id: Option<i64> = match &session {
        Some(session) => session.get(SESSION_KEY).await.map_err(|e| AppError::Unavailable(anyhow::anyhow!("session store: {e}")))?,
        None => None,
    };
    let (Some(session), Some(session_id)) = (session, session_id) else {
        return Ok(Authentication::Anonymous { ip });
    };
    Ok(match signed_in(state, SignInKey::Browser(session_id), &ip).await? {
        SignedIn::Live(user) => Authentication::Authenticated(actor_from(user, ip)),
        ended => {
            // Revoked elsewhere (logout, password change, deactivation) or idle: forget it here too.
            session.flush().await.ok();
            if matches!(ended, SignedIn::EndedIdle) {
                Authentication::EndedIdle { ip }
            } else {
                Authentication::Anonymous { ip }
            }
        }
    })
}

/// The live sign-in behind `key`: remembered by this process, or read (and then remembered).
/// One left unused too long is ended here; one in use has its last use written about once a
/// minute (see `auth::idle`).
async fn signed_in(state: &SignInSource, key: SignInKey, ip: &str) -> AppResult<SignedIn> {
    let user = match state.sign_ins.get(&key) {
        Some(user) => user,
        None => {
            let generation = state.sign_ins.generation();
            let mut conn = state.pool.acquire().await?;
            let user = match &key {
                SignInKey::Token(hash) => db::session_user_by_token(&mut conn, hash).await?,
                SignInKey::Browser(id) => db::session_user_by_id(&mut conn, *id).await?,
            };
            let Some(user) = user else { return Ok(SignedIn::Unknown) };
            state.sign_ins.remember(key.clone(), user.clone(), generation);
            user
        }
    };
    let now = chrono::Utc::now();
    if state.policy.is_idle(user.kind(), user.last_seen_at, now) {
        let mut conn = state.pool.acquire().await?;
        if db::end_idle_session(&mut conn, user.session_id).await? {
            let entry = Entry::new("auth.logoff_idle").by_user(user.user_id, user.role).from_ip(ip).on("session", user.session_id);
            audit::record(&mut conn, entry).await?;
        }
        state.sign_ins.forget_user(user.user_id);
        return Ok(SignedIn::EndedIdle);
    }
    if idle::needs_touch(user.last_seen_at, now) {
        let at = db::touch_session(&mut *state.pool.acquire().await?, user.session_id).await?;
        state.sign_ins.touched(&key, at);
    }
    Ok(SignedIn::Live(user))
}

fn actor_from(user: db::SessionUser, ip: String) -> Actor {
    Actor {
        user_id: user.user_id,
        role: user.role,
        name: user.name,
        email: user.email,
        email_verified: user.email_verified,
        verified: user.verified,
        session_id: user.session_id,
        ip,
    }
}

/// A browser asking for a page (not data, a file or a form post).
fn is_page_navigation(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == axum::http::Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/sfn/")
        && request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

fn bearer_token(request: &Request) -> Option<&str> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the nearest
/// address in `X-Forwarded-For` that isn't one of our proxies (the entries left of it were
/// written by whoever sent the request, and prove nothing).
pub fn client_ip(request: &Request, trusted_proxies: &[ipnet::IpNet]) -> String {
    let Some(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip()) else {
        return "unknown".to_owned();
    };
    forwarded_client(peer, request.headers(), trusted_proxies).to_string()
}

fn forwarded_client(peer: std::net::IpAddr, headers: &axum::http::HeaderMap, trusted: &[ipnet::IpNet]) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map_while(|hop| hop.trim().parse().ok())
        .collect();
    hops.into_iter().rev().find(|hop| !is_trusted(hop)).unwrap_or(peer)
}

fn authentication_of(parts: &Parts) -> AppResult<Authentication> {
    parts
        .extensions
        .get::<Authentication>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("resolve_actor middleware is not installed")))
}

impl Authentication {
    pub fn actor(self) -> AppResult<Actor> {
        match self {
            Authentication::Authenticated(actor) => Ok(actor),
            _ => Err(AppError::Unauthorized),
        }
    }

    pub fn ip(&self) -> &str {
        match self {
            Authentication::Authenticated(actor) => &actor.ip,
            Authentication::Anonymous { ip } | Authentication::InvalidToken { ip } | Authentication::EndedIdle { ip } => ip,
        }
    }
}

/// REST: a handler taking `Actor` answers 401 to anonymous callers.
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        authentication_of(parts)?.actor()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authentication {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        authentication_of(parts)
    }
}

/// Server functions: the request's authentication, from the context leptos_axum provides.
pub fn current_authentication() -> AppResult<Authentication> {
    let parts =
        leptos::prelude::use_context::<Parts>().ok_or_else(|| AppError::Internal(anyhow::anyhow!("request parts missing from context")))?;
    authentication_of(&parts)
}

/// Server functions: the signed-in actor, or 401.
pub fn current_actor() -> AppResult<Actor> {
    current_authentication()?.actor()
}

/// The request's cookie session (server functions).
pub async fn current_session() -> AppResult<Session> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::Internal(anyhow::anyhow!("session layer missing: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    fn actor(role: Role, user_id: i64) -> Actor {
        Actor {
            user_id,
            role,
            name: "Test".into(),
            email: "t@example.org".into(),
            email_verified: true,
            verified: true,
            session_id: 1,
            ip: "127.0.0.1".into(),
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxies: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.9, 203.0.113.5, 10.0.0.3".parse().unwrap());
        let proxy: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: std::net::IpAddr = "192.0.2.1".parse().unwrap();
        // The nearest untrusted hop, not the leftmost (which the client wrote itself).
        assert_eq!(forwarded_client(proxy, &headers, &proxies).to_string(), "203.0.113.5");
        assert_eq!(forwarded_client(stranger, &headers, &proxies), stranger, "anyone can write the header");
        assert_eq!(forwarded_client(proxy, &headers, &[]), proxy, "no proxies configured");
        assert_eq!(forwarded_client(proxy, &axum::http::HeaderMap::new(), &proxies), proxy, "no header");
    }

    #[test]
    fn require_role_denies_by_default() {
        assert!(actor(Role::Admin, 1).require_role(&[Role::Admin]).is_ok());
        for role in [Role::Patient, Role::Doctor, Role::Nurse, Role::Staff, Role::Manager] {
            assert!(matches!(actor(role, 1).require_role(&[Role::Admin]), Err(AppError::Forbidden(_))));
        }
        assert!(actor(Role::Admin, 1).require_role(&[]).is_err());
    }
}
