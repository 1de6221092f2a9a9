//! [`AppError`]: every way a request can fail, and the status and JSON body
//! each one gets. Handlers return `Result<_, AppError>`; the user's mistakes
//! get their 4xx with a message saying what to fix, internal failures a
//! generic 500 whose cause is logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use paperdex_search::SearchError;
use serde::Serialize;
use utoipa::ToSchema;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// A query parameter (or the path's id) is missing, malformed or out of range.
    #[error("invalid parameter '{name}': {reason}")]
    BadParameter {
        /// The parameter's name.
        name: String,
        /// What is wrong with it and what is expected.
        reason: String,
    },
    /// Nothing has that id.
    #[error("{0}")]
    NotFound(String),
    /// A write without a valid bearer token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A write while the server has no token configured.
    #[error("writes are disabled: the server has no token configured (set [server] token in the config file or PAPERDEX_TOKEN)")]
    WritesDisabled,
    /// A body larger than the server accepts.
    #[error("request body is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Semantic search without a model.
    #[error("{0}")]
    Unavailable(String),
    /// A failure on our side; the cause is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A bad parameter.
    pub fn param(name: impl Into<String>, reason: impl Into<String>) -> Self {
        AppError::BadParameter {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::WritesDisabled => StatusCode::FORBIDDEN,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the client: internal causes stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal error; see the server log".to_string(),
            other => other.to_string(),
        }
    }

    /// The parameter at fault, if one is.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            AppError::BadParameter { name, .. } => Some(name),
            _ => None,
        }
    }

    pub(crate) fn body(&self) -> ErrorBody {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "request failed");
        }
        ErrorBody {
            error: ErrorDetail {
                status: self.status().as_u16(),
                message: self.public_message(),
                parameter: self.parameter().map(str::to_string),
            },
        }
    }
}

impl From<SearchError> for AppError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Query(q) => AppError::param("q", q.to_string()),
            SearchError::UnknownPaper(id) => {
                AppError::NotFound(format!("no paper with id, arXiv id or DOI '{id}'"))
            }
            SearchError::NoModel => AppError::Unavailable(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<paperdex_store::StoreError> for AppError {
    fn from(e: paperdex_store::StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<paperdex_discover::DiscoverError> for AppError {
    fn from(e: paperdex_discover::DiscoverError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<paperdex_export::ExportError> for AppError {
    fn from(e: paperdex_export::ExportError) -> Self {
        match e {
            paperdex_export::ExportError::Search(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error's status, message and, for a bad parameter, its name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong and, for the client's mistakes, how to fix it.
    pub message: String,
    /// The query parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), crate::wire::Json(self.body())).into_response();
        if matches!(self, AppError::Unauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"paperdex\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_causes_are_not_sent() {
        let e = AppError::Internal("disk /secret/path failed".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.public_message().contains("secret"));
    }

    #[test]
    fn bad_parameters_name_the_parameter() {
        let body = AppError::param("k", "must be at least 1").body();
        assert_eq!(body.error.status, 400);
        assert_eq!(body.error.parameter.as_deref(), Some("k"));
        assert_eq!(
            body.error.message,
            "invalid parameter 'k': must be at least 1"
        );
    }
}
