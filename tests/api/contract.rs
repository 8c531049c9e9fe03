//! The REST API's contract: the OpenAPI document and the router are the same list of routes,
//! and every path of the product spec whose domain exists is served.

use crate::helpers::{body, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// The document's operations as ("GET", "/api/doctors/{id}").
pub fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| METHODS.iter().filter(|m| item.get(**m).is_some()).map(move |m| (m.to_uppercase(), path.clone())))
        .collect()
}

pub async fn openapi_document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

/// A concrete request path for a documented one: every `{param}` becomes 1.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push('1');
            }
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// The JSON 404 of `/api/{*rest}`: the router has no such route.
async fn is_unrouted(response: reqwest::Response) -> bool {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        return true;
    }
    if response.status() != StatusCode::NOT_FOUND {
        return false;
    }
    let value: Value = response.json().await.unwrap_or_default();
    value["error"]["message"] == "No such API endpoint."
}

#[sqlx::test(migrations = "./migrations")]
async fn the_document_is_openapi_3_1_with_the_error_schema_and_bearer_scheme(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let document = openapi_document(&app).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let error = &document["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["error"]), "{error}");
    // Every operation names its errors, with the error body.
    for (method, path) in documented_operations(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        for status in ["401", "403", "404", "422", "503"] {
            assert!(operation["responses"][status].is_object(), "{method} {path} lacks {status}");
        }
    }
}

/// Every documented operation is routed, and no documented path answers a method the
/// document does not list: the router serves no more and no less than the document.
#[sqlx::test(migrations = "./migrations")]
async fn the_router_serves_exactly_the_documented_operations(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let document = openapi_document(&app).await;
    let documented = documented_operations(&document);
    assert!(documented.len() >= 30, "only {} operations documented", documented.len());
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    for path in paths {
        for method in METHODS.map(str::to_uppercase) {
            let response =
                app.client.request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(&concrete(path))).send().await.unwrap();
            let status = response.status();
            let unrouted = is_unrouted(response).await;
            if documented.contains(&(method.clone(), path.clone())) {
                assert!(!unrouted, "{method} {path} is documented but not routed ({status})");
            } else {
                assert!(unrouted, "{method} {path} is routed ({status}) but not documented");
            }
        }
    }
}

/// A route added beside the documented routers (`.route("/api/…")`) would be served without
/// being documented, on a path the test above never tries: API routes are only registered
/// through utoipa-axum's `routes!`, which documents them.
#[test]
fn api_routes_are_registered_only_through_the_documenting_router() {
    let mut undocumented = Vec::new();
    for file in rust_files(std::path::Path::new("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let registers = [".route(\"/api", ".route_service(\"/api", ".nest(\"/api", ".nest_service(\"/api"];
            if registers.iter().any(|r| line.contains(r)) && !line.contains("\"/api/{*rest}\"") {
                undocumented.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(undocumented.is_empty(), "API routes outside the OpenAPI document:\n{}", undocumented.join("\n"));
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The paths of the product spec's REST contract whose domains exist today. Later domains add
/// theirs here as they land.
const SPEC_OPERATIONS: &[(&str, &str)] = &[
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/profile"),
    ("PUT", "/api/profile"),
    ("GET", "/api/doctors"),
    ("POST", "/api/doctors"),
    ("GET", "/api/doctors/{id}"),
    ("PUT", "/api/doctors/{id}"),
    ("DELETE", "/api/doctors/{id}"),
    ("GET", "/api/doctors/{id}/available_slots"),
    ("GET", "/api/doctors/{id}/reviews"),
    ("POST", "/api/doctors/{id}/reviews"),
    ("POST", "/api/appointments"),
    ("GET", "/api/appointments"),
    ("GET", "/api/appointments/{id}"),
    ("PUT", "/api/appointments/{id}"),
    ("POST", "/api/appointments/{id}/cancel"),
    ("POST", "/api/appointments/{id}/accept"),
    ("POST", "/api/appointments/{id}/reject"),
    ("POST", "/api/appointments/{id}/complete"),
    ("POST", "/api/appointments/{id}/no_show"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/users/{id}"),
    ("PUT", "/api/users/{id}"),
    ("POST", "/api/users/{id}/verify"),
    ("POST", "/api/users/{id}/deactivate"),
    ("GET", "/api/patients/{id}/history"),
    ("POST", "/api/patients/{id}/history"),
    ("DELETE", "/api/patients/{id}"),
    ("GET", "/api/patients"),
    ("POST", "/api/patients"),
    ("GET", "/api/patients/{id}"),
    ("PUT", "/api/patients/{id}"),
    ("GET", "/api/patients/{id}/reports"),
    ("POST", "/api/patients/{id}/reports"),
    ("GET", "/api/reports/{id}/file"),
    ("GET", "/api/patients/{id}/medical-records"),
    ("POST", "/api/medical-records"),
    ("GET", "/api/medical-records/{id}"),
    ("PUT", "/api/medical-records/{id}"),
    ("DELETE", "/api/medical-records/{id}"),
    ("POST", "/api/questions"),
    ("GET", "/api/questions/{id}"),
    ("GET", "/api/questions/pending"),
    ("POST", "/api/questions/{id}/response"),
    ("POST", "/api/xrays"),
    ("GET", "/api/xrays/{id}"),
    ("GET", "/api/xrays/{id}/image"),
    ("GET", "/api/patients/{id}/xrays"),
    ("PUT", "/api/xrays/{id}"),
    ("GET", "/api/billing"),
    ("POST", "/api/billing"),
    ("GET", "/api/billing/{id}"),
    ("PUT", "/api/billing/{id}"),
    ("POST", "/api/billing/{id}/payments"),
    ("GET", "/api/claims"),
    ("POST", "/api/claims"),
    ("PUT", "/api/claims/{id}"),
    ("GET", "/api/audit"),
    ("GET", "/health"),
];

#[sqlx::test(migrations = "./migrations")]
async fn every_spec_path_of_a_built_domain_is_documented(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let documented = documented_operations(&openapi_document(&app).await);
    let missing: Vec<_> = SPEC_OPERATIONS.iter().filter(|(m, p)| !documented.contains(&(m.to_string(), p.to_string()))).collect();
    assert!(missing.is_empty(), "spec operations missing from the API: {missing:?}");
}

#[sqlx::test(migrations = "./migrations")]
async fn the_docs_page_is_served_from_our_own_files(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "the docs page loads nothing from another site");
    let script = app.get("/api/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(script.status(), StatusCode::OK);
    let initializer = app.get("/api/docs/swagger-initializer.js", None).await;
    assert!(initializer.text().await.unwrap().contains("/api/openapi.json"));
}
