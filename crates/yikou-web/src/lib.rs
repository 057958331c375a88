//! The web application: server-rendered pages in Chinese and a JSON API over the same store, with
//! the security model every page uses: sessions in the database, CSRF tokens on every form, the
//! user's area applied in the store's SQL (a forbidden record answers 404), security headers.

#![recursion_limit = "256"]
mod chart;
pub mod checks;
mod context;
mod csv;
mod error;
mod features;
mod frame;
pub use frame::Names;
mod openapi;
mod rejections;
mod routes;
mod session;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use yikou_store::accounts::auth::AuthPolicy;
use yikou_store::Store;

pub use error::{ApiError, ApiResult, AppError};
pub use session::SESSION_COOKIE;

/// Server settings.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub policy: AuthPolicy,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Where uploaded lists wait for their commit (default: the system's temporary folder).
    pub upload_dir: Option<std::path::PathBuf>,
    /// How long one request may take, its upload included (default [`DEFAULT_REQUEST_TIMEOUT`];
    /// zero: no limit).
    pub request_timeout: Option<std::time::Duration>,
}

/// The longest a request may take by default: a 256 MB upload at 1 MB/s with its check, or the
/// commit of a city's list, fits; a client that trickles its request, or a request stuck behind a
/// lock, gives its connection and memory back.
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

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
    pub campaign_line: Arc<Recent<Option<String>>>,
    /// Names of units, committees and categories, re-read at most every half minute.
    pub names: Arc<Recent<Arc<frame::Names>>>,
    /// The facts behind the summaries, kept per area until the data changes.
    pub report_facts: Arc<yikou_service::reports::FactsCache>,
    /// Places for checking uploaded lists (bounds the memory uploads can take together).
    pub checks: Arc<checks::CheckPermits>,
}

/// A value read from the store and kept a short while by this process (a page's frame, names, the
/// home page's counts): never the only copy of anything, only saves reading it again.
pub struct Recent<T> {
    slot: std::sync::Mutex<Option<(std::time::Instant, T)>>,
}

impl<T> Default for Recent<T> {
    fn default() -> Recent<T> {
        Recent { slot: std::sync::Mutex::new(None) }
    }
}

impl<T: Clone> Recent<T> {
    /// The value kept, if it is younger than `max_age`.
    pub(crate) fn fresh(&self, max_age: std::time::Duration) -> Option<T> {
        let g = self.slot.lock().ok()?;
        g.as_ref().filter(|(at, _)| at.elapsed() < max_age).map(|(_, v)| v.clone())
    }

    pub(crate) fn keep(&self, value: T) {
        if let Ok(mut g) = self.slot.lock() {
            *g = Some((std::time::Instant::now(), value));
        }
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

const CSS: &str = include_str!("../assets/app.css");

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// Every route: the features' and the shared ones.
fn all_routes() -> routes::Routes {
    features::routes().get("/assets/app.css", css).get("/api/v1/openapi.json", openapi::openapi)
}

/// The (method, path) of every route the application serves (the route test reads this).
pub fn route_table() -> Vec<(&'static str, &'static str)> {
    all_routes().table()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    all_routes()
        .into_router()
        // An unknown address: a JSON answer under /api/, a page elsewhere.
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/api/") {
                ApiError::App(AppError::NotFound).into_response()
            } else {
                AppError::NotFound.into_response()
            }
        })
        // Forms are small; the import upload (its own route) gets its own limit.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn_with_state(state.clone(), time_limit))
        .layer(middleware::from_fn(rejections::in_chinese))
        .layer(middleware::from_fn(context::scope))
        .layer(middleware::from_fn(headers))
        .with_state(state)
}

/// Ends a request that takes longer than the server allows (reading its body included): the
/// handler is dropped, so a transaction it held is rolled back — or, if its commit was already under
/// way, completes: never half; the client gets 503 and a message that says so.
async fn time_limit(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: middleware::Next,
) -> Response {
    let limit = state.config.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    if limit.is_zero() {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let path = req.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = %path, seconds = limit.as_secs_f64(), "request ended: over the time limit");
            let e = AppError::Busy(format!(
                "请求处理超过 {} 秒，已中止。如果它正在写入，写入要么已整体完成、要么已整体撤回，不会只写一半：请刷新页面查看结果后再决定是否重试；很大的名单请用命令行 yikou import 导入",
                limit.as_secs()
            ));
            if api {
                ApiError::App(e).into_response()
            } else {
                e.into_response()
            }
        }
    }
}

/// How often a server looks whether the cross-check's stored findings are out of date.
const CHECK_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

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
        names: Default::default(),
        report_facts: Default::default(),
        checks: Default::default(),
    };
    // Uploads never finished before the last stop are removed now, not kept forever.
    if let Err(e) = yikou_service::imports::clean_uploads(&state.store, &state.config.upload_dir()).await {
        tracing::warn!(error = %e, "cleaning expired uploads failed");
    }
    // The cross-check's stored findings follow the data: a few seconds after a change (an import, a
    // decision on a roster, a register edit, new rules — made here, by another server or on the
    // command line) they are computed again, so that the next reader does not wait for them.
    let store = state.store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match yikou_service::check::keep_current(&store).await {
                Ok(true) => tracing::info!("cross-check computed again after a change"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "keeping the cross-check current failed"),
            }
        }
    });
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
