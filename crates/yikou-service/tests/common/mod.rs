//! Test helper: an initialised store in a temporary folder (SQLite), and actors of each role.

use yikou_domain::{Actor, Role};
use yikou_store::{Store, StoreConfig};

pub const GUMEI: &str = "310112006000";
#[allow(dead_code)] // each test binary uses a different part of it
pub const QIBAO: &str = "310112102000";

pub struct Fresh {
    pub store: Store,
    _dir: tempfile::TempDir,
}

/// A new store: reference data and the one-time administrator `admin` (system administrator).
pub async fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let cfg =
        StoreConfig { data_dir: dir.path().join("data"), database_url: None, key_hex: None, pool: Default::default() };
    let init = Store::init(&cfg).await.unwrap();
    Fresh { store: init.store, _dir: dir }
}

/// A signed-in user of `role` working for `unit`, as the web makes the actor.
#[allow(dead_code)]
pub fn actor(login: &str, role: Role, unit: &str) -> Actor {
    Actor { login: login.into(), role: Some(role), scope: role.scope(unit) }
}
