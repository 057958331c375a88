//! The command line as a user (or the municipal system's scripts) drives it.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn yikou(data: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yikou"));
    c.arg("--data").arg(data).args(args).env_remove("YIKOU_KEY").env_remove("YIKOU_DATABASE_URL");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run yikou")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn init_prints_a_one_time_password_and_refuses_a_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = yikou(&data, &["init"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("一次性密码"));
    let key = std::fs::read_to_string(data.join("yikou.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("yikou.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key file readable by others");
    }
    let again = yikou(&data, &["init"], &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("拒绝重复初始化"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(data.join("yikou.key")).unwrap(), key, "key untouched");
}

#[test]
fn a_wrong_key_and_a_missing_campaign_get_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(yikou(&data, &["init"], &[]).status.success());
    let o = yikou(&data, &["report", "summary"], &[("YIKOU_KEY", &"cd".repeat(32))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("密钥与数据库不匹配"), "{}", stderr(&o));
    let o = yikou(&data, &["report", "summary", "--campaign", "1999"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("未找到1999年的活动"), "{}", stderr(&o));
    let o = yikou(&data, &["report", "summary"], &[]);
    assert!(stderr(&o).contains("还没有任何活动"), "{}", stderr(&o));
    // A key without its database is reported, not silently re-initialised.
    std::fs::rename(data.join("yikou.db"), dir.path().join("moved.db")).unwrap();
    let o = yikou(&data, &["report", "summary"], &[]);
    assert!(stderr(&o).contains("找不到数据库文件"), "{}", stderr(&o));
    let o = yikou(&data, &["doctor"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let empty = dir.path().join("never-initialised");
    let o = yikou(&empty, &["audit", "verify"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("yikou init"), "{}", stderr(&o));
}

fn check_plan_figures(v: &Value) {
    assert_eq!(v["campaign"], "2020年元旦春节帮困送温暖");
    let g = &v["groups"];
    assert_eq!(g[0]["group"], "民政部门");
    assert_eq!(g[0]["projects"], 11);
    assert_eq!(g[0]["person_times"], 63_426);
    assert_eq!(g[0]["amount_fen"], 3_731_140_000i64);
    assert_eq!(g[0]["standard_min_fen"], 30_000);
    assert_eq!(g[0]["standard_max_fen"], 110_000);
    assert_eq!(g[0]["by_source_fen"]["市级资金"], 1_980_000);
    assert_eq!(g[0]["by_source_fen"]["部门预算"], 2_677_200_000i64);
    assert_eq!(g[0]["by_source_fen"]["区级资金"], 536_350_000);
    assert_eq!(g[0]["by_source_fen"]["街镇配套资金"], 515_610_000);
    assert_eq!(g[1]["group"], "相关职能部门");
    assert_eq!((g[1]["projects"].as_i64(), g[1]["person_times"].as_i64()), (Some(34), Some(23_149)));
    assert_eq!(g[1]["amount_fen"], 1_845_330_000i64);
    assert_eq!((g[1]["standard_min_fen"].as_i64(), g[1]["standard_max_fen"].as_i64()), (Some(20_000), Some(3_000_000)));
    assert_eq!(g[2]["group"], "各镇、街道、莘庄工业区");
    assert_eq!((g[2]["projects"].as_i64(), g[2]["person_times"].as_i64()), (Some(77), Some(21_469)));
    assert_eq!(g[2]["amount_fen"], 1_746_060_000i64);
    assert_eq!((g[2]["standard_min_fen"].as_i64(), g[2]["standard_max_fen"].as_i64()), (Some(20_000), Some(1_000_000)));
    let t = &v["total"];
    assert_eq!(t["projects"], 122);
    assert_eq!(t["person_times"], 108_044);
    assert_eq!(t["amount_fen"], 7_322_530_000i64);
    assert_eq!(t["categories"], 10);
    let people = t["people"].as_i64().unwrap();
    assert!(people < 108_044 && people > 50_000, "distinct people counted, {people}");
    assert!(t["households"].as_i64().unwrap() < people, "households counted separately");
    assert_eq!(v["stated"]["person_times"], 112_800);
    assert_eq!(v["stated"]["amount_fen"], 7_322_830_000i64);
    let m = v["mismatches"].as_array().unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["stated"], 112_800);
    assert_eq!(m[0]["computed"], 108_044);
    assert_eq!(m[1]["computed"], 7_322_530_000i64);
}

#[test]
fn demo_reproduces_the_plans_section_four_and_audit_verify_catches_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = yikou(&data, &["demo", "--no-serve", "--seed", "2020"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("3,731.14"), "{}", stdout(&o));
    assert!(stdout(&o).contains("不符"));
    assert!(stdout(&o).contains("演示账号") && stdout(&o).contains("gumei"), "the accounts, also without serving");

    let o = yikou(&data, &["report", "summary", "--json"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    check_plan_figures(&v);

    // The contract of issue 16: the groups gain planned, approved and disbursed money; `--by` adds rows
    // that add up to the total; `report plan-table` writes 附表1 whose total is the plan's.
    let g = &v["groups"][0];
    assert!(g["planned_fen"].as_i64().unwrap() > 0 && g["approved_fen"].is_i64() && g["disbursed_fen"].is_i64(), "{g}");
    let o = yikou(&data, &["report", "summary", "--by", "street", "--json"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let by: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(by["by"], "street");
    let rows = by["rows"].as_array().unwrap();
    assert!(rows.len() >= 14, "{by}");
    assert_eq!(rows.iter().map(|r| r["person_times"].as_i64().unwrap()).sum::<i64>(), 108_044);
    assert_eq!(by["total"], v["total"], "today's fields kept");
    let out = dir.path().join("plan.xlsx");
    let o = yikou(&data, &["report", "plan-table", "-o", out.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    {
        use calamine::{Data, Reader};
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
        assert_eq!(wb.sheet_names(), vec!["附表1".to_string()]);
        let range = wb.worksheet_range("附表1").unwrap();
        let total = range.rows().find(|r| r.get(1) == Some(&Data::String("合计".into()))).expect("a total row");
        assert_eq!((total.get(6), total.get(9)), (Some(&Data::Float(108_044.0)), Some(&Data::Float(7_322.53))));
    }

    // A second demo adds nothing twice.
    let o = yikou(&data, &["demo", "--no-serve"], &[]);
    assert!(stdout(&o).contains("已存在"), "{}", stdout(&o));
    let again: Value = serde_json::from_str(&stdout(&yikou(&data, &["report", "summary", "--json"], &[]))).unwrap();
    assert_eq!(again["total"], v["total"]);

    let o = yikou(&data, &["audit", "verify"], &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("审计链完整"));
    let o = yikou(&data, &["doctor"], &[]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("密钥与数据库匹配"));

    // Change one audit record behind the system's back.
    let rt = tokio_rt();
    rt.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", data.join("yikou.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_log SET after_json = '{\"count\":1}' WHERE seq = 5").execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    });
    let o = yikou(&data, &["audit", "verify", "--json"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["first_bad"], 5);
    let o = yikou(&data, &["audit", "verify"], &[]);
    assert!(stdout(&o).contains("#5"), "{}", stdout(&o));
    let o = yikou(&data, &["doctor"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("[问题] 审计链"), "{}", stdout(&o));
}

#[test]
fn demo_on_postgres_gives_the_same_figures() {
    let Ok(base) = std::env::var("YIKOU_TEST_POSTGRES_URL") else {
        eprintln!("note: YIKOU_TEST_POSTGRES_URL not set, PostgreSQL part skipped");
        return;
    };
    let schema = format!("cli_{}", std::process::id());
    let rt = tokio_rt();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut c).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut c).await.unwrap();
    });
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = yikou(&data, &["--database", &url, "demo", "--no-serve"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = yikou(&data, &["report", "summary", "--json"], &[("YIKOU_DATABASE_URL", &url)]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_plan_figures(&serde_json::from_str(&stdout(&o)).unwrap());
    let o = yikou(&data, &["--database", &url, "audit", "verify"], &[]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn audit_verify_names_records_cut_off_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(yikou(&data, &["init"], &[]).status.success());
    let o = yikou(&data, &["audit", "verify"], &[]);
    assert!(o.status.success(), "{}", stdout(&o));
    // Delete the last 2 records and point the head at the last one kept (its hash is in the log).
    tokio_rt().block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", data.join("yikou.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log").fetch_one(&mut c).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(n - 2).execute(&mut c).await.unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1)")
            .bind(n - 2)
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    });
    let o = yikou(&data, &["audit", "verify"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("审计日志末尾的记录被删除（截断）或记录头被改写"), "{}", stdout(&o));
    let o = yikou(&data, &["doctor"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("截断"), "{}", stdout(&o));
}

/// `yikou user add` for 古美 with the password on standard input; `db` are extra global options.
fn add_user(data: &Path, db: &[&str], login: &str, role: &str, password: &str) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_yikou"))
        .arg("--data")
        .arg(data)
        .args(db)
        .args(["user", "add", "--login", login, "--unit", "310112006000", "--role", role, "--password-stdin"])
        .env_remove("YIKOU_KEY")
        .env_remove("YIKOU_DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(c.stdin.take().unwrap(), "{password}").unwrap();
    c.wait_with_output().unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn accounts_and_api_tokens_are_made_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(yikou(&data, &["init"], &[]).status.success());
    let add = |login: &str, role: &str, password: &str| add_user(&data, &[], login, role, password);
    let o = add("gumei1", "street", "Street-Pass-1");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("首次登录须修改密码"));
    let o = add("weak", "street", "password");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("密码"), "{}", stderr(&o));
    let o = add("bad-role", "king", "Street-Pass-1");
    assert!(stderr(&o).contains("未知角色"));
    let o = yikou(&data, &["token", "create", "--login", "gumei1"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).trim().starts_with("yk_") && stdout(&o).trim().len() > 40);
    let o = yikou(&data, &["audit", "verify", "--json"], &[]);
    assert!(stdout(&o).contains("\"first_bad\": null"), "{}", stdout(&o));
}

/// A plain HTTP/1.1 exchange (`Connection: close`): status, headers (lower-case names) and body.
fn http(addr: &str, method: &str, path: &str, cookie: &str, form: &str) -> (u16, Vec<(String, String)>, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the server");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://{addr}\r\nContent-Length: {}\r\n",
            form.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())))
        .collect();
    (status, headers, body.to_string())
}

fn cookie_named(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn form_value(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).expect("the field") + name.len() + 15;
    html[at..].split('"').next().unwrap().to_string()
}

/// Several `yikou serve` processes share one database (a city runs them behind one address): a
/// session begun on one is the session on the other, and ended on one it is ended on both —
/// sessions, their CSRF tokens and the login throttle live in the database, not in a process.
#[test]
fn two_server_processes_share_sessions_through_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let mut urls = vec![None];
    if let Ok(base) = std::env::var("YIKOU_TEST_POSTGRES_URL") {
        let schema = format!("two_{}", std::process::id());
        tokio_rt().block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&base).await.unwrap();
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut c).await.unwrap();
            sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut c).await.unwrap();
        });
        let sep = if base.contains('?') { '&' } else { '?' };
        urls.push(Some(format!("{base}{sep}options=-c%20search_path%3D{schema}")));
    }
    for (n, url) in urls.into_iter().enumerate() {
        let data = data.join(n.to_string());
        let db: Vec<&str> = url.as_deref().map(|u| vec!["--database", u]).unwrap_or_default();
        let run = |args: &[&str]| yikou(&data, &[db.as_slice(), args].concat(), &[]);
        assert!(run(&["init"]).status.success());
        let o = add_user(&data, &db, "gumei1", "street", "Street-Pass-1");
        assert!(o.status.success(), "{}", stderr(&o));
        // Two servers, each with its own small pool, on free ports.
        let start = || {
            use std::io::BufRead;
            let mut c = Command::new(env!("CARGO_BIN_EXE_yikou"))
                .arg("--data")
                .arg(&data)
                .args(&db)
                .args(["--db-pool", "3", "serve", "--listen", "127.0.0.1:0"])
                .env_remove("YIKOU_KEY")
                .env_remove("YIKOU_DATABASE_URL")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut line = String::new();
            std::io::BufReader::new(c.stdout.take().unwrap()).read_line(&mut line).unwrap();
            let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect(&line).to_string();
            (Server(c), addr)
        };
        let (_a, addr_a) = start();
        let (_b, addr_b) = start();
        // Signed in on A …
        let (_, h, page) = http(&addr_a, "GET", "/login", "", "");
        let pre = cookie_named(&h, "yikou_pre").expect("the login form's cookie");
        let csrf = form_value(&page, "_csrf");
        let (s, h, body) =
            http(&addr_a, "POST", "/login", &pre, &format!("_csrf={csrf}&login=gumei1&password=Street-Pass-1"));
        assert_eq!(s, 303, "{body}");
        let session = cookie_named(&h, "yikou_session").expect("a session");
        // … is signed in on B: the first password change is asked for, not the login page.
        let (s, h, _) = http(&addr_b, "GET", "/", &session, "");
        let to = h.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone()).unwrap_or_default();
        assert_eq!((s, to.as_str()), (303, "/password"), "{url:?}");
        let (s, h, _) = http(&addr_b, "GET", "/", "", "");
        let to = h.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone()).unwrap_or_default();
        assert!(s == 303 && to.starts_with("/login"), "no cookie, no session: {to}");
        // The password changed on B (with the session's CSRF token, kept in the database) …
        let (_, _, page) = http(&addr_b, "GET", "/password", &session, "");
        let csrf = form_value(&page, "_csrf");
        let form = format!("_csrf={csrf}&old=Street-Pass-1&new=Street-Pass-2&confirm=Street-Pass-2");
        let (s, h, body) = http(&addr_b, "POST", "/password", &session, &form);
        let to = h.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone()).unwrap_or_default();
        assert!(s == 303 && to.contains("changed"), "{s} {to} {body}");
        // … ends that session on A too (a changed password signs every session out) …
        let (s, _, _) = http(&addr_a, "GET", "/people", &session, "");
        assert_eq!(s, 303, "the old session is gone on A as well");
        // … and a session begun on B with the new password works on A.
        let (_, h, page) = http(&addr_b, "GET", "/login", "", "");
        let pre = cookie_named(&h, "yikou_pre").unwrap();
        let csrf = form_value(&page, "_csrf");
        let (s, h, body) =
            http(&addr_b, "POST", "/login", &pre, &format!("_csrf={csrf}&login=gumei1&password=Street-Pass-2"));
        assert_eq!(s, 303, "{body}");
        let session = cookie_named(&h, "yikou_session").expect("a session");
        let (s, _, body) = http(&addr_a, "GET", "/people", &session, "");
        assert_eq!(s, 200, "{body}");
        assert!(body.contains("帮困对象"), "{body}");
        // Signed out on A: ended on B too.
        let (_, _, page) = http(&addr_a, "GET", "/people", &session, "");
        let csrf = form_value(&page, "_csrf");
        http(&addr_a, "POST", "/logout", &session, &format!("_csrf={csrf}"));
        let (s, h, _) = http(&addr_b, "GET", "/people", &session, "");
        let to = h.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone()).unwrap_or_default();
        assert!(s == 303 && to.starts_with("/login"), "{s} {to}");
    }
}

/// A server process, stopped when the test ends (also when it fails).
struct Server(std::process::Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
