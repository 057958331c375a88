//! The operator's API-token commands and the web server's cookie and session options.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn yikou(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yikou"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("YIKOU_KEY")
        .env_remove("YIKOU_DATABASE_URL")
        .env_remove("YIKOU_SECURE_COOKIES")
        .env_remove("YIKOU_PUBLIC_URL")
        .output()
        .expect("run yikou")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn api_tokens_are_made_with_an_expiry_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(yikou(&data, &["init"]).status.success());
    let o = yikou(&data, &["token", "create", "--login", "admin", "--days", "400"]);
    assert!(!o.status.success() && stderr(&o).contains("有效期"), "{}", stderr(&o));
    let o = yikou(&data, &["token", "create", "--login", "admin", "--days", "10"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o).trim().to_string();
    assert!(token.starts_with("yk_"));

    let o = yikou(&data, &["token", "list", "--json"]);
    let list: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let t = &list[0];
    assert_eq!((t["login"].as_str(), t["state"].as_str()), (Some("admin"), Some("有效")));
    assert_eq!(t["created_by"], "system:token-create");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!((t["expires_unix"].as_i64().unwrap() - now + 60) / 86_400, 10);
    assert!(!stdout(&o).contains(&token), "the token itself is never listed");
    let id = t["id"].as_i64().unwrap().to_string();

    let o = yikou(&data, &["token", "list", "--login", "nobody"]);
    assert!(stdout(&o).contains("没有访问令牌"));
    let o = yikou(&data, &["token", "revoke", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = yikou(&data, &["token", "list", "--login", "admin"]);
    assert!(stdout(&o).contains("已撤销") && stdout(&o).contains("system:token-create"), "{}", stdout(&o));
    let o = yikou(&data, &["token", "revoke", "999"]);
    assert!(!o.status.success() && stderr(&o).contains("未找到"), "{}", stderr(&o));

    let o = yikou(&data, &["audit", "verify", "--json"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = yikou(&data, &["audit", "verify"]);
    assert!(o.status.success());
}

/// Starts `yikou serve` on a free port with the options and environment, and returns the
/// Set-Cookie lines of the sign-in form.
fn served_cookies(data: &Path, args: &[&str], envs: &[(&str, &str)]) -> Vec<String> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yikou"));
    c.arg("--data").arg(data).args(["serve", "--listen", "127.0.0.1:0"]).args(args);
    c.env_remove("YIKOU_KEY").env_remove("YIKOU_SECURE_COOKIES").env_remove("YIKOU_PUBLIC_URL");
    for (k, v) in envs {
        c.env(k, v);
    }
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("the server starts").unwrap();
    let addr = first.split("http://").nth(1).expect("its address").split('/').next().unwrap().to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    response.lines().filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).map(str::to_string).collect()
}

#[test]
fn serve_marks_cookies_secure_when_told_or_when_the_public_address_is_https() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(yikou(&data, &["init"]).status.success());
    let secure = |cookies: Vec<String>| {
        assert!(!cookies.is_empty());
        cookies.iter().all(|c| c.contains("; Secure"))
    };
    assert!(!secure(served_cookies(&data, &[], &[])), "plain HTTP by default");
    assert!(secure(served_cookies(&data, &["--public-url", "https://yikou.example.gov.cn/"], &[])));
    assert!(secure(served_cookies(&data, &[], &[("YIKOU_PUBLIC_URL", "https://yikou.example.gov.cn/")])));
    assert!(secure(served_cookies(&data, &["--secure-cookies"], &[])));
    assert!(secure(served_cookies(&data, &[], &[("YIKOU_SECURE_COOKIES", "true")])));
    assert!(!secure(served_cookies(&data, &["--public-url", "http://10.0.0.5:8080/"], &[])));

    // `demo` serves with the same options.
    let help = stdout(&yikou(&data, &["demo", "--help"]));
    for option in ["--secure-cookies", "--public-url", "--session-hours", "--max-source-failures", "--listen"] {
        assert!(help.contains(option), "demo {option}: {help}");
    }
}
