//! 汇总报表: people, person-times, households and money by unit group and funding source.

use std::collections::BTreeMap;

use yikou_domain::summary::{mismatches, total_of, CampaignSummary, GroupSummary, Stated};
use yikou_domain::{Scope, UnitGroup};

mod facts;

use crate::{on_db, Result, Store, StoreError};

impl Store {
    /// A number that changes with every committed write (the audit chain's head: every write is
    /// audited in its transaction), for caches of figures computed from the data.
    pub async fn data_version(&self) -> Result<i64> {
        let v: Option<i64> = on_db!(&self.db, p => sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_optional(p).await?);
        Ok(v.unwrap_or(0))
    }

    /// The plan's section 四 rebuilt from data for one campaign, within the scope.
    pub async fn campaign_summary(&self, scope: &Scope, year: i32) -> Result<CampaignSummary> {
        let stored = self.campaign(year).await?.ok_or_else(|| StoreError::NotFound(format!("{year}年的活动")))?;
        let cid = stored.id;
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let (project_cond, _) = crate::scope::projects(scope, 2);
        // A person without a household counts as a household of one (-id never collides with an id).
        let household = "COALESCE(e.household_id, pe.household_id, -pe.id)";
        let from = format!(
            "FROM entitlements e JOIN projects pr ON pr.id = e.project_id JOIN people pe ON pe.id = e.person_id
             WHERE pr.campaign_id = $1 AND {cond}"
        );
        let group_sql = format!(
            "SELECT pr.unit_group, COUNT(*), COUNT(DISTINCT e.person_id), COUNT(DISTINCT {household}),
             CAST(SUM(e.amount_fen) AS BIGINT), MIN(e.amount_fen), MAX(e.amount_fen) {from} GROUP BY pr.unit_group"
        );
        let source_sql = format!(
            "SELECT pr.unit_group, f.name, CAST(SUM(e.amount_fen) AS BIGINT) {from_src} GROUP BY pr.unit_group, f.name",
            from_src = from.replace("WHERE", "JOIN funding_sources f ON f.code = e.source_code WHERE")
        );
        let total_sql = format!("SELECT COUNT(DISTINCT e.person_id), COUNT(DISTINCT {household}) {from}");
        let project_sql = format!(
            "SELECT pr.unit_group, COUNT(*) FROM projects pr WHERE pr.campaign_id = $1 AND {} GROUP BY pr.unit_group",
            project_cond
        );
        let categories_sql = "SELECT COUNT(DISTINCT COALESCE(c.parent_code, c.code)) FROM project_targets t
             JOIN projects pr ON pr.id = t.project_id JOIN categories c ON c.code = t.category_code WHERE pr.campaign_id = $1";

        macro_rules! run {
            ($sql:expr, $ty:ty, $fetch:ident) => {
                on_db!(&self.db, p => {
                    let q = sqlx::query_as::<_, $ty>($sql).bind(cid);
                    let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
                    q.$fetch(p).await?
                })
            };
        }
        let groups: Vec<(String, i64, i64, i64, Option<i64>, Option<i64>, Option<i64>)> =
            run!(&group_sql, (String, i64, i64, i64, Option<i64>, Option<i64>, Option<i64>), fetch_all);
        let sources: Vec<(String, String, Option<i64>)> = run!(&source_sql, (String, String, Option<i64>), fetch_all);
        let (people, households): (i64, i64) = run!(&total_sql, (i64, i64), fetch_one);
        let projects: Vec<(String, i64)> = run!(&project_sql, (String, i64), fetch_all);
        let categories: i64 = on_db!(&self.db, p => sqlx::query_scalar(categories_sql).bind(cid).fetch_one(p).await?);

        let rows: Vec<GroupSummary> = UnitGroup::ALL
            .iter()
            .map(|g| {
                let label = g.label();
                let row = groups.iter().find(|r| r.0 == label);
                GroupSummary {
                    group: label.to_string(),
                    projects: projects.iter().find(|p| p.0 == label).map_or(0, |p| p.1),
                    person_times: row.map_or(0, |r| r.1),
                    people: row.map_or(0, |r| r.2),
                    households: row.map_or(0, |r| r.3),
                    amount_fen: row.and_then(|r| r.4).unwrap_or(0),
                    standard_min_fen: row.and_then(|r| r.5),
                    standard_max_fen: row.and_then(|r| r.6),
                    by_source_fen: sources
                        .iter()
                        .filter(|s| s.0 == label)
                        .map(|s| (s.1.clone(), s.2.unwrap_or(0)))
                        .collect::<BTreeMap<_, _>>(),
                }
            })
            .collect();
        let total = total_of(&rows, people, households, categories);
        let stated =
            Stated { person_times: stored.campaign.stated_person_times, amount_fen: stored.campaign.stated_amount_fen };
        // Stated figures describe the whole district; a narrower scope is not expected to match them.
        let mismatches = if *scope == Scope::All { mismatches(&stated, &total) } else { Vec::new() };
        Ok(CampaignSummary { campaign: stored.campaign.name.clone(), year, groups: rows, total, stated, mismatches })
    }
}
