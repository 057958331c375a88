//! A campaign's entitlements in an area as plain facts for `yikou_domain::report::tally`: read
//! packed (one JSON value per table, one driver round trip each), the area's condition from
//! `crate::scope` as everywhere. The person's street and committee are those approval froze, where
//! approved (a report after the campaign describes the lists as decided).

use std::collections::{HashMap, HashSet};

use yikou_domain::report::{Fact, Facts, ProjectFact};
use yikou_domain::{EntitlementState, Scope};

use crate::{on_db, Result, Store, StoreError};

/// (project, person, household, roster unit, street, committee, source, state, amount, approved).
type Row = (i64, i64, i64, String, Option<String>, Option<String>, String, String, i64, Option<i64>);

impl Store {
    /// The facts of a campaign within the scope; the people's categories current on `on` when
    /// `categories` is asked for. The plan (budgets, planned counts) is the district's: kept for the
    /// whole district only.
    pub async fn report_facts(&self, scope: &Scope, campaign_id: i64, on: &str, categories: bool) -> Result<Facts> {
        let stored = self.projects(&Scope::All, campaign_id).await?;
        let whole = *scope == Scope::All;
        let index: HashMap<i64, u32> = stored.iter().enumerate().map(|(i, p)| (p.id, i as u32)).collect();
        let projects: Vec<ProjectFact> = stored
            .into_iter()
            .map(|sp| ProjectFact {
                id: sp.id,
                code: sp.project.code.clone(),
                name: sp.project.name.clone(),
                unit_code: sp.project.unit_code.clone(),
                group: sp.project.unit_group,
                counting: sp.project.counting_unit,
                budget: if whole {
                    sp.project.planned_budget.iter().map(|(s, f)| (s.clone(), f.0)).collect()
                } else {
                    Vec::new()
                },
                planned_count: if whole { sp.project.planned_count } else { 0 },
                standard: sp.project.standard.describe(),
                targets: sp.project.target_categories.clone(),
                form: sp.project.form.label().to_string(),
            })
            .collect();
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = crate::dialect::packed_select_db(
            &self.db,
            "e.project_id, e.person_id, COALESCE(e.household_id, pe.household_id, -pe.id),
             COALESCE(e.unit_code, pr.unit_code), COALESCE(e.approved_street, pe.street_code),
             COALESCE(e.approved_committee, pe.committee_code), e.source_code, e.state, e.amount_fen,
             e.approved_amount_fen",
            &format!(
                "FROM entitlements e CROSS JOIN people pe CROSS JOIN projects pr
                 WHERE pe.id = e.person_id AND pr.id = e.project_id AND pr.campaign_id = $1 AND {cond}"
            ),
        );
        let packed: Option<String> = on_db!(&self.db, p => {
            let q = sqlx::query_scalar(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_one(p).await?
        });
        let read: Vec<Row> = crate::dialect::unpack(packed, "汇总")?;
        let mut rows = Vec::with_capacity(read.len());
        for (project, person, household, unit, street, committee, source, state, amount_fen, approved_fen) in read {
            let state = EntitlementState::from_code(&state)
                .ok_or_else(|| StoreError::Invalid(format!("未知的发放状态“{state}”")))?;
            let project = *index.get(&project).ok_or_else(|| StoreError::Invalid(format!("未知项目 {project}")))?;
            rows.push(Fact {
                project,
                person,
                household,
                unit,
                street,
                committee,
                source,
                state,
                amount_fen,
                approved_fen,
            });
        }
        let mut by_person: HashMap<i64, Vec<String>> = HashMap::new();
        if categories {
            let listed: HashSet<i64> = rows.iter().map(|f| f.person).collect();
            let sql = crate::dialect::packed_select_db(
                &self.db,
                "person_id, category_code",
                "FROM person_categories WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)",
            );
            let packed: Option<String> =
                on_db!(&self.db, p => sqlx::query_scalar(&sql).bind(on.to_string()).fetch_one(p).await?);
            let pairs: Vec<(i64, String)> = crate::dialect::unpack(packed, "类别")?;
            for (person, code) in pairs.into_iter().filter(|(p, _)| listed.contains(p)) {
                by_person.entry(person).or_default().push(code);
            }
            for v in by_person.values_mut() {
                v.sort();
                v.dedup();
            }
        }
        Ok(Facts { projects, rows, categories: by_person })
    }
}
