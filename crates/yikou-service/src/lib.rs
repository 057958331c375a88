//! yikou use cases (用例层): every act that writes, spans two store calls or touches files — upload,
//! check, commit and undo an import, run the cross-check and decide a finding, manage accounts and
//! API tokens, resolve the current campaign, load and export
//! a campaign's exchange files, save the cross-check rules — is one function here taking the
//! actor and typed input and returning a typed result. Web pages, API handlers and CLI commands only
//! parse, call and render.

pub mod accounts;
pub mod audit;
pub mod campaign;
pub mod check;
pub mod donations;
pub mod exchange;
pub mod followup;
pub mod hotline;
pub mod imports;
pub mod pay;
pub mod register;
pub mod reports;
pub mod rosters;
pub mod services;
pub mod visits;
pub mod vouchers;

use yikou_store::StoreError;

/// What a use case can fail with. The web maps each once to a status (HTML page or JSON).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Does not exist, or lies outside the actor's area (never told apart).
    #[error("未找到")]
    NotFound,
    /// The actor's role may not do this.
    #[error("您的角色不能使用此功能")]
    Forbidden,
    /// The actor may not do this to this record (separation of duties: one's own roster); the
    /// message says why (Chinese). Answered 403 like `Forbidden`.
    #[error("{0}")]
    Refused(String),
    /// Refused for a reason the user can correct; the message says how (Chinese).
    #[error("{0}")]
    Rejected(String),
    /// The state changed meanwhile or already holds (a duplicate, already undone or decided).
    #[error("{0}")]
    Conflict(String),
    /// An uploaded file that cannot be read as a list.
    #[error("{0}")]
    Unreadable(String),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> ServiceError {
        match e {
            StoreError::NotFound(_) => ServiceError::NotFound,
            StoreError::Forbidden => ServiceError::Forbidden,
            StoreError::Refused(m) => ServiceError::Refused(m),
            StoreError::Conflict(m) => ServiceError::Conflict(m),
            StoreError::Rejected { message, .. } | StoreError::Invalid(message) => ServiceError::Rejected(message),
            e @ StoreError::OutsideArea(_) => ServiceError::Rejected(e.to_string()),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
