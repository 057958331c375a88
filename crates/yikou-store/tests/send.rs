//! The store's write paths are ordinary `Send` futures: a web handler or `tokio::spawn` can await
//! them directly, with no detour through a blocking thread. This test only has to compile.

use std::future::Future;
use std::sync::Arc;

use yikou_domain::exchange::Exchange;
use yikou_domain::rules::RuleSet;
use yikou_domain::{Actor, EntitlementState, Scope};
use yikou_store::accounts::activation::NewAccount;
use yikou_store::accounts::auth::{AuthPolicy, SessionUser};
use yikou_store::accounts::users::NewUser;
use yikou_store::campaign::StoredProject;
use yikou_store::check::Finding;
use yikou_store::imports::{ImportMeta, ImportRow};
use yikou_store::register::NewPerson;
use yikou_store::{Result, Store, StoreConfig};

/// What `tokio::spawn` asks of a future.
fn spawnable<F: Future + Send + 'static>(_: F) {}

#[allow(dead_code)] // never run: compiling it is the test
fn write_paths_are_send(
    store: Arc<Store>,
    actor: Actor,
    meta: ImportMeta,
    rows: Vec<ImportRow>,
    project: Option<StoredProject>,
    batch: String,
    account: NewAccount,
    finding: Finding,
    more: More,
) {
    other_paths_are_send(store.clone(), actor.clone(), more);
    let s = store.clone();
    let a = actor.clone();
    spawnable(async move {
        let tx = s.write(&a).await?;
        tx.commit().await
    });
    let (s, a) = (store.clone(), actor.clone());
    spawnable(async move {
        let mut tx = s.write(&a).await?;
        let r = yikou_store::imports::commit_import(&mut tx, &meta, &rows, project.as_ref()).await?;
        tx.commit().await?;
        Result::<_>::Ok(r)
    });
    let (s, a) = (store.clone(), actor.clone());
    spawnable(async move {
        let mut tx = s.write(&a).await?;
        let b = yikou_store::imports::undo_batch(&mut tx, &batch).await?;
        tx.commit().await?;
        Result::<_>::Ok(b)
    });
    let (s, a) = (store.clone(), actor.clone());
    spawnable(async move {
        let mut tx = s.write(&a).await?;
        let r = yikou_store::accounts::activation::create_account(&mut tx, &account).await?;
        tx.commit().await?;
        Result::<_>::Ok(r)
    });
    spawnable(async move {
        let mut tx = store.write(&actor).await?;
        yikou_store::check::decide(&mut tx, 1, &finding, false, "核实无误").await?;
        tx.commit().await
    });
}

/// Inputs of the other paths.
#[allow(dead_code)]
struct More {
    cfg: StoreConfig,
    exchange: Exchange,
    rules: RuleSet,
    user: NewUser,
    people: Vec<NewPerson>,
    policy: AuthPolicy,
    session: SessionUser,
    meta: ImportMeta,
}

#[allow(dead_code)]
fn other_paths_are_send(store: Arc<Store>, actor: Actor, m: More) {
    let cfg = m.cfg.clone();
    spawnable(async move { Store::open(&cfg).await.map(|_| ()) });
    let cfg = m.cfg.clone();
    spawnable(async move { Store::init(&cfg).await.map(|_| ()) });
    let s = store.clone();
    spawnable(async move { s.run_check(1, time::macros::date!(2025 - 01 - 01)).await.map(|_| ()) });
    let (s, policy) = (store.clone(), m.policy);
    spawnable(async move { s.login("a", "b", &policy, "127.0.0.1").await.map(|_| ()) });
    let (s, session) = (store.clone(), m.session.clone());
    spawnable(async move { s.change_password(&session, "a", "b").await });
    let (s, a) = (store.clone(), actor.clone());
    spawnable(async move { s.create_token(&a, "a").await.map(|_| ()) });
    let (s, a, meta) = (store.clone(), actor.clone(), m.meta.clone());
    spawnable(async move { s.audit_outside_refusal(&a, &meta, &[]).await });
    spawnable(async move {
        let mut tx = store.write(&actor).await?;
        yikou_store::exchange::load_campaign(&mut tx, 1, &m.exchange, time::macros::date!(2025 - 01 - 01)).await?;
        yikou_store::check::save_rules(&mut tx, 1, &m.rules).await?;
        yikou_store::accounts::users::create_user(&mut tx, &m.user).await?;
        yikou_store::accounts::users::reset_password(&mut tx, "a").await?;
        yikou_store::accounts::activation::complete(&mut tx, "a").await?;
        yikou_store::register::insert_people(&mut tx, &m.people, "b").await?;
        yikou_store::register::create_person(&mut tx, &m.people[0]).await?;
        yikou_store::campaign::transition_entitlement(&mut tx, &Scope::All, 1, EntitlementState::Approved).await?;
        tx.commit().await
    });
}

#[test]
fn the_write_paths_compile_as_send_futures() {
    // The check is `write_paths_are_send` compiling at all.
}
