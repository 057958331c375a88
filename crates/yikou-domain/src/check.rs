//! 一口比对 (cross-check), the core: duplicates, household payments, omissions, eligibility and
//! deceased recipients across every project of a campaign at once. Pure and in memory: the store
//! loads compact rows (indices, not names) and this finds the offending keys. Each count means exactly
//! what the peer script `../shared/bench/peer_check.py` counts, so the two can be compared.

use std::collections::HashSet;

/// A person, as the check needs them (indices into the caller's tables).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckPerson {
    /// Household index; people without a household form one group together (as SQL's GROUP BY does).
    pub household: Option<u32>,
    /// Category indices (current memberships).
    pub categories: Vec<u16>,
    pub deceased: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckProject {
    /// 互斥组 index: a person may receive from at most one project of the group.
    pub exclusive_group: Option<u32>,
    /// 按户发放: one payment per household.
    pub per_household: bool,
    /// Target category indices (empty: anyone).
    pub targets: Vec<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckEntitlement {
    pub project: u32,
    pub person: u32,
}

/// The offending keys of each rule; counts are their lengths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreFindings {
    /// (project, person) pairs occurring more than once.
    pub dup_in_project: Vec<(u32, u32)>,
    /// (exclusive group, person) pairs spread over more than one project of the group.
    pub dup_exclusive: Vec<(u32, u32)>,
    /// (per-household project, household) pairs paid for more than one person (None: no household).
    pub household_twice: Vec<(u32, Option<u32>)>,
    /// People with a category some project targets and no entitlement at all.
    pub omissions: Vec<u32>,
    /// Entitlements (indices) whose project targets categories none of which the person has.
    pub ineligible: Vec<usize>,
    /// Entitlements (indices) of people marked deceased.
    pub deceased_paid: Vec<usize>,
}

/// Counts with the peer script's names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CoreCounts {
    pub dup_in_project: u64,
    pub dup_exclusive: u64,
    pub household_twice: u64,
    pub omissions: u64,
    pub ineligible: u64,
    pub deceased_paid: u64,
}

impl CoreFindings {
    pub fn counts(&self) -> CoreCounts {
        CoreCounts {
            dup_in_project: self.dup_in_project.len() as u64,
            dup_exclusive: self.dup_exclusive.len() as u64,
            household_twice: self.household_twice.len() as u64,
            omissions: self.omissions.len() as u64,
            ineligible: self.ineligible.len() as u64,
            deceased_paid: self.deceased_paid.len() as u64,
        }
    }
}

/// Runs the core rules. Indices in `entitlements` must be valid for `people` and `projects`.
pub fn check_core(
    people: &[CheckPerson],
    projects: &[CheckProject],
    entitlements: &[CheckEntitlement],
) -> CoreFindings {
    let mut out = CoreFindings::default();

    // Same person twice in one project.
    let mut pairs: Vec<(u32, u32)> = entitlements.iter().map(|e| (e.project, e.person)).collect();
    pairs.sort_unstable();
    for run in pairs.chunk_by(|a, b| a == b) {
        if run.len() > 1 {
            out.dup_in_project.push(run[0]);
        }
    }
    pairs.dedup();

    // Same person in two projects of an exclusive group.
    let mut grouped: Vec<(u32, u32, u32)> = pairs
        .iter()
        .filter_map(|&(project, person)| projects[project as usize].exclusive_group.map(|g| (g, person, project)))
        .collect();
    grouped.sort_unstable();
    for run in grouped.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        // `pairs` was deduplicated, so each element of a run is a distinct project.
        if run.len() > 1 {
            out.dup_exclusive.push((run[0].0, run[0].1));
        }
    }

    // A household paid twice in a per-household project: more than one distinct person.
    let mut households: Vec<(u32, Option<u32>, u32)> = pairs
        .iter()
        .filter(|(project, _)| projects[*project as usize].per_household)
        .map(|&(project, person)| (project, people[person as usize].household, person))
        .collect();
    households.sort_unstable();
    for run in households.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if run.len() > 1 {
            out.household_twice.push((run[0].0, run[0].1));
        }
    }

    // Omissions: a targeted category and nothing received.
    let targeted: HashSet<u16> = projects.iter().flat_map(|p| p.targets.iter().copied()).collect();
    let mut receives = vec![false; people.len()];
    for e in entitlements {
        receives[e.person as usize] = true;
    }
    for (i, p) in people.iter().enumerate() {
        if !receives[i] && p.categories.iter().any(|c| targeted.contains(c)) {
            out.omissions.push(i as u32);
        }
    }

    // Ineligible and deceased, per entitlement.
    for (i, e) in entitlements.iter().enumerate() {
        let project = &projects[e.project as usize];
        let person = &people[e.person as usize];
        if !project.targets.is_empty() && !project.targets.iter().any(|t| person.categories.contains(t)) {
            out.ineligible.push(i);
        }
        if person.deceased {
            out.deceased_paid.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(household: Option<u32>, categories: &[u16], deceased: bool) -> CheckPerson {
        CheckPerson { household, categories: categories.to_vec(), deceased }
    }

    fn project(exclusive_group: Option<u32>, per_household: bool, targets: &[u16]) -> CheckProject {
        CheckProject { exclusive_group, per_household, targets: targets.to_vec() }
    }

    fn e(project: u32, person: u32) -> CheckEntitlement {
        CheckEntitlement { project, person }
    }

    #[test]
    fn a_clean_campaign_has_no_findings() {
        let people = vec![person(Some(0), &[1], false), person(Some(1), &[2], false)];
        let projects = vec![project(None, false, &[1]), project(None, true, &[2])];
        let f = check_core(&people, &projects, &[e(0, 0), e(1, 1)]);
        assert_eq!(f, CoreFindings::default());
    }

    #[test]
    fn each_rule_counts_distinct_offending_keys() {
        let people = vec![
            person(Some(0), &[1], false), // 0: twice in project 0 (three times: still one pair)
            person(Some(0), &[1], false), // 1: same household as 0 in per-household project 2
            person(Some(1), &[1], true),  // 2: deceased, in two projects of exclusive group 7
            person(Some(2), &[3], false), // 3: ineligible for project 0 (targets 1)
            person(Some(3), &[1], false), // 4: omission (category 1 targeted, receives nothing)
            person(Some(4), &[9], false), // 5: category nobody targets: not an omission
        ];
        let projects = vec![
            project(None, false, &[1]),
            project(Some(7), false, &[1]),
            project(Some(7), true, &[1]),
            project(None, false, &[]),
        ];
        let ents = vec![e(0, 0), e(0, 0), e(0, 0), e(2, 0), e(2, 1), e(1, 2), e(2, 2), e(0, 3), e(3, 3)];
        let f = check_core(&people, &projects, &ents);
        assert_eq!(f.dup_in_project, vec![(0, 0)]);
        assert_eq!(f.dup_exclusive, vec![(7, 2)]);
        assert_eq!(f.household_twice, vec![(2, Some(0))]);
        assert_eq!(f.omissions, vec![4]);
        assert_eq!(f.ineligible, vec![7], "project 3 targets no one, so anyone is eligible");
        assert_eq!(f.deceased_paid, vec![5, 6]);
        let c = f.counts();
        assert_eq!((c.dup_in_project, c.dup_exclusive, c.household_twice), (1, 1, 1));
        assert_eq!((c.omissions, c.ineligible, c.deceased_paid), (1, 1, 2));
    }

    #[test]
    fn people_without_a_household_group_together_as_sql_does() {
        let people = vec![person(None, &[1], false), person(None, &[1], false)];
        let projects = vec![project(None, true, &[1])];
        let f = check_core(&people, &projects, &[e(0, 0), e(0, 1)]);
        assert_eq!(f.household_twice, vec![(0, None)]);
    }
}
