//! The Content Security Policy: built here, below the shell that names a page's nonce
//! (`app::shell`) and the layer that sets it on every other answer (`server::security`).

use axum::http::{header, HeaderValue};

/// The Content Security Policy. Scripts: our own files, WASM compilation, and on a page the
/// inline scripts Leptos writes (the hydration bootstrap, resolved data), which carry the
/// page's nonce; no other inline script runs, so injected markup can't execute anything.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map(|nonce| format!(" 'nonce-{nonce}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'; object-src 'none'"
    )
}

/// Called while a page renders: its CSP names the nonce Leptos put on the page's inline
/// scripts (a fresh one per response).
pub fn allow_this_pages_scripts() {
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(value) = HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}
