//! The web application: server-rendered pages in Chinese and a JSON API over the same store, with
//! the security model every page uses: sessions in the database, CSRF tokens on every form, the
//! user's area applied in the store's SQL (a forbidden record answers 404), security headers.

mod admin;
mod api;
mod auth;
pub mod checks;
mod exports;
pub mod imports;
mod pages;
mod tokens;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use yikou_store::auth::AuthPolicy;
use yikou_store::Store;

pub use auth::SESSION_COOKIE;

/// Server settings.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub policy: AuthPolicy,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Where uploaded lists wait for their commit (default: the system's temporary folder).
    pub upload_dir: Option<std::path::PathBuf>,
}

impl WebConfig {
    pub fn upload_dir(&self) -> std::path::PathBuf {
        self.upload_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("yikou-uploads"))
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub config: Arc<WebConfig>,
    /// The page frame's campaign line, re-read at most every few seconds (it changes with a
    /// phase, not with every request).
    pub campaign_line: Arc<std::sync::Mutex<Option<(std::time::Instant, Option<String>)>>>,
    /// Places for checking uploaded lists (bounds the memory uploads can take together).
    pub checks: Arc<checks::CheckPermits>,
}

/// What a handler can fail with; rendered as a Chinese page (or JSON under /api).
#[derive(Debug)]
pub enum AppError {
    /// Not signed in.
    Unauthorized,
    /// Signed in, but the role may not do this.
    Forbidden,
    /// Does not exist, or lies outside the user's area (never told apart).
    NotFound,
    /// A form without the right CSRF token.
    Csrf,
    /// A request the user can correct (the message says how).
    BadRequest(String),
    /// An uploaded file that cannot be read as a list.
    Unreadable(String),
    /// Too many lists are being checked: try again shortly (503).
    Busy(String),
    /// Refused for a reason the user can correct (nothing was written); the message says how.
    Rejected(String),
    Internal(String),
}

impl From<yikou_store::StoreError> for AppError {
    fn from(e: yikou_store::StoreError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<yikou_service::ServiceError> for AppError {
    fn from(e: yikou_service::ServiceError) -> AppError {
        use yikou_service::ServiceError as S;
        match e {
            S::NotFound => AppError::NotFound,
            S::Forbidden => AppError::Forbidden,
            S::Rejected(m) | S::Conflict(m) => AppError::Rejected(m),
            S::Unreadable(m) => AppError::Unreadable(m),
            S::Internal(m) => AppError::Internal(m),
        }
    }
}

/// Runs a store write the compiler cannot prove `Send` on a blocking thread (see
/// [`yikou_service::off_thread`]), for the handlers whose use cases have not yet moved there.
pub(crate) async fn off_thread<T, F, Fut>(store: Arc<Store>, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(Arc<Store>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f(store)))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, text) = match &self {
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "请先登录", "登录已失效或尚未登录。"),
            AppError::Forbidden => {
                (StatusCode::FORBIDDEN, "无权访问", "您的角色不能使用此功能。如需使用，请联系安全管理员。")
            }
            AppError::NotFound => (StatusCode::NOT_FOUND, "未找到", "要找的内容不存在，或不在您的工作范围内。"),
            AppError::Csrf => (StatusCode::FORBIDDEN, "页面已过期", "表单已过期或来源不明，请返回上一页刷新后重试。"),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "需要修改", m.as_str()),
            AppError::Unreadable(m) => (StatusCode::UNPROCESSABLE_ENTITY, "文件无法读取", m.as_str()),
            AppError::Busy(m) => (StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", m.as_str()),
            AppError::Rejected(m) => (StatusCode::UNPROCESSABLE_ENTITY, "未完成", m.as_str()),
            AppError::Internal(e) => {
                // Store messages carry no ID numbers or names; still, only the kind goes to the log.
                tracing::error!(error = %e.chars().take(200).collect::<String>(), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "系统错误",
                    "处理请求时出错，请稍后重试；如反复出现，请联系系统管理员。",
                )
            }
        };
        if matches!(self, AppError::Unauthorized) {
            return (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
        }
        (status, Html(pages::message_page(title, text))).into_response()
    }
}

static REQUEST_SEQ: AtomicU64 = AtomicU64::new(1);

/// Request ids and security headers on every response. The CSP allows no inline script and no
/// other origin; the pages need none.
async fn headers(req: Request, next: Next) -> Response {
    let id = format!("{:x}-{}", std::process::id(), REQUEST_SEQ.fetch_add(1, Ordering::Relaxed));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(HeaderName::from_static(k), v);
        }
    };
    set(h, "x-request-id", &id);
    set(h, "content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cache-control", "no-store");
    res
}

/// Largest list upload: a city's roster as .xlsx is well under this.
const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;

const CSS: &str = include_str!("../assets/app.css");

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/password", get(auth::password_form).post(auth::change_password))
        .route("/people", get(pages::people))
        .route("/people/export.csv", get(exports::people))
        .route("/people/{id}", get(pages::person))
        .route("/people/{id}/reveal", post(pages::reveal))
        .route("/projects", get(pages::projects))
        .route("/projects/export.csv", get(exports::projects))
        .route("/projects/{id}", get(pages::project))
        .route("/projects/{id}/export.csv", get(exports::roster))
        .route("/schedule", get(pages::schedule))
        .route("/units", get(pages::units))
        .route("/units/export.csv", get(exports::units))
        .route("/units/{code}/edit", get(pages::unit_edit).post(pages::unit_save))
        .route("/audit", get(pages::audit))
        .route("/audit/export.csv", get(exports::audit))
        .route("/users", get(pages::users).post(admin::create))
        .route("/users/new", get(admin::new_user))
        .route("/users/{login}/disable", post(admin::disable))
        .route("/users/{login}/enable", post(admin::enable))
        .route("/users/{login}/unlock", post(admin::unlock))
        .route("/users/{login}/reset-password", post(admin::reset_password))
        .route("/users/{login}/complete", post(admin::complete))
        .route("/users/{login}/tokens", get(tokens::of_user))
        .route("/users/{login}/tokens/{id}/revoke", post(tokens::revoke_of_user))
        .route("/account/tokens", get(tokens::mine).post(tokens::create))
        .route("/account/tokens/{id}/revoke", post(tokens::revoke_mine))
        .route("/users/export.csv", get(exports::users))
        .route("/imports", get(imports::imports))
        .route("/imports/template.xlsx", get(imports::template))
        .route("/imports/upload", post(imports::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/imports/{id}/errors.xlsx", get(imports::error_workbook))
        .route("/imports/{id}/commit", post(imports::commit))
        .route("/imports/batches/{batch}/undo", get(imports::undo_confirm).post(imports::undo))
        .route("/check", get(pages::check))
        .route("/check/export.csv", get(exports::findings))
        .route("/check/decide", post(pages::decide))
        .route("/assets/app.css", get(css))
        .route("/api/v1/people", get(api::people))
        .route("/api/v1/people/{id}", get(api::person))
        .route("/api/v1/projects", get(api::projects))
        .route("/api/v1/projects/{id}", get(api::project))
        .route("/api/v1/check", get(api::check))
        .route("/api/v1/check/decisions", post(api::decide))
        .route("/api/v1/imports", post(api::import_upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/api/v1/imports/{upload}/commit", post(api::import_commit))
        .route("/api/v1/imports/batches", get(api::import_batches))
        .route("/api/v1/imports/batches/{batch}/undo", post(api::import_undo))
        .route("/api/v1/campaign", get(api::campaign))
        .route("/api/v1/units", get(api::units))
        .route("/api/v1/audit", get(api::audit))
        .route("/api/v1/users", get(api::users))
        .route("/api/v1/openapi.json", get(api::openapi))
        .fallback(|| async { AppError::NotFound })
        // Forms are small; the import upload (its own route) gets its own limit.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn(headers))
        .with_state(state)
}

/// Serves until `shutdown` completes; in-flight requests finish first.
pub async fn serve(
    store: Store,
    config: WebConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = AppState {
        store: Arc::new(store),
        config: Arc::new(config),
        campaign_line: Default::default(),
        checks: Default::default(),
    };
    // Uploads never finished before the last stop are removed now, not kept forever.
    if let Err(e) = yikou_service::imports::clean_uploads(&state.store, &state.config.upload_dir()).await {
        tracing::warn!(error = %e, "cleaning expired uploads failed");
    }
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
