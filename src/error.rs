//! Errors. [`ApiError`] is what a client sees — the JSON error body of the REST API and the
//! error type of every server function, so it compiles for the browser too. On the server,
//! [`AppError`] carries the cause; it logs internals and turns into an `ApiError` that never
//! contains them.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A client-facing error: an HTTP status, a stable machine `code` and a human `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// The id of the request that failed, as its log line names it, so that a user's report
    /// leads to that line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_owned(), message: message.into(), request_id: None }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                ApiError::new(503, "unavailable", "The server could not be reached. Check your connection and try again.")
            }
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                ApiError::new(400, "bad_request", "The form data could not be read.")
            }
            _ => ApiError::new(500, "internal", "Something went wrong on our side. Please try again."),
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::ApiError;
    use axum::http::{header, HeaderName, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};

    tokio::task_local! {
        /// The id of the request being served (set by the request-log middleware).
        pub static REQUEST_ID: String;
    }

    /// The request id as page rendering sees it: Leptos renders a page and runs its
    /// resources on tasks of its own, outside the task-local's scope, so the router also
    /// provides the id as context.
    #[derive(Debug, Clone)]
    pub struct RequestId(pub String);

    /// The id of the request being served, if any.
    pub fn current_request_id() -> Option<String> {
        REQUEST_ID.try_with(Clone::clone).ok().or_else(|| leptos::prelude::use_context::<RequestId>().map(|id| id.0))
    }

    /// Marks a 404 that concealed something existing, for `auth::actor::resolve_actor` to
    /// audit; it takes the header off before the response leaves.
    pub const CONCEALED_HEADER: &str = "x-caduceus-concealed";

    /// Every way a request can fail, with the status it deserves. `Internal` and
    /// `Unavailable` keep their cause for the log only.
    #[derive(Debug, thiserror::Error)]
    pub enum AppError {
        #[error("{0}")]
        BadRequest(String),
        #[error("authentication required")]
        Unauthorized,
        /// Wrong password and unknown email alike: one answer, so neither is revealed.
        #[error("Invalid email or password.")]
        InvalidCredentials,
        #[error("{0}")]
        Forbidden(String),
        #[error("{0}")]
        NotFound(String),
        /// A 404 to the caller, for something that exists but isn't theirs (its existence is
        /// not revealed); the refusal is audited like a 403 (see [`CONCEALED_HEADER`]).
        #[error("{0}")]
        Concealed(String),
        #[error("{0}")]
        Conflict(String),
        #[error("request body too large")]
        PayloadTooLarge,
        #[error("{0}")]
        Validation(String),
        /// A file of a kind not accepted (415).
        #[error("{0}")]
        UnsupportedMediaType(String),
        #[error("too many attempts")]
        TooManyRequests { retry_after_secs: u64 },
        #[error("service unavailable")]
        Unavailable(#[source] anyhow::Error),
        #[error("internal error")]
        Internal(#[source] anyhow::Error),
    }

    impl AppError {
        pub fn forbidden() -> Self {
            Self::Forbidden("You do not have permission to do this.".into())
        }

        pub fn not_found(what: &str) -> Self {
            Self::NotFound(format!("{what} not found."))
        }

        /// `what` exists, but the caller may not know it: answered as [`AppError::not_found`].
        pub fn concealed(what: &str) -> Self {
            Self::Concealed(format!("{what} not found."))
        }

        pub fn validation(message: impl Into<String>) -> Self {
            Self::Validation(message.into())
        }

        pub fn status(&self) -> StatusCode {
            match self {
                Self::BadRequest(_) => StatusCode::BAD_REQUEST,
                Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
                Self::Forbidden(_) => StatusCode::FORBIDDEN,
                Self::NotFound(_) | Self::Concealed(_) => StatusCode::NOT_FOUND,
                Self::Conflict(_) => StatusCode::CONFLICT,
                Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }

        fn code(&self) -> &'static str {
            match self {
                Self::BadRequest(_) => "bad_request",
                Self::Unauthorized => "unauthorized",
                Self::InvalidCredentials => "invalid_credentials",
                Self::Forbidden(_) => "forbidden",
                Self::NotFound(_) | Self::Concealed(_) => "not_found",
                Self::Conflict(_) => "conflict",
                Self::PayloadTooLarge => "payload_too_large",
                Self::Validation(_) => "validation_failed",
                Self::UnsupportedMediaType(_) => "unsupported_media_type",
                Self::TooManyRequests { .. } => "rate_limited",
                Self::Unavailable(_) => "unavailable",
                Self::Internal(_) => "internal",
            }
        }

        /// The client's view: internals are logged here and replaced by a generic message.
        pub fn to_api_error(&self) -> ApiError {
            let message = match self {
                Self::Unauthorized => "Please sign in to continue.".to_owned(),
                Self::PayloadTooLarge => "The request body is too large.".to_owned(),
                Self::TooManyRequests { retry_after_secs } => {
                    format!("Too many attempts. Try again in {retry_after_secs} seconds.")
                }
                Self::Unavailable(cause) => {
                    tracing::warn!(error = ?cause, "service unavailable");
                    "The service is temporarily unavailable. Please try again shortly.".to_owned()
                }
                Self::Internal(cause) => {
                    tracing::error!(error = ?cause, "internal error");
                    "Something went wrong on our side. Please try again.".to_owned()
                }
                other => other.to_string(),
            };
            ApiError { request_id: current_request_id(), ..ApiError::new(self.status().as_u16(), self.code(), message) }
        }
    }

    /// Database errors: lost connections are 503 (the server stays up while PostgreSQL
    /// restarts); anything else is a bug worth a 500 and a log line.
    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match &err {
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                    Self::Unavailable(err.into())
                }
                // The server going away (57P, 08), or a statement that ran past
                // `statement_timeout` or was cancelled (57014).
                sqlx::Error::Database(db)
                    if db.code().as_deref().is_some_and(|c| c.starts_with("57P") || c.starts_with("08") || c == "57014") =>
                {
                    Self::Unavailable(err.into())
                }
                // Two transactions collided: nothing was written; the client may try again.
                sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001" | "40P01")) => {
                    Self::Conflict("Someone else changed this at the same moment. Please try again.".into())
                }
                // Values PostgreSQL can't hold (a date past its range, a number too large, a
                // character it can't store) are the client's input, whichever check missed them.
                sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("22008" | "22003" | "22021" | "22P05")) => {
                    tracing::warn!(error = ?err, "input reached the database unchecked");
                    Self::Validation("A value is out of the range this system can store.".into())
                }
                _ => Self::Internal(err.into()),
            }
        }
    }

    impl From<anyhow::Error> for AppError {
        fn from(err: anyhow::Error) -> Self {
            Self::Internal(err)
        }
    }

    impl From<AppError> for ApiError {
        fn from(err: AppError) -> Self {
            // Server functions answer with the right status too, not a blanket 500.
            if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                options.set_status(err.status());
                if matches!(err, AppError::Concealed(_)) {
                    options.insert_header(HeaderName::from_static(CONCEALED_HEADER), HeaderValue::from_static("1"));
                }
            }
            err.to_api_error()
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let retry_after = match &self {
                Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
                _ => None,
            };
            let api = self.to_api_error();
            let body = ErrorBody { error: ErrorDetail { code: api.code, message: api.message, request_id: api.request_id } };
            let mut response = (self.status(), axum::Json(body)).into_response();
            if matches!(self, Self::Concealed(_)) {
                response.headers_mut().insert(CONCEALED_HEADER, HeaderValue::from_static("1"));
            }
            if let Some(secs) = retry_after {
                if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            response
        }
    }

    /// The body of every REST error: `{"error": {"code", "message", "request_id"}}`.
    #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
    #[schema(as = Error)]
    pub struct ErrorBody {
        pub error: ErrorDetail,
    }

    #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
    pub struct ErrorDetail {
        /// Stable and machine-readable: `bad_request`, `unauthorized`, `invalid_credentials`,
        /// `forbidden`, `not_found`, `conflict`, `payload_too_large`, `validation_failed`,
        /// `rate_limited`, `unavailable`, `internal`.
        #[schema(example = "validation_failed")]
        pub code: String,
        /// For people: what went wrong and what to do about it.
        pub message: String,
        /// The request's id, as its log line and the `x-request-id` header name it.
        pub request_id: Option<String>,
    }

    /// Maps a unique-constraint violation named `constraint` to a 409 with `message`.
    pub fn conflict_on(constraint: &'static str, message: &'static str) -> impl Fn(sqlx::Error) -> AppError {
        move |err| match &err {
            sqlx::Error::Database(db) if db.constraint() == Some(constraint) => AppError::Conflict(message.to_owned()),
            _ => AppError::from(err),
        }
    }

    /// Maps a CHECK violation named `constraint` (a rule the input broke, decided by the
    /// database so that it holds under concurrency) to a 422 with `message`.
    pub fn refused_on(constraint: &'static str, message: String) -> impl FnOnce(sqlx::Error) -> AppError {
        move |err| match &err {
            sqlx::Error::Database(db) if db.constraint() == Some(constraint) => AppError::Validation(message),
            _ => AppError::from(err),
        }
    }

    pub type AppResult<T> = Result<T, AppError>;
}

#[cfg(feature = "ssr")]
pub use server::{
    conflict_on, current_request_id, refused_on, AppError, AppResult, ErrorBody, ErrorDetail, RequestId, CONCEALED_HEADER, REQUEST_ID,
};
