//! `yikou roster`: a project's rosters, and submitting or reviewing one as a named account
//! (`--as LOGIN`, audited as it; the same use cases as the pages and the API, so the same rules:
//! open findings block a submission, nobody reviews a roster they had a hand in).

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use yikou_domain::roster::ReviewDecision;
use yikou_domain::{Actor, Fen, Scope};
use yikou_store::{Store, StoreConfig};

use crate::{emit, say};

#[derive(Subcommand)]
pub enum RosterCommand {
    /// 列出项目的各单位名单及状态
    List {
        /// 项目代码（如 MZ-01）
        #[arg(long)]
        project: String,
        #[arg(long)]
        campaign: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// 提交本单位的名单审核（以该账号身份，记入审计日志）
    Submit {
        #[arg(long = "as", value_name = "LOGIN")]
        login: String,
        #[arg(long)]
        project: String,
        #[arg(long)]
        campaign: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// 审核名单：批准下达（approve）或退回修改（return，须写 --comment）
    Review {
        #[arg(long = "as", value_name = "LOGIN")]
        login: String,
        /// 项目代码；与 --all 二选一
        #[arg(long, required_unless_present = "all")]
        project: Option<String>,
        /// 名单的经办单位代码
        #[arg(long, required_unless_present = "all")]
        unit: Option<String>,
        /// 逐一审核本活动全部待审核的名单（每份名单照常检查：经手过的不能审核）
        #[arg(long, conflicts_with_all = ["project", "unit"])]
        all: bool,
        /// approve 或 return
        #[arg(long)]
        decision: String,
        #[arg(long, default_value = "")]
        comment: String,
        #[arg(long)]
        campaign: Option<i32>,
        #[arg(long)]
        json: bool,
    },
}

/// The account the command acts as: an active one, or an error naming the login.
pub async fn acting_as(store: &Store, login: &str) -> anyhow::Result<(Actor, yikou_store::accounts::users::User)> {
    let user = store
        .active_user(login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("账号“{login}”不存在、已停用或尚未生效：--as 须为一个可用的账号"))?;
    Ok((user.actor(), user))
}

/// A project of the campaign by code.
async fn project_id(store: &Store, code: &str, year: Option<i32>) -> anyhow::Result<i64> {
    let c = yikou_service::campaign::of_year(store, year)
        .await
        .map_err(|_| anyhow::anyhow!("没有{}的活动", year.map_or("任何".to_string(), |y| format!("{y}年"))))?;
    let projects = store.projects(&Scope::All, c.id).await?;
    let p = projects
        .into_iter()
        .find(|p| p.project.code == code)
        .ok_or_else(|| anyhow::anyhow!("活动“{}”中没有项目代码“{code}”", c.campaign.name))?;
    Ok(p.id)
}

/// Every submitted roster of the campaign, reviewed one by one through the same use case; those the
/// account may not review (its own) are listed and left.
async fn review_all(
    store: &Store,
    actor: &Actor,
    decision: ReviewDecision,
    comment: &str,
    year: Option<i32>,
    json_out: bool,
) -> anyhow::Result<()> {
    let c = yikou_service::campaign::of_year(store, year).await.map_err(|_| anyhow::anyhow!("没有这一年的活动"))?;
    let (mut done, mut refused, mut n, mut amount) = (0, Vec::new(), 0i64, 0i64);
    for p in store.projects(&Scope::All, c.id).await? {
        for r in store.rosters(&Scope::All, p.id).await? {
            if r.state != yikou_domain::roster::RosterState::Submitted {
                continue;
            }
            match yikou_service::rosters::review(store, actor, p.id, &r.unit_code, decision, comment).await {
                Ok(o) => {
                    done += 1;
                    n += o.entitlements;
                    amount += o.amount_fen;
                }
                Err(yikou_service::ServiceError::Refused(m)) => {
                    refused.push(format!("{} {}：{m}", p.project.code, r.unit_code))
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    if json_out {
        emit(&format!("{}\n", json!({ "rosters": done, "entitlements": n, "amount_fen": amount, "refused": refused })));
    } else {
        say!("{} {} 份名单：{} 条，{} 元。", decision.label(), done, n, Fen(amount).yuan());
        for r in &refused {
            say!("未审核 {r}");
        }
    }
    Ok(())
}

pub async fn run(cfg: &StoreConfig, cmd: RosterCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let result = match cmd {
        RosterCommand::List { project, campaign, json } => {
            let id = project_id(&store, &project, campaign).await?;
            let (lines, events) = yikou_service::rosters::of_project(&store, &Actor::system("roster-list"), id).await?;
            if json {
                let rosters: Vec<_> = lines.iter().map(yikou_service::rosters::line_json).collect();
                emit(&format!("{}\n", json!({ "project": project, "rosters": rosters, "events": events })));
            } else {
                say!("项目 {project} 的名单：");
                for r in &lines {
                    say!(
                        "  {}  {}  {} 条  {} 元（待提交 {}，待审核 {}，已下达 {}）",
                        r.unit_code,
                        r.state.label(),
                        r.entitlements,
                        Fen(r.amount_fen).yuan(),
                        r.drafts,
                        r.submitted,
                        r.approved
                    );
                }
            }
            Ok(())
        }
        RosterCommand::Submit { login, project, campaign, json } => {
            let (actor, user) = acting_as(&store, &login).await?;
            let id = project_id(&store, &project, campaign).await?;
            let o = yikou_service::rosters::submit(&store, &actor, &user.unit_code, id).await?;
            if json {
                emit(&format!("{}\n", yikou_service::rosters::outcome_json(&o)));
            } else {
                say!("已提交审核：{} 条，{} 元。", o.entitlements, Fen(o.amount_fen).yuan());
            }
            Ok(())
        }
        RosterCommand::Review { login, project, unit, all, decision, comment, campaign, json } => {
            let decision = ReviewDecision::from_code(&decision)
                .ok_or_else(|| anyhow::anyhow!("--decision 须为 approve（批准下达）或 return（退回修改）"))?;
            let (actor, _) = acting_as(&store, &login).await?;
            if all {
                review_all(&store, &actor, decision, &comment, campaign, json).await
            } else {
                let (project, unit) = (project.unwrap_or_default(), unit.unwrap_or_default());
                let id = project_id(&store, &project, campaign).await?;
                let o = yikou_service::rosters::review(&store, &actor, id, &unit, decision, &comment).await?;
                if json {
                    emit(&format!("{}\n", yikou_service::rosters::outcome_json(&o)));
                } else {
                    say!("{}：{} 条，{} 元。", decision.label(), o.entitlements, Fen(o.amount_fen).yuan());
                }
                Ok(())
            }
        }
    };
    store.close().await;
    result.map(|()| ExitCode::SUCCESS)
}
