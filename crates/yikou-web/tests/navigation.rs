//! Finding one's way: the menu marks the current page and stays on error pages, a skip link leads
//! to the content, an expired session returns to the page it was on after signing in (and only to a
//! page of this site), an unknown API address answers JSON, and the pages say 密码, not 口令.

mod common;

use common::{client, csrf_in, location, page, signed_in, start, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn the_menu_marks_the_current_page_and_stays_on_an_error_page() {
    let app = start().await;
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, people) = page(&app, &g, "/people?q=古美").await;
    assert!(people.contains("<a href=\"/people\" aria-current=\"page\">帮困对象</a>"), "{people}");
    assert!(!people.contains("<a href=\"/\" aria-current"), "only the current section is marked");
    assert!(people.contains("href=\"#main\"") && people.contains("<main id=\"main\">"), "a skip link to the content");
    let (_, person) = page(&app, &g, &format!("/people/{}", app.people[0])).await;
    assert!(person.contains("<a href=\"/people\" aria-current=\"page\">"), "a detail page marks its section");

    // A refusal and a missing page keep the menu, so the clerk can go on from there.
    let (status, refused) = page(&app, &g, "/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("aria-label=\"主菜单\"") && refused.contains("无权访问"), "{refused}");
    assert!(!refused.contains("返回首页"));
    let (status, missing) = page(&app, &g, "/people/999999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("aria-label=\"主菜单\""), "{missing}");
    // Not signed in: a plain page, no menu.
    let (anon, _) = client();
    let (status, plain) = page(&app, &anon, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!plain.contains("主菜单") && plain.contains("返回首页"), "{plain}");
}

#[tokio::test]
async fn an_expired_session_returns_to_its_page_after_signing_in_and_nowhere_else() {
    let app = start().await;
    let (c, _) = client();
    let want = format!("/people/{}", app.people[0]);
    let r = c.get(format!("{}{want}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert_eq!(to, format!("/login?next=%2Fpeople%2F{}", app.people[0]));
    let (_, form) = page(&app, &c, &to).await;
    assert!(form.contains(&format!("name=\"next\" value=\"{want}\"")), "{form}");
    let r = c
        .post(format!("{}/login", app.base))
        .form(&[("login", "gumei"), ("password", PASSWORD), ("_csrf", &csrf_in(&form)), ("next", &want)])
        .send()
        .await
        .unwrap();
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, want.clone()));

    // Another site, or a protocol-relative address, leads home instead.
    for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let (c, _) = client();
        let (_, form) = page(&app, &c, "/login").await;
        let r = c
            .post(format!("{}/login", app.base))
            .form(&[("login", "gumei"), ("password", PASSWORD), ("_csrf", &csrf_in(&form)), ("next", evil)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/", "{evil} is not followed");
    }
}

#[tokio::test]
async fn an_unknown_api_address_answers_json_and_pages_say_password_as_mi_ma() {
    let app = start().await;
    let r = reqwest::get(format!("{}/api/v1/no-such-thing", app.base)).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "not_found");

    for who in ["gumei", "sysadmin", "secadmin"] {
        let (c, _) = signed_in(&app, who).await;
        for path in ["/", "/password", "/users", "/users/new", "/account/tokens"] {
            let (_, html) = page(&app, &c, path).await;
            assert!(!html.contains("口令"), "{who} {path} says 密码, not 口令");
        }
    }
    // Row actions say whom they act on (a screen reader hears more than a column of “停用”).
    let (sec, _) = signed_in(&app, "secadmin").await;
    let (_, users) = page(&app, &sec, "/users").await;
    assert!(users.contains("aria-label=\"停用账号 gumei的名字（gumei）\""), "{users}");
    assert!(users.contains("aria-label=\"重置 gumei的名字（gumei）的密码\""));
    let (c, _) = client();
    let (_, login) = page(&app, &c, "/login").await;
    assert!(login.contains("密码") && !login.contains("口令"));
}
