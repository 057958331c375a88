//! 社会捐赠 (issue 17, point 4): a donation recorded by the unit that received it (its receipt number
//! once — a unique key), allocated to a project the unit may see: money as the project's 社会募集
//! funding (the project's 社会募集 budget rises to what has been allocated to it when that is more
//! than was planned), goods into a gift-pack project. The running totals carry CHECKs: a donation is
//! never allocated beyond what it brought, also when two allocations arrive at once.

use serde::Serialize;
use serde_json::json;
use yikou_domain::donation::{check_allocation, AllocationKind, Donation, DonationError, DonorKind};
use yikou_domain::{format_date, Fen, Form, Scope};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// The funding source donations become.
pub const SOURCE: &str = "SHMJ";

fn rejected(e: DonationError) -> StoreError {
    StoreError::rejected("donation_invalid", e.to_string())
}

/// Records a donation in a campaign for the actor's unit; its id.
pub async fn record(tx: &mut WriteTx<'_>, scope: &Scope, campaign_id: i64, d: &Donation) -> Result<i64> {
    d.check(yikou_domain::today()).map_err(rejected)?;
    let receipt = d.receipt_no.trim().to_string();
    crate::atomic!(tx, {
        let taken: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM donations WHERE receipt_no = $1")
            .bind(&receipt).fetch_one(c).await?);
        if taken > 0 {
            return Err(rejected(DonationError::ReceiptTaken(receipt)));
        }
        let (unit, login) = (crate::scope::own_unit(scope), tx.actor().login.clone());
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO donations (campaign_id, unit_code, donor_kind, donor_name, anonymous, money_fen, goods,
             goods_value_fen, receipt_no, received_on, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
            .bind(campaign_id).bind(&unit).bind(d.donor_kind.code()).bind(d.donor_name.trim()).bind(i64::from(d.anonymous))
            .bind(d.money.0).bind(d.goods.trim()).bind(d.goods_value.0).bind(&receipt).bind(format_date(d.received_on))
            .bind(&login).bind(now()).fetch_one(c).await?);
        let after = json!({ "receipt_no": receipt, "donor_kind": d.donor_kind.code(), "money_fen": d.money.0,
                            "goods_value_fen": d.goods_value.0, "anonymous": d.anonymous });
        tx.audit("donation.record", "donation", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// Allocates part of a donation the scope may see to a project the unit runs itself (the bureau: any);
/// the allocation's id.
pub async fn allocate(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    donation_id: i64,
    project_id: i64,
    kind: AllocationKind,
    amount: Fen,
) -> Result<i64> {
    crate::atomic!(tx, {
        let (cond, arg) = crate::scope::donations(scope, 2);
        let sql = format!(
            "SELECT d.campaign_id, d.money_fen - d.allocated_money_fen, d.goods_value_fen - d.allocated_goods_fen
             FROM donations d WHERE d.id = $1 AND {cond}"
        );
        let row: Option<(i64, i64, i64)> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(donation_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        let (campaign_id, money_left, goods_left) = row.ok_or_else(|| StoreError::NotFound("该笔捐赠".into()))?;
        let (pcond, parg) = crate::scope::own_projects(scope, 3);
        let sql =
            format!("SELECT pr.name, pr.form FROM projects pr WHERE pr.id = $1 AND pr.campaign_id = $2 AND {pcond}");
        let project: Option<(String, String)> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(project_id).bind(campaign_id);
            let q = match &parg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        let (name, form) = project.ok_or_else(|| StoreError::NotFound("该项目".into()))?;
        let left = Fen(if kind == AllocationKind::Money { money_left } else { goods_left });
        check_allocation(kind, amount, left).map_err(|e| StoreError::Conflict(e.to_string()))?;
        if kind == AllocationKind::Goods && Form::from_code(&form) != Some(Form::GiftPack) {
            return Err(rejected(DonationError::NotGiftPack(name)));
        }
        // The running total's CHECK refuses more than the donation brought, whatever raced here.
        let column = if kind == AllocationKind::Money { "allocated_money_fen" } else { "allocated_goods_fen" };
        let raised = on_tx!(&mut tx.tx, c => sqlx::query(&format!(
            "UPDATE donations SET {column} = {column} + $1 WHERE id = $2"))
            .bind(amount.0).bind(donation_id).execute(c).await.map(|r| r.rows_affected()));
        if let Err(sqlx::Error::Database(d)) = &raised {
            if d.is_check_violation() {
                return Err(StoreError::Conflict("本笔捐赠已分配完，不能重复分配".into()));
            }
        }
        raised?;
        let login = tx.actor().login.clone();
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO donation_allocations (donation_id, project_id, kind, amount_fen, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(donation_id).bind(project_id).bind(kind.code()).bind(amount.0).bind(&login).bind(now())
            .fetch_one(c).await?);
        let mut budget_to = None;
        if kind == AllocationKind::Money {
            budget_to = Some(raise_budget(tx, project_id).await?);
        }
        let after = json!({ "donation": donation_id, "project": project_id, "kind": kind.code(),
                            "amount_fen": amount.0, "shmj_budget_fen": budget_to });
        tx.audit("donation.allocate", "donation", &donation_id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// Raises the project's 社会募集 budget to the money allocated to it, when that is more than planned;
/// the budget after.
async fn raise_budget(tx: &mut WriteTx<'_>, project_id: i64) -> Result<i64> {
    let allocated: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM donation_allocations WHERE project_id = $1 AND kind = 'money'")
        .bind(project_id).fetch_one(c).await?);
    let planned: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "SELECT amount_fen FROM project_budgets WHERE project_id = $1 AND source_code = $2")
        .bind(project_id).bind(SOURCE).fetch_optional(c).await?);
    match planned {
        Some(p) if p >= allocated => Ok(p),
        Some(_) => {
            on_tx!(&mut tx.tx, c => sqlx::query(
                "UPDATE project_budgets SET amount_fen = $1 WHERE project_id = $2 AND source_code = $3")
                .bind(allocated).bind(project_id).bind(SOURCE).execute(c).await?.rows_affected());
            Ok(allocated)
        }
        None => {
            on_tx!(&mut tx.tx, c => sqlx::query(
                "INSERT INTO project_budgets (project_id, source_code, amount_fen) VALUES ($1, $2, $3)")
                .bind(project_id).bind(SOURCE).bind(allocated).execute(c).await?.rows_affected());
            Ok(allocated)
        }
    }
}

/// A donation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DonationView {
    pub id: i64,
    pub unit_code: String,
    pub donor_kind: DonorKind,
    /// "匿名" for an anonymous donor.
    pub donor: String,
    pub money_fen: i64,
    pub goods: String,
    pub goods_value_fen: i64,
    pub receipt_no: String,
    pub received_on: String,
    pub allocated_money_fen: i64,
    pub allocated_goods_fen: i64,
    pub allocations: Vec<AllocationView>,
}

/// An allocation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocationView {
    pub project: i64,
    pub project_name: String,
    pub kind: AllocationKind,
    pub amount_fen: i64,
}

type DonationRow = (i64, String, String, String, i64, i64, String, i64, String, String, i64, i64);

impl Store {
    /// The donations of a campaign the scope may see, newest first, with their allocations.
    pub async fn donations(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<DonationView>> {
        let (cond, arg) = crate::scope::donations(scope, 2);
        let sql = format!(
            "SELECT d.id, d.unit_code, d.donor_kind, d.donor_name, d.anonymous, d.money_fen, d.goods, d.goods_value_fen,
             d.receipt_no, d.received_on, d.allocated_money_fen, d.allocated_goods_fen FROM donations d
             WHERE d.campaign_id = $1 AND {cond} ORDER BY d.received_on DESC, d.id DESC"
        );
        let rows: Vec<DonationRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let sql = format!(
            "SELECT a.donation_id, a.project_id, pr.name, a.kind, a.amount_fen FROM donation_allocations a
             JOIN donations d ON d.id = a.donation_id JOIN projects pr ON pr.id = a.project_id
             WHERE d.campaign_id = $1 AND {cond} ORDER BY a.id"
        );
        let allocations: Vec<(i64, i64, String, String, i64)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut by_donation: std::collections::HashMap<i64, Vec<AllocationView>> = std::collections::HashMap::new();
        for (d, project, project_name, kind, amount_fen) in allocations {
            by_donation.entry(d).or_default().push(AllocationView {
                project,
                project_name,
                kind: AllocationKind::from_code(&kind).unwrap_or(AllocationKind::Money),
                amount_fen,
            });
        }
        Ok(rows
            .into_iter()
            .map(|r| DonationView {
                id: r.0,
                unit_code: r.1,
                donor_kind: DonorKind::from_code(&r.2).unwrap_or(DonorKind::Individual),
                donor: Donation::shown_donor(&r.3, r.4 != 0),
                money_fen: r.5,
                goods: r.6,
                goods_value_fen: r.7,
                receipt_no: r.8,
                received_on: r.9,
                allocated_money_fen: r.10,
                allocated_goods_fen: r.11,
                allocations: by_donation.remove(&r.0).unwrap_or_default(),
            })
            .collect())
    }
}
