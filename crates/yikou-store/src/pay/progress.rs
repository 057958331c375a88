//! Progress and reconciliation (进度与对账): per unit group, unit and project, what was approved and
//! where it stands — disbursed, failed (not yet re-issued) or pending — in people, entitlements and
//! fen. approved = disbursed + failed + pending holds by the states; what the lines say is checked
//! against them and every disagreement is named.

use std::collections::BTreeMap;

use serde::Serialize;
use yikou_domain::Scope;

use crate::{on_db, Result, Store};

/// People (distinct), entitlements and money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub people: i64,
    pub entitlements: i64,
    pub amount_fen: i64,
}

/// Where the approved entitlements of a unit (or project, or the total) stand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitProgress {
    /// The unit's code (a project's code in `projects`; empty for the total).
    pub unit: String,
    pub approved: Tally,
    pub disbursed: Tally,
    pub failed: Tally,
    pub pending: Tally,
}

impl UnitProgress {
    /// Does it add up: approved = disbursed + failed + pending, in entitlements and in fen?
    pub fn adds_up(&self) -> bool {
        let parts = [self.disbursed, self.failed, self.pending];
        self.approved.entitlements == parts.iter().map(|t| t.entitlements).sum::<i64>()
            && self.approved.amount_fen == parts.iter().map(|t| t.amount_fen).sum::<i64>()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub total: UnitProgress,
    /// By the project's implementing unit.
    pub units: Vec<UnitProgress>,
    /// By unit group (民政、人社 …, by the group's code).
    pub groups: Vec<UnitProgress>,
    pub projects: Vec<UnitProgress>,
    /// Every disagreement between the entitlements' states and their payment lines, in words.
    pub problems: Vec<String>,
}

const APPROVED: &str = "e.state IN ('approved', 'disbursed', 'failed', 'reissued')";

fn tally_sql(state: &str) -> String {
    format!(
        "COUNT(DISTINCT CASE WHEN {state} THEN e.person_id END),
         CAST(COALESCE(SUM(CASE WHEN {state} THEN 1 ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN {state} THEN COALESCE(e.approved_amount_fen, e.amount_fen) ELSE 0 END), 0) AS BIGINT)"
    )
}

type Row = (String, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

impl Store {
    /// The progress of a campaign's disbursement within the scope (the bureau: every unit; a unit or
    /// street: its own part of each figure).
    pub async fn payment_progress(&self, scope: &Scope, campaign_id: i64) -> Result<Progress> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let states = [
            tally_sql(APPROVED),
            tally_sql("e.state = 'disbursed'"),
            tally_sql("e.state = 'failed'"),
            tally_sql("e.state IN ('approved', 'reissued')"),
        ]
        .join(",\n");
        let by = |key: &str| {
            // The total is one row (zeros when nothing is approved); the others one row per key.
            let (select, group) = if key.is_empty() {
                ("''".to_string(), String::new())
            } else {
                (key.to_string(), format!(" GROUP BY {key} ORDER BY {key}"))
            };
            format!(
                "SELECT {select}, {states} FROM entitlements e JOIN people pe ON pe.id = e.person_id
                 JOIN projects pr ON pr.id = e.project_id
                 WHERE pr.campaign_id = $1 AND {APPROVED} AND {cond}{group}"
            )
        };
        let mut out = Progress::default();
        for (key, target) in [("", 0), ("pr.unit_code", 1), ("pr.unit_group", 2), ("pr.code", 3)] {
            let sql = by(key);
            let rows: Vec<Row> = on_db!(&self.db, p => {
                let q = sqlx::query_as(&sql).bind(campaign_id);
                let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
                q.fetch_all(p).await?
            });
            let list: Vec<UnitProgress> = rows
                .into_iter()
                .map(|r| UnitProgress {
                    unit: r.0,
                    approved: Tally { people: r.1, entitlements: r.2, amount_fen: r.3 },
                    disbursed: Tally { people: r.4, entitlements: r.5, amount_fen: r.6 },
                    failed: Tally { people: r.7, entitlements: r.8, amount_fen: r.9 },
                    pending: Tally { people: r.10, entitlements: r.11, amount_fen: r.12 },
                })
                .collect();
            match target {
                0 => out.total = list.into_iter().next().unwrap_or_default(),
                1 => out.units = list,
                2 => out.groups = list,
                _ => out.projects = list,
            }
        }
        out.problems = self.payment_problems(scope, campaign_id).await?;
        for p in std::iter::once(&out.total).chain(&out.units).chain(&out.projects) {
            if !p.adds_up() {
                out.problems.push(format!(
                    "{} 的已下达数不等于已发放、失败、待发放之和",
                    if p.unit.is_empty() { "合计" } else { &p.unit }
                ));
            }
        }
        Ok(out)
    }

    /// Entitlements whose state and payment lines disagree, counted by kind (in words).
    async fn payment_problems(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<String>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let checks: BTreeMap<&str, String> = BTreeMap::from([
            (
                "条“已发放”记录没有对应的发放成功明细（金额一致）：无法追溯到发放批次（如历史导入数据）",
                "e.state = 'disbursed' AND NOT EXISTS (SELECT 1 FROM payment_lines l WHERE l.entitlement_id = e.id
                   AND l.state = 'paid' AND l.amount_fen = COALESCE(e.approved_amount_fen, e.amount_fen))"
                    .into(),
            ),
            (
                "条记录有发放成功明细，状态却不是“已发放”",
                "e.state <> 'disbursed' AND EXISTS (SELECT 1 FROM payment_lines l WHERE l.entitlement_id = e.id AND l.state = 'paid')".into(),
            ),
            (
                "条“发放失败”记录没有对应的失败明细",
                "e.state = 'failed' AND NOT EXISTS (SELECT 1 FROM payment_lines l WHERE l.entitlement_id = e.id AND l.state = 'failed')".into(),
            ),
        ]);
        let mut out = Vec::new();
        for (what, check) in checks {
            let sql = format!(
                "SELECT COUNT(*) FROM entitlements e JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
                 WHERE pr.campaign_id = $1 AND {cond} AND {check}"
            );
            let n: i64 = on_db!(&self.db, p => {
                let q = sqlx::query_scalar(&sql).bind(campaign_id);
                let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
                q.fetch_one(p).await?
            });
            if n > 0 {
                out.push(format!("{n} {what}"));
            }
        }
        Ok(out)
    }
}
