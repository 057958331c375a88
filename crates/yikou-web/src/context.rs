//! What a request's own pages need to know beyond their handler: the path asked for (the menu marks
//! it; an expired session returns to it after signing in) and the frame of a signed-in user (so that
//! an error page keeps the menu). Held in a task-local for the request's duration by [`scope`].

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::frame::Frame;

pub(crate) struct Context {
    /// Path and query, e.g. `/people?q=张`.
    pub target: String,
    pub is_get: bool,
    frame: Mutex<Option<Frame>>,
}

tokio::task_local! {
    static REQUEST: Arc<Context>;
}

/// Middleware: runs the rest of the request inside its context.
pub(crate) async fn scope(req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
    let ctx = Arc::new(Context { target, is_get: req.method() == axum::http::Method::GET, frame: Mutex::new(None) });
    REQUEST.scope(ctx, next.run(req)).await
}

fn with<T>(f: impl FnOnce(&Context) -> T) -> Option<T> {
    REQUEST.try_with(|c| f(c)).ok()
}

/// The path of the current request (without the query); "/" outside a request.
pub(crate) fn path() -> String {
    with(|c| c.target.split('?').next().unwrap_or("/").to_string()).unwrap_or_else(|| "/".into())
}

/// Where to come back to after signing in: the page a GET asked for (not a form's target).
pub(crate) fn return_to() -> Option<String> {
    with(|c| c.is_get.then(|| c.target.clone())).flatten().filter(|t| t != "/" && !t.starts_with("/login"))
}

/// Remembers the signed-in user's frame for this request.
pub(crate) fn keep_frame(f: &Frame) {
    with(|c| {
        if let Ok(mut g) = c.frame.lock() {
            *g = Some(f.clone());
        }
    });
}

/// The signed-in user's frame, if this request has one.
pub(crate) fn frame() -> Option<Frame> {
    with(|c| c.frame.lock().ok().and_then(|g| g.clone())).flatten()
}
