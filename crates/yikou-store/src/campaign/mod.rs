//! 活动 (campaigns) with their phases, 帮困项目 (projects) and what each project has listed; the
//! 帮扶记录 (entitlements) themselves are in `entitlements`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use time::Date;
use yikou_domain::{
    format_date, parse_date, Campaign, CountingUnit, Fen, Form, Phase, PhaseWindow, Project, Scope, Standard, UnitGroup,
};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

mod entitlements;

pub use entitlements::{
    add_entitlement, insert_entitlements, set_entitlement_amount, transition_entitlement, withdraw_entitlement,
    EntitlementBrief, EntitlementLine, NewEntitlement, StoredEntitlement, Withdrawn,
};

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCampaign {
    pub id: i64,
    pub campaign: Campaign,
    pub current_phase: Option<Phase>,
}

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredProject {
    pub id: i64,
    pub campaign_id: i64,
    pub project: Project,
}

fn db_date(s: &str) -> Result<Date> {
    parse_date(s).ok_or_else(|| StoreError::Invalid(format!("数据库中的日期“{s}”格式不正确")))
}

fn fk_message(e: sqlx::Error, what: &str) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.message().to_lowercase().contains("foreign key") => {
            StoreError::rejected("reference_missing", what)
        }
        e => StoreError::Sql(e),
    }
}

/// 创建活动. Refuses a second campaign for the same year.
pub async fn create_campaign(tx: &mut WriteTx<'_>, c: &Campaign) -> Result<i64> {
    crate::atomic!(tx, {
        let exists: Option<i64> = on_tx!(&mut tx.tx, conn => sqlx::query_scalar("SELECT id FROM campaigns WHERE year = $1")
        .bind(i64::from(c.year)).fetch_optional(conn).await?);
        if exists.is_some() {
            return Err(StoreError::Conflict(format!("{}年的活动已存在，不能重复创建", c.year)));
        }
        let id: i64 = on_tx!(&mut tx.tx, conn => sqlx::query_scalar(
        "INSERT INTO campaigns (year, name, start_date, end_date, stated_person_times, stated_amount_fen, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(i64::from(c.year)).bind(&c.name).bind(format_date(c.start)).bind(format_date(c.end))
        .bind(c.stated_person_times).bind(c.stated_amount_fen).bind(now())
        .fetch_one(conn).await?);
        for w in &c.phases {
            on_tx!(&mut tx.tx, conn => sqlx::query(
            "INSERT INTO campaign_phases (campaign_id, phase, start_date, end_date) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(w.phase.code()).bind(format_date(w.start)).bind(format_date(w.end))
            .execute(conn).await?.rows_affected());
        }
        let after = json!({
            "year": c.year, "name": c.name, "start": format_date(c.start), "end": format_date(c.end),
            "phases": c.phases.iter().map(|w| json!([w.phase.code(), format_date(w.start), format_date(w.end)])).collect::<Vec<_>>(),
            "stated_person_times": c.stated_person_times, "stated_amount_fen": c.stated_amount_fen,
        });
        tx.audit("campaign.create", "campaign", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// Moves the campaign to a phase (the district administrator's act).
pub async fn set_phase(tx: &mut WriteTx<'_>, campaign_id: i64, phase: Phase) -> Result<()> {
    crate::atomic!(tx, {
        let before: Option<Option<String>> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT current_phase FROM campaigns WHERE id = $1")
        .bind(campaign_id).fetch_optional(c).await?);
        let before = before.ok_or_else(|| StoreError::NotFound("该活动".into()))?;
        on_tx!(&mut tx.tx, c => sqlx::query("UPDATE campaigns SET current_phase = $1 WHERE id = $2")
        .bind(phase.code()).bind(campaign_id).execute(c).await?.rows_affected());
        tx.audit(
            "campaign.set_phase",
            "campaign",
            &campaign_id.to_string(),
            Some(&json!({ "phase": before })),
            Some(&json!({ "phase": phase.code() })),
        )
        .await
    })
}

fn standard_columns(s: &Standard) -> (&'static str, i64, i64) {
    match *s {
        Standard::PerPerson(a) => ("per_person", a.0, 0),
        Standard::PerHousehold { base, per_extra_member } => ("per_household", base.0, per_extra_member.0),
        Standard::Range { min, max } => ("range", min.0, max.0),
    }
}

fn standard_from(kind: &str, a: i64, b: i64) -> Result<Standard> {
    Ok(match kind {
        "per_person" => Standard::PerPerson(Fen(a)),
        "per_household" => Standard::PerHousehold { base: Fen(a), per_extra_member: Fen(b) },
        "range" => Standard::Range { min: Fen(a), max: Fen(b) },
        other => return Err(StoreError::Invalid(format!("未知的标准类型“{other}”"))),
    })
}

/// 创建项目: validates the project, its unit, target categories and funding sources.
pub async fn create_project(tx: &mut WriteTx<'_>, campaign_id: i64, p: &Project) -> Result<i64> {
    crate::atomic!(tx, {
        p.validate().map_err(|e| StoreError::rejected("project_invalid", e.to_string()))?;
        let (kind, a, b) = standard_columns(&p.standard);
        let group = p.unit_group.label();
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "INSERT INTO projects (campaign_id, code, name, unit_code, unit_group, form, standard_kind, standard_a_fen,
         standard_b_fen, counting_unit, planned_count, exclusive_group, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (campaign_id, code) DO NOTHING RETURNING id")
        .bind(campaign_id).bind(p.code.trim()).bind(p.name.trim()).bind(&p.unit_code).bind(group).bind(p.form.code())
        .bind(kind).bind(a).bind(b).bind(p.counting_unit.code()).bind(p.planned_count).bind(&p.exclusive_group).bind(now())
        .fetch_optional(c).await.map_err(|e| fk_message(e, &format!("项目“{}”的实施单位“{}”或所属活动不存在", p.name, p.unit_code)))?)
        .ok_or_else(|| StoreError::Conflict(format!("项目编号“{}”在本活动中已存在", p.code)))?;
        for cat in &p.target_categories {
            on_tx!(&mut tx.tx, c => sqlx::query("INSERT INTO project_targets (project_id, category_code) VALUES ($1, $2)")
            .bind(id).bind(cat).execute(c).await
            .map_err(|e| fk_message(e, &format!("项目“{}”的对象类别“{cat}”不存在", p.name)))?.rows_affected());
        }
        for (src, amount) in &p.planned_budget {
            on_tx!(&mut tx.tx, c => sqlx::query("INSERT INTO project_budgets (project_id, source_code, amount_fen) VALUES ($1, $2, $3)")
            .bind(id).bind(src).bind(amount.0).execute(c).await
            .map_err(|e| fk_message(e, &format!("项目“{}”的资金来源“{src}”不存在", p.name)))?.rows_affected());
        }
        let after = serde_json::to_value(p).unwrap_or_default();
        tx.audit("project.create", "project", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

impl Store {
    pub async fn campaign(&self, year: i32) -> Result<Option<StoredCampaign>> {
        let row: Option<(i64, i64, String, String, String, Option<String>, Option<i64>, Option<i64>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, year, name, start_date, end_date, current_phase, stated_person_times, stated_amount_fen
             FROM campaigns WHERE year = $1")
            .bind(i64::from(year)).fetch_optional(p).await?);
        let Some((id, year, name, start, end, current, stated_pt, stated_amount)) = row else {
            return Ok(None);
        };
        let phases: Vec<(String, String, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT phase, start_date, end_date FROM campaign_phases WHERE campaign_id = $1")
            .bind(id).fetch_all(p).await?);
        let mut windows = Vec::new();
        for (ph, s, e) in phases {
            let phase = Phase::from_code(&ph).ok_or_else(|| StoreError::Invalid(format!("未知阶段“{ph}”")))?;
            windows.push(PhaseWindow { phase, start: db_date(&s)?, end: db_date(&e)? });
        }
        let mut campaign = Campaign::new(year as i32, &name, db_date(&start)?, db_date(&end)?, windows)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        campaign.stated_person_times = stated_pt;
        campaign.stated_amount_fen = stated_amount;
        Ok(Some(StoredCampaign { id, campaign, current_phase: current.as_deref().and_then(Phase::from_code) }))
    }

    pub async fn campaign_by_id(&self, id: i64) -> Result<Option<StoredCampaign>> {
        let year: Option<i64> = on_db!(&self.db, p => sqlx::query_scalar("SELECT year FROM campaigns WHERE id = $1")
            .bind(id).fetch_optional(p).await?);
        match year {
            Some(y) => self.campaign(y as i32).await,
            None => Ok(None),
        }
    }

    /// The newest campaign's year, if any.
    pub async fn latest_campaign_year(&self) -> Result<Option<i32>> {
        let y: Option<i64> =
            on_db!(&self.db, p => sqlx::query_scalar("SELECT MAX(year) FROM campaigns").fetch_one(p).await?);
        Ok(y.map(|y| y as i32))
    }

    /// Projects of a campaign the scope may see: all for the district; a unit's own projects; for a
    /// street also the projects that list its people.
    pub async fn projects(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<StoredProject>> {
        let (cond, arg) = crate::scope::projects(scope, 2);
        let sql = format!(
            "SELECT pr.id, pr.code, pr.name, pr.unit_code, pr.unit_group, pr.form, pr.standard_kind, pr.standard_a_fen,
             pr.standard_b_fen, pr.counting_unit, pr.planned_count, pr.exclusive_group FROM projects pr
             WHERE pr.campaign_id = $1 AND {cond} ORDER BY pr.code"
        );
        type ProjectRow = (i64, String, String, String, String, String, String, i64, i64, String, i64, Option<String>);
        let rows: Vec<ProjectRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let targets: Vec<(i64, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT t.project_id, t.category_code FROM project_targets t JOIN projects pr ON pr.id = t.project_id
             WHERE pr.campaign_id = $1 ORDER BY t.category_code").bind(campaign_id).fetch_all(p).await?);
        let budgets: Vec<(i64, String, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT b.project_id, b.source_code, b.amount_fen FROM project_budgets b JOIN projects pr ON pr.id = b.project_id
             JOIN funding_sources f ON f.code = b.source_code WHERE pr.campaign_id = $1 ORDER BY f.sort")
            .bind(campaign_id).fetch_all(p).await?);
        rows.into_iter()
            .map(|(id, code, name, unit_code, group, form, kind, a, b, counting, planned, exclusive)| {
                Ok(StoredProject {
                    id,
                    campaign_id,
                    project: Project {
                        code,
                        name,
                        unit_code,
                        unit_group: UnitGroup::parse(&group)
                            .ok_or_else(|| StoreError::Invalid(format!("未知单位类别“{group}”")))?,
                        target_categories: targets.iter().filter(|t| t.0 == id).map(|t| t.1.clone()).collect(),
                        form: Form::from_code(&form)
                            .ok_or_else(|| StoreError::Invalid(format!("未知帮扶形式“{form}”")))?,
                        standard: standard_from(&kind, a, b)?,
                        counting_unit: CountingUnit::from_code(&counting)
                            .ok_or_else(|| StoreError::Invalid(format!("未知计数单位“{counting}”")))?,
                        planned_count: planned,
                        planned_budget: budgets.iter().filter(|b| b.0 == id).map(|b| (b.1.clone(), Fen(b.2))).collect(),
                        exclusive_group: exclusive,
                    },
                })
            })
            .collect()
    }
}

/// What a project has actually listed, within a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProjectActual {
    pub entitlements: i64,
    pub people: i64,
    pub amount_fen: i64,
}

/// One line of a project's roster (masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterLine {
    pub entitlement_id: i64,
    pub person_id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
    pub household_size: Option<i64>,
    pub amount_fen: i64,
    pub state: String,
    /// The person's name, street and committee as approved (none before approval): a page shows
    /// both where today's register differs.
    pub approved_name: Option<String>,
    pub approved_street: Option<String>,
    pub approved_committee: Option<String>,
    /// Whose roster the entry is on (the unit that prepared it).
    pub unit_code: Option<String>,
}

impl Store {
    /// Per project of the campaign: entitlements, distinct people and money the scope may see.
    pub async fn project_actuals(&self, scope: &Scope, campaign_id: i64) -> Result<HashMap<i64, ProjectActual>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT e.project_id, COUNT(*), COUNT(DISTINCT e.person_id), CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT)
             FROM entitlements e JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             WHERE pr.campaign_id = $1 AND {cond} GROUP BY e.project_id"
        );
        let rows: Vec<(i64, i64, i64, i64)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, n, people, amount)| (id, ProjectActual { entitlements: n, people, amount_fen: amount }))
            .collect())
    }

    /// A page of a project's roster within the scope, by entitlement id; the next page's key.
    pub async fn project_roster(
        &self,
        scope: &Scope,
        project_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<RosterLine>, Option<i64>)> {
        let (cond, arg) = crate::scope::entitlements(scope, 4);
        let sql = format!(
            "SELECT e.id, pe.id, pe.name, pe.id_masked, pe.street_code, pe.committee_code, e.household_size,
             e.amount_fen, e.state, e.approved_name, e.approved_street, e.approved_committee, e.unit_code FROM entitlements e JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             WHERE e.project_id = $1 AND e.id > $2 AND {cond} ORDER BY e.id LIMIT $3"
        );
        let limit = limit.clamp(1, 500);
        let mut rows: Vec<RosterLine> = on_db!(&self.db, p => {
            let q = sqlx::query(&sql).bind(project_id).bind(after).bind(limit + 1);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?.into_iter().map(|r| {
                use sqlx::Row;
                Ok::<_, sqlx::Error>(RosterLine {
                    entitlement_id: r.try_get(0)?,
                    person_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    id_number_masked: r.try_get(3)?,
                    street_code: r.try_get(4)?,
                    committee_code: r.try_get(5)?,
                    household_size: r.try_get(6)?,
                    amount_fen: r.try_get(7)?,
                    state: r.try_get(8)?,
                    approved_name: r.try_get(9)?,
                    approved_street: r.try_get(10)?,
                    approved_committee: r.try_get(11)?,
                    unit_code: r.try_get(12)?,
                })
            }).collect::<Result<Vec<_>, _>>()?
        });
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(|r| r.entitlement_id) } else { None };
        Ok((rows, next))
    }
}
