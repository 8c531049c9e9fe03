//! axum's `Json`, `Query` and `Path` extractors, answering bad input with our error body
//! instead of plain text, and never with a 500. Every text that arrives through them passes one
//! shared check ([`check_text`]): control characters (NUL, escape, …) are a 422 here, before
//! any use case sees them (PostgreSQL can't store NUL, and the others hide text from readers).

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
        // Read as a JSON value first so every string in it, keys included, is checked once.
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(json_error(rejection)),
        };
        check_json_text(&value)?;
        // As axum's own `Json` does: the message names the field that is wrong (`doctor_id: …`).
        serde_path_to_error::deserialize(value).map(Json).map_err(|err| AppError::Validation(format!("Invalid request body: {err}")))
    }
}

/// Text from a client: line breaks and tabs are fine (notes, addresses), every other control
/// character is refused.
pub fn check_text(text: &str) -> Result<(), AppError> {
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(AppError::validation("Text may not contain control characters."));
    }
    Ok(())
}

fn check_json_text(value: &serde_json::Value) -> Result<(), AppError> {
    match value {
        serde_json::Value::String(text) => check_text(text),
        serde_json::Value::Array(items) => items.iter().try_for_each(check_json_text),
        serde_json::Value::Object(fields) => fields.iter().try_for_each(|(key, value)| {
            check_text(key)?;
            check_json_text(value)
        }),
        _ => Ok(()),
    }
}

fn json_error(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonSyntaxError(_) => AppError::BadRequest("The request body is not valid JSON.".into()),
        JsonRejection::MissingJsonContentType(_) => AppError::BadRequest("Send a JSON body with Content-Type: application/json.".into()),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        _ => AppError::BadRequest("The request body could not be read.".into()),
    }
}

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let pairs = axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state).await.map(|q| q.0).unwrap_or_default();
        pairs.iter().try_for_each(|(key, value)| check_text(key).and_then(|()| check_text(value)))?;
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
        if let Ok(raw) = axum::extract::RawPathParams::from_request_parts(parts, state).await {
            raw.iter().try_for_each(|(_, value)| check_text(value))?;
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_| AppError::BadRequest("Invalid path parameter.".into()))
    }
}

/// One piece of the server's state inside a server function: the router provides each piece
/// as context (see `server::state::AppState::provide_parts`), as REST handlers get them
/// through `State`.
pub fn from_context<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
    leptos::prelude::use_context::<T>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("{} missing from the server function's context", std::any::type_name::<T>())))
}

/// A connection from the pool, inside a server function.
pub async fn connection() -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, AppError> {
    Ok(from_context::<sqlx::PgPool>()?.acquire().await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_with_control_characters_is_refused_but_line_breaks_are_kept() {
        assert!(check_text("Chest pain\nsince Monday,\tmild").is_ok());
        assert!(check_text("Zoë Ångström 東京").is_ok());
        for hostile in ["a\0b", "\u{1b}[31m", "bell\u{7}", "\u{85}next line", "del\u{7f}"] {
            assert!(matches!(check_text(hostile), Err(AppError::Validation(_))), "{hostile:?}");
        }
    }

    #[test]
    fn every_string_of_a_json_body_is_checked_keys_included() {
        assert!(check_json_text(&json!({"reason": "ok\n", "n": 3, "list": ["a", {"b": "c"}]})).is_ok());
        assert!(check_json_text(&json!({"list": ["a", {"b": "c\0"}]})).is_err());
        assert!(check_json_text(&json!({"na\0me": "x"})).is_err());
    }
}
