//! `yikou init` and `yikou doctor`: the data folder, its key and database, and a health check.

use std::process::ExitCode;

use yikou_domain::money::group_thousands;
use yikou_domain::Scope;
use yikou_store::{Store, StoreConfig};

use crate::say;

/// `yikou init`.
pub async fn init(cfg: &StoreConfig) -> anyhow::Result<ExitCode> {
    let init = Store::init(cfg).await?;
    print_init(cfg, &init);
    init.store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Checks what must not be lost silently: the key, that it fits the database, and the audit chain.
pub async fn doctor(cfg: &StoreConfig) -> anyhow::Result<ExitCode> {
    let mut ok = true;
    let mut line = |good: bool, text: String| {
        ok &= good;
        say!("{} {}", if good { "[正常]" } else { "[问题]" }, text);
    };
    if cfg.key_hex.is_some() {
        line(true, "密钥：来自环境变量 YIKOU_KEY".into());
    } else if cfg.key_path().exists() {
        line(true, format!("密钥文件：{}（请确认已另行备份）", cfg.key_path().display()));
    } else {
        line(false, format!("密钥文件 {} 不存在，也未设置 YIKOU_KEY", cfg.key_path().display()));
    }
    match Store::open(cfg).await {
        Err(e) => line(false, format!("数据库：{e}")),
        Ok(store) => {
            line(true, format!("数据库：{}，密钥与数据库匹配", store.backend()));
            let v = store.verify_audit().await?;
            match &v.problem {
                None => line(true, format!("审计链完整（{} 条记录）", group_thousands(v.records as u64))),
                Some(p) => line(false, format!("审计链：{p}")),
            }
            let people = store.count_people(&Scope::All).await?;
            line(true, format!("帮困对象：{} 人", group_thousands(people as u64)));
            store.close().await;
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn print_init(cfg: &StoreConfig, init: &yikou_store::Initialised) {
    say!("已初始化数据目录 {}（数据库：{}）。", cfg.data_dir.display(), init.store.backend());
    if cfg.key_hex.is_none() {
        say!("密钥文件：{}。请另行备份；丢失密钥将无法读取已存的身份证号。", cfg.key_path().display());
    }
    say!("管理员账号：{}　一次性密码：{}（首次登录须修改）", init.admin_login, init.admin_password);
    say!();
}
