//! Request body limits: one for every request (JSON, forms, server functions), and larger
//! ones of their own for document and x-ray uploads, so that allowing a 20 MB scan or a 50 MB
//! DICOM doesn't let every endpoint be sent that much.

use crate::error::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Bytes, for everything but uploads (`CADUCEUS_MAX_BODY_BYTES`).
    pub body: usize,
    /// Bytes, for a document upload (`CADUCEUS_MAX_UPLOAD_MB`).
    pub upload: usize,
    /// Bytes, for an x-ray upload (`CADUCEUS_MAX_XRAY_MB`).
    pub xray: usize,
}

/// Which limit a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Body,
    Document,
    Xray,
}

/// Refuses a body whose declared length is over the limit at once (413, our JSON error), and
/// stops reading one that grows past it (the extractor reading it answers 413).
pub async fn limit_body(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let limit = match kind_of(request.method(), request.uri().path()) {
        Kind::Body => limits.body,
        Kind::Document => limits.upload,
        Kind::Xray => limits.xray,
    };
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return AppError::PayloadTooLarge.into_response();
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, limit)))).await
}

/// Documents: `POST /api/patients/{id}/reports` and the chart page's upload function; x-rays:
/// `POST /api/xrays` and the x-ray page's upload function.
fn kind_of(method: &Method, path: &str) -> Kind {
    if method != Method::POST {
        return Kind::Body;
    }
    match path {
        "/sfn/upload_document" => return Kind::Document,
        "/api/xrays" | "/sfn/upload_xray" => return Kind::Xray,
        _ => {}
    }
    let Some(rest) = path.strip_prefix("/api/patients/") else { return Kind::Body };
    if rest.strip_suffix("/reports").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())) {
        Kind::Document
    } else {
        Kind::Body
    }
}

#[cfg(test)]
fn is_upload(method: &Method, path: &str) -> bool {
    kind_of(method, path) == Kind::Document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_document_uploads_get_the_upload_limit() {
        assert!(is_upload(&Method::POST, "/api/patients/42/reports"));
        assert!(is_upload(&Method::POST, "/sfn/upload_document"));
        assert!(!is_upload(&Method::POST, "/sfn/add_allergy"));
        assert!(!is_upload(&Method::GET, "/api/patients/42/reports"));
        assert!(!is_upload(&Method::POST, "/api/patients/42/vitals"));
        assert!(!is_upload(&Method::POST, "/api/patients/x/reports"));
        assert!(!is_upload(&Method::POST, "/api/patients//reports"));
        assert!(!is_upload(&Method::POST, "/api/patients/1/2/reports"));
    }

    #[test]
    fn x_ray_uploads_get_theirs() {
        assert_eq!(kind_of(&Method::POST, "/api/xrays"), Kind::Xray);
        assert_eq!(kind_of(&Method::POST, "/sfn/upload_xray"), Kind::Xray);
        assert_eq!(kind_of(&Method::PUT, "/api/xrays/1"), Kind::Body);
        assert_eq!(kind_of(&Method::POST, "/api/xrays/1/whatever"), Kind::Body);
    }
}
