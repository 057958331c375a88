//! `yikou user add` and `yikou token create|list|revoke`: the operator's accounts and API tokens
//! (the use cases are `yikou_service::accounts`; the operator acts as the system, audited).

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use yikou_domain::{Actor, Role};
use yikou_service::{accounts, ServiceError};
use yikou_store::accounts::tokens::DEFAULT_TOKEN_DAYS;
use yikou_store::accounts::users::NewUser;
use yikou_store::{Store, StoreConfig};

use crate::{say, text};

#[derive(Subcommand)]
pub enum UserCommand {
    /// 新建账号：密码从标准输入读入，首次登录须修改
    Add {
        #[arg(long)]
        login: String,
        /// 单位代码，如街镇的12位统计代码 310112006000
        #[arg(long)]
        unit: String,
        /// system-admin, security-admin, audit-admin, bureau, reviewer, department, street, committee, caller
        #[arg(long)]
        role: String,
        /// 姓名（默认同登录名）
        #[arg(long)]
        name: Option<String>,
        /// 从标准输入读取密码
        #[arg(long)]
        password_stdin: bool,
    },
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
    yikou_domain::clock::beijing_unix(t)
}

/// `yikou user add`: an account that can sign in at once, with the password read from stdin.
pub async fn user(cfg: &StoreConfig, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let UserCommand::Add { login, unit, role, name, password_stdin } = cmd;
    let Some(role) = Role::from_code(&role) else {
        anyhow::bail!("未知角色“{role}”：可用 system-admin, security-admin, audit-admin, bureau, reviewer, department, street, committee, caller");
    };
    if !password_stdin {
        anyhow::bail!("请用 --password-stdin 从标准输入提供密码（不要把密码写在命令行上）");
    }
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).context("无法读取密码")?;
    let store = Store::open(cfg).await?;
    let new = NewUser {
        display_name: name.unwrap_or_else(|| login.clone()),
        login,
        unit_code: unit,
        role,
        password: password.trim_end_matches(['\r', '\n']).to_string(),
        must_change_password: true,
    };
    let login = new.login.clone();
    let id = accounts::add(&store, &Actor::system("user-add"), new).await?;
    say!("已新建账号 {login}（{}，编号 {id}），首次登录须修改密码。", role.label());
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `yikou token create|list|revoke`.
pub async fn token(cfg: &StoreConfig, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    match cmd {
        TokenCommand::Create { login, days } => {
            let token = accounts::create_token(&store, &Actor::system("token-create"), &login, days).await?;
            eprintln!("访问令牌只显示这一次，请妥善保管（有效期{days}天）：");
            say!("{token}");
        }
        TokenCommand::List { login, json } => {
            let tokens = accounts::tokens_of(&store, &Actor::system("token-list"), login.as_deref()).await?;
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
                            yikou_domain::clock::beijing(&t.created_at),
                            unix_text(t.expires_unix),
                            t.last_used_unix.map_or_else(|| "未使用".into(), unix_text),
                            t.state.to_string(),
                        ]
                    })
                    .collect();
                crate::emit(&text::table(
                    &["编号", "账号", "创建者", "创建时间(北京时间)", "到期(北京时间)", "最近使用(北京时间)", "状态"],
                    &rows,
                ));
            }
        }
        TokenCommand::Revoke { id } => {
            accounts::revoke_token_of(&store, &Actor::system("token-revoke"), None, id)
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound => anyhow::anyhow!("未找到访问令牌"),
                    e => e.into(),
                })
                .context("无法撤销")?;
            say!("已撤销访问令牌 {id}。");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
