//! 名单 (rosters): a project's entries prepared by one unit (`entitlements.unit_code`), their state
//! (`rosters`, none: 待提交), who had a hand in them (`roster_hands`) and every submission and
//! decision (`roster_events`). Submitting moves the unit's draft entries to 已提交; approving freezes
//! them (amount and the person's facts as approved); returning puts them back to 草稿. A review by
//! someone with a hand in the roster is refused here, where it is written.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::json;
use yikou_domain::roster::{Hand, ReviewDecision, RosterAct, RosterError, RosterState};
use yikou_domain::{EntitlementState, Scope};

use crate::campaign::NewEntitlement;
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// A roster as a list shows it: its unit, state and what it holds (within the reader's area).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterLine {
    pub project_id: i64,
    pub unit_code: String,
    pub state: RosterState,
    /// Every entry, whatever its state, and their amount (approved entries at their approved amount).
    pub entitlements: i64,
    pub amount_fen: i64,
    /// Entries not yet submitted (草稿), under review (已提交), and approved or past approval.
    pub drafts: i64,
    pub submitted: i64,
    pub approved: i64,
    /// The amount of the draft entries (what a submission would send).
    pub draft_amount_fen: i64,
}

/// A submission or decision, as the project page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterEvent {
    pub unit_code: String,
    pub act: RosterAct,
    /// The account's login as recorded, and its display name when the account exists.
    pub actor: String,
    pub actor_name: Option<String>,
    pub at: String,
    pub comment: Option<String>,
    pub entitlements: i64,
    pub amount_fen: i64,
}

/// What an act on a roster covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterOutcome {
    pub project_id: i64,
    pub unit_code: String,
    pub state: RosterState,
    pub entitlements: i64,
    pub amount_fen: i64,
}

fn entity_id(project_id: i64, unit: &str) -> String {
    format!("{project_id}:{unit}")
}

/// The unit of the acting account; none for a system job (generated or loaded data).
async fn actor_unit(tx: &mut WriteTx<'_>) -> Result<Option<String>> {
    let login = tx.actor().login.clone();
    if login.starts_with("system:") {
        return Ok(None);
    }
    Ok(on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT unit_code FROM users WHERE login = $1")
        .bind(&login).fetch_optional(c).await?))
}

/// Whose roster each new entry is on: the acting account's unit, else the project's own unit.
pub(crate) async fn units_for(tx: &mut WriteTx<'_>, rows: &[NewEntitlement]) -> Result<Vec<String>> {
    if let Some(unit) = actor_unit(tx).await? {
        return Ok(vec![unit; rows.len()]);
    }
    let mut of_project: HashMap<i64, String> = HashMap::new();
    for id in rows.iter().map(|r| r.project_id).collect::<BTreeSet<_>>() {
        let unit: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT unit_code FROM projects WHERE id = $1")
            .bind(id).fetch_optional(c).await?);
        let unit = unit.ok_or_else(|| StoreError::Invalid("帮扶记录引用的项目不存在".into()))?;
        of_project.insert(id, unit);
    }
    Ok(rows.iter().map(|r| of_project[&r.project_id].clone()).collect())
}

/// A roster's state (none recorded: 待提交).
async fn state_of(tx: &mut WriteTx<'_>, project_id: i64, unit: &str) -> Result<RosterState> {
    let code: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "SELECT state FROM rosters WHERE project_id = $1 AND unit_code = $2")
        .bind(project_id).bind(unit).fetch_optional(c).await?);
    match code {
        None => Ok(RosterState::Draft),
        Some(c) => RosterState::from_code(&c).ok_or_else(|| StoreError::Invalid(format!("名单状态“{c}”无法识别"))),
    }
}

async fn set_state(tx: &mut WriteTx<'_>, project_id: i64, unit: &str, state: RosterState) -> Result<()> {
    on_tx!(&mut tx.tx, c => sqlx::query(
        "INSERT INTO rosters (project_id, unit_code, state, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, unit_code) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at")
        .bind(project_id).bind(unit).bind(state.code()).bind(now()).execute(c).await?.rows_affected());
    Ok(())
}

/// Records that the acting account had a hand in a roster (a system job has none): it may not
/// review that roster afterwards.
pub async fn add_hand(tx: &mut WriteTx<'_>, project_id: i64, unit: &str, hand: Hand) -> Result<()> {
    let login = tx.actor().login.clone();
    if login.starts_with("system:") {
        return Ok(());
    }
    on_tx!(&mut tx.tx, c => sqlx::query(
        "INSERT INTO roster_hands (project_id, unit_code, login, hand, at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING")
        .bind(project_id).bind(unit).bind(&login).bind(hand.code()).bind(now()).execute(c).await?.rows_affected());
    Ok(())
}

/// Before entries are added: a roster under review takes none (Conflict); an approved one becomes
/// 待提交 again for the new draft entries; data loaded past approval makes its roster approved. The
/// acting account's hand is recorded (imported within an import batch, edited otherwise).
pub(crate) async fn note_additions(
    tx: &mut WriteTx<'_>,
    rows: &[NewEntitlement],
    units: &[String],
    state: EntitlementState,
) -> Result<()> {
    let keys: BTreeSet<(i64, &str)> = rows.iter().zip(units).map(|(r, u)| (r.project_id, u.as_str())).collect();
    let hand = if tx.batch.is_some() { Hand::Imported } else { Hand::Edited };
    for (project_id, unit) in keys {
        let now_state = state_of(tx, project_id, unit).await?;
        if state != EntitlementState::Draft {
            if now_state == RosterState::Draft && state.is_frozen() {
                set_state(tx, project_id, unit, RosterState::Approved).await?;
            }
            continue;
        }
        if !now_state.open_for_changes() {
            return Err(StoreError::Conflict(under_review(tx, project_id).await?));
        }
        if now_state.after_additions() != now_state {
            set_state(tx, project_id, unit, now_state.after_additions()).await?;
        }
        add_hand(tx, project_id, unit, hand).await?;
    }
    Ok(())
}

/// "名单正在审核中" for a project, by name.
async fn under_review(tx: &mut WriteTx<'_>, project_id: i64) -> Result<String> {
    let name: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT name FROM projects WHERE id = $1")
        .bind(project_id).fetch_optional(c).await?);
    Ok(format!(
        "“{}”的名单已提交、正在审核，审核期间不能增加或修改记录：请等审核结果，或请审核人退回后再改",
        name.unwrap_or_default()
    ))
}

/// Before an entry of a roster is changed or withdrawn: refused while the roster is under review;
/// the acting account's hand is recorded.
pub(crate) async fn note_edit(tx: &mut WriteTx<'_>, entitlement_id: i64) -> Result<()> {
    let row: Option<(i64, Option<String>)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
        "SELECT project_id, unit_code FROM entitlements WHERE id = $1")
        .bind(entitlement_id).fetch_optional(c).await?);
    let Some((project_id, Some(unit))) = row else { return Ok(()) };
    if !state_of(tx, project_id, &unit).await?.open_for_changes() {
        return Err(StoreError::Conflict(under_review(tx, project_id).await?));
    }
    add_hand(tx, project_id, &unit, Hand::Edited).await
}

/// Entries of a roster in one state, and their amount.
async fn count(tx: &mut WriteTx<'_>, project_id: i64, unit: &str, state: EntitlementState) -> Result<(i64, i64)> {
    Ok(on_tx!(&mut tx.tx, c => sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM entitlements
         WHERE project_id = $1 AND unit_code = $2 AND state = $3")
        .bind(project_id).bind(unit).bind(state.code()).fetch_one(c).await?))
}

async fn record(
    tx: &mut WriteTx<'_>,
    project_id: i64,
    unit: &str,
    act: RosterAct,
    comment: Option<&str>,
    (n, amount): (i64, i64),
) -> Result<()> {
    let actor = tx.actor().login.clone();
    on_tx!(&mut tx.tx, c => sqlx::query(
        "INSERT INTO roster_events (project_id, unit_code, act, actor, at, comment, entitlements, amount_fen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(project_id).bind(unit).bind(act.code()).bind(&actor).bind(now()).bind(comment).bind(n).bind(amount)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Submits the unit's roster of a project: its draft entries become 已提交. `Conflict` when it is
/// already under review or holds no draft entry. Audited `roster.submit`.
pub async fn submit(tx: &mut WriteTx<'_>, project_id: i64, unit: &str) -> Result<RosterOutcome> {
    crate::atomic!(tx, {
        let before = state_of(tx, project_id, unit).await?;
        let (n, amount) = count(tx, project_id, unit, EntitlementState::Draft).await?;
        let after = before.submit(n as u64).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let moved = on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE entitlements SET state = 'submitted', updated_at = $3
             WHERE project_id = $1 AND unit_code = $2 AND state = 'draft'")
            .bind(project_id).bind(unit).bind(now()).execute(c).await?.rows_affected());
        debug_assert_eq!(moved as i64, n);
        set_state(tx, project_id, unit, after).await?;
        add_hand(tx, project_id, unit, Hand::Submitted).await?;
        record(tx, project_id, unit, RosterAct::Submit, None, (n, amount)).await?;
        tx.audit(
            "roster.submit",
            "roster",
            &entity_id(project_id, unit),
            Some(&json!({ "state": before.code() })),
            Some(&json!({ "state": after.code(), "entitlements": n, "amount_fen": amount })),
        )
        .await?;
        Ok(RosterOutcome { project_id, unit_code: unit.to_string(), state: after, entitlements: n, amount_fen: amount })
    })
}

/// Approves or returns (with a comment) a submitted roster. Refused (`Refused`) for an account that
/// imported, edited or submitted it; `Conflict` unless it is under review; `Rejected` for a return
/// without a comment. Approval freezes each entry (amount, person's facts). Audited
/// `roster.approve` / `roster.return`.
pub async fn review(
    tx: &mut WriteTx<'_>,
    project_id: i64,
    unit: &str,
    decision: ReviewDecision,
    comment: &str,
) -> Result<RosterOutcome> {
    crate::atomic!(tx, {
        let before = state_of(tx, project_id, unit).await?;
        let login = tx.actor().login.clone();
        let hands: Vec<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT hand FROM roster_hands WHERE project_id = $1 AND unit_code = $2 AND login = $3 ORDER BY hand")
            .bind(project_id).bind(unit).bind(&login).fetch_all(c).await?);
        let hands: Vec<Hand> = hands.iter().filter_map(|h| Hand::from_code(h)).collect();
        let after = before.review(decision, comment, &hands).map_err(|e| match e {
            RosterError::OwnHand { .. } => StoreError::Refused(e.to_string()),
            RosterError::NoComment => StoreError::Rejected { code: e.code(), message: e.to_string() },
            _ => StoreError::Conflict(e.to_string()),
        })?;
        let (n, amount) = count(tx, project_id, unit, EntitlementState::Submitted).await?;
        let at = now();
        let moved = match decision {
            ReviewDecision::Approve => {
                crate::dialect::approve_roster(&mut tx.tx, project_id, unit, &at, &login).await?
            }
            ReviewDecision::Return => on_tx!(&mut tx.tx, c => sqlx::query(
                "UPDATE entitlements SET state = 'draft', updated_at = $3
                 WHERE project_id = $1 AND unit_code = $2 AND state = 'submitted'")
                .bind(project_id).bind(unit).bind(&at).execute(c).await?.rows_affected()),
        };
        debug_assert_eq!(moved as i64, n);
        set_state(tx, project_id, unit, after).await?;
        let comment = Some(comment.trim()).filter(|c| !c.is_empty());
        let act = match decision {
            ReviewDecision::Approve => RosterAct::Approve,
            ReviewDecision::Return => RosterAct::Return,
        };
        record(tx, project_id, unit, act, comment, (n, amount)).await?;
        let action = match act {
            RosterAct::Approve => "roster.approve",
            _ => "roster.return",
        };
        tx.audit(
            action,
            "roster",
            &entity_id(project_id, unit),
            Some(&json!({ "state": before.code() })),
            Some(&json!({ "state": after.code(), "entitlements": n, "amount_fen": amount, "comment": comment })),
        )
        .await?;
        Ok(RosterOutcome { project_id, unit_code: unit.to_string(), state: after, entitlements: n, amount_fen: amount })
    })
}

impl Store {
    /// The rosters of a project with what each holds within the scope (a street sees its own
    /// people's part of every roster), by unit code.
    pub async fn rosters(&self, scope: &Scope, project_id: i64) -> Result<Vec<RosterLine>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT e.unit_code, r.state, COUNT(*),
               CAST(COALESCE(SUM(COALESCE(e.approved_amount_fen, e.amount_fen)), 0) AS BIGINT),
               CAST(SUM(CASE WHEN e.state = 'draft' THEN 1 ELSE 0 END) AS BIGINT),
               CAST(SUM(CASE WHEN e.state = 'submitted' THEN 1 ELSE 0 END) AS BIGINT),
               CAST(COALESCE(SUM(CASE WHEN e.state = 'draft' THEN e.amount_fen ELSE 0 END), 0) AS BIGINT)
             FROM entitlements e JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             LEFT JOIN rosters r ON r.project_id = e.project_id AND r.unit_code = e.unit_code
             WHERE e.project_id = $1 AND e.unit_code IS NOT NULL AND {cond}
             GROUP BY e.unit_code, r.state ORDER BY e.unit_code"
        );
        type Row = (String, Option<String>, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(project_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(unit_code, state, n, amount, drafts, submitted, draft_amount_fen)| {
                let state = match state {
                    None => RosterState::Draft,
                    Some(c) => RosterState::from_code(&c)
                        .ok_or_else(|| StoreError::Invalid(format!("名单状态“{c}”无法识别")))?,
                };
                Ok(RosterLine {
                    project_id,
                    unit_code,
                    state,
                    entitlements: n,
                    amount_fen: amount,
                    drafts,
                    submitted,
                    approved: n - drafts - submitted,
                    draft_amount_fen,
                })
            })
            .collect()
    }

    /// The submissions and decisions on a project's rosters that the scope may see (the district:
    /// all; a unit: its own rosters'), oldest first.
    pub async fn roster_events(&self, scope: &Scope, project_id: i64) -> Result<Vec<RosterEvent>> {
        let (cond, arg) = crate::scope::roster_units(scope, 2);
        let sql = format!(
            "SELECT ev.unit_code, ev.act, ev.actor, u.display_name, ev.at, ev.comment, ev.entitlements, ev.amount_fen
             FROM roster_events ev LEFT JOIN users u ON u.login = ev.actor
             WHERE ev.project_id = $1 AND {cond} ORDER BY ev.id"
        );
        type Row = (String, String, String, Option<String>, String, Option<String>, i64, i64);
        let rows: Vec<Row> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(project_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(unit_code, act, actor, actor_name, at, comment, entitlements, amount_fen)| {
                let act = RosterAct::from_code(&act)
                    .ok_or_else(|| StoreError::Invalid(format!("名单操作“{act}”无法识别")))?;
                Ok(RosterEvent { unit_code, act, actor, actor_name, at, comment, entitlements, amount_fen })
            })
            .collect()
    }

    /// For the home page: how many of the unit's rosters of a campaign hold entries to submit (and
    /// are not under review), and how many rosters of the campaign wait for review.
    pub async fn roster_work(&self, campaign_id: i64, unit: &str) -> Result<(i64, i64)> {
        let to_submit: i64 = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT COUNT(DISTINCT e.project_id) FROM entitlements e JOIN projects pr ON pr.id = e.project_id
             LEFT JOIN rosters r ON r.project_id = e.project_id AND r.unit_code = e.unit_code
             WHERE pr.campaign_id = $1 AND e.unit_code = $2 AND e.state = 'draft' AND COALESCE(r.state, 'draft') <> 'submitted'")
            .bind(campaign_id).bind(unit).fetch_one(p).await?);
        let in_review: i64 = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM rosters r JOIN projects pr ON pr.id = r.project_id WHERE pr.campaign_id = $1 AND r.state = 'submitted'")
            .bind(campaign_id).fetch_one(p).await?);
        Ok((to_submit, in_review))
    }

    /// The draft entries of a roster (what a submission would send), for the check of open
    /// findings; the caller has decided the roster is the actor's.
    pub async fn roster_drafts(&self, project_id: i64, unit: &str) -> Result<Vec<i64>> {
        Ok(on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT id FROM entitlements WHERE project_id = $1 AND unit_code = $2 AND state = 'draft' ORDER BY id")
            .bind(project_id).bind(unit).fetch_all(p).await?))
    }
}
