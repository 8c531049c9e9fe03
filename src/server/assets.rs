//! How pages and their assets travel: compressed, and cached as long as they can be.
//!
//! The site's files (`target/site`) are compressed at build time (`cargo leptos build
//! --precompress` writes `.br` and `.gz` beside each file) and served by content negotiation
//! (the static file handler picks the variant the `Accept-Encoding` allows). Everything else we
//! answer — pages, server functions, the API — is compressed on the fly.
//!
//! Files under `/pkg/` carry a hash of their content in their name (`hash-files`), so a changed
//! file gets a new name: they are cached for a year without asking again. The pages naming them
//! are revalidated on every visit and kept out of shared caches, since they are per user.
//! Nothing signed-in is stored anywhere: API answers, server function answers and the pages
//! of a signed-in user are `no-store` (a shared computer's cache or back button must not
//! show the last user's records to the next one).

use crate::auth::actor::ActorId;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::config::LeptosOptions;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;

/// Answers smaller than this go as they are: compressing them saves less than its cost.
const COMPRESS_ABOVE_BYTES: u16 = 1024;

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// The favicon and the other files of `public/` keep their names across releases.
const UNHASHED_FILE: HeaderValue = HeaderValue::from_static("public, max-age=3600");
/// Pages: the browser may keep a copy but must ask first (a 304 when nothing changed); a proxy
/// or CDN must not keep one, since a page is rendered for the user who asked.
const PAGE: HeaderValue = HeaderValue::from_static("private, no-cache");
/// Data and signed-in pages: kept by no cache at all.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// Where the hashed files live: `/<site_pkg_dir>/`.
pub fn pkg_prefix(options: &LeptosOptions) -> std::sync::Arc<str> {
    format!("/{}/", options.site_pkg_dir.trim_matches('/')).into()
}

/// Turns hashed asset names on when the site was built with them: cargo-leptos then writes the
/// names' hashes to a file beside the server binary (where Leptos reads them when rendering a
/// page), so a release runs with them without setting `LEPTOS_HASH_FILES`, which still decides
/// when set.
pub fn detect_hash_files(options: &mut LeptosOptions) {
    if std::env::var_os("LEPTOS_HASH_FILES").is_some() {
        return;
    }
    options.hash_files = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .is_some_and(|path| path.is_file());
}

/// On-the-fly compression (brotli or gzip, as the client accepts) of answers above a small
/// size. Precompressed files already carry a `Content-Encoding` and pass through untouched.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate =
        SizeAbove::new(COMPRESS_ABOVE_BYTES).and(NotForContentType::IMAGES).and(NotForContentType::GRPC).and(NotForContentType::SSE);
    CompressionLayer::new().compress_when(predicate)
}

/// Sets `Cache-Control` on files, pages and data, unless the handler chose one itself.
pub async fn cache_headers(State(pkg_prefix): State<std::sync::Arc<str>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let under_pkg = path.starts_with(&*pkg_prefix);
    let is_data = path.starts_with("/api/") || path.starts_with("/sfn/");
    let mut response = next.run(request).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let signed_in = response.extensions().get::<ActorId>().is_some();
    let status = response.status();
    let value = if is_data || (signed_in && is_html(&response)) {
        Some(NO_STORE)
    } else if status.is_success() || status.as_u16() == 304 {
        if under_pkg {
            Some(IMMUTABLE)
        } else if is_html(&response) {
            Some(PAGE)
        } else if is_static_file(&response) {
            Some(UNHASHED_FILE)
        } else {
            None
        }
    } else if is_html(&response) {
        // Error pages are never worth keeping.
        Some(PAGE)
    } else {
        None
    };
    if let Some(value) = value {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    // A shared cache must keep the brotli, gzip and plain variants apart.
    if under_pkg && !response.headers().contains_key(header::VARY) {
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

fn is_html(response: &Response) -> bool {
    response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

/// The static file handler marks its answers with `Last-Modified`; our handlers don't.
fn is_static_file(response: &Response) -> bool {
    response.headers().contains_key(header::LAST_MODIFIED)
}
