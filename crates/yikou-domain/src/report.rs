//! 汇总 with drill-down: a campaign's entitlements as plain facts (read once by the store), tallied by
//! one dimension — unit group, unit, project, roster (project × unit), category, street/town, committee
//! or funding source — within a drill (the figure clicked on above), following the counting rules:
//! 人 = distinct people, 人次 = entitlements, 户 = distinct households, 户次 = entitlements of projects
//! counted by household; money listed, approved (下达), disbursed (已发放) and failed, against the plan
//! (the projects' budgets) where a row is made of whole projects. Distinct counts never add up across
//! rows (one person in two projects is one person in the total): the total is counted, not summed.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use crate::{CountingUnit, EntitlementState, UnitGroup};

crate::finding::coded_enum! {
    /// What a summary's rows are.
    Dimension {
        Group = "group", "单位类别";
        Unit = "unit", "单位";
        Project = "project", "项目";
        Roster = "roster", "名单";
        Category = "category", "困难类别";
        Street = "street", "街镇";
        Committee = "committee", "居村委";
        Source = "source", "资金来源";
    }
}

impl Dimension {
    /// The level below a row of this dimension when one clicks on it (group → unit → project →
    /// roster; street → committee), if any.
    pub fn below(self) -> Option<Dimension> {
        match self {
            Dimension::Group => Some(Dimension::Unit),
            Dimension::Unit => Some(Dimension::Project),
            Dimension::Project => Some(Dimension::Roster),
            Dimension::Street => Some(Dimension::Committee),
            Dimension::Category | Dimension::Source => Some(Dimension::Group),
            Dimension::Roster | Dimension::Committee => None,
        }
    }
}

/// A project as the tally needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFact {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_code: String,
    pub group: UnitGroup,
    pub counting: CountingUnit,
    /// The plan: (funding source code, fen).
    pub budget: Vec<(String, i64)>,
    pub planned_count: i64,
    /// The standard in words ("900元/人"), the target categories' codes and the form (现金 …).
    pub standard: String,
    pub targets: Vec<String>,
    pub form: String,
}

/// One entitlement. `project` indexes `Facts::projects`; codes are kept as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub project: u32,
    pub person: i64,
    pub household: i64,
    pub unit: String,
    pub street: Option<String>,
    pub committee: Option<String>,
    pub source: String,
    pub state: EntitlementState,
    pub amount_fen: i64,
    pub approved_fen: Option<i64>,
}

/// A campaign's entitlements in one area, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub projects: Vec<ProjectFact>,
    pub rows: Vec<Fact>,
    /// Each person's categories (current on the campaign's date).
    pub categories: HashMap<i64, Vec<String>>,
}

/// The figure clicked on: every field set narrows the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drill {
    pub group: Option<UnitGroup>,
    pub unit: Option<String>,
    pub project: Option<i64>,
    /// The roster's unit (with `project`).
    pub roster_unit: Option<String>,
    pub category: Option<String>,
    pub street: Option<String>,
    pub committee: Option<String>,
    pub source: Option<String>,
}

/// One row's figures (or the total's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Figures {
    /// The row's key: a unit group's code, a unit's, a project's id, "project id/unit", a category's,
    /// a street's, a committee's or a source's code ("" when the person has none).
    pub key: String,
    pub people: i64,
    pub person_times: i64,
    pub households: i64,
    pub household_times: i64,
    pub listed_fen: i64,
    pub approved_times: i64,
    pub approved_fen: i64,
    pub disbursed_times: i64,
    pub disbursed_fen: i64,
    pub failed_times: i64,
    pub failed_fen: i64,
    /// The projects' budgets and planned counts, where the row is made of whole projects (group, unit,
    /// project; by source: the budgets' lines of that source).
    pub planned_fen: Option<i64>,
    pub planned_count: Option<i64>,
}

/// A summary: its rows in key order and the total (distinct counts counted over all rows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub by: Option<Dimension>,
    pub rows: Vec<Figures>,
    pub total: Figures,
}

pub fn group_code(g: UnitGroup) -> &'static str {
    match g {
        UnitGroup::CivilAffairs => "civil_affairs",
        UnitGroup::Departments => "departments",
        UnitGroup::Streets => "streets",
    }
}

pub fn group_of_code(code: &str) -> Option<UnitGroup> {
    UnitGroup::ALL.into_iter().find(|g| group_code(*g) == code)
}

impl Drill {
    /// Is this entitlement (of project `p`) within the drill?
    pub fn keeps(&self, f: &Fact, p: &ProjectFact, categories: &HashMap<i64, Vec<String>>) -> bool {
        self.group.is_none_or(|g| g == p.group)
            && self.unit.as_ref().is_none_or(|u| *u == p.unit_code)
            && self.project.is_none_or(|id| id == p.id)
            && self.roster_unit.as_ref().is_none_or(|u| *u == f.unit)
            && self.street.as_ref().is_none_or(|s| f.street.as_ref() == Some(s))
            && self.committee.as_ref().is_none_or(|c| f.committee.as_ref() == Some(c))
            && self.source.as_ref().is_none_or(|s| *s == f.source)
            && self.category.as_ref().is_none_or(|c| categories.get(&f.person).is_some_and(|v| v.contains(c)))
    }
}

impl Figures {
    fn add(&mut self, f: &Fact, p: &ProjectFact) {
        self.person_times += 1;
        if p.counting == CountingUnit::Household {
            self.household_times += 1;
        }
        self.listed_fen += f.amount_fen;
        let approved = f.approved_fen.unwrap_or(f.amount_fen);
        match f.state {
            EntitlementState::Draft | EntitlementState::Submitted => return,
            EntitlementState::Disbursed => {
                self.disbursed_times += 1;
                self.disbursed_fen += approved;
            }
            EntitlementState::Failed => {
                self.failed_times += 1;
                self.failed_fen += approved;
            }
            EntitlementState::Approved | EntitlementState::Reissued => {}
        }
        self.approved_times += 1;
        self.approved_fen += approved;
    }

    /// The share disbursed of what was approved (发放进度), in per cent.
    pub fn progress(&self) -> Option<f64> {
        (self.approved_fen > 0).then(|| self.disbursed_fen as f64 * 100.0 / self.approved_fen as f64)
    }
}

/// Distinct (row, value) pairs counted per row.
fn distinct_per_row(mut pairs: Vec<(u32, i64)>, rows: usize) -> Vec<i64> {
    pairs.sort_unstable();
    pairs.dedup();
    let mut out = vec![0; rows];
    for (r, _) in pairs {
        out[r as usize] += 1;
    }
    out
}

/// The row of a key, added when new.
fn row_index<'a>(index: &mut HashMap<Cow<'a, str>, u32>, rows: &mut Vec<Figures>, key: Cow<'a, str>) -> u32 {
    if let Some(r) = index.get(key.as_ref()) {
        return *r;
    }
    rows.push(Figures { key: key.to_string(), ..Default::default() });
    index.insert(key, rows.len() as u32 - 1);
    rows.len() as u32 - 1
}

/// Tallies the facts by `by` within `drill`.
pub fn tally(facts: &Facts, by: Dimension, drill: &Drill) -> Tally {
    let mut rows: Vec<Figures> = Vec::new();
    // Keys are looked up borrowed (no allocation per entitlement); a project's key once per project.
    let mut index: HashMap<Cow<'_, str>, u32> = HashMap::new();
    let mut per_project: Vec<Option<u32>> = vec![None; facts.projects.len()];
    let mut people: Vec<(u32, i64)> = Vec::with_capacity(facts.rows.len());
    let mut households: Vec<(u32, i64)> = Vec::with_capacity(facts.rows.len());
    let mut total = Figures::default();
    let mut all_people: Vec<i64> = Vec::with_capacity(facts.rows.len());
    let mut all_households: Vec<i64> = Vec::with_capacity(facts.rows.len());
    let mut keys: Vec<u32> = Vec::with_capacity(4);
    for f in &facts.rows {
        let p = &facts.projects[f.project as usize];
        if !drill.keeps(f, p, &facts.categories) {
            continue;
        }
        total.add(f, p);
        all_people.push(f.person);
        all_households.push(f.household);
        keys.clear();
        match by {
            Dimension::Group | Dimension::Unit | Dimension::Project => {
                let r = match per_project[f.project as usize] {
                    Some(r) => r,
                    None => {
                        let key = match by {
                            Dimension::Group => group_code(p.group).into(),
                            Dimension::Unit => p.unit_code.as_str().into(),
                            _ => p.id.to_string().into(),
                        };
                        let r = row_index(&mut index, &mut rows, key);
                        per_project[f.project as usize] = Some(r);
                        r
                    }
                };
                keys.push(r);
            }
            Dimension::Roster => keys.push(row_index(&mut index, &mut rows, format!("{}/{}", p.id, f.unit).into())),
            Dimension::Street => keys.push(row_index(&mut index, &mut rows, f.street.as_deref().unwrap_or("").into())),
            Dimension::Committee => {
                keys.push(row_index(&mut index, &mut rows, f.committee.as_deref().unwrap_or("").into()))
            }
            Dimension::Source => keys.push(row_index(&mut index, &mut rows, f.source.as_str().into())),
            // One person of two categories counts in both rows (and once in the total).
            Dimension::Category => match (&drill.category, facts.categories.get(&f.person)) {
                (Some(c), _) => keys.push(row_index(&mut index, &mut rows, c.as_str().into())),
                (None, Some(v)) if !v.is_empty() => {
                    for c in v {
                        keys.push(row_index(&mut index, &mut rows, c.as_str().into()));
                    }
                }
                _ => keys.push(row_index(&mut index, &mut rows, "".into())),
            },
        }
        for &r in &keys {
            rows[r as usize].add(f, p);
            people.push((r, f.person));
            households.push((r, f.household));
        }
    }
    for (r, n) in distinct_per_row(people, rows.len()).into_iter().enumerate() {
        rows[r].people = n;
    }
    for (r, n) in distinct_per_row(households, rows.len()).into_iter().enumerate() {
        rows[r].households = n;
    }
    all_people.sort_unstable();
    all_people.dedup();
    all_households.sort_unstable();
    all_households.dedup();
    total.people = all_people.len() as i64;
    total.households = all_households.len() as i64;
    plan(facts, by, drill, &mut rows, &mut total);
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    Tally { by: Some(by), rows, total }
}

/// The plan beside the rows made of whole projects: every project the drill keeps counts, listed or
/// not (a project nobody is listed on yet still has its budget).
fn plan(facts: &Facts, by: Dimension, drill: &Drill, rows: &mut Vec<Figures>, total: &mut Figures) {
    let per_project = matches!(by, Dimension::Group | Dimension::Unit | Dimension::Project | Dimension::Source);
    let narrowed_by_people =
        drill.roster_unit.is_some() || drill.street.is_some() || drill.committee.is_some() || drill.category.is_some();
    if !per_project || narrowed_by_people {
        return;
    }
    let mut planned: HashMap<String, (i64, i64)> = HashMap::new();
    let mut whole = (0, 0);
    for p in &facts.projects {
        let kept = drill.group.is_none_or(|g| g == p.group)
            && drill.unit.as_ref().is_none_or(|u| *u == p.unit_code)
            && drill.project.is_none_or(|id| id == p.id);
        if !kept {
            continue;
        }
        let lines = p.budget.iter().filter(|(s, _)| drill.source.as_ref().is_none_or(|d| d == s));
        let money: i64 = lines.clone().map(|(_, f)| f).sum();
        whole.0 += money;
        whole.1 += p.planned_count;
        match by {
            Dimension::Source => {
                for (s, f) in lines {
                    planned.entry(s.clone()).or_default().0 += f;
                }
            }
            _ => {
                let key = match by {
                    Dimension::Group => group_code(p.group).to_string(),
                    Dimension::Unit => p.unit_code.clone(),
                    _ => p.id.to_string(),
                };
                let e = planned.entry(key).or_default();
                e.0 += money;
                e.1 += p.planned_count;
            }
        }
    }
    for (key, (money, count)) in &planned {
        if !rows.iter().any(|r| r.key == *key) {
            rows.push(Figures { key: key.clone(), ..Default::default() });
        }
        let r = rows.iter_mut().find(|r| r.key == *key).expect("just added");
        r.planned_fen = Some(*money);
        r.planned_count = (by != Dimension::Source).then_some(*count);
    }
    total.planned_fen = Some(whole.0);
    total.planned_count = drill.source.is_none().then_some(whole.1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(id: i64, unit: &str, group: UnitGroup, counting: CountingUnit, budget: i64) -> ProjectFact {
        ProjectFact {
            id,
            code: format!("P{id}"),
            name: format!("项目{id}"),
            unit_code: unit.into(),
            group,
            counting,
            budget: vec![("QJ".into(), budget)],
            planned_count: 10,
            standard: "100元/人".into(),
            targets: vec!["DB".into()],
            form: "现金".into(),
        }
    }

    fn fact(project: u32, person: i64, household: i64, street: &str, state: EntitlementState, fen: i64) -> Fact {
        Fact {
            project,
            person,
            household,
            unit: "U".into(),
            street: Some(street.into()),
            committee: None,
            source: "QJ".into(),
            state,
            amount_fen: fen,
            approved_fen: None,
        }
    }

    fn facts() -> Facts {
        use EntitlementState::*;
        Facts {
            projects: vec![
                project(1, "MZ", UnitGroup::CivilAffairs, CountingUnit::Person, 10_000),
                project(2, "MZ", UnitGroup::CivilAffairs, CountingUnit::Household, 20_000),
                project(3, "RS", UnitGroup::Departments, CountingUnit::Person, 5_000),
                // Nobody listed yet: its plan still counts.
                project(4, "JD", UnitGroup::Streets, CountingUnit::Person, 7_000),
            ],
            rows: vec![
                fact(0, 1, 100, "S1", Disbursed, 1_000),
                fact(0, 2, 100, "S1", Failed, 1_000),
                fact(1, 1, 100, "S1", Approved, 3_000),
                fact(2, 1, 100, "S2", Draft, 500),
                fact(2, 3, 300, "S2", Disbursed, 500),
            ],
            categories: [(1, vec!["DB".to_string(), "TK".to_string()]), (2, vec!["DB".to_string()])].into(),
        }
    }

    #[test]
    fn people_and_households_are_distinct_within_a_row_and_the_total_is_counted_not_summed() {
        let t = tally(&facts(), Dimension::Group, &Drill::default());
        let mz = &t.rows[0];
        assert_eq!(mz.key, "civil_affairs");
        assert_eq!((mz.people, mz.person_times, mz.households, mz.household_times), (2, 3, 1, 1));
        let rs = t.rows.iter().find(|r| r.key == "departments").unwrap();
        assert_eq!((rs.people, rs.person_times), (2, 2));
        // Person 1 is in both groups: three people in all, not four.
        assert_eq!((t.total.people, t.total.person_times, t.total.households), (3, 5, 2));
        let summed: i64 = t.rows.iter().map(|r| r.person_times).sum();
        assert_eq!(summed, t.total.person_times, "person-times add up");
    }

    #[test]
    fn money_is_split_by_state_and_set_against_the_plan_of_whole_projects() {
        let t = tally(&facts(), Dimension::Group, &Drill::default());
        let mz = &t.rows[0];
        assert_eq!((mz.listed_fen, mz.approved_fen, mz.disbursed_fen, mz.failed_fen), (5_000, 5_000, 1_000, 1_000));
        assert_eq!((mz.approved_times, mz.disbursed_times, mz.failed_times), (3, 1, 1));
        assert_eq!(mz.planned_fen, Some(30_000));
        let streets = t.rows.iter().find(|r| r.key == "streets").expect("a planned group with nobody listed");
        assert_eq!((streets.person_times, streets.planned_fen), (0, Some(7_000)));
        assert_eq!(t.total.planned_fen, Some(42_000));
        let rs = t.rows.iter().find(|r| r.key == "departments").unwrap();
        assert_eq!((rs.listed_fen, rs.approved_fen), (1_000, 500), "a draft is listed, not approved");
        // By street the rows are not whole projects: no plan beside them.
        let s = tally(&facts(), Dimension::Street, &Drill::default());
        assert!(s.rows.iter().all(|r| r.planned_fen.is_none()) && s.total.planned_fen.is_none());
    }

    #[test]
    fn a_drill_narrows_every_row_and_a_category_row_counts_a_person_of_two_categories_in_both() {
        let d = Drill { group: Some(UnitGroup::CivilAffairs), ..Default::default() };
        let t = tally(&facts(), Dimension::Project, &d);
        assert_eq!(t.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), vec!["1", "2"]);
        assert_eq!(t.total.person_times, 3);
        let c = tally(&facts(), Dimension::Category, &Drill::default());
        let people: Vec<(&str, i64)> = c.rows.iter().map(|r| (r.key.as_str(), r.people)).collect();
        assert_eq!(people, vec![("", 1), ("DB", 2), ("TK", 1)]);
        assert_eq!(c.total.people, 3);
        let tk = tally(&facts(), Dimension::Street, &Drill { category: Some("TK".into()), ..Default::default() });
        assert_eq!(tk.total.person_times, 3, "only person 1's entries");
        assert_eq!(Dimension::Group.below(), Some(Dimension::Unit));
        assert_eq!(Dimension::Roster.below(), None);
    }
}
