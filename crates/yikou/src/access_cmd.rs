//! The web server's options (shared by `serve` and `demo`) and the operator's API-token commands
//! (`yikou token create|list|revoke`, audited as the system).

use anyhow::Context;
use clap::{Args, Subcommand};
use yikou_domain::Actor;
use yikou_store::auth::AuthPolicy;
use yikou_store::tokens::DEFAULT_TOKEN_DAYS;
use yikou_store::{Store, StoreConfig};

use crate::{say, text};

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
        yikou_web::WebConfig { policy, secure_cookies: self.secure(), upload_dir: Some(data_dir.join("uploads")) }
    }
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// 为账号生成访问令牌（只显示一次）
    Create {
        #[arg(long)]
        login: String,
        /// 有效期（天，1–365）
        #[arg(long, default_value_t = DEFAULT_TOKEN_DAYS)]
        days: i64,
    },
    /// 列出访问令牌（不含令牌本身）
    List {
        /// 只列这个账号的
        #[arg(long)]
        login: Option<String>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 撤销一个访问令牌（按编号）
    Revoke { id: i64 },
}

fn unix_text(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t).map_or_else(
        |_| "—".into(),
        |d| format!("{}-{:02}-{:02} {:02}:{:02}", d.year(), d.month() as u8, d.day(), d.hour(), d.minute()),
    )
}

pub async fn token(cfg: &StoreConfig, cmd: TokenCommand) -> anyhow::Result<()> {
    let store = Store::open(cfg).await?;
    match cmd {
        TokenCommand::Create { login, days } => {
            let token = store.create_token_for_days(&Actor::system("token-create"), &login, days).await?;
            eprintln!("访问令牌只显示这一次，请妥善保管（有效期{days}天）：");
            say!("{token}");
        }
        TokenCommand::List { login, json } => {
            let tokens = store.tokens(login.as_deref()).await?;
            if json {
                say!("{}", serde_json::to_string_pretty(&tokens)?);
            } else if tokens.is_empty() {
                say!("没有访问令牌。");
            } else {
                let rows: Vec<Vec<String>> = tokens
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.to_string(),
                            t.login.clone(),
                            t.created_by.clone(),
                            t.created_at.chars().take(16).collect::<String>().replace('T', " "),
                            unix_text(t.expires_unix),
                            t.last_used_unix.map_or_else(|| "未使用".into(), unix_text),
                            t.state.to_string(),
                        ]
                    })
                    .collect();
                crate::emit(&text::table(
                    &["编号", "账号", "创建者", "创建时间(UTC)", "到期(UTC)", "最近使用(UTC)", "状态"],
                    &rows,
                ));
            }
        }
        TokenCommand::Revoke { id } => {
            store.revoke_token(&Actor::system("token-revoke"), id, None).await.context("无法撤销")?;
            say!("已撤销访问令牌 {id}。");
        }
    }
    store.close().await;
    Ok(())
}
