//! Sign-in, locks, per-source slowing, sessions and API tokens, on every backend.

mod common;

use common::backends;
use yikou_domain::{Actor, Role, Scope};
use yikou_store::accounts::activation::{self, Completed, FirstHalf, NewAccount};
use yikou_store::accounts::auth::{AuthPolicy, LoginOutcome};
use yikou_store::accounts::users;
use yikou_store::Store;

const GUMEI: &str = "310112006000";
const PASSWORD: &str = "Gumei-2020";
const BUREAU: &str = yikou_domain::reference::BUREAU_CODE;

async fn add(s: &Store, login: &str) {
    let mut tx = s.write(&Actor::system("test")).await.unwrap();
    let u = users::NewUser {
        login: login.into(),
        display_name: "古美经办".into(),
        unit_code: GUMEI.into(),
        role: Role::Street,
        password: PASSWORD.into(),
        must_change_password: false,
    };
    users::create_user(&mut tx, &u).await.unwrap();
    tx.commit().await.unwrap();
}

fn kind(o: &LoginOutcome) -> &'static str {
    match o {
        LoginOutcome::Ok { .. } => "ok",
        LoginOutcome::Refused => "refused",
        LoginOutcome::Locked { .. } => "locked",
    }
}

async fn locked(s: &Store, login: &str) -> bool {
    s.users().await.unwrap().iter().any(|u| u.login == login && u.locked)
}

#[tokio::test]
async fn unknown_and_known_logins_lock_alike_and_a_security_unlock_ends_the_lock() {
    let policy = AuthPolicy::default();
    for b in backends().await {
        let s = &b.store;
        add(s, "gumei1").await;
        for attempt in 1..=6 {
            let known = s.login("gumei1", "wrong-Pass-1", &policy, "10.0.0.1").await.unwrap();
            let unknown = s.login("Nobody ", "wrong-Pass-1", &policy, "10.0.0.2").await.unwrap();
            let want = if attempt >= 5 { "locked" } else { "refused" };
            assert_eq!((kind(&known), kind(&unknown)), (want, want), "{}: attempt {attempt}", b.name);
            if let (LoginOutcome::Locked { until: a }, LoginOutcome::Locked { until: b }) = (&known, &unknown) {
                assert!((a - b).abs() <= 2, "the same lock");
            }
        }
        // Typed differently, the same unknown login: still locked.
        let again = s.login("nobody", "wrong-Pass-1", &policy, "10.0.0.2").await.unwrap();
        assert_eq!(kind(&again), "locked", "{}", b.name);
        let right = s.login("gumei1", PASSWORD, &policy, "10.0.0.1").await.unwrap();
        assert_eq!(kind(&right), "locked", "{}: the right password does not open a locked account", b.name);
        assert!(locked(s, "gumei1").await);

        let sec = Actor { login: "sec".into(), role: Some(Role::SecurityAdmin), scope: Scope::Nothing };
        let mut tx = s.write(&sec).await.unwrap();
        users::unlock(&mut tx, "gumei1").await.unwrap();
        assert!(matches!(users::unlock(&mut tx, "nobody").await, Err(yikou_store::StoreError::NotFound(_))));
        tx.commit().await.unwrap();
        assert!(!locked(s, "gumei1").await);
        let right = s.login("gumei1", PASSWORD, &policy, "10.0.0.1").await.unwrap();
        assert_eq!(kind(&right), "ok", "{}", b.name);
        let stored: Vec<String> = yikou_store::on_db!(s.db(), p => sqlx::query_scalar("SELECT login_key FROM login_failures")
            .fetch_all(p).await.unwrap());
        assert!(stored.iter().all(|k| !k.contains("obody")), "the typed login is not stored");
        let audit = s.audit_records(None, 500).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "user.unlock" && a.actor == "sec"));
        assert!(audit.iter().all(|a| !format!("{a:?}").contains("obody") && !format!("{a:?}").contains("wrong-Pass")));
    }
}

#[tokio::test]
async fn a_busy_source_is_refused_without_checking_the_password() {
    let policy = AuthPolicy { max_source_failures: 3, ..Default::default() };
    for b in backends().await {
        let s = &b.store;
        add(s, "gumei1").await;
        for name in ["x1", "x2", "x3"] {
            assert_eq!(kind(&s.login(name, "wrong-Pass-1", &policy, "10.0.0.9").await.unwrap()), "refused");
        }
        let busy = s.login("gumei1", PASSWORD, &policy, "10.0.0.9").await.unwrap();
        assert_eq!(kind(&busy), "refused", "{}", b.name);
        let elsewhere = s.login("gumei1", PASSWORD, &policy, "10.0.0.10").await.unwrap();
        assert_eq!(kind(&elsewhere), "ok", "{}", b.name);
        let throttled =
            s.audit_records(None, 500).await.unwrap().into_iter().filter(|a| a.action == "auth.source_throttled");
        assert_eq!(throttled.count(), 1, "audited once per window");
    }
}

#[tokio::test]
async fn a_session_has_an_absolute_lifetime_as_well_as_an_idle_one() {
    let policy = AuthPolicy::default();
    for b in backends().await {
        let s = &b.store;
        add(s, "gumei1").await;
        let LoginOutcome::Ok { token, .. } = s.login("gumei1", PASSWORD, &policy, "t").await.unwrap() else {
            panic!("signs in")
        };
        s.age_session_start(&token, policy.max_session_seconds - 60).await.unwrap();
        assert!(s.session(&token, &policy).await.unwrap().is_some(), "{}", b.name);
        s.age_session_start(&token, 120).await.unwrap();
        assert!(s.session(&token, &policy).await.unwrap().is_none(), "{}", b.name);
    }
}

#[tokio::test]
async fn tokens_are_made_by_their_owner_expire_are_revoked_and_end_with_the_password() {
    let policy = AuthPolicy::default();
    for b in backends().await {
        let s = &b.store;
        add(s, "gumei1").await;
        let system = Actor::system("test");
        let admin = Actor { login: "admin".into(), role: Some(Role::SystemAdmin), scope: Scope::Nothing };
        let owner = Actor { login: "gumei1".into(), role: Some(Role::Street), scope: Scope::Nothing };
        assert!(s.create_token(&admin, "gumei1").await.unwrap_err().to_string().contains("只能为自己的账号"));
        assert!(s.create_token_for_days(&owner, "gumei1", 366).await.is_err());
        assert!(s.create_token_for_days(&owner, "gumei1", 0).await.is_err());

        // Revoked (by id, with the owner checked).
        let t = s.create_token_for_days(&owner, "gumei1", 7).await.unwrap();
        assert_eq!(s.token_user(&t).await.unwrap().unwrap().login, "gumei1");
        let id = s.tokens(Some("gumei1")).await.unwrap()[0].id;
        assert!(s.revoke_token(&system, id, Some("admin")).await.is_err(), "{}: not admin's token", b.name);
        assert!(s.token_user(&t).await.unwrap().is_some());
        s.revoke_token(&system, id, None).await.unwrap();
        assert!(s.token_user(&t).await.unwrap().is_none(), "{}: revoked", b.name);

        // Expired.
        let t = s.create_token(&system, "gumei1").await.unwrap();
        s.age_token(&t, 90 * 86_400).await.unwrap();
        assert!(s.token_user(&t).await.unwrap().is_none(), "{}: expired", b.name);

        // Disabled, then enabled again: still ended.
        let t = s.create_token(&system, "gumei1").await.unwrap();
        for disabled in [true, false] {
            let mut tx = s.write(&system).await.unwrap();
            users::set_disabled(&mut tx, "gumei1", disabled).await.unwrap();
            tx.commit().await.unwrap();
        }
        assert!(s.token_user(&t).await.unwrap().is_none(), "{}: disabled", b.name);

        // A password change.
        let t = s.create_token(&system, "gumei1").await.unwrap();
        let LoginOutcome::Ok { token, .. } = s.login("gumei1", PASSWORD, &policy, "t").await.unwrap() else {
            panic!("signs in")
        };
        let session = s.session(&token, &policy).await.unwrap().unwrap();
        s.change_password(&session, PASSWORD, "Changed-2021").await.unwrap();
        assert!(s.token_user(&t).await.unwrap().is_none(), "{}: password change", b.name);

        // A reset by the security administrator.
        let t = s.create_token(&system, "gumei1").await.unwrap();
        let mut tx = s.write(&security()).await.unwrap();
        let FirstHalf(first) = users::reset_password(&mut tx, "gumei1").await.unwrap();
        tx.commit().await.unwrap();
        assert!(s.token_user(&t).await.unwrap().is_none(), "{}: reset", b.name);
        let second = complete(s, &sysadmin(), "gumei1").await.unwrap().second_half;
        assert!(matches!(s.login("gumei1", &format!("{first}{second}"), &policy, "t").await.unwrap(),
            LoginOutcome::Ok { user, .. } if user.must_change_password));

        let states: Vec<&str> = s.tokens(Some("gumei1")).await.unwrap().iter().map(|t| t.state).collect();
        assert_eq!(states, ["已撤销", "已撤销", "已撤销", "已过期", "已撤销"], "{}", b.name);
        assert_eq!(s.tokens(None).await.unwrap().len(), 5);
    }
}

fn sysadmin() -> Actor {
    Actor { login: "admin".into(), role: Some(Role::SystemAdmin), scope: Scope::Nothing }
}

fn security() -> Actor {
    Actor { login: "anquan".into(), role: Some(Role::SecurityAdmin), scope: Scope::Nothing }
}

async fn complete(s: &Store, by: &Actor, login: &str) -> yikou_store::Result<Completed> {
    let mut tx = s.write(by).await?;
    let done = activation::complete(&mut tx, login).await?;
    tx.commit().await?;
    Ok(done)
}

async fn create(s: &Store, by: &Actor, login: &str, role: Role, unit: &str) -> FirstHalf {
    let mut tx = s.write(by).await.unwrap();
    let a = NewAccount { login: login.into(), display_name: login.into(), unit_code: unit.into(), role };
    let (_, one_time) = activation::create_account(&mut tx, &a).await.unwrap();
    tx.commit().await.unwrap();
    one_time
}

#[tokio::test]
async fn business_accounts_and_their_resets_need_both_administrator_roles() {
    let policy = AuthPolicy::default();
    for b in backends().await {
        let s = &b.store;
        // The system administrator creates a street account: half A only, pending, no sign-in.
        let FirstHalf(first) = create(s, &sysadmin(), "gumei9", Role::Street, GUMEI).await;
        let line = s.users().await.unwrap().into_iter().find(|u| u.login == "gumei9").unwrap();
        assert_eq!(
            (line.pending, line.pending_role),
            (Some(yikou_domain::PendingAct::Create), Some(Role::SystemAdmin))
        );
        assert_eq!(kind(&s.login("gumei9", &first, &policy, "t").await.unwrap()), "refused", "{}", b.name);
        assert!(s.check_password("gumei9", &first).await.unwrap().is_none());

        // Neither the same administrator nor another system administrator can complete it.
        let other_sys = Actor { login: "admin2".into(), ..sysadmin() };
        for who in [sysadmin(), other_sys] {
            let e = complete(s, &who, "gumei9").await.unwrap_err().to_string();
            assert!(e.contains("同一管理员不能既开始又完成"), "{}: {e}", b.name);
        }
        let street = Actor { login: "gumei1".into(), role: Some(Role::Street), scope: Scope::Nothing };
        assert!(complete(s, &street, "gumei9").await.is_err(), "{}: not a business user", b.name);

        // The security administrator activates it: half B; A+B signs in, with a forced change.
        let done = complete(s, &security(), "gumei9").await.unwrap();
        assert_eq!(done.kind, yikou_domain::PendingAct::Create);
        let line = s.users().await.unwrap().into_iter().find(|u| u.login == "gumei9").unwrap();
        assert_eq!((line.pending, line.pending_role), (None, None), "{}: the pending half is deleted", b.name);
        assert_ne!(done.second_half, first);
        assert_eq!(kind(&s.login("gumei9", &done.second_half, &policy, "t").await.unwrap()), "refused");
        let whole = format!("{first}{}", done.second_half);
        assert!(
            matches!(s.login("gumei9", &whole, &policy, "t").await.unwrap(),
            LoginOutcome::Ok { user, .. } if user.must_change_password),
            "{}",
            b.name
        );
        assert!(complete(s, &sysadmin(), "gumei9").await.is_err(), "{}: nothing left to complete", b.name);

        // A reset by the security administrator needs the system administrator likewise.
        let mut tx = s.write(&security()).await.unwrap();
        let FirstHalf(first) = users::reset_password(&mut tx, "gumei9").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(kind(&s.login("gumei9", &whole, &policy, "t").await.unwrap()), "refused", "old one ends");
        assert_eq!(kind(&s.login("gumei9", &first, &policy, "t").await.unwrap()), "refused");
        assert!(complete(s, &security(), "gumei9").await.is_err(), "{}: the same administrator", b.name);
        let done = complete(s, &sysadmin(), "gumei9").await.unwrap();
        assert_eq!(done.kind, yikou_domain::PendingAct::Reset);
        let whole = format!("{first}{}", done.second_half);
        assert_eq!(kind(&s.login("gumei9", &whole, &policy, "t").await.unwrap()), "ok", "{}", b.name);

        // Administrator accounts too (a security probe: a system administrator who made a security
        // administrator of their own could complete both halves alone).
        let FirstHalf(sec_first) = create(s, &sysadmin(), "anquan2", Role::SecurityAdmin, BUREAU).await;
        assert_eq!(kind(&s.login("anquan2", &sec_first, &policy, "t").await.unwrap()), "refused", "{}", b.name);
        assert!(complete(s, &sysadmin(), "anquan2").await.is_err(), "{}: the starter cannot complete", b.name);
        let sec_done = complete(s, &security(), "anquan2").await.unwrap();
        let sec_whole = format!("{sec_first}{}", sec_done.second_half);
        assert_eq!(kind(&s.login("anquan2", &sec_whole, &policy, "t").await.unwrap()), "ok", "{}", b.name);

        // Neither half is ever in the audit, the completion ends the pending record.
        let audit = s.audit_records(None, 1000).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|r| r.action.as_str()).collect();
        for a in ["user.create", "user.activate", "user.password_reset", "user.password_reset_complete"] {
            assert!(actions.contains(&a), "{}: {a} audited", b.name);
        }
        for r in &audit {
            let text = format!("{:?}{:?}", r.before_json, r.after_json);
            assert!(!text.contains(&first) && !text.contains(&done.second_half), "{}: {text}", b.name);
        }
    }
}
