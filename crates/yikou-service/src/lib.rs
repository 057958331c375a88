//! yikou use cases (用例层): every act that writes, spans two store calls or touches files — upload,
//! check, commit and undo an import, run the cross-check and decide a finding, manage accounts and
//! API tokens, resolve the current campaign — is one function here taking the
//! actor and typed input and returning a typed result. Web pages, API handlers and CLI commands only
//! parse, call and render. (Issue 12 moves the remaining use cases here feature by feature.)

pub mod accounts;
pub mod campaign;
pub mod check;
pub mod imports;
pub mod register;

use std::future::Future;
use std::sync::Arc;

use yikou_store::{Store, StoreError};

/// What a use case can fail with. The web maps each once to a status (HTML page or JSON).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Does not exist, or lies outside the actor's area (never told apart).
    #[error("未找到")]
    NotFound,
    /// The actor's role may not do this at all.
    #[error("您的角色不能使用此功能")]
    Forbidden,
    /// Refused for a reason the user can correct; the message says how (Chinese).
    #[error("{0}")]
    Rejected(String),
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
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Runs a future that is not `Send` (store writes nest savepoints in ways the compiler cannot prove
/// `Send`) on a blocking thread of the same runtime, so that callers get an ordinary `Send` future.
pub async fn off_thread<T, F, Fut>(store: Arc<Store>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(Arc<Store>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f(store)))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
}
