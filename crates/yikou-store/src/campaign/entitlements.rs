//! 帮扶记录 (entitlements): added one by one or in bulk, moved through their states, their amount
//! set, and read within a scope.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use yikou_domain::entitlement::Entitlement;
use yikou_domain::{EntitlementState, Fen, Scope};

use super::fk_message;
use crate::db::BULK_ROWS;
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// An entitlement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEntitlement {
    pub id: i64,
    pub project_id: i64,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub household_size: Option<i64>,
    pub source_code: String,
    pub entitlement: Entitlement,
}

/// One entitlement to add.
#[derive(Debug, Clone)]
pub struct NewEntitlement {
    /// The sender's own id (exchange loads), given back on export.
    pub external_id: Option<String>,
    pub project_id: i64,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub household_size: Option<i64>,
    pub source_code: String,
    pub amount: Fen,
    /// The name as the source listed it (kept for the near-duplicate review).
    pub listed_name: Option<String>,
}

/// Adds one entitlement as a draft.
pub async fn add_entitlement(tx: &mut WriteTx<'_>, e: &NewEntitlement) -> Result<i64> {
    crate::atomic!(tx, {
        let ids = insert_entitlement_rows(tx, std::slice::from_ref(e), EntitlementState::Draft).await?;
        let after = json!({ "project": e.project_id, "person": e.person_id, "amount_fen": e.amount.0, "source": e.source_code, "state": "draft" });
        tx.audit("entitlement.create", "entitlement", &ids[0].to_string(), None, Some(&after)).await?;
        Ok(ids[0])
    })
}

/// Adds entitlements in bulk in the given state (generated or loaded data), one audit record for the
/// batch. For states past approval the approved amount is the amount.
pub async fn insert_entitlements(
    tx: &mut WriteTx<'_>,
    rows: &[NewEntitlement],
    state: EntitlementState,
    batch_label: &str,
) -> Result<Vec<i64>> {
    crate::atomic!(tx, {
        let ids = insert_entitlement_rows(tx, rows, state).await?;
        let total = Fen::checked_sum(rows.iter().map(|r| r.amount))
            .map_err(|e| StoreError::rejected("amount_overflow", e.to_string()))?;
        let after = json!({ "count": rows.len(), "amount_fen": total.0, "state": state.code(), "batch": batch_label });
        tx.audit("entitlement.bulk_create", "entitlement", "*", None, Some(&after)).await?;
        Ok(ids)
    })
}

async fn insert_entitlement_rows(
    tx: &mut WriteTx<'_>,
    rows: &[NewEntitlement],
    state: EntitlementState,
) -> Result<Vec<i64>> {
    let batch = tx.batch;
    if let Some(bad) = rows.iter().find(|r| r.amount.0 < 0) {
        return Err(StoreError::rejected("amount_negative", format!("金额不能为负数：{}", bad.amount)));
    }
    let at = now();
    let approved = state.is_frozen();
    let mut ids = Vec::with_capacity(rows.len());
    // Whose roster each entry is on: the acting account's unit, else the project's own.
    let units = crate::rosters::units_for(tx, rows).await?;
    crate::rosters::note_additions(tx, rows, &units, state).await?;
    let fk = |e| fk_message(e, "帮扶记录引用的项目、对象、户或资金来源不存在");
    for (chunk, chunk_units) in rows.chunks(BULK_ROWS).zip(units.chunks(BULK_ROWS)) {
        let got =
            crate::dialect::insert_entitlements(&mut tx.tx, chunk, chunk_units, approved, state.code(), &at, batch)
                .await
                .map_err(fk)?;
        // Ids are assigned in insertion order; RETURNING's own order is not promised.
        let mut got = got;
        got.sort_unstable();
        ids.extend(got);
    }
    Ok(ids)
}

/// The columns of an entitlement, joined with its person and project so that scopes can filter on them.
const ENTITLEMENT_SELECT: &str =
    "SELECT e.id, e.project_id, e.person_id, e.household_id, e.household_size, e.source_code,
     e.amount_fen, e.approved_amount_fen, e.state FROM entitlements e JOIN people pe ON pe.id = e.person_id
     JOIN projects pr ON pr.id = e.project_id";

async fn load_entitlement(tx: &mut WriteTx<'_>, scope: &Scope, id: i64) -> Result<StoredEntitlement> {
    let (cond, arg) = crate::scope::entitlements(scope, 2);
    let sql = format!("{ENTITLEMENT_SELECT} WHERE e.id = $1 AND {cond}");
    let row = on_tx!(&mut tx.tx, c => {
        let q = sqlx::query(&sql).bind(id);
        let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
        match q.fetch_optional(c).await? {
            None => None,
            Some(r) => Some(entitlement_from(
                r.try_get("id")?, r.try_get("project_id")?, r.try_get("person_id")?, r.try_get("household_id")?,
                r.try_get("household_size")?, r.try_get("source_code")?, r.try_get("amount_fen")?,
                r.try_get("approved_amount_fen")?, r.try_get("state")?,
            )?),
        }
    });
    row.ok_or_else(|| StoreError::NotFound("该帮扶记录".into()))
}

#[allow(clippy::too_many_arguments)]
fn entitlement_from(
    id: i64,
    project_id: i64,
    person_id: i64,
    household_id: Option<i64>,
    household_size: Option<i64>,
    source_code: String,
    amount: i64,
    approved: Option<i64>,
    state: String,
) -> Result<StoredEntitlement> {
    let state = EntitlementState::from_code(&state).ok_or_else(|| StoreError::Invalid(format!("未知状态“{state}”")))?;
    Ok(StoredEntitlement {
        id,
        project_id,
        person_id,
        household_id,
        household_size,
        source_code,
        entitlement: Entitlement { amount: Fen(amount), state, approved_amount: approved.map(Fen) },
    })
}

/// Moves an entitlement along the state machine; any other move is refused with the domain's message.
pub async fn transition_entitlement(tx: &mut WriteTx<'_>, scope: &Scope, id: i64, to: EntitlementState) -> Result<()> {
    crate::atomic!(tx, {
        let stored = load_entitlement(tx, scope, id).await?;
        let mut e = stored.entitlement.clone();
        e.transition(to).map_err(|err| StoreError::rejected("state_transition", err.to_string()))?;
        on_tx!(&mut tx.tx, c => sqlx::query(
        "UPDATE entitlements SET state = $1, approved_amount_fen = $2, updated_at = $3 WHERE id = $4 AND state = $5")
        .bind(e.state.code()).bind(e.approved_amount.map(|f| f.0)).bind(now()).bind(id).bind(stored.entitlement.state.code())
        .execute(c).await?.rows_affected());
        tx.audit(
            "entitlement.transition",
            "entitlement",
            &id.to_string(),
            Some(&json!({ "state": stored.entitlement.state.code() })),
            Some(&json!({ "state": e.state.code(), "approved_amount_fen": e.approved_amount.map(|f| f.0) })),
        )
        .await
    })
}

/// Changes the amount of an entitlement that is not yet approved; an approved amount is frozen.
pub async fn set_entitlement_amount(tx: &mut WriteTx<'_>, scope: &Scope, id: i64, amount: Fen) -> Result<()> {
    crate::atomic!(tx, {
        let stored = load_entitlement(tx, scope, id).await?;
        let mut e = stored.entitlement.clone();
        e.set_amount(amount).map_err(|err| StoreError::rejected("amount_not_editable", err.to_string()))?;
        if e.amount == stored.entitlement.amount {
            return Ok(());
        }
        crate::rosters::note_edit(tx, id).await?;
        on_tx!(&mut tx.tx, c => sqlx::query("UPDATE entitlements SET amount_fen = $1, updated_at = $2 WHERE id = $3 AND state IN ('draft', 'submitted')")
        .bind(amount.0).bind(now()).bind(id).execute(c).await?.rows_affected());
        tx.audit(
            "entitlement.set_amount",
            "entitlement",
            &id.to_string(),
            Some(&json!({ "amount_fen": stored.entitlement.amount.0 })),
            Some(&json!({ "amount_fen": amount.0 })),
        )
        .await
    })
}

/// An entitlement withdrawn: what it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawn {
    pub id: i64,
    pub person_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub amount_fen: i64,
}

/// Withdraws (撤销) a draft entitlement within the scope: takes it off its roster, with a reason.
/// `NotFound` outside the scope; `Invalid` with the domain's message for a submitted or approved
/// one or without a reason. Audited `entitlement.withdraw` with what it was (person and project by
/// id, amount, source, import batch) and the reason.
pub async fn withdraw_entitlement(tx: &mut WriteTx<'_>, scope: &Scope, id: i64, reason: &str) -> Result<Withdrawn> {
    crate::atomic!(tx, {
        let stored = load_entitlement(tx, scope, id).await?;
        stored.entitlement.check_withdrawal(reason).map_err(|e| StoreError::Invalid(e.to_string()))?;
        crate::rosters::note_edit(tx, id).await?;
        let (code, name, batch): (String, String, Option<i64>) = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT pr.code, pr.name, e.batch_id FROM entitlements e JOIN projects pr ON pr.id = e.project_id WHERE e.id = $1")
            .bind(id).fetch_one(c).await?);
        let gone = on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM entitlements WHERE id = $1 AND state = 'draft'")
            .bind(id).execute(c).await?.rows_affected());
        if gone != 1 {
            return Err(StoreError::Invalid("该帮扶记录刚被他人改动，请刷新后再试".into()));
        }
        let before = json!({
            "project": stored.project_id, "project_code": code, "person": stored.person_id, "amount_fen": stored.entitlement.amount.0,
            "source": stored.source_code, "state": "draft", "import_batch": batch,
        });
        tx.audit(
            "entitlement.withdraw",
            "entitlement",
            &id.to_string(),
            Some(&before),
            Some(&json!({ "reason": reason.trim() })),
        )
        .await?;
        Ok(Withdrawn {
            id,
            person_id: stored.person_id,
            project_code: code,
            project_name: name,
            amount_fen: stored.entitlement.amount.0,
        })
    })
}

/// An entitlement as a finding's row offers it for withdrawal: its project, amount, state and the
/// roster (file) it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntitlementBrief {
    pub id: i64,
    pub project_name: String,
    pub amount_fen: i64,
    pub state: EntitlementState,
    pub file_name: Option<String>,
}

impl Store {
    /// The entitlements among `ids` the scope may see (a page's findings name at most a few hundred).
    pub async fn entitlement_briefs(&self, scope: &Scope, ids: &[i64]) -> Result<Vec<EntitlementBrief>> {
        let mut out = Vec::new();
        let (cond, arg) = crate::scope::entitlements(scope, 1);
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT e.id, pr.name, e.amount_fen, e.state, b.file_name FROM entitlements e
                 JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
                 LEFT JOIN import_batches b ON b.id = e.batch_id
                 WHERE e.id IN ({list}) AND {cond} ORDER BY e.id"
            );
            let rows: Vec<(i64, String, i64, String, Option<String>)> = on_db!(&self.db, p => {
                let q = sqlx::query_as(&sql);
                let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
                q.fetch_all(p).await?
            });
            for (id, project_name, amount_fen, state, file_name) in rows {
                let state = EntitlementState::from_code(&state)
                    .ok_or_else(|| StoreError::Invalid(format!("未知状态“{state}”")))?;
                out.push(EntitlementBrief { id, project_name, amount_fen, state, file_name });
            }
        }
        Ok(out)
    }
}

impl Store {
    /// One entitlement, if the scope may see it.
    pub async fn entitlement(&self, scope: &Scope, id: i64) -> Result<Option<StoredEntitlement>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!("{ENTITLEMENT_SELECT} WHERE e.id = $1 AND {cond}");
        type EntRow = (i64, i64, i64, Option<i64>, Option<i64>, String, i64, Option<i64>, String);
        let row: Option<EntRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(p).await?
        });
        row.map(|(id, pr, pe, h, hs, src, amt, appr, st)| entitlement_from(id, pr, pe, h, hs, src, amt, appr, st))
            .transpose()
    }

    /// Entitlements of one person across all campaigns, within the scope.
    pub async fn entitlements_of_person(&self, scope: &Scope, person_id: i64) -> Result<Vec<StoredEntitlement>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!("{ENTITLEMENT_SELECT} WHERE e.person_id = $1 AND {cond} ORDER BY e.id");
        type EntRow = (i64, i64, i64, Option<i64>, Option<i64>, String, i64, Option<i64>, String);
        let rows: Vec<EntRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(person_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(id, pr, pe, h, hs, src, amt, appr, st)| entitlement_from(id, pr, pe, h, hs, src, amt, appr, st))
            .collect()
    }
}

/// One line of a person's history: an entitlement with its campaign and project named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntitlementLine {
    pub id: i64,
    pub year: i64,
    pub project_code: String,
    pub project_name: String,
    pub amount_fen: i64,
    pub state: String,
}

impl Store {
    /// Every entitlement of a person across campaigns, newest campaign first, within the scope.
    pub async fn entitlement_lines(&self, scope: &Scope, person_id: i64) -> Result<Vec<EntitlementLine>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT e.id, c.year, pr.code, pr.name, e.amount_fen, e.state FROM entitlements e
             JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             JOIN campaigns c ON c.id = pr.campaign_id
             WHERE e.person_id = $1 AND {cond} ORDER BY c.year DESC, e.id"
        );
        let rows: Vec<(i64, i64, String, String, i64, String)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(person_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, year, project_code, project_name, amount_fen, state)| EntitlementLine {
                id,
                year,
                project_code,
                project_name,
                amount_fen,
                state,
            })
            .collect())
    }
}
