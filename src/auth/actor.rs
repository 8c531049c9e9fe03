//! Who is asking, and what they may do. The actor is resolved once per request by
//! [`resolve_actor`] (from a bearer token or the session cookie) and read from there by REST
//! handlers (the [`Actor`] extractor) and server functions ([`current_actor`]). Who may see a
//! patient's data is the patients domain's rule (`patients::access`).

use super::db;
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
}

/// Middleware: resolves the caller once, and audits every refused request.
pub async fn resolve_actor(State(state): State<SignInSource>, mut request: Request, next: Next) -> Response {
    let ip = client_ip(&request);
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
    let denied_as = match &authentication {
        Authentication::Authenticated(actor) => Entry::new("access.denied").by(actor),
        _ => Entry::new("access.denied").from_ip(&ip),
    };
    let what = format!("{} {}", request.method(), request.uri().path());
    let actor_id = match &authentication {
        Authentication::Authenticated(actor) => Some(ActorId(actor.user_id)),
        _ => None,
    };
    request.extensions_mut().insert(authentication);
    let mut response = next.run(request).await;
    if let Some(actor_id) = actor_id {
        response.extensions_mut().insert(actor_id);
    }
    if response.status() == StatusCode::FORBIDDEN {
        audit::record_detached(&state.pool, denied_as.outcome(Outcome::Denied).detail(what)).await;
    }
    response
}

async fn authenticate(state: &SignInSource, token: Option<String>, session: Option<Session>, ip: String) -> AppResult<Authentication> {
    if let Some(token) = token {
        return Ok(match signed_in(state, SignInKey::Token(hash_token(&token))).await? {
            Some(user) => Authentication::Authenticated(actor_from(user, ip)),
            None => Authentication::InvalidToken { ip },
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
    Ok(match signed_in(state, SignInKey::Browser(session_id)).await? {
        Some(user) => Authentication::Authenticated(actor_from(user, ip)),
        None => {
            // Revoked elsewhere (logout, password change, deactivation): forget it here too.
            session.flush().await.ok();
            Authentication::Anonymous { ip }
        }
    })
}

/// The live sign-in behind `key`: remembered by this process, or read (and then remembered).
async fn signed_in(state: &SignInSource, key: SignInKey) -> AppResult<Option<db::SessionUser>> {
    if let Some(user) = state.sign_ins.get(&key) {
        return Ok(Some(user));
    }
    let generation = state.sign_ins.generation();
    let mut conn = state.pool.acquire().await?;
    let user = match &key {
        SignInKey::Token(hash) => db::session_user_by_token(&mut conn, hash).await?,
        SignInKey::Browser(id) => db::session_user_by_id(&mut conn, *id).await?,
    };
    if let Some(user) = &user {
        state.sign_ins.remember(key, user.clone(), generation);
    }
    Ok(user)
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

fn bearer_token(request: &Request) -> Option<&str> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

fn client_ip(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
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
            Authentication::Anonymous { ip } | Authentication::InvalidToken { ip } => ip,
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
    fn require_role_denies_by_default() {
        assert!(actor(Role::Admin, 1).require_role(&[Role::Admin]).is_ok());
        for role in [Role::Patient, Role::Doctor, Role::Nurse, Role::Staff, Role::Manager] {
            assert!(matches!(actor(role, 1).require_role(&[Role::Admin]), Err(AppError::Forbidden(_))));
        }
        assert!(actor(Role::Admin, 1).require_role(&[]).is_err());
    }
}
