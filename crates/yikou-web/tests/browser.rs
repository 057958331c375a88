//! The browser suite: headless Chromium driven through chromedriver (WebDriver over HTTP), as a
//! street operator does the day's work: sign in, import a list with errors, read the errors, fix the
//! file, commit, run the cross-check, dismiss a finding with a reason, sign out. Screenshots of the
//! pages go to `target/screenshots` (or `YIKOU_SCREENSHOTS`) for review. `.ci/run` installs
//! Debian's chromium and chromium-driver; without them the test says so and does nothing.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use common::{start, PASSWORD};
use serde_json::{json, Value};

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

impl Driver {
    async fn start() -> Option<Driver> {
        let (driver, browser) = ("/usr/bin/chromedriver", "/usr/bin/chromium");
        if !std::path::Path::new(driver).exists() || !std::path::Path::new(browser).exists() {
            eprintln!("note: chromium/chromedriver not installed, browser suite skipped (.ci/run installs them)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": {
            "binary": browser,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                     format!("--user-data-dir={}", profile.path().display())]
        } } } });
        let r: Value = http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session =
            r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("chromedriver session: {r}")).to_string();
        let shots = std::env::var("YIKOU_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots"));
        std::fs::create_dir_all(&shots).unwrap();
        Some(Driver { child, base, session, http, shots, _profile: profile })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(v["value"]["error"].is_null(), "webdriver {path}: {v}");
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    async fn find(&self, css: &str) -> String {
        let v =
            self.call(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css }))).await;
        v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap().to_string()
    }

    async fn type_in(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/value"), Some(json!({ "text": text }))).await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({}))).await;
    }

    /// The page once it contains `text` (navigation after a click can take a moment).
    async fn wait_for(&self, text: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.source().await;
            if last.contains(text) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("page never showed “{text}”: {}", last.chars().take(2000).collect::<String>());
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None).await.as_str().unwrap().to_string()
    }

    async fn shot(&self, name: &str) {
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_street_operator_imports_fixes_commits_checks_dismisses_and_signs_out_in_a_browser() {
    let Some(d) = Driver::start().await else { return };
    let app = start().await;
    let dir = tempfile::tempdir().unwrap();

    d.go(&format!("{}/login", app.base)).await;
    d.shot("01-login").await;
    d.type_in("#login", "gumei").await;
    d.type_in("#password", PASSWORD).await;
    d.click("button[type=submit]").await;
    let home = d.wait_for("首页").await;
    assert!(home.contains("gumei的名字"), "signed in");
    d.shot("02-home").await;

    // A list with a wrong check character in row 3.
    let header = "姓名,身份证号,性别,联系电话,户籍/居住地址,街镇,居委,类别,金额,备注\n";
    let bad = dir.path().join("list-with-errors.csv");
    std::fs::write(&bad, format!("{header}浏览器甲,310112195001010013,男,,,古美街道,,低保家庭,,\n浏览器乙,310112196002020024,女,,,古美街道,,低保家庭,,\n")).unwrap();
    d.go(&format!("{}/imports", app.base)).await;
    d.shot("03-imports").await;
    d.type_in("#file", bad.to_str().unwrap()).await;
    d.click("form[action='/imports/upload'] button[type=submit]").await;
    let result = d.wait_for("检查结果：list-with-errors.csv").await;
    assert!(
        result.contains("有1处需要修改") && result.contains("第3行") && result.contains("校验位不对"),
        "the error is shown: {}",
        result.chars().filter(|c| !c.is_ascii_whitespace()).take(3000).collect::<String>()
    );
    d.shot("04-import-errors").await;

    // Fixed file: no errors, commit.
    let good = dir.path().join("list-fixed.csv");
    std::fs::write(&good, format!("{header}浏览器甲,310112195001010013,男,,,古美街道,,低保家庭,,\n浏览器乙,310112196002020023,女,,,古美街道,,低保家庭,,\n")).unwrap();
    d.go(&format!("{}/imports", app.base)).await;
    d.type_in("#file", good.to_str().unwrap()).await;
    d.click("form[action='/imports/upload'] button[type=submit]").await;
    // The result itself: the import page also names 检查结果 (of the list still waiting).
    let result = d.wait_for("检查结果：list-fixed.csv").await;
    assert!(result.contains("有问题 0 行"), "clean file");
    d.click("form[action$='/commit'] button[type=submit]").await;
    let done = d.wait_for("已导入批次").await;
    assert!(done.contains("已导入批次") && done.contains("新登记帮困对象 2 人"), "committed");
    d.shot("05-import-done").await;

    // The cross-check: a dismissal without a reason is refused beside its row; with one, it is made
    // and the decided row says by whom.
    d.go(&format!("{}/check?type=dup_in_project", app.base)).await;
    d.shot("06-check").await;
    d.type_in("form[action='/check/decide'] input[name=reason]", "已").await;
    d.click("form[action='/check/decide'] button[value=dismiss]").await;
    let refused = d.wait_for("field-error").await;
    assert!(refused.contains("排除疑点必须填写理由") && refused.contains("value=\"已\""), "refused, text kept");
    d.shot("06b-check-refused").await;
    d.type_in("form[action='/check/decide'] input[name=reason]", "核实为重复录入，另一笔已撤销").await;
    d.click("form[action='/check/decide'] button[value=dismiss]").await;
    let check = d.wait_for("class=\"notice\"").await;
    assert!(check.contains("已排除“古美甲”的疑点（理由：已核实为重复录入"), "dismissed with its reason");
    assert!(check.contains("已处理（1）"), "counts updated");
    d.click("a[href*='status=done']").await;
    let done = d.wait_for("处理人").await;
    assert!(done.contains("处理人：gumei的名字"), "who decided");
    d.shot("07-check-dismissed").await;

    d.go(&format!("{}/people/{}", app.base, app.people[0])).await;
    d.shot("08-person").await;
    // Undoing the batch asks first, saying what will happen.
    d.go(&format!("{}/imports", app.base)).await;
    d.click("a[href$='/undo']").await;
    let confirm = d.wait_for("确认撤销").await;
    assert!(confirm.contains("将撤销批次") && confirm.contains("的 2 行"), "the confirmation says what will be undone");
    d.shot("09-undo-confirm").await;
    d.click("header form[action='/logout'] button").await;
    let out = d.wait_for("name=\"password\"").await;
    assert!(out.contains("name=\"password\""), "back at the sign-in form");
    d.go(&format!("{}/people", app.base)).await;
    assert!(d.source().await.contains("name=\"password\""), "signed out: pages lead to sign-in");

    // The system administrator makes an account for a new 古美 clerk.
    d.type_in("#login", "sysadmin").await;
    d.type_in("#password", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.wait_for("用户与角色").await;
    d.go(&format!("{}/users/new", app.base)).await;
    d.type_in("#login", "li.si").await;
    d.type_in("#display_name", "李四").await;
    d.click("#unit option[value='310112006000']").await;
    d.click("#role option[value='street']").await;
    d.shot("10-user-new").await;
    d.click("form[action='/users'] button[type=submit]").await;
    // Waits for the result itself: the form's own hint also mentions the one-time password.
    let created = d.wait_for("已新建账号 li.si").await;
    assert!(created.contains("一次性密码") && created.contains("<code>"), "the one-time password is shown once");
    d.shot("11-user-created").await;
    d.go(&format!("{}/users", app.base)).await;
    assert!(d.source().await.contains("li.si"));
    d.shot("12-users").await;
    d.call(reqwest::Method::DELETE, "", None).await;
}

/// A printed roster is every row of the user's area (not the screen's first page), one header per
/// sheet, numbered pages, the total, and no menu or buttons: printed to PDF by Chromium and read back
/// with pdftotext.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printed_roster_has_every_row_page_numbers_and_the_total_and_no_menu() {
    let Some(d) = Driver::start().await else { return };
    if Command::new("pdftotext").arg("-v").output().is_err() {
        eprintln!("note: pdftotext (poppler-utils) not installed, the print test is skipped (.ci/run installs it)");
        return;
    }
    let app = start().await;
    common::list_more(&app, 130, common::GUMEI).await;
    d.go(&format!("{}/login", app.base)).await;
    d.type_in("#login", "gumei").await;
    d.type_in("#password", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.wait_for("首页").await;
    d.go(&format!("{}/projects/{}/print", app.base, app.project)).await;
    d.wait_for("签收表").await;
    d.shot("20-roster-print").await;
    let v = d.call(reqwest::Method::POST, "/print", Some(json!({ "orientation": "portrait" }))).await;
    let pdf = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext").arg("-layout").arg(&file).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // 古美's three listings of the test project and the 130 added; 七宝's is not in the area.
    let rows = text.lines().filter(|l| l.contains("********")).count();
    assert_eq!(rows, 133, "every row is printed: {text}");
    assert!(!text.contains("七宝乙"), "only the area's rows");
    assert!(text.contains("合计 133 人次") && text.contains("119,700.00"), "the total: {text}");
    // pdftotext drops the spaces of the footer "第 1 页 共 5 页".
    let squeezed: String = text.split_whitespace().collect();
    let pages = squeezed.matches("页共").count();
    assert!(squeezed.contains("第1页共") && pages >= 3, "numbered pages: {pages}: {text}");
    assert_eq!(squeezed.matches("领取人签名").count(), pages, "the header on every sheet");
    // A subtotal on every sheet (20 rows each: 7 sheets for 133 rows), adding up to the total.
    assert_eq!(squeezed.matches("本页小计").count(), pages, "a subtotal on every sheet: {text}");
    assert_eq!(pages, 7, "{text}");
    assert!(squeezed.contains("本页小计20人次18,000.00") && squeezed.contains("本页小计13人次11,700.00"), "{text}");
    assert!(!text.contains("退出") && !text.contains("名单导入") && !text.contains("Ctrl+P"), "no menu or hints");

    // The sign-off sheet of a cash batch of the same rows (issue 14, point 4): every row, the title
    // with campaign, project and paying unit, a subtotal per sheet and the total.
    let batch = {
        use yikou_domain::reference::BUREAU_CODE;
        let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
        let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
        yikou_store::rosters::submit(&mut tx, app.project, BUREAU_CODE).await.unwrap();
        yikou_store::rosters::review(
            &mut tx,
            app.project,
            BUREAU_CODE,
            yikou_domain::roster::ReviewDecision::Approve,
            "",
        )
        .await
        .unwrap();
        let filter = yikou_store::pay::BatchFilter { street: Some(common::GUMEI.into()), ..Default::default() };
        let made = yikou_store::pay::create_batch(
            &mut tx,
            &yikou_domain::Scope::All,
            cid,
            yikou_domain::pay::PayMethod::Cash,
            &filter,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        made.id
    };
    d.go(&format!("{}/payments/batches/{batch}/sheet", app.base)).await;
    d.wait_for("签收表").await;
    d.shot("21-signoff-sheet").await;
    let v = d.call(reqwest::Method::POST, "/print", Some(json!({ "orientation": "portrait" }))).await;
    let pdf = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap();
    let file = dir.path().join("sheet.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext").arg("-layout").arg(&file).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(text.lines().filter(|l| l.contains("********")).count(), 133, "every line: {text}");
    let squeezed: String = text.split_whitespace().collect();
    let pages = squeezed.matches("页共").count();
    assert_eq!(pages, 7, "{text}");
    assert_eq!(squeezed.matches("本页小计").count(), pages, "a subtotal on every sheet");
    assert_eq!(squeezed.matches("签名日期").count(), pages, "the header on every sheet: {text}");
    assert!(squeezed.contains("合计133人119,700.00") && squeezed.contains("本页小计20人18,000.00"), "{text}");
    assert!(squeezed.contains("测试项目签收表") && squeezed.contains("发放单位："), "the title: {text}");
    assert!(!text.contains("登记签收结果") && !text.contains("Ctrl+P"), "no buttons or hints");
    d.call(reqwest::Method::DELETE, "", None).await;
}
