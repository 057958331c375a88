//! 汇总报表: people, person-times, households and money by unit group and funding source.

use std::collections::BTreeMap;

use yikou_domain::report::{group_code, tally, Dimension, Drill};
use yikou_domain::summary::{mismatches, total_of, CampaignSummary, GroupSummary, Stated};
use yikou_domain::{Scope, UnitGroup};

pub mod care;
mod facts;
pub mod units;

use crate::{on_db, Result, Store, StoreError};

impl Store {
    /// A number that changes with every committed write that changes what the reports count (the
    /// audit sequence number of that commit: every write is audited in its transaction, and
    /// `yikou_domain::audit::changes_data` tells reads, exports and sign-ins apart), for caches of
    /// figures computed from the data.
    pub async fn data_version(&self) -> Result<i64> {
        let v: Option<i64> = on_db!(&self.db, p => sqlx::query_scalar("SELECT CAST(data_seq AS BIGINT) FROM audit_head WHERE id = 1")
            .fetch_optional(p).await?);
        Ok(v.unwrap_or(0))
    }

    /// The plan's section 四 rebuilt from data for one campaign, within the scope.
    pub async fn campaign_summary(&self, scope: &Scope, year: i32) -> Result<CampaignSummary> {
        let stored = self.campaign(year).await?.ok_or_else(|| StoreError::NotFound(format!("{year}年的活动")))?;
        let cid = stored.id;
        // The entitlements' figures from the facts (one packed read, counted in memory); projects and
        // categories from their small tables.
        let facts = self.report_facts(scope, cid, &yikou_domain::format_date(stored.campaign.end), false).await?;
        let by_group = tally(&facts, Dimension::Group, &Drill::default());
        let names: Vec<(String, String)> =
            on_db!(&self.db, p => sqlx::query_as("SELECT code, name FROM funding_sources").fetch_all(p).await?);
        let name_of = |code: &str| names.iter().find(|n| n.0 == code).map_or(code.to_string(), |n| n.1.clone());
        // Per group, in one pass: the smallest and largest amount, and the money by funding source.
        let mut range: BTreeMap<&'static str, (i64, i64)> = BTreeMap::new();
        let mut sources: BTreeMap<(&'static str, &str), i64> = BTreeMap::new();
        for f in &facts.rows {
            let g = group_code(facts.projects[f.project as usize].group);
            let r = range.entry(g).or_insert((i64::MAX, i64::MIN));
            *r = (r.0.min(f.amount_fen), r.1.max(f.amount_fen));
            *sources.entry((g, f.source.as_str())).or_default() += f.amount_fen;
        }
        let (project_cond, arg) = crate::scope::projects(scope, 2);
        let project_sql = format!(
            "SELECT pr.unit_group, COUNT(*) FROM projects pr WHERE pr.campaign_id = $1 AND {project_cond} GROUP BY pr.unit_group"
        );
        let projects: Vec<(String, i64)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&project_sql).bind(cid);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let categories_sql = "SELECT COUNT(DISTINCT COALESCE(c.parent_code, c.code)) FROM project_targets t
             JOIN projects pr ON pr.id = t.project_id JOIN categories c ON c.code = t.category_code WHERE pr.campaign_id = $1";
        let categories: i64 = on_db!(&self.db, p => sqlx::query_scalar(categories_sql).bind(cid).fetch_one(p).await?);

        let mut rows: Vec<GroupSummary> = Vec::new();
        for g in UnitGroup::ALL {
            let label = g.label();
            let code = group_code(g);
            let f = by_group.rows.iter().find(|r| r.key == code);
            let (lo, hi) = range.get(code).copied().map_or((None, None), |(a, b)| (Some(a), Some(b)));
            rows.push(GroupSummary {
                group: label.to_string(),
                projects: projects.iter().find(|p| p.0 == label).map_or(0, |p| p.1),
                person_times: f.map_or(0, |r| r.person_times),
                people: f.map_or(0, |r| r.people),
                households: f.map_or(0, |r| r.households),
                amount_fen: f.map_or(0, |r| r.listed_fen),
                planned_fen: f.and_then(|r| r.planned_fen).unwrap_or(0),
                approved_fen: f.map_or(0, |r| r.approved_fen),
                disbursed_fen: f.map_or(0, |r| r.disbursed_fen),
                standard_min_fen: lo,
                standard_max_fen: hi,
                by_source_fen: sources.iter().filter(|((gc, _), _)| *gc == code).fold(
                    BTreeMap::new(),
                    |mut m, ((_, source), fen)| {
                        *m.entry(name_of(source)).or_default() += fen;
                        m
                    },
                ),
            });
        }
        let (people, households) = (by_group.total.people, by_group.total.households);
        let total = total_of(&rows, people, households, categories);
        let stated =
            Stated { person_times: stored.campaign.stated_person_times, amount_fen: stored.campaign.stated_amount_fen };
        // Stated figures describe the whole district; a narrower scope is not expected to match them.
        let mismatches = if *scope == Scope::All { mismatches(&stated, &total) } else { Vec::new() };
        Ok(CampaignSummary { campaign: stored.campaign.name.clone(), year, groups: rows, total, stated, mismatches })
    }
}
