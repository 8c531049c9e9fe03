//! One log line per request: method, matched route, status, latency, actor and a request id.
//! The id is also sent back (`x-request-id`) and carried by every error body
//! (`error.request_id`), so a user's report of a failure finds its line in the log.

use crate::auth::actor::ActorId;
use crate::error::REQUEST_ID;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let method = request.method().clone();
    // The route's pattern (`/api/appointments/{id}`), not the path: ids and query strings
    // stay out of the log, and lines of one endpoint group together.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let unmatched = if request.uri().path().starts_with("/pkg/") { "/pkg/{file}" } else { "(unmatched)" };
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request)).await;
    let actor = response.extensions().get::<ActorId>().map(|a| a.0);
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let route = matched.as_ref().map_or(unmatched, MatchedPath::as_str);
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, route, status, latency_ms, actor, "request");
    } else {
        tracing::info!(request_id = %id, %method, route, status, latency_ms, actor, "request");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
