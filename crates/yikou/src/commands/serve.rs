//! `yikou serve` and the web server's options (shared with `yikou demo`). The command line uses the
//! web crate only here, to serve.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use yikou_store::accounts::auth::AuthPolicy;
use yikou_store::{Store, StoreConfig};

use crate::say;

/// 网页服务的选项 (web server options).
#[derive(Args, Debug, Clone)]
pub struct ServeOpts {
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// 对外的网址（经反向代理时，如 https://yikou.example.gov.cn/）；以 https 开头时 Cookie 自动加 Secure
    #[arg(long, env = "YIKOU_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// 给 Cookie 加 Secure 标记（经 HTTPS 反向代理提供服务时使用）
    #[arg(long, env = "YIKOU_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// 无操作多少分钟后须重新登录
    #[arg(long, default_value_t = 30)]
    pub idle_minutes: i64,
    /// 登录后最长多少小时须重新登录（无论是否在操作）
    #[arg(long, default_value_t = 12)]
    pub session_hours: i64,
    /// 连续登录失败几次锁定账号
    #[arg(long, default_value_t = 5)]
    pub max_failures: i64,
    /// 锁定多少分钟
    #[arg(long, default_value_t = 15)]
    pub lock_minutes: i64,
    /// 同一来源地址15分钟内登录失败多少次后暂停其登录（0 为不限制）
    #[arg(long, default_value_t = 20)]
    pub max_source_failures: i64,
    /// 单个请求（含上传）最长多少秒，超时中止（写入要么整体完成、要么整体撤回）（0 为不限制）
    #[arg(long, env = "YIKOU_REQUEST_TIMEOUT", default_value_t = 300)]
    pub request_timeout: u64,
}

impl ServeOpts {
    /// Cookies are `Secure` when asked for, or when the public address is https.
    pub fn secure(&self) -> bool {
        self.secure_cookies
            || self.public_url.as_deref().is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
    }

    /// The server's settings; uploads wait for their commit in the data folder's `uploads`.
    pub fn web_config(&self, data_dir: &std::path::Path) -> yikou_web::WebConfig {
        let policy = AuthPolicy {
            max_failures: self.max_failures.max(1),
            lock_seconds: self.lock_minutes.max(1) * 60,
            idle_seconds: self.idle_minutes.max(1) * 60,
            max_session_seconds: self.session_hours.max(1) * 3600,
            max_source_failures: self.max_source_failures.max(0),
            ..AuthPolicy::default()
        };
        yikou_web::WebConfig {
            policy,
            secure_cookies: self.secure(),
            upload_dir: Some(data_dir.join("uploads")),
            request_timeout: Some(std::time::Duration::from_secs(self.request_timeout)),
        }
    }
}

/// `yikou serve`.
pub async fn serve(cfg: &StoreConfig, opts: &ServeOpts) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    run_server(store, &opts.listen, opts.web_config(&cfg.data_dir)).await?;
    Ok(ExitCode::SUCCESS)
}

/// Serves the web application until Ctrl+C or SIGTERM; requests in flight finish first.
pub async fn run_server(store: Store, listen: &str, web: yikou_web::WebConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("无法监听 {listen}"))?;
    say!("网页服务已启动：http://{}/ （按 Ctrl+C 停止）", listener.local_addr()?);
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    };
    yikou_web::serve(store, web, listener, shutdown).await.context("网页服务出错")?;
    say!("网页服务已停止。");
    Ok(())
}
