//! axum's `Json` and `Query` extractors, answering bad input with our error body instead of
//! plain text, and never with a 500.

use crate::error::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(err) => AppError::Validation(strip_prefix(&err.body_text())),
        JsonRejection::JsonSyntaxError(_) => AppError::BadRequest("The request body is not valid JSON.".into()),
        JsonRejection::MissingJsonContentType(_) => AppError::BadRequest("Send a JSON body with Content-Type: application/json.".into()),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        _ => AppError::BadRequest("The request body could not be read.".into()),
    }
}

/// serde's message without axum's "Failed to deserialize the JSON body into the target type: ".
fn strip_prefix(text: &str) -> String {
    let message = text.split_once(": ").map(|(_, rest)| rest).unwrap_or(text);
    format!("Invalid request body: {message}")
}

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(err)) => {
                Err(AppError::BadRequest(format!("Invalid query parameters: {}", err.body_text().rsplit(": ").next().unwrap_or(""))))
            }
            Err(_) => Err(AppError::BadRequest("Invalid query parameters.".into())),
        }
    }
}

/// Path parameters; a malformed id is a 400 with our error body.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_| AppError::BadRequest("Invalid path parameter.".into()))
    }
}
