//! How the portal's files and pages travel: precompressed assets chosen by `Accept-Encoding`,
//! hashed names cached for a year, pages revalidated, large answers compressed on the fly.
//! Against the release binary (`ServerProcess`), which finds the hash file cargo-leptos wrote
//! beside it, on the site `scripts/test.sh` built.

use crate::helpers::ServerProcess;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, IF_MODIFIED_SINCE, LAST_MODIFIED, VARY};
use reqwest::{Client, Response, StatusCode};
use sqlx::PgPool;

const A_YEAR_IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn get(client: &Client, url: &str, encoding: &str) -> Response {
    client.get(url).header(ACCEPT_ENCODING, encoding).send().await.unwrap()
}

fn header(response: &Response, name: reqwest::header::HeaderName) -> Option<&str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

/// The asset paths a page names (`/pkg/<name>.<hash>.<extension>`).
fn asset_paths(html: &str, extension: &str) -> Vec<String> {
    html.split('"').filter(|part| part.starts_with("/pkg/") && part.ends_with(extension)).map(str::to_owned).collect()
}

async fn sign_in_page(server: &ServerProcess, client: &Client) -> String {
    let page = get(client, &format!("{}/login", server.base), "identity").await;
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn the_pages_name_hashed_assets_sent_precompressed_as_the_client_accepts(pool: PgPool) {
    let server = ServerProcess::start(&pool).await;
    let client = Client::new();
    let html = sign_in_page(&server, &client).await;
    let wasm = asset_paths(&html, ".wasm");
    // The main module. (The page's own chunks are usually named beside it as preloads too, but
    // not always when the server is busy: a known gap, see issue 12's note.)
    let main = wasm.iter().find(|p| p.starts_with("/pkg/caduceus.")).unwrap_or_else(|| panic!("no main module in {wasm:?}"));
    // `caduceus.<hash>.wasm`: a name that changes whenever the content does.
    assert_eq!(main.split('.').count(), 3, "{main}");
    for path in [main.clone(), asset_paths(&html, ".js")[0].clone(), asset_paths(&html, ".css")[0].clone()] {
        let url = format!("{}{path}", server.base);
        let mut sizes = Vec::new();
        for (accepted, sent) in [("br", Some("br")), ("gzip", Some("gzip")), ("gzip, deflate, br", Some("br")), ("identity", None)] {
            let response = get(&client, &url, accepted).await;
            assert_eq!(response.status(), StatusCode::OK, "{path} for {accepted}");
            assert_eq!(header(&response, CONTENT_ENCODING), sent, "{path} for {accepted}");
            assert_eq!(header(&response, CACHE_CONTROL), Some(A_YEAR_IMMUTABLE), "{path}");
            assert_eq!(header(&response, VARY).map(str::to_ascii_lowercase).as_deref(), Some("accept-encoding"), "{path}");
            sizes.push(response.bytes().await.unwrap().len());
        }
        let [brotli, gzip, _, plain] = sizes[..] else { unreachable!() };
        assert!(brotli < gzip && gzip < plain, "{path}: br {brotli}, gzip {gzip}, plain {plain}");
    }
    let plain = get(&client, &format!("{}{main}", server.base), "identity").await.bytes().await.unwrap();
    assert_eq!(&plain[..4], b"\0asm", "the plain variant is the WASM itself");
}

#[sqlx::test(migrations = "./migrations")]
async fn a_second_visit_revalidates_the_page_and_gets_a_304_for_an_asset_it_asks_about(pool: PgPool) {
    let server = ServerProcess::start(&pool).await;
    let client = Client::new();
    let page = get(&client, &format!("{}/login", server.base), "br").await;
    // The page: per user, asked for again on every visit, kept by no proxy.
    assert_eq!(header(&page, CACHE_CONTROL), Some("private, no-cache"));
    assert_eq!(header(&page, CONTENT_ENCODING), Some("br"));
    let html = sign_in_page(&server, &client).await;
    let url = format!("{}{}", server.base, asset_paths(&html, ".wasm")[0]);
    let first = get(&client, &url, "br").await;
    let modified = header(&first, LAST_MODIFIED).expect("assets carry Last-Modified").to_owned();
    // A browser that revalidates anyway (a forced reload) downloads nothing.
    let again = client.get(&url).header(ACCEPT_ENCODING, "br").header(IF_MODIFIED_SINCE, &modified).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
}

#[sqlx::test(migrations = "./migrations")]
async fn large_answers_are_compressed_on_the_fly_and_small_ones_are_not(pool: PgPool) {
    let server = ServerProcess::start(&pool).await;
    let client = Client::new();
    let document = format!("{}/api/openapi.json", server.base);
    for (accepted, sent) in [("br", Some("br")), ("gzip", Some("gzip")), ("identity", None)] {
        let response = get(&client, &document, accepted).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, CONTENT_ENCODING), sent, "the API document for {accepted}");
    }
    let small = get(&client, &format!("{}/health", server.base), "br").await;
    assert_eq!(small.status(), StatusCode::OK);
    assert_eq!(header(&small, CONTENT_ENCODING), None, "a 60-byte answer is not worth compressing");
}

#[sqlx::test(migrations = "./migrations")]
async fn a_missing_asset_is_a_404_that_no_one_caches_for_a_year(pool: PgPool) {
    let server = ServerProcess::start(&pool).await;
    let response = get(&Client::new(), &format!("{}/pkg/caduceus.no-such-hash.wasm", server.base), "br").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_ne!(header(&response, CACHE_CONTROL), Some(A_YEAR_IMMUTABLE));
}
