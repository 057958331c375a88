//! Accounts, tokens, sessions and cookies (issue 11, defects 8, 10, 11, 12), over HTTP against the
//! real application: no administrator obtains a business user's access; tokens are made by their
//! owner, expire, are revoked, and end with a password change, a reset or disabling; an unknown
//! login gets the same answer as a known one, locked or not; a busy source is refused; the
//! security administrator unlocks and resets; sessions have an absolute lifetime; Secure cookies.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::cookie::CookieStore;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use yikou_store::accounts::auth::AuthPolicy;

fn secret_in(html: &str) -> String {
    let at = html.find("<code>").expect("a secret shown once") + 6;
    html[at..].split('<').next().unwrap().to_string()
}

async fn api_status(app: &App, token: &str, path: &str) -> StatusCode {
    Client::new().get(format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap().status()
}

async fn post(app: &App, c: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(format!("{}{path}", app.base)).form(form).send().await.unwrap()
}

async fn actions(app: &App) -> Vec<(String, String)> {
    app.store.audit_records(None, 1000).await.unwrap().into_iter().map(|a| (a.actor, a.action)).collect()
}

fn session_token(app: &App, jar: &reqwest::cookie::Jar) -> String {
    let cookies = jar.cookies(&app.base.parse().unwrap()).unwrap();
    cookies.to_str().unwrap().split("yikou_session=").nth(1).unwrap().split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn no_administrator_can_obtain_a_token_that_reads_the_register() {
    let app = start().await;
    for admin in ["sysadmin", "secadmin"] {
        let (c, csrf) = signed_in(&app, admin).await;
        // The old route that minted a token for another account is gone.
        let r = post(&app, &c, "/users/bureau/token", &[("_csrf", &csrf)]).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(status.is_client_error() && !body.contains("yk_"), "{admin}: {status} {body}");
        // The security administrator sees another account's tokens, with no way to create one.
        let r = c.post(format!("{}/users/bureau/tokens", app.base)).form(&[("_csrf", &csrf)]).send().await.unwrap();
        assert!(r.status().is_client_error(), "{admin}: {}", r.status());
        // An administrator's own token carries only the administrator's rights: no register.
        let r = post(&app, &c, "/account/tokens", &[("_csrf", &csrf), ("days", "30")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let own = secret_in(&r.text().await.unwrap());
        assert_eq!(api_status(&app, &own, "/api/v1/people").await, StatusCode::FORBIDDEN, "{admin}");
        assert_eq!(api_status(&app, &own, "/api/v1/projects").await, StatusCode::FORBIDDEN, "{admin}");
    }
    // Nor through the store with an administrator's identity.
    let users = app.store.users().await.unwrap();
    assert!(users.iter().any(|u| u.login == "bureau"));
    let sysadmin = yikou_domain::Actor {
        login: "sysadmin".into(),
        role: Some(yikou_domain::Role::SystemAdmin),
        scope: yikou_domain::Scope::Nothing,
    };
    assert!(app.store.create_token(&sysadmin, "bureau").await.is_err());
    assert!(app.store.tokens(Some("bureau")).await.unwrap().is_empty(), "no token was made for bureau");
}

#[tokio::test]
async fn users_make_list_and_revoke_their_own_tokens_and_the_security_administrator_revokes_any() {
    let app = start().await;
    let (g, g_csrf) = signed_in(&app, "gumei").await;
    let (status, list) = page(&app, &g, "/account/tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("没有访问令牌") && list.contains("value=\"90\""), "default 90 days offered");
    let r = post(&app, &g, "/account/tokens", &[("_csrf", "forged"), ("days", "30")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "CSRF token required");
    let r = post(&app, &g, "/account/tokens", &[("_csrf", &g_csrf), ("days", "400")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "at most 365 days");
    let r = post(&app, &g, "/account/tokens", &[("_csrf", &g_csrf), ("days", "30")]).await;
    let first = secret_in(&r.text().await.unwrap());
    let r = post(&app, &g, "/account/tokens", &[("_csrf", &g_csrf)]).await;
    let second = secret_in(&r.text().await.unwrap());
    assert!(first.starts_with("yk_") && second.starts_with("yk_") && first != second);
    let v: Value = Client::new()
        .get(format!("{}/api/v1/people", app.base))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = v["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"古美甲") && !names.contains(&"七宝乙"), "the owner's own area: {names:?}");

    let tokens = app.store.tokens(Some("gumei")).await.unwrap();
    assert_eq!(tokens.len(), 2);
    let (second_id, first_id) = (tokens[0].id, tokens[1].id);
    let days = (tokens[1].expires_unix - yikou_store::accounts::auth::unix_now() + 3600) / 86_400;
    assert_eq!(days, 30);
    assert!(tokens[1].last_used_unix.is_some() && tokens[0].last_used_unix.is_none(), "last use is kept");
    let (_, list) = page(&app, &g, "/account/tokens").await;
    assert!(list.contains("<td>有效</td>") && !list.contains(&first), "listed, never shown again");

    // Another user cannot revoke it; the owner can.
    let (q, q_csrf) = signed_in(&app, "qibao").await;
    let r = post(&app, &q, &format!("/account/tokens/{first_id}/revoke"), &[("_csrf", &q_csrf)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(api_status(&app, &first, "/api/v1/people").await, StatusCode::OK);
    let r = post(&app, &g, &format!("/account/tokens/{first_id}/revoke"), &[("_csrf", &g_csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api_status(&app, &first, "/api/v1/people").await, StatusCode::UNAUTHORIZED);
    assert!(page(&app, &g, "/account/tokens").await.1.contains("已撤销"));

    // The security administrator lists and revokes any account's tokens; the system administrator
    // does not.
    let (sys, _) = signed_in(&app, "sysadmin").await;
    assert_eq!(page(&app, &sys, "/users/gumei/tokens").await.0, StatusCode::FORBIDDEN);
    let (sec, sec_csrf) = signed_in(&app, "secadmin").await;
    let (status, list) = page(&app, &sec, "/users/gumei/tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("/users/gumei/tokens/{second_id}/revoke")) && !list.contains("创建访问令牌"));
    let r = post(&app, &sec, &format!("/users/qibao/tokens/{second_id}/revoke"), &[("_csrf", &sec_csrf)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "the token is not qibao's");
    let r = post(&app, &sec, &format!("/users/gumei/tokens/{second_id}/revoke"), &[("_csrf", &sec_csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api_status(&app, &second, "/api/v1/people").await, StatusCode::UNAUTHORIZED);

    let done = actions(&app).await;
    for (who, what) in
        [("gumei", "auth.token_create"), ("gumei", "auth.token_revoke"), ("secadmin", "auth.token_revoke")]
    {
        assert!(done.iter().any(|(a, b)| a == who && b == what), "{who} {what}: {done:?}");
    }
    let audit = app.store.audit_records(None, 1000).await.unwrap();
    assert!(audit.iter().all(|a| !a.after_json.as_deref().unwrap_or("").contains(&first)), "no token in the log");
}

#[tokio::test]
async fn a_token_ends_with_a_password_change_a_reset_disabling_expiry_and_a_forced_first_change() {
    let app = start().await;
    // Password change.
    let token = bearer(&app, "gumei").await;
    assert_eq!(api_status(&app, &token, "/api/v1/people").await, StatusCode::OK);
    let (g, g_csrf) = signed_in(&app, "gumei").await;
    let form = [("old", PASSWORD), ("new", "Changed-Pass-3"), ("confirm", "Changed-Pass-3"), ("_csrf", &g_csrf)];
    assert_eq!(location(&post(&app, &g, "/password", &form).await), "/login?changed=1");
    assert_eq!(api_status(&app, &token, "/api/v1/people").await, StatusCode::UNAUTHORIZED, "password change");
    assert!(app.store.tokens(Some("gumei")).await.unwrap().iter().all(|t| t.state == "已撤销"));

    // Disabling (and enabling again does not bring it back).
    let token = bearer(&app, "qibao").await;
    let (sys, sys_csrf) = signed_in(&app, "sysadmin").await;
    post(&app, &sys, "/users/qibao/disable", &[("_csrf", &sys_csrf)]).await;
    assert_eq!(api_status(&app, &token, "/api/v1/people").await, StatusCode::UNAUTHORIZED, "disabled");
    post(&app, &sys, "/users/qibao/enable", &[("_csrf", &sys_csrf)]).await;
    assert_eq!(api_status(&app, &token, "/api/v1/people").await, StatusCode::UNAUTHORIZED, "still ended");

    // A password reset by the security administrator.
    let token = bearer(&app, "bureau").await;
    let (sec, sec_csrf) = signed_in(&app, "secadmin").await;
    assert_eq!(
        post(&app, &sec, "/users/bureau/reset-password", &[("_csrf", &sec_csrf)]).await.status(),
        StatusCode::OK
    );
    assert_eq!(api_status(&app, &token, "/api/v1/people").await, StatusCode::UNAUTHORIZED, "reset");

    // Expiry.
    let token = bearer(&app, "rsj").await;
    assert_eq!(api_status(&app, &token, "/api/v1/projects").await, StatusCode::OK);
    app.store.age_token(&token, 91 * 86_400).await.unwrap();
    assert_eq!(api_status(&app, &token, "/api/v1/projects").await, StatusCode::UNAUTHORIZED, "expired");
    assert_eq!(app.store.tokens(Some("rsj")).await.unwrap()[0].state, "已过期");

    // A token made while the first password is still the one-time one works only after the change,
    // and not even then: it was made before the change.
    let token = bearer(&app, "newbie").await;
    assert_eq!(api_status(&app, &token, "/api/v1/people").await, StatusCode::UNAUTHORIZED, "first password");
    let (n, _) = client();
    login(&app, &n, "newbie", PASSWORD).await;
    let csrf = csrf_in(&page(&app, &n, "/password").await.1);
    let form = [("old", PASSWORD), ("new", "Newbie-Pass-4"), ("confirm", "Newbie-Pass-4"), ("_csrf", &csrf)];
    assert_eq!(location(&post(&app, &n, "/password", &form).await), "/login?changed=1");
    assert_eq!(api_status(&app, &token, "/api/v1/people").await, StatusCode::UNAUTHORIZED, "first change");
    let done: Vec<String> = actions(&app).await.into_iter().map(|(_, b)| b).collect();
    assert!(done.iter().filter(|a| *a == "auth.token_revoke_all").count() >= 3, "{done:?}");
}

/// The sign-in answer with what differs by design taken out: the form's fresh CSRF token and the
/// login typed back into the form.
async fn answer(app: &App, login_name: &str, password: &str) -> (StatusCode, String) {
    let (c, _) = client();
    let r = login(app, &c, login_name, password).await;
    let status = r.status();
    let body = r.text().await.unwrap();
    let body = body.replace(&csrf_in(&body), "CSRF").replace(&format!("value=\"{login_name}\""), "value=\"LOGIN\"");
    (status, body)
}

#[tokio::test]
async fn an_unknown_login_gets_the_same_answer_as_a_known_one_also_when_locked() {
    let app = start().await;
    // The lock message says whom to call: the bureau's security administrators at its office line.
    let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
    let office = yikou_store::reference::ContactUpdate { office_phone: "021-64120000".into(), ..Default::default() };
    yikou_store::reference::set_contact(&mut tx, yikou_domain::reference::BUREAU_CODE, &office).await.unwrap();
    tx.commit().await.unwrap();
    for attempt in 1..=7 {
        let known = answer(&app, "qibao", "wrong-Password-1").await;
        let unknown = answer(&app, "no-such-user", "wrong-Password-1").await;
        assert_eq!(known.0, StatusCode::UNAUTHORIZED);
        assert_eq!(known, unknown, "attempt {attempt}");
        let locked = attempt >= 5;
        assert_eq!(known.1.contains("账号已锁定"), locked, "attempt {attempt}: {}", known.1);
        if locked {
            assert!(known.1.contains("的安全管理员（办公电话 021-64120000）解锁"), "{}", known.1);
        } else {
            assert!(known.1.contains("登录名或密码不正确"));
        }
    }
    // The typed unknown login is stored nowhere, in the log or the failure count.
    let audit = app.store.audit_records(None, 1000).await.unwrap();
    assert!(audit.iter().all(|a| !format!("{a:?}").contains("no-such-user")));
    assert!(audit.iter().any(|a| a.action == "auth.locked" && a.actor == "anonymous"));
}

/// Median time of sign-in attempts.
async fn median(app: &App, login_name: &str, n: usize) -> Duration {
    let (c, _) = client();
    let page_html = c.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
    let mut csrf = csrf_in(&page_html);
    let mut times = Vec::new();
    for _ in 0..n {
        let started = Instant::now();
        let r = c
            .post(format!("{}/login", app.base))
            .form(&[("login", login_name), ("password", "wrong-Password-1"), ("_csrf", &csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        // Each answer carries a fresh form token.
        csrf = csrf_in(&r.text().await.unwrap());
        times.push(started.elapsed());
    }
    times.sort();
    times[n / 2]
}

#[tokio::test]
async fn an_unknown_login_takes_about_as_long_as_a_known_one() {
    let policy = AuthPolicy { max_failures: 1000, max_source_failures: 0, ..Default::default() };
    let app = start_with(yikou_web::WebConfig { policy, ..Default::default() }).await;
    median(&app, "no-such-user", 1).await; // warm up
    let mut known = Duration::ZERO;
    let mut unknown = Duration::ZERO;
    for _ in 0..3 {
        known += median(&app, "qibao", 5).await;
        unknown += median(&app, "no-such-user", 5).await;
    }
    assert!(unknown * 2 >= known && known * 2 >= unknown, "known {known:?}, unknown {unknown:?}");
}

#[tokio::test]
async fn many_failures_from_one_source_are_refused_without_checking_the_password() {
    let policy = AuthPolicy { max_source_failures: 4, ..Default::default() };
    let app = start_with(yikou_web::WebConfig { policy, ..Default::default() }).await;
    for name in ["a1", "a2", "a3", "a4"] {
        assert_eq!(answer(&app, name, "wrong-Password-1").await.0, StatusCode::UNAUTHORIZED);
    }
    // The right password from the same address now gets the usual refusal.
    let (status, body) = answer(&app, "gumei", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("登录名或密码不正确"), "{body}");
    assert_eq!(answer(&app, "gumei", PASSWORD).await, (status, body), "the same answer again");
    assert!(app.store.audit_records(None, 100).await.unwrap().iter().any(|a| a.action == "auth.source_throttled"));
    assert!(app.store.locked_until("gumei").await.unwrap().is_none(), "the account itself is not locked");
}

#[tokio::test]
async fn a_security_administrator_unlocks_an_account_and_resets_its_password() {
    let app = start().await;
    for _ in 0..5 {
        login(&app, &client().0, "qibao", "wrong-Password-1").await;
    }
    let (c, _) = client();
    assert!(login(&app, &c, "qibao", PASSWORD).await.text().await.unwrap().contains("账号已锁定"));

    let (sys, sys_csrf) = signed_in(&app, "sysadmin").await;
    assert_eq!(post(&app, &sys, "/users/qibao/unlock", &[("_csrf", &sys_csrf)]).await.status(), StatusCode::FORBIDDEN);
    let (sec, sec_csrf) = signed_in(&app, "secadmin").await;
    let (_, users) = page(&app, &sec, "/users").await;
    assert!(users.contains("已锁定") && users.contains("/users/qibao/unlock"), "{users}");
    assert_eq!(post(&app, &sec, "/users/qibao/unlock", &[("_csrf", "forged")]).await.status(), StatusCode::FORBIDDEN);
    let r = post(&app, &sec, "/users/secadmin/unlock", &[("_csrf", &sec_csrf)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "not one's own account");
    let r = post(&app, &sec, "/users/qibao/unlock", &[("_csrf", &sec_csrf)]).await;
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/users".to_string()));
    assert_eq!(location(&login(&app, &c, "qibao", PASSWORD).await), "/", "unlocked");

    // A reset: the first half of a one-time password shown once; the old password and the old
    // session end; the account waits for the system administrator, who is shown the second half.
    let (status, _) = page(&app, &c, "/").await;
    assert_eq!(status, StatusCode::OK);
    let r = post(&app, &sys, "/users/qibao/reset-password", &[("_csrf", &sys_csrf)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the system administrator does not reset passwords");
    let r = post(&app, &sec, "/users/qibao/reset-password", &[("_csrf", &sec_csrf)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let shown = r.text().await.unwrap();
    assert!(shown.contains("前半段") && shown.contains("系统管理员"), "{shown}");
    let first = secret_in(&shown);
    assert_eq!(page(&app, &c, "/").await.0, StatusCode::SEE_OTHER, "the session ended");
    let (q, _) = client();
    assert_eq!(login(&app, &q, "qibao", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app, &q, "qibao", &first).await.status(), StatusCode::UNAUTHORIZED, "the half alone");
    assert_eq!(page(&app, &q, "/").await.0, StatusCode::SEE_OTHER, "no session");
    let r = post(&app, &sec, "/users/qibao/complete", &[("_csrf", &sec_csrf)]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the security administrator cannot complete their own reset"
    );
    let users = page(&app, &sys, "/users").await.1;
    assert!(users.contains("待完成重置") && users.contains("/users/qibao/complete"), "{users}");
    let r = post(&app, &sys, "/users/qibao/complete", &[("_csrf", &sys_csrf)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let shown = r.text().await.unwrap();
    assert!(shown.contains("后半段") && shown.contains("已完成 qibao 的密码重置"), "{shown}");
    let second = secret_in(&shown);
    let one_time = format!("{first}{second}");
    assert_eq!(location(&login(&app, &q, "qibao", &one_time).await), "/password", "must be changed");

    let audit = app.store.audit_records(None, 1000).await.unwrap();
    for what in ["user.unlock", "user.password_reset"] {
        assert!(audit.iter().any(|a| a.actor == "secadmin" && a.action == what), "{what}");
    }
    assert!(audit.iter().any(|a| a.actor == "sysadmin" && a.action == "user.password_reset_complete"));
    for secret in [&first, &second] {
        assert!(audit.iter().all(|a| !format!("{a:?}").contains(secret.as_str())), "no password in the log");
    }
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_even_while_in_use() {
    let app = start().await;
    let (c, jar) = client();
    assert_eq!(login(&app, &c, "gumei", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let token = session_token(&app, &jar);
    app.store.age_session_start(&token, 11 * 3600).await.unwrap();
    assert_eq!(page(&app, &c, "/").await.0, StatusCode::OK, "11 hours after sign-in, in use");
    app.store.age_session_start(&token, 2 * 3600).await.unwrap();
    let r = c.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/login".to_string()), "13 hours");
}

#[tokio::test]
async fn cookies_carry_secure_when_the_server_is_told_so() {
    let secure = start_with(yikou_web::WebConfig { secure_cookies: true, ..Default::default() }).await;
    let plain = start().await;
    for (app, want) in [(&secure, true), (&plain, false)] {
        let (c, _) = client();
        let r = c.get(format!("{}/login", app.base)).send().await.unwrap();
        let pre: Vec<String> =
            r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        let r = login(app, &c, "gumei", PASSWORD).await;
        let session: Vec<String> =
            r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert!(session.iter().any(|v| v.starts_with("yikou_session=")));
        for v in pre.iter().chain(&session) {
            assert_eq!(v.contains("; Secure"), want, "{v}");
            assert!(v.contains("HttpOnly") && v.contains("SameSite=Strict"), "{v}");
        }
    }
}

/// A request that takes longer than the server allows — here a client that sends half its body and
/// stops — is ended with 503 and a Chinese message, and the connection is given back; requests
/// within the limit are served as usual.
#[tokio::test]
async fn a_request_over_the_time_limit_is_ended_with_a_message() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limit = Duration::from_millis(400);
    let app = start_with(yikou_web::WebConfig { request_timeout: Some(limit), ..Default::default() }).await;
    let (c, _) = client();
    assert_eq!(page(&app, &c, "/login").await.0, StatusCode::OK);
    let addr = app.base.trim_start_matches("http://").trim_end_matches('/').to_string();
    let token = bearer(&app, "gumei").await;
    let form =
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nlogin=gumei&".to_string();
    let upload = format!(
        "Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n\r\n\
         --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\n\r\n姓名,身份证号\r\n"
    );
    for (path, rest) in [("/login", form), ("/api/v1/imports", upload)] {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n{rest}");
        let started = std::time::Instant::now();
        s.write_all(head.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), async {
            let mut buf = [0u8; 4096];
            loop {
                let n = s.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") || answer.ends_with(b"</html>")
                {
                    break;
                }
            }
        })
        .await;
        assert!(read.is_ok(), "{path}: the server never answered the stalled request");
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 503"), "{path}: {text}");
        assert!(text.contains("请求处理超过 0 秒") || text.contains("已中止"), "{path}: {text}");
        assert!(started.elapsed() >= limit, "{path}: answered before the limit");
    }
}
