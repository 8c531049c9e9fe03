//! Request body limits: one for every request (JSON, forms, server functions), and a larger
//! one of its own for document uploads, so that allowing a 20 MB scan doesn't let every
//! endpoint be sent 20 MB.

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
}

/// Refuses a body whose declared length is over the limit at once (413, our JSON error), and
/// stops reading one that grows past it (the extractor reading it answers 413).
pub async fn limit_body(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let limit = if is_upload(request.method(), request.uri().path()) { limits.upload } else { limits.body };
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return AppError::PayloadTooLarge.into_response();
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, limit)))).await
}

/// `POST /api/patients/{id}/reports`, and the chart page's upload function.
fn is_upload(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    if path == "/sfn/upload_document" {
        return true;
    }
    let Some(rest) = path.strip_prefix("/api/patients/") else { return false };
    rest.strip_suffix("/reports").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
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
}
