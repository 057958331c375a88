//! The use cases that write are ordinary `Send` futures (a web handler awaits them directly; no
//! detour through a blocking thread). This test only has to compile.

use std::future::Future;
use std::sync::Arc;

use yikou_domain::Actor;
use yikou_service::imports::{Checked, Upload};
use yikou_store::Store;

/// What `tokio::spawn` (and an axum handler) asks of a future.
fn spawnable<F: Future + Send + 'static>(_: F) {}

#[allow(dead_code)] // never run: compiling it is the test
fn write_use_cases_are_send(store: Arc<Store>, actor: Actor, up: Upload, checked: Checked) {
    let (s, a) = (store.clone(), actor.clone());
    spawnable(async move { yikou_service::imports::commit(&s, &a, "upload", &up, checked, false).await });
    spawnable(async move { yikou_service::imports::undo(&store, &actor, "B2025-000001").await });
}

#[test]
fn the_write_use_cases_compile_as_send_futures() {
    // The check is `write_use_cases_are_send` compiling at all.
}
