//! 汇总 (summary): the plan's section 四 rebuilt from data, and the counting rules.
//! 人数 = distinct people, 人次 = entitlements; 户数 = distinct households.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::money::{group_thousands, Fen};

/// One unit group's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    pub group: String,
    pub projects: i64,
    pub person_times: i64,
    pub people: i64,
    pub households: i64,
    pub amount_fen: i64,
    pub standard_min_fen: Option<i64>,
    pub standard_max_fen: Option<i64>,
    /// Funding source name → fen.
    pub by_source_fen: BTreeMap<String, i64>,
    /// The plan (the group's projects' budgets; the whole district's only, else 0), the money
    /// approved (下达) and disbursed (已发放).
    pub planned_fen: i64,
    pub approved_fen: i64,
    pub disbursed_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TotalSummary {
    pub projects: i64,
    pub person_times: i64,
    pub people: i64,
    pub households: i64,
    pub amount_fen: i64,
    /// Top-level categories the campaign's projects cover.
    pub categories: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stated {
    pub person_times: Option<i64>,
    pub amount_fen: Option<i64>,
}

/// A stated figure that the data does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub field: String,
    pub stated: i64,
    pub computed: i64,
    pub difference: i64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignSummary {
    pub campaign: String,
    pub year: i32,
    pub groups: Vec<GroupSummary>,
    pub total: TotalSummary,
    pub stated: Stated,
    pub mismatches: Vec<Mismatch>,
}

/// Compares stated figures with computed ones and lists every difference.
pub fn mismatches(stated: &Stated, total: &TotalSummary) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(s) = stated.person_times {
        if s != total.person_times {
            out.push(Mismatch {
                field: "person_times".into(),
                stated: s,
                computed: total.person_times,
                difference: s - total.person_times,
                message: format!(
                    "方案所述总人次 {} 与各部分合计 {} 不符（相差 {}）",
                    group_thousands(s.unsigned_abs()),
                    group_thousands(total.person_times.unsigned_abs()),
                    group_thousands((s - total.person_times).unsigned_abs())
                ),
            });
        }
    }
    if let Some(s) = stated.amount_fen {
        if s != total.amount_fen {
            out.push(Mismatch {
                field: "amount_fen".into(),
                stated: s,
                computed: total.amount_fen,
                difference: s - total.amount_fen,
                message: format!(
                    "方案所述总金额 {}万元 与各部分合计 {}万元 不符（相差 {}万元）",
                    Fen(s).wan(),
                    Fen(total.amount_fen).wan(),
                    Fen(s - total.amount_fen).wan()
                ),
            });
        }
    }
    out
}

/// Adds the group rows into a total (people and households must come from a distinct count over
/// all groups, not from a sum, since one person can be in several groups).
pub fn total_of(groups: &[GroupSummary], people: i64, households: i64, categories: i64) -> TotalSummary {
    TotalSummary {
        projects: groups.iter().map(|g| g.projects).sum(),
        person_times: groups.iter().map(|g| g.person_times).sum(),
        people,
        households,
        amount_fen: groups.iter().map(|g| g.amount_fen).sum(),
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stated_totals_that_do_not_add_up_are_listed() {
        let total = TotalSummary {
            projects: 122,
            person_times: 108_044,
            people: 1,
            households: 1,
            amount_fen: 7_322_530_000,
            categories: 10,
        };
        let m = mismatches(&Stated { person_times: Some(112_800), amount_fen: Some(7_322_830_000) }, &total);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].difference, 4_756);
        assert_eq!(m[0].message, "方案所述总人次 112,800 与各部分合计 108,044 不符（相差 4,756）");
        assert_eq!(m[1].message, "方案所述总金额 7,322.83万元 与各部分合计 7,322.53万元 不符（相差 0.30万元）");
        let none = mismatches(&Stated { person_times: Some(108_044), amount_fen: None }, &total);
        assert!(none.is_empty());
    }
}
