//! The route table: every feature adds its routes to a [`Routes`], which builds the router and
//! keeps the (method, path) list the route test reads ([`crate::route_table`]), so no route can be
//! served without being listed there.

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{self, MethodRouter};
use axum::Router;

use crate::AppState;

/// Largest list upload: a city's roster as .xlsx is well under this.
pub const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;

#[derive(Default)]
pub struct Routes {
    table: Vec<(&'static str, &'static str)>,
    paths: Vec<(&'static str, MethodRouter<AppState>)>,
}

impl Routes {
    fn add(mut self, method: &'static str, path: &'static str, m: MethodRouter<AppState>) -> Self {
        self.table.push((method, path));
        match self.paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(m),
            None => self.paths.push((path, m)),
        }
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("GET", path, routing::get(h))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("POST", path, routing::post(h))
    }

    /// A POST that carries a list file: the upload limit instead of the forms' small one.
    pub fn upload<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("POST", path, routing::post(h).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
    }

    /// The (method, path) pairs, in the order they were added.
    pub fn table(&self) -> Vec<(&'static str, &'static str)> {
        self.table.clone()
    }

    pub fn into_router(self) -> Router<AppState> {
        self.paths.into_iter().fold(Router::new(), |r, (path, m)| r.route(path, m))
    }
}
