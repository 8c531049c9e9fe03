//! Security layers for every response: CSRF protection by Origin check, security headers.
//! (Body size limits and rate limits are set up in `startup` and `auth::throttle`.)

use crate::error::AppError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses state-changing requests whose `Origin` (or, lacking it, `Referer`) names another
/// site. This protects cookie-authenticated server functions and forms from cross-site
/// requests; API clients that send neither header (curl, mobile apps) use bearer tokens,
/// which a browser never attaches on its own.
pub async fn same_origin_only(request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !is_same_origin(request.headers()) {
        return AppError::Forbidden("Cross-site requests are not allowed.".into()).into_response();
    }
    next.run(request).await
}

fn is_same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let source = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)).and_then(|v| v.to_str().ok());
    match source {
        None => true,
        Some(source) => authority_of(source).is_some_and(|authority| authority.eq_ignore_ascii_case(host)),
    }
}

/// `https://host:port/path` → `host:port`. "null" (sandboxed frames, file://) has none.
fn authority_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then_some(authority)
}

/// Whether the portal is served over HTTPS: cookies are Secure unless
/// `CADUCEUS_INSECURE_COOKIES` says it is plain-http development.
#[derive(Debug, Clone, Copy)]
pub struct Transport {
    pub https: bool,
}

/// The session cookie's name. Over HTTPS it takes the `__Host-` prefix: browsers then accept it
/// only when Secure, for the whole site and without a Domain, so a sibling subdomain can't
/// plant or overwrite it (session fixation).
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-caduceus_session"
    } else {
        "caduceus_session"
    }
}

/// Headers every response carries (a page's CSP is its own, see `csp::allow_this_pages_scripts`);
/// over HTTPS, browsers are told to use nothing else for a year (HSTS).
pub async fn security_headers(State(transport): State<Transport>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(value) = HeaderValue::from_str(&crate::csp::content_security_policy(None)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "strict-origin-when-cross-origin");
    set(headers, "permissions-policy", "camera=(self), microphone=(self), geolocation=(self)");
    set(headers, "cross-origin-opener-policy", "same-origin");
    if transport.https {
        set(headers, "strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_site_origins_pass_and_foreign_ones_do_not() {
        assert!(is_same_origin(&headers(&[("host", "clinic.test:3000"), ("origin", "http://clinic.test:3000")])));
        assert!(!is_same_origin(&headers(&[("host", "clinic.test:3000"), ("origin", "https://evil.test")])));
        assert!(!is_same_origin(&headers(&[("host", "clinic.test:3000"), ("origin", "http://clinic.test:3001")])));
        assert!(!is_same_origin(&headers(&[("host", "clinic.test"), ("origin", "null")])));
    }

    #[test]
    fn referer_is_the_fallback_and_no_header_means_a_non_browser_client() {
        assert!(is_same_origin(&headers(&[("host", "clinic.test"), ("referer", "http://clinic.test/login?x=1")])));
        assert!(!is_same_origin(&headers(&[("host", "clinic.test"), ("referer", "http://evil.test/clinic.test")])));
        assert!(is_same_origin(&headers(&[("host", "clinic.test")])));
        assert!(!is_same_origin(&headers(&[])));
    }
}
