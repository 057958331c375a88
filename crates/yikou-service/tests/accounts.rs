//! The account use cases: the administrators' rights split three ways, the two-person activation,
//! "not your own account", and API tokens.

mod common;

use common::{actor, fresh, GUMEI};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{Actor, Role};
use yikou_service::accounts::{self, AccountRequest};
use yikou_service::ServiceError;
use yikou_store::accounts::users::NewUser;
use yikou_store::Store;

const PASSWORD: &str = "Test-Pass-2020";

fn request(login: &str, role: Role, unit: &str) -> AccountRequest {
    AccountRequest { login: login.into(), display_name: String::new(), unit_code: unit.into(), role }
}

/// Accounts made by the operator in one step (first password already changed, so tokens work).
async fn operator_adds(store: &Store, login: &str, role: Role, unit: &str) {
    let new = NewUser {
        login: login.into(),
        display_name: login.into(),
        unit_code: unit.into(),
        role,
        password: PASSWORD.into(),
        must_change_password: false,
    };
    accounts::add(store, &Actor::system("user-add"), new).await.unwrap();
}

fn rejected<T: std::fmt::Debug>(r: Result<T, ServiceError>, says: &str) {
    match r {
        Err(ServiceError::Rejected(m)) => assert!(m.contains(says), "{m}"),
        other => panic!("expected a refusal saying {says}: {other:?}"),
    }
}

#[tokio::test]
async fn accounts_are_created_by_the_system_administrator_and_activated_by_the_other() {
    let f = fresh().await;
    let s = &f.store;
    operator_adds(s, "sec", Role::SecurityAdmin, BUREAU_CODE).await;
    operator_adds(s, "gumei1", Role::Street, GUMEI).await;
    let admin = actor("admin", Role::SystemAdmin, BUREAU_CODE);
    let sec = actor("sec", Role::SecurityAdmin, BUREAU_CODE);
    let clerk = actor("gumei1", Role::Street, GUMEI);

    for who in [&clerk, &sec] {
        let r = accounts::create(s, who, request("gumei2", Role::Street, GUMEI)).await;
        assert!(matches!(r, Err(ServiceError::Forbidden)), "{who:?} may not create accounts");
    }
    rejected(accounts::create(s, &admin, request("gu mei", Role::Street, GUMEI)).await, "登录名只能");
    rejected(accounts::create(s, &admin, request("gumei2", Role::Street, BUREAU_CODE)).await, "不能设在这个单位");
    rejected(accounts::create(s, &admin, request("gumei1", Role::Street, GUMEI)).await, "已被使用");

    let created = accounts::create(s, &admin, request(" gumei2 ", Role::Street, GUMEI)).await.unwrap();
    assert_eq!(created.login, "gumei2");
    assert_eq!(created.first_half.0.chars().count(), 10);
    let line = s.users().await.unwrap().into_iter().find(|u| u.login == "gumei2").unwrap();
    assert_eq!((line.display_name.as_str(), line.pending), ("gumei2", Some(yikou_domain::PendingAct::Create)));

    let clerk_completes = accounts::complete(s, &clerk, "gumei2").await;
    assert!(matches!(clerk_completes, Err(ServiceError::Forbidden)));
    rejected(accounts::complete(s, &admin, "gumei2").await, "同一管理员");
    assert!(matches!(accounts::complete(s, &sec, "nobody").await, Err(ServiceError::NotFound)));
    let done = accounts::complete(s, &sec, "gumei2").await.unwrap();
    assert_eq!(done.kind, yikou_domain::PendingAct::Create);
    let whole = format!("{}{}", created.first_half.0, done.second_half);
    assert!(s.check_password("gumei2", &whole).await.unwrap().is_some(), "both halves sign in");
    rejected(accounts::complete(s, &sec, "gumei2").await, "没有待完成");

    // Only the operator makes an account in one step.
    let new = NewUser {
        login: "x".into(),
        display_name: "x".into(),
        unit_code: GUMEI.into(),
        role: Role::Street,
        password: PASSWORD.into(),
        must_change_password: true,
    };
    assert!(matches!(accounts::add(s, &admin, new).await, Err(ServiceError::Forbidden)));
    let weak = NewUser {
        login: "weak".into(),
        display_name: "weak".into(),
        unit_code: GUMEI.into(),
        role: Role::Street,
        password: "password".into(),
        must_change_password: true,
    };
    rejected(accounts::add(s, &Actor::system("user-add"), weak).await, "密码");
}

#[tokio::test]
async fn disabling_unlocking_and_resetting_follow_the_rights_and_spare_ones_own_account() {
    let f = fresh().await;
    let s = &f.store;
    operator_adds(s, "sec", Role::SecurityAdmin, BUREAU_CODE).await;
    operator_adds(s, "gumei1", Role::Street, GUMEI).await;
    let admin = actor("admin", Role::SystemAdmin, BUREAU_CODE);
    let sec = actor("sec", Role::SecurityAdmin, BUREAU_CODE);
    let clerk = actor("gumei1", Role::Street, GUMEI);
    let auditor = actor("aud", Role::AuditAdmin, BUREAU_CODE);

    for who in [&clerk, &auditor] {
        assert!(matches!(accounts::set_disabled(s, who, "gumei1", true).await, Err(ServiceError::Forbidden)));
    }
    rejected(accounts::set_disabled(s, &admin, "admin", true).await, "不能停用或启用自己的账号");
    assert!(matches!(accounts::set_disabled(s, &admin, "nobody", true).await, Err(ServiceError::NotFound)));
    accounts::set_disabled(s, &sec, "gumei1", true).await.unwrap();
    assert!(s.check_password("gumei1", PASSWORD).await.unwrap().is_none(), "a disabled account cannot sign in");
    accounts::set_disabled(s, &admin, "gumei1", false).await.unwrap();
    assert!(s.check_password("gumei1", PASSWORD).await.unwrap().is_some());

    for who in [&admin, &clerk] {
        assert!(matches!(accounts::unlock(s, who, "gumei1").await, Err(ServiceError::Forbidden)));
        assert!(matches!(accounts::reset_password(s, who, "gumei1").await, Err(ServiceError::Forbidden)));
    }
    rejected(accounts::unlock(s, &sec, "sec").await, "不能解锁或重置自己的账号");
    rejected(accounts::reset_password(s, &sec, "sec").await, "不能解锁或重置自己的账号");
    assert!(matches!(accounts::unlock(s, &sec, "nobody").await, Err(ServiceError::NotFound)));
    assert!(matches!(accounts::reset_password(s, &sec, "nobody").await, Err(ServiceError::NotFound)));
    accounts::unlock(s, &sec, "gumei1").await.unwrap();

    let half = accounts::reset_password(s, &sec, "gumei1").await.unwrap();
    assert!(s.check_password("gumei1", PASSWORD).await.unwrap().is_none(), "the old password ends");
    let done = accounts::complete(s, &admin, "gumei1").await.unwrap();
    assert_eq!(done.kind, yikou_domain::PendingAct::Reset);
    assert!(s.check_password("gumei1", &format!("{}{}", half.0, done.second_half)).await.unwrap().is_some());

    let actions: Vec<String> = s.audit_records(None, 100).await.unwrap().into_iter().map(|a| a.action).collect();
    for a in ["user.disable", "user.enable", "user.unlock", "user.password_reset", "user.password_reset_complete"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
}

#[tokio::test]
async fn tokens_are_ones_own_and_the_security_administrator_only_lists_and_revokes_them() {
    let f = fresh().await;
    let s = &f.store;
    operator_adds(s, "sec", Role::SecurityAdmin, BUREAU_CODE).await;
    operator_adds(s, "gumei1", Role::Street, GUMEI).await;
    operator_adds(s, "gumei2", Role::Street, GUMEI).await;
    let admin = actor("admin", Role::SystemAdmin, BUREAU_CODE);
    let sec = actor("sec", Role::SecurityAdmin, BUREAU_CODE);
    let clerk = actor("gumei1", Role::Street, GUMEI);

    rejected(accounts::create_token(s, &sec, "gumei1", 30).await, "只能为自己的账号");
    rejected(accounts::create_token(s, &clerk, "gumei1", 400).await, "有效期");
    let token = accounts::create_token(s, &clerk, "gumei1", 30).await.unwrap();
    assert!(token.starts_with("yk_"));
    assert_eq!(s.token_user(&token).await.unwrap().unwrap().login, "gumei1");
    accounts::create_token(s, &Actor::system("token-create"), "gumei2", 30).await.unwrap();
    rejected(accounts::create_token(s, &Actor::system("token-create"), "nobody", 30).await, "不存在");

    let mine = accounts::my_tokens(s, &clerk).await.unwrap();
    assert_eq!(mine.len(), 1);
    let id = mine[0].id;
    for (who, login) in [(&clerk, Some("gumei2")), (&clerk, Some("gumei1")), (&admin, Some("gumei1")), (&sec, None)] {
        let r = accounts::tokens_of(s, who, login).await;
        assert!(matches!(r, Err(ServiceError::Forbidden)), "{} may not list {login:?}", who.login);
    }
    assert!(matches!(accounts::tokens_of(s, &sec, Some("nobody")).await, Err(ServiceError::NotFound)));
    assert_eq!(accounts::tokens_of(s, &sec, Some("gumei1")).await.unwrap()[0].id, id);
    let operator = Actor::system("token-list");
    assert_eq!(accounts::tokens_of(s, &operator, None).await.unwrap().len(), 2);

    let r = accounts::revoke_token_of(s, &admin, Some("gumei1"), id).await;
    assert!(matches!(r, Err(ServiceError::Forbidden)));
    let other = accounts::tokens_of(s, &operator, Some("gumei2")).await.unwrap()[0].id;
    let r = accounts::revoke_my_token(s, &clerk, other).await;
    assert!(matches!(r, Err(ServiceError::NotFound)), "another's token is not one's own");
    let r = accounts::revoke_token_of(s, &sec, Some("gumei1"), other).await;
    assert!(matches!(r, Err(ServiceError::NotFound)), "a token of another account than named is not found");
    accounts::revoke_token_of(s, &sec, Some("gumei1"), id).await.unwrap();
    assert_eq!(accounts::my_tokens(s, &clerk).await.unwrap()[0].state, "已撤销");
    let second = accounts::create_token(s, &clerk, "gumei1", 30).await.unwrap();
    let newest = accounts::my_tokens(s, &clerk).await.unwrap()[0].id;
    accounts::revoke_my_token(s, &clerk, newest).await.unwrap();
    assert!(s.token_user(&second).await.unwrap().is_none());
    accounts::revoke_token_of(s, &Actor::system("token-revoke"), None, other).await.unwrap();
    let r = accounts::revoke_token_of(s, &Actor::system("token-revoke"), None, 999).await;
    assert!(matches!(r, Err(ServiceError::NotFound)));
    assert!(s.token_user(&token).await.unwrap().is_none(), "a revoked token no longer works");
}
