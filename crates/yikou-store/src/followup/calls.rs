//! Calls on a sample's members (a caller only on their share; several attempts, the last decides),
//! the cases an answer of 部分收到 / 未收到 / 非本人 opens for the unit that paid, the results, and
//! closing the sample (refused while cases are open, unless the bureau writes why).

use serde::Serialize;
use serde_json::json;
use yikou_domain::followup::{CallAnswer, Received};
use yikou_domain::{Role, Scope};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// A case as the cases page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseLine {
    pub id: i64,
    pub sample_id: i64,
    pub entitlement_id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub project_name: String,
    pub unit_code: String,
    pub opened_at: String,
    pub deadline: Option<String>,
    pub owner: Option<String>,
    pub open: bool,
    pub resolution: Option<String>,
    pub overdue: bool,
    /// May the reader act on it (its unit paid; the bureau)?
    pub mine: bool,
    /// What the call that opened it heard.
    pub received: Option<Received>,
}

/// A case as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub entitlement_id: i64,
    pub unit_code: String,
    pub state: String,
    pub resolution: Option<String>,
}

/// Records a call on a member of a sample within the scope: `NotFound` for one not drawn (or outside
/// the scope, or — for a caller — not in their share); `Invalid` for an inconsistent answer or a
/// closed sample. Opens a case for the answers that need one. Audited `followup.call` (no phone).
pub async fn record_call(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    sample_id: i64,
    entitlement_id: i64,
    answer: &CallAnswer,
) -> Result<(i64, Option<i64>)> {
    crate::atomic!(tx, {
        answer.check().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let (cond, arg) = crate::scope::entitlements(scope, 3);
        let sql = format!(
            "SELECT m.caller, s.state, pr.unit_code, COALESCE(e.approved_amount_fen, e.amount_fen) FROM sample_members m JOIN samples s ON s.id = m.sample_id
             JOIN entitlements e ON e.id = m.entitlement_id JOIN people pe ON pe.id = e.person_id
             JOIN projects pr ON pr.id = e.project_id
             WHERE m.sample_id = $1 AND m.entitlement_id = $2 AND {cond}"
        );
        let row: Option<(Option<String>, String, String, i64)> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(sample_id).bind(entitlement_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        let (caller, state, unit, paid) = row.ok_or_else(|| StoreError::NotFound("该回访对象".into()))?;
        let login = tx.actor().login.clone();
        if tx.actor().role == Some(Role::Caller) && caller.as_deref().is_some_and(|c| c != login) {
            return Err(StoreError::NotFound("该回访对象".into()));
        }
        if state != "open" {
            return Err(StoreError::Invalid("本次回访已结束，不能再记录电话".into()));
        }
        answer.check_paid(paid).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let at = now();
        let call: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO calls (sample_id, entitlement_id, caller, at, reached, received, amount_fen, satisfaction, needs, remarks,
             person_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE((SELECT e.person_key FROM entitlements e WHERE e.id = $2), -1))
             RETURNING id")
            .bind(sample_id).bind(entitlement_id).bind(&login).bind(&at).bind(answer.reached.code())
            .bind(answer.received.map(|r| r.code())).bind(answer.amount_fen).bind(answer.satisfaction.map(i64::from))
            .bind(&answer.needs).bind(&answer.remarks).fetch_one(c).await?);
        let case = if answer.received.is_some_and(Received::opens_case) {
            let open: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
                "SELECT id FROM followup_cases WHERE sample_id = $1 AND entitlement_id = $2 AND state = 'open'")
                .bind(sample_id).bind(entitlement_id).fetch_optional(c).await?);
            match open {
                Some(id) => Some(id),
                // Due in a week (Beijing date), for the unit that paid to check and put right.
                None => {
                    let due = yikou_domain::format_date(yikou_domain::today() + time::Duration::days(CASE_DAYS));
                    Some(on_tx!(&mut tx.tx, c => sqlx::query_scalar(
                        "INSERT INTO followup_cases (sample_id, entitlement_id, call_id, unit_code, state, opened_at, deadline,
                         person_key)
                         VALUES ($1, $2, $3, $4, 'open', $5, $6,
                                 COALESCE((SELECT e.person_key FROM entitlements e WHERE e.id = $2), -1))
                         RETURNING id")
                        .bind(sample_id).bind(entitlement_id).bind(call).bind(&unit).bind(&at).bind(&due).fetch_one(c).await?))
                }
            }
        } else {
            None
        };
        tx.audit(
            "followup.call",
            "sample",
            &sample_id.to_string(),
            None,
            Some(&json!({ "entitlement": entitlement_id, "reached": answer.reached.code(),
                          "received": answer.received.map(|r| r.code()), "case": case })),
        )
        .await?;
        Ok((call, case))
    })
}

/// A case's state, when the scope may act on it — the unit that paid, or the district (`NotFound`
/// otherwise: a street that only sees the case, its resident's, does not resolve another unit's).
async fn case_state(tx: &mut WriteTx<'_>, scope: &Scope, case_id: i64) -> Result<String> {
    // Both conditions bind the same value (the scope's unit) at $2.
    let (cond, arg) = crate::scope::entitlements(scope, 2);
    let (acts, _) = crate::scope::cases(scope, 2);
    let sql = format!(
        "SELECT k.state FROM followup_cases k JOIN entitlements e ON e.id = k.entitlement_id JOIN people pe ON pe.id = e.person_id
         JOIN projects pr ON pr.id = e.project_id WHERE k.id = $1 AND {cond} AND {acts}"
    );
    let state: Option<String> = on_tx!(&mut tx.tx, c => {
        let q = sqlx::query_scalar(&sql).bind(case_id);
        let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
        q.fetch_optional(c).await?
    });
    state.ok_or_else(|| StoreError::NotFound("该问题件".into()))
}

/// Days a case has to be resolved in.
pub const CASE_DAYS: i64 = 7;

/// Closes a case with its resolution, within the scope (the unit that paid, or the bureau): `NotFound`
/// outside it. Audited.
pub async fn resolve_case(tx: &mut WriteTx<'_>, scope: &Scope, case_id: i64, resolution: &str) -> Result<()> {
    crate::atomic!(tx, {
        if resolution.trim().chars().count() < 2 {
            return Err(StoreError::Invalid("请写明处理结果（至少2个字）".into()));
        }
        case_state(tx, scope, case_id).await?;
        let login = tx.actor().login.clone();
        let done = on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE followup_cases SET state = 'closed', resolution = $2, closed_at = $3, closed_by = $4 WHERE id = $1 AND state = 'open'")
            .bind(case_id).bind(resolution.trim()).bind(now()).bind(&login).execute(c).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::Conflict("该问题件不存在或已办结".into()));
        }
        tx.audit(
            "followup.case_close",
            "sample",
            "*",
            None,
            Some(&json!({ "case": case_id, "resolution": resolution.trim() })),
        )
        .await
    })
}

/// Names who handles an open case and by when (the unit that paid, or the bureau), within the
/// scope: `NotFound` outside it; `Invalid` for an unknown account or a date that is not one, or in the
/// past. Audited `followup.case_assign`.
pub async fn assign_case(tx: &mut WriteTx<'_>, scope: &Scope, case_id: i64, owner: &str, deadline: &str) -> Result<()> {
    crate::atomic!(tx, {
        if case_state(tx, scope, case_id).await? != "open" {
            return Err(StoreError::Conflict("该问题件已办结".into()));
        }
        // The owner: an account of the unit that paid, or of the bureau.
        let known: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT u.id FROM users u WHERE u.login = $1 AND u.disabled = 0
             AND (u.role = 'bureau' OR u.unit_code = (SELECT k.unit_code FROM followup_cases k WHERE k.id = $2))")
            .bind(owner.trim()).bind(case_id).fetch_optional(c).await?);
        if known.is_none() {
            return Err(StoreError::Invalid(format!(
                "“{}”不是发放单位或区民政局的可用账号：请填写发放单位经办人的登录名",
                owner.trim()
            )));
        }
        let example = yikou_domain::format_date(yikou_domain::today() + time::Duration::days(CASE_DAYS));
        let due =
            yikou_domain::parse_date(deadline.trim()).filter(|d| *d >= yikou_domain::today()).ok_or_else(|| {
                StoreError::Invalid(format!("期限“{}”不是今天或以后的日期（如 {example}）", deadline.trim()))
            })?;
        let due = yikou_domain::format_date(due);
        on_tx!(&mut tx.tx, c => sqlx::query("UPDATE followup_cases SET owner = $2, deadline = $3 WHERE id = $1")
            .bind(case_id).bind(owner.trim()).bind(&due).execute(c).await?.rows_affected());
        tx.audit(
            "followup.case_assign",
            "sample",
            "*",
            None,
            Some(&json!({ "case": case_id, "owner": owner.trim(), "deadline": due })),
        )
        .await
    })
}

/// The outcome of closing a sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closed {
    pub sample: i64,
    /// The cases still open, closed over by a reason.
    pub open_cases: Vec<i64>,
}

/// Closes a sample: `Conflict` naming the open cases unless none is open or a reason is given by a
/// bureau user (kept and audited).
pub async fn close_sample(tx: &mut WriteTx<'_>, sample_id: i64, reason: Option<&str>) -> Result<Closed> {
    crate::atomic!(tx, {
        let open: Vec<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT id FROM followup_cases WHERE sample_id = $1 AND state = 'open' ORDER BY id")
            .bind(sample_id).fetch_all(c).await?);
        let reason = reason.map(str::trim).filter(|r| r.chars().count() >= 2);
        let bureau = tx.actor().role.is_none_or(|r| r == Role::Bureau);
        let may_close = open.is_empty() || (reason.is_some() && bureau);
        if !may_close {
            let list = open.iter().map(|i| format!("第{i}号")).collect::<Vec<_>>().join("、");
            return Err(StoreError::Conflict(format!(
                "还有 {} 个问题件未办结（{list}）：请先办结，或由区民政局写明理由后结束",
                open.len()
            )));
        }
        let login = tx.actor().login.clone();
        let done = on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE samples SET state = 'closed', closed_by = $2, closed_at = $3, close_reason = $4 WHERE id = $1 AND state = 'open'")
            .bind(sample_id).bind(&login).bind(now()).bind(reason).execute(c).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::Conflict("本次回访不存在或已结束".into()));
        }
        tx.audit(
            "followup.sample_close",
            "sample",
            &sample_id.to_string(),
            None,
            Some(&json!({ "open_cases": open, "reason": reason })),
        )
        .await?;
        Ok(Closed { sample: sample_id, open_cases: open })
    })
}

impl Store {
    /// Every case of a campaign within the scope (the unit that paid sees its own), open ones first,
    /// with the person (masked) and whether it is overdue.
    pub async fn followup_cases(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<CaseLine>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let (acts, _) = crate::scope::cases(scope, 2);
        let sql = format!(
            "SELECT k.id, k.sample_id, k.entitlement_id, pe.name, pe.id_masked, pr.name, k.unit_code, k.opened_at,
               k.deadline, k.state, k.resolution, k.owner, CASE WHEN {acts} THEN 1 ELSE 0 END,
               (SELECT c.received FROM calls c WHERE c.id = k.call_id)
             FROM followup_cases k JOIN samples s ON s.id = k.sample_id JOIN entitlements e ON e.id = k.entitlement_id
             JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             WHERE s.campaign_id = $1 AND {cond} ORDER BY CASE WHEN k.state = 'open' THEN 0 ELSE 1 END, k.deadline, k.id"
        );
        type Row = (
            i64,
            i64,
            i64,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            i32,
            Option<String>,
        );
        let rows: Vec<Row> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let today = yikou_domain::format_date(yikou_domain::today());
        Ok(rows
            .into_iter()
            .map(|r| CaseLine {
                overdue: r.9 == "open" && r.8.as_deref().is_some_and(|d| d < today.as_str()),
                id: r.0,
                sample_id: r.1,
                entitlement_id: r.2,
                name: r.3,
                id_number_masked: r.4,
                project_name: r.5,
                unit_code: r.6,
                opened_at: r.7,
                deadline: r.8,
                owner: r.11,
                open: r.9 == "open",
                resolution: r.10,
                mine: r.12 != 0,
                received: r.13.as_deref().and_then(Received::from_code),
            })
            .collect())
    }

    /// The cases of a sample (all states), within the scope.
    pub async fn sample_cases(&self, scope: &Scope, sample_id: i64) -> Result<Vec<CaseView>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT k.id, k.entitlement_id, k.unit_code, k.state, k.resolution FROM followup_cases k
             JOIN entitlements e ON e.id = k.entitlement_id JOIN people pe ON pe.id = e.person_id
             JOIN projects pr ON pr.id = e.project_id WHERE k.sample_id = $1 AND {cond} ORDER BY k.id"
        );
        let rows: Vec<(i64, i64, String, String, Option<String>)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(sample_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, entitlement_id, unit_code, state, resolution)| CaseView {
                id,
                entitlement_id,
                unit_code,
                state,
                resolution,
            })
            .collect())
    }
}
