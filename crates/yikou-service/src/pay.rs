//! 发放 (disbursement) as use cases: make a batch, write its bank file, record the bank's result
//! file, re-issue failed lines, read batches and progress, set a person's bank account. Who may:
//! the bureau pays (and never what it approved: the store refuses); units see their own progress.
//! Web pages, the API and `yikou pay` all come here.

use std::path::Path;

use serde_json::json;
use sha2::{Digest, Sha256};
use yikou_domain::pay::{BankAccount, PayMethod};
use yikou_domain::{Actor, Fen};
use yikou_ingest::sheet::{Column, Table, Value};
use yikou_store::pay::{
    self, BatchFilter, BatchMade, BatchView, LineView, Progress, ResultCounts, ResultLine, Tally, UnitProgress,
};
use yikou_store::Store;

use crate::{Result, ServiceError};

fn may_pay(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_pay()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

fn may_see(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_see_payments()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Makes a batch of the current campaign (see [`yikou_store::pay::create_batch`]): `Forbidden` for
/// a role that does not pay; `NotFound` for a project outside the area; `Conflict` when nothing is
/// left to pay; `Refused` for an account that approved one of its rosters.
pub async fn create_batch(store: &Store, actor: &Actor, method: PayMethod, filter: &BatchFilter) -> Result<BatchMade> {
    may_pay(actor)?;
    let campaign = crate::campaign::current(store).await?;
    for id in &filter.projects {
        crate::campaign::visible_project(store, &actor.scope, *id).await?;
    }
    let mut tx = store.write(actor).await?;
    let made = pay::create_batch(&mut tx, &actor.scope, campaign.id, method, filter).await?;
    tx.commit().await?;
    Ok(made)
}

/// The project ids of the current campaign for codes, each visible to the actor; `Rejected` naming
/// an unknown code.
pub async fn project_ids(store: &Store, actor: &Actor, codes: &[String]) -> Result<Vec<i64>> {
    let campaign = crate::campaign::current(store).await?;
    let projects = store.projects(&actor.scope, campaign.id).await?;
    codes
        .iter()
        .map(|c| {
            projects
                .iter()
                .find(|p| p.project.code == *c)
                .map(|p| p.id)
                .ok_or_else(|| ServiceError::Rejected(format!("没有项目代码“{c}”（或不在您的工作范围内）")))
        })
        .collect()
}

/// The batches of the current campaign the actor may see, newest first.
pub async fn batches(store: &Store, actor: &Actor) -> Result<Vec<BatchView>> {
    may_see(actor)?;
    let campaign = crate::campaign::current(store).await?;
    Ok(store.payment_batches(&actor.scope, campaign.id).await?)
}

/// A batch and its lines within the actor's area; `NotFound` otherwise.
pub async fn batch(store: &Store, actor: &Actor, id: i64) -> Result<(BatchView, Vec<LineView>)> {
    may_see(actor)?;
    let b = store.payment_batch(&actor.scope, id).await?.ok_or(ServiceError::NotFound)?;
    let lines = store.payment_lines(&actor.scope, id).await?;
    Ok((b, lines))
}

/// A bank file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// A bank batch's file: its table (序号, 参考号, 户名, 账号, 金额, 摘要, 开户行; no title block, no total
/// row — a bank's program reads it), the bytes in the format asked for, and a file name. The CSV's
/// SHA-256 is kept on the batch; every export is audited. `Forbidden` for a role that does not pay;
/// `NotFound`; `Rejected` for a batch that is not paid by bank.
pub async fn bank_file(
    store: &Store,
    actor: &Actor,
    id: i64,
    format: FileFormat,
) -> Result<(BatchView, Vec<u8>, String)> {
    may_pay(actor)?;
    let b = store.payment_batch(&actor.scope, id).await?.ok_or(ServiceError::NotFound)?;
    if !b.method.by_bank() {
        return Err(ServiceError::Rejected(format!(
            "批次 {} 是“{}”批次，没有银行代发文件：请打印签收表",
            b.batch_no,
            b.method.label()
        )));
    }
    let lines = store.bank_file_lines(id).await?;
    let mut table = Table::new(
        &b.batch_no,
        ["序号", "参考号", "户名", "账号", "金额", "摘要", "开户行"].into_iter().map(Column::new).collect(),
    );
    for l in &lines {
        table.push(vec![
            Value::Int(l.line_no),
            Value::id(l.reference.clone()),
            Value::text(l.holder.clone()),
            Value::id(l.account.clone()),
            Value::PlainMoney(Fen(l.amount_fen)),
            Value::text(l.summary.clone()),
            Value::text(l.bank_name.clone()),
        ]);
    }
    let csv = table.to_csv().into_bytes();
    let sha = hex::encode(Sha256::digest(&csv));
    let (bytes, ext) = match format {
        FileFormat::Csv => (csv, "csv"),
        FileFormat::Xlsx => {
            (table.to_xlsx().map_err(|e| ServiceError::Internal(format!("writing the bank file: {e}")))?, "xlsx")
        }
    };
    let mut tx = store.write(actor).await?;
    pay::record_bank_file(&mut tx, id, ext, &sha, lines.len()).await?;
    tx.commit().await?;
    Ok((b.clone(), bytes, format!("银行代发_{}.{ext}", b.batch_no)))
}

/// Records a bank's result file (.xlsx, .xls or CSV in UTF-8 or GBK) against a batch, in one
/// transaction: the counts of the contract. `Unreadable` for a file that cannot be read as a result
/// file (the message says why); `Forbidden`; `NotFound`.
pub async fn record_results(store: &Store, actor: &Actor, id: i64, path: &Path) -> Result<ResultCounts> {
    may_pay(actor)?;
    store.payment_batch(&actor.scope, id).await?.ok_or(ServiceError::NotFound)?;
    let path = path.to_path_buf();
    let (file, sha) = tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path).map_err(|e| ServiceError::Unreadable(format!("无法读取结果文件：{e}")))?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let file = yikou_ingest::bank::read_results(&path).map_err(|e| ServiceError::Unreadable(e.to_string()))?;
        Ok::<_, ServiceError>((file, sha))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))??;
    let lines: Vec<ResultLine> = file
        .rows
        .into_iter()
        .map(|r| ResultLine {
            row: r.row,
            reference: r.reference,
            account: r.account,
            amount: r.amount,
            result: r.result,
            reason: r.reason,
        })
        .collect();
    let mut tx = store.write(actor).await?;
    let counts = pay::record_results(&mut tx, id, &lines, &sha).await?;
    tx.commit().await?;
    Ok(counts)
}

/// Records a signed sign-off sheet of a non-bank batch within the actor's area (of one committee
/// when named): every line signed but the exceptions, each with its reason. `Forbidden` for a role
/// that does not hand things over; `NotFound` outside the area; `Rejected` for a bank batch, an
/// exception without a reason or a line not on the sheet. Audited in the store.
pub async fn record_signoff(
    store: &Store,
    actor: &Actor,
    id: i64,
    committee: Option<&str>,
    exceptions: &[pay::Unsigned],
) -> Result<ResultCounts> {
    if actor.role.is_some_and(|r| !r.may_record_signoff()) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = store.write(actor).await?;
    let counts = pay::record_signoff(&mut tx, &actor.scope, id, committee, exceptions).await?;
    tx.commit().await?;
    Ok(counts)
}

/// Re-issues a batch's failed lines (see [`yikou_store::pay::reissue`]).
pub async fn reissue(store: &Store, actor: &Actor, id: i64) -> Result<BatchMade> {
    may_pay(actor)?;
    let mut tx = store.write(actor).await?;
    let made = pay::reissue(&mut tx, &actor.scope, id).await?;
    tx.commit().await?;
    Ok(made)
}

/// The current campaign's disbursement progress within the actor's area.
pub async fn progress(store: &Store, actor: &Actor) -> Result<Progress> {
    may_see(actor)?;
    let campaign = crate::campaign::current(store).await?;
    Ok(store.payment_progress(&actor.scope, campaign.id).await?)
}

/// Sets or clears a person's bank account (户名, 开户行, 账号) within the actor's area: `Forbidden`
/// for a role that does not keep the register's contacts; `Rejected` for a bad number or a missing
/// 户名 (said without the digits); `NotFound` outside the area. Audited with masked numbers.
pub async fn set_bank_account(
    store: &Store,
    actor: &Actor,
    person_id: i64,
    holder: &str,
    bank_name: &str,
    account: &str,
) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_edit_contacts()) {
        return Err(ServiceError::Forbidden);
    }
    let parsed = if account.trim().is_empty() {
        None
    } else {
        if holder.trim().is_empty() {
            return Err(ServiceError::Rejected("请填写户名（银行账户的开户人姓名）".into()));
        }
        Some(BankAccount::parse(account).map_err(|e| ServiceError::Rejected(e.to_string()))?)
    };
    let mut tx = store.write(actor).await?;
    pay::set_bank_account(&mut tx, &actor.scope, person_id, parsed.as_ref().map(|a| (holder, bank_name, a))).await?;
    tx.commit().await?;
    Ok(())
}

fn tally(t: &Tally) -> serde_json::Value {
    json!({ "people": t.people, "entitlements": t.entitlements, "amount_fen": t.amount_fen })
}

fn figures(p: &UnitProgress) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("approved".into(), tally(&p.approved));
    m.insert("disbursed".into(), tally(&p.disbursed));
    m.insert("failed".into(), tally(&p.failed));
    m.insert("pending".into(), tally(&p.pending));
    m
}

/// `{"total": {"approved": C, "disbursed": C, "failed": C, "pending": C}, "units": [{"unit": CODE, …}]}`
/// (and `projects`, `problems`), the contract's shape; the same as `yikou pay progress --json`.
pub fn progress_json(p: &Progress) -> serde_json::Value {
    let with_key = |key: &str, u: &UnitProgress| {
        let mut m = figures(u);
        m.insert(key.into(), json!(u.unit));
        serde_json::Value::Object(m)
    };
    json!({
        "total": serde_json::Value::Object(figures(&p.total)),
        "units": p.units.iter().map(|u| with_key("unit", u)).collect::<Vec<_>>(),
        "projects": p.projects.iter().map(|u| with_key("project", u)).collect::<Vec<_>>(),
        "problems": p.problems,
    })
}

/// A batch made, as the contract's JSON has it (API and `yikou pay … --json`).
pub fn made_json(m: &BatchMade) -> serde_json::Value {
    json!({ "batch": m.id, "batch_no": m.batch_no, "lines": m.lines, "amount_fen": m.amount_fen,
            "without_account": m.without_account })
}
