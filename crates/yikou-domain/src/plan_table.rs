//! The plan's table rebuilt from data (section 四 and 附表1): one line per project, grouped by unit group
//! with a subtotal per group and a total, in one pass over the facts — planned and listed person-times,
//! distinct people, money planned, listed and disbursed, and the listed money by funding source. The
//! lines add up: each subtotal's money and person-times are the sums of its projects' (distinct people
//! are counted, and say so).

use std::collections::HashMap;

use serde::Serialize;

use crate::report::{Facts, ProjectFact};
use crate::{EntitlementState, UnitGroup};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LineKind {
    Project,
    Subtotal,
    Total,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    pub kind: LineKind,
    pub group: UnitGroup,
    /// The project's (index into `Facts::projects`), for project lines.
    pub project: Option<usize>,
    pub planned_times: i64,
    pub listed_times: i64,
    pub people: i64,
    pub planned_fen: i64,
    pub listed_fen: i64,
    pub disbursed_fen: i64,
    /// Listed money per funding source, in the order of `sources`.
    pub by_source_fen: Vec<i64>,
}

/// The table: the funding sources' codes (the columns) and the lines, group by group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanTable {
    pub sources: Vec<String>,
    pub lines: Vec<PlanLine>,
}

fn blank(kind: LineKind, group: UnitGroup, project: Option<usize>, sources: usize) -> PlanLine {
    PlanLine {
        kind,
        group,
        project,
        planned_times: 0,
        listed_times: 0,
        people: 0,
        planned_fen: 0,
        listed_fen: 0,
        disbursed_fen: 0,
        by_source_fen: vec![0; sources],
    }
}

fn add(into: &mut PlanLine, from: &PlanLine) {
    into.planned_times += from.planned_times;
    into.listed_times += from.listed_times;
    into.planned_fen += from.planned_fen;
    into.listed_fen += from.listed_fen;
    into.disbursed_fen += from.disbursed_fen;
    for (a, b) in into.by_source_fen.iter_mut().zip(&from.by_source_fen) {
        *a += b;
    }
}

fn distinct(mut v: Vec<i64>) -> i64 {
    v.sort_unstable();
    v.dedup();
    v.len() as i64
}

/// Builds the table. Projects are ordered by group, then unit, then code; `sources` are the funding
/// sources' codes in the order of the columns (money of any other source still counts in the total).
pub fn plan_table(facts: &Facts, sources: &[String]) -> PlanTable {
    let n = sources.len();
    let column: HashMap<&str, usize> = sources.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let mut lines: Vec<PlanLine> =
        facts.projects.iter().enumerate().map(|(i, p)| blank(LineKind::Project, p.group, Some(i), n)).collect();
    let mut people: Vec<Vec<i64>> = vec![Vec::new(); facts.projects.len()];
    for (line, p) in lines.iter_mut().zip(&facts.projects) {
        line.planned_times = p.planned_count;
        line.planned_fen = p.budget.iter().map(|(_, f)| f).sum();
    }
    for f in &facts.rows {
        let line = &mut lines[f.project as usize];
        line.listed_times += 1;
        line.listed_fen += f.amount_fen;
        if f.state == EntitlementState::Disbursed {
            line.disbursed_fen += f.approved_fen.unwrap_or(f.amount_fen);
        }
        if let Some(c) = column.get(f.source.as_str()) {
            line.by_source_fen[*c] += f.amount_fen;
        }
        people[f.project as usize].push(f.person);
    }
    let order =
        |p: &ProjectFact| (UnitGroup::ALL.iter().position(|g| *g == p.group), p.unit_code.clone(), p.code.clone());
    let mut idx: Vec<usize> = (0..facts.projects.len()).collect();
    idx.sort_by_key(|&i| order(&facts.projects[i]));
    let mut out = Vec::new();
    let mut total = blank(LineKind::Total, UnitGroup::CivilAffairs, None, n);
    let mut everyone = Vec::new();
    for g in UnitGroup::ALL {
        let mut sub = blank(LineKind::Subtotal, g, None, n);
        let mut group_people = Vec::new();
        for &i in idx.iter().filter(|&&i| facts.projects[i].group == g) {
            let mut line = lines[i].clone();
            line.people = distinct(people[i].clone());
            group_people.extend_from_slice(&people[i]);
            add(&mut sub, &line);
            out.push(line);
        }
        sub.people = distinct(group_people.clone());
        everyone.extend(group_people);
        add(&mut total, &sub);
        out.push(sub);
    }
    total.people = distinct(everyone);
    out.push(total);
    PlanTable { sources: sources.to_vec(), lines: out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Fact;
    use crate::CountingUnit;

    fn project(id: i64, unit: &str, group: UnitGroup, budget: i64) -> ProjectFact {
        ProjectFact {
            id,
            code: format!("P{id}"),
            name: format!("项目{id}"),
            unit_code: unit.into(),
            group,
            counting: CountingUnit::Person,
            budget: vec![("QJ".into(), budget)],
            planned_count: 2,
            standard: "500元/人".into(),
            targets: vec![],
            form: "现金".into(),
        }
    }

    fn fact(project: u32, person: i64, source: &str, state: EntitlementState) -> Fact {
        Fact {
            project,
            person,
            household: person,
            unit: "U".into(),
            street: None,
            committee: None,
            source: source.into(),
            state,
            amount_fen: 50_000,
            approved_fen: None,
        }
    }

    #[test]
    fn subtotals_and_the_total_add_up_and_people_are_counted_once() {
        use EntitlementState::*;
        let facts = Facts {
            projects: vec![
                project(1, "MZ", UnitGroup::CivilAffairs, 100_000),
                project(2, "JD", UnitGroup::Streets, 100_000),
                project(3, "MZ", UnitGroup::CivilAffairs, 50_000),
            ],
            rows: vec![
                fact(0, 1, "QJ", Disbursed),
                fact(0, 2, "SJ", Approved),
                fact(2, 1, "QJ", Draft),
                fact(1, 1, "SHMJ", Disbursed),
            ],
            categories: Default::default(),
        };
        let t = plan_table(&facts, &["SJ".to_string(), "QJ".to_string()]);
        let kinds: Vec<LineKind> = t.lines.iter().map(|l| l.kind).collect();
        use LineKind::*;
        assert_eq!(kinds, vec![Project, Project, Subtotal, Subtotal, Project, Subtotal, Total]);
        let mz = &t.lines[2];
        assert_eq!((mz.listed_times, mz.people, mz.planned_fen, mz.listed_fen), (3, 2, 150_000, 150_000));
        assert_eq!(mz.by_source_fen, vec![50_000, 100_000]);
        assert_eq!(mz.disbursed_fen, 50_000);
        let total = t.lines.last().unwrap();
        assert_eq!((total.listed_times, total.people, total.listed_fen), (4, 2, 200_000));
        // A source without a column (社会募集) still counts in the money, not in the columns.
        assert_eq!(total.by_source_fen.iter().sum::<i64>(), 150_000);
        let sums: i64 = t.lines.iter().filter(|l| l.kind == Subtotal).map(|l| l.listed_fen).sum();
        assert_eq!(sums, total.listed_fen, "the subtotals add up to the total");
        // The departments' group has no project: an empty subtotal.
        assert_eq!(t.lines[3].listed_times, 0);
    }
}
