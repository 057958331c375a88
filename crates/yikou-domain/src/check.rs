//! 一口比对 (cross-check), the core: duplicates, household payments, omissions, eligibility and
//! deceased recipients across every project of a campaign at once. Pure and in memory: the store
//! loads compact rows (indices, not names) and this finds the offending keys. Each count means exactly
//! what the peer script `../shared/bench/peer_check.py` counts, so the two can be compared.

use std::collections::{HashMap, HashSet};

use time::Date;

use crate::{age_between, Sex, Standard};

/// A person, as the check needs them (indices into the caller's tables).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckPerson {
    /// Household index; people without a household form one group together (as SQL's GROUP BY does).
    pub household: Option<u32>,
    /// Category indices (current memberships).
    pub categories: Vec<u16>,
    pub deceased: bool,
    /// 迁出: moved out of the district.
    pub moved_away: bool,
    /// Street/town index (for "listed by two streets").
    pub street: Option<u16>,
    /// From the ID number (None where the caller does not need conditions).
    pub birth: Option<Date>,
    pub sex: Option<Sex>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckProject {
    /// 互斥组 index: a person may receive from at most one project of the group.
    pub exclusive_group: Option<u32>,
    /// 按户发放: one payment per household.
    pub per_household: bool,
    /// Target category indices (empty: anyone).
    pub targets: Vec<u16>,
    /// The street/town that runs it (street projects only).
    pub street: Option<u16>,
    /// Conditions on the person, on the campaign's reference date.
    pub min_age: Option<u8>,
    pub max_age: Option<u8>,
    pub sex: Option<Sex>,
    /// The standard amounts are checked against (None: not checked).
    pub standard: Option<Standard>,
    /// Planned money per funding source index.
    pub budget: Vec<(u16, i64)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckEntitlement {
    pub project: u32,
    pub person: u32,
    /// The household the entitlement is paid to (per-household projects).
    pub household: Option<u32>,
    /// 户内人数 the amount was computed for.
    pub household_size: Option<u32>,
    pub amount_fen: i64,
    /// Funding source index.
    pub source: u16,
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
    check_core_with(people, projects, entitlements, None)
}

/// The core rules with an explicit coverage list (None: every category some project targets).
fn check_core_with(
    people: &[CheckPerson],
    projects: &[CheckProject],
    entitlements: &[CheckEntitlement],
    coverage: Option<&[u16]>,
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
    let targeted: HashSet<u16> = match coverage {
        Some(list) => list.iter().copied().collect(),
        None => projects.iter().flat_map(|p| p.targets.iter().copied()).collect(),
    };
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

/// "Members who receive project `receives` are not counted in their household's project
/// `not_counted_in`" (project indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exclusion {
    pub receives: u32,
    pub not_counted_in: u32,
}

/// The campaign's rules beyond what each project says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRules {
    /// Categories everyone of which should receive something (None: every targeted category).
    pub coverage: Option<Vec<u16>>,
    pub exclusions: Vec<Exclusion>,
    /// Most one person may receive in the campaign, in fen.
    pub cap_fen: Option<i64>,
    /// Ages are taken on this date.
    pub on: Date,
}

/// Why an entitlement misses its project's person conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionMiss {
    TooYoung { age: i32, min: u8 },
    TooOld { age: i32, max: u8 },
    WrongSex { required: Sex },
}

/// Everything the full check finds: the core (peer-comparable) findings plus the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllFindings {
    pub core: CoreFindings,
    /// Entitlements of people who moved out of the district.
    pub moved_away_paid: Vec<usize>,
    /// Entitlements whose person misses the project's age or sex condition.
    pub condition: Vec<(usize, ConditionMiss)>,
    /// (exclusion rule index, entitlement in `not_counted_in`, members receiving `receives`,
    /// registered members of the household).
    pub exclusion: Vec<(usize, usize, u32, u32)>,
    /// People listed by street projects of more than one street/town, with those streets.
    pub two_streets: Vec<(u32, Vec<u16>)>,
    /// Entitlements whose amount the project's standard does not allow.
    pub amount_outside: Vec<usize>,
    /// (project, source, planned, actual) where the actual money exceeds the plan.
    pub over_budget: Vec<(u32, u16, i64, i64)>,
    /// (person, total received) above the cap.
    pub over_cap: Vec<(u32, i64)>,
}

/// Runs every rule: the core with `rules.coverage`, then eligibility conditions, exclusions,
/// streets, amounts, budgets and the cap.
pub fn check_all(
    people: &[CheckPerson],
    projects: &[CheckProject],
    entitlements: &[CheckEntitlement],
    rules: &CheckRules,
) -> AllFindings {
    let mut out = AllFindings {
        core: check_core_with(people, projects, entitlements, rules.coverage.as_deref()),
        ..Default::default()
    };

    for (i, e) in entitlements.iter().enumerate() {
        let project = &projects[e.project as usize];
        let person = &people[e.person as usize];
        if person.moved_away {
            out.moved_away_paid.push(i);
        }
        if let Some(birth) = person.birth {
            let age = age_between(birth, rules.on);
            if let Some(min) = project.min_age.filter(|m| age < i32::from(*m)) {
                out.condition.push((i, ConditionMiss::TooYoung { age, min }));
            } else if let Some(max) = project.max_age.filter(|m| age > i32::from(*m)) {
                out.condition.push((i, ConditionMiss::TooOld { age, max }));
            }
        }
        if let (Some(required), Some(sex)) = (project.sex, person.sex) {
            if required != sex {
                out.condition.push((i, ConditionMiss::WrongSex { required }));
            }
        }
        if let Some(standard) = &project.standard {
            if !standard.allows(crate::Fen(e.amount_fen), e.household_size.unwrap_or(1)) {
                out.amount_outside.push(i);
            }
        }
    }

    // Exclusions: in a per-household project, the household size may not count members who
    // receive the excluded project; in a per-person project, such a member may not be listed.
    if !rules.exclusions.is_empty() {
        let mut members: HashMap<u32, u32> = HashMap::new();
        for p in people.iter().filter(|p| !p.deceased) {
            if let Some(h) = p.household {
                *members.entry(h).or_default() += 1;
            }
        }
        for (r, rule) in rules.exclusions.iter().enumerate() {
            let receivers: HashSet<u32> =
                entitlements.iter().filter(|e| e.project == rule.receives).map(|e| e.person).collect();
            let mut receiving_in: HashMap<u32, u32> = HashMap::new();
            for &person in &receivers {
                if let Some(h) = people[person as usize].household {
                    *receiving_in.entry(h).or_default() += 1;
                }
            }
            let per_household = projects[rule.not_counted_in as usize].per_household;
            for (i, e) in entitlements.iter().enumerate().filter(|(_, e)| e.project == rule.not_counted_in) {
                if per_household {
                    let Some(h) = e.household.or(people[e.person as usize].household) else { continue };
                    let m = receiving_in.get(&h).copied().unwrap_or(0);
                    let registered = members.get(&h).copied().unwrap_or(0);
                    if m > 0 && i64::from(e.household_size.unwrap_or(1)) > i64::from(registered) - i64::from(m) {
                        out.exclusion.push((r, i, m, registered));
                    }
                } else if receivers.contains(&e.person) {
                    out.exclusion.push((r, i, 1, 1));
                }
            }
        }
    }

    // The same person listed by more than one street/town's projects.
    let mut streets: Vec<(u32, u16)> =
        entitlements.iter().filter_map(|e| projects[e.project as usize].street.map(|s| (e.person, s))).collect();
    streets.sort_unstable();
    streets.dedup();
    for run in streets.chunk_by(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            out.two_streets.push((run[0].0, run.iter().map(|x| x.1).collect()));
        }
    }

    // Money per project and source against the plan.
    let mut spent: HashMap<(u32, u16), i64> = HashMap::new();
    for e in entitlements {
        *spent.entry((e.project, e.source)).or_default() += e.amount_fen;
    }
    for (j, project) in projects.iter().enumerate() {
        if project.budget.is_empty() {
            continue;
        }
        let mut by_source: HashMap<u16, i64> = project.budget.iter().copied().collect();
        let mut sources: Vec<u16> =
            spent.keys().filter(|(p, _)| *p == j as u32).map(|(_, s)| *s).chain(by_source.keys().copied()).collect();
        sources.sort_unstable();
        sources.dedup();
        for s in sources {
            let actual = spent.get(&(j as u32, s)).copied().unwrap_or(0);
            let planned = by_source.remove(&s).unwrap_or(0);
            if actual > planned {
                out.over_budget.push((j as u32, s, planned, actual));
            }
        }
    }

    if let Some(cap) = rules.cap_fen {
        let mut total = vec![0i64; people.len()];
        for e in entitlements {
            total[e.person as usize] += e.amount_fen;
        }
        out.over_cap = total.iter().enumerate().filter(|(_, t)| **t > cap).map(|(i, t)| (i as u32, *t)).collect();
    }
    out
}

/// What a near-duplicate check needs of one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPerson<'a> {
    pub name: &'a str,
    pub birth: Date,
    pub street: Option<&'a str>,
}

/// Near-duplicates for review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NearDuplicates {
    /// One ID recorded under different names by different sources: (person, the other names).
    pub names: Vec<(u32, Vec<String>)>,
    /// The same name, birth date and street/town under different ID numbers (groups of people).
    pub people: Vec<Vec<u32>>,
}

/// Names are compared after removing spaces and the middle dots of minority and foreign names.
pub fn name_key(name: &str) -> std::borrow::Cow<'_, str> {
    let strip = |c: char| c.is_whitespace() || matches!(c, '·' | '•' | '.' | '．' | '・');
    if name.chars().any(strip) {
        std::borrow::Cow::Owned(name.chars().filter(|c| !strip(*c)).collect())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// `listed` are (person, name as a source listed them).
pub fn near_duplicates(people: &[NamedPerson<'_>], listed: &[(u32, &str)]) -> NearDuplicates {
    let mut out = NearDuplicates::default();
    let mut others: HashMap<u32, Vec<String>> = HashMap::new();
    for &(person, name) in listed {
        let register = name_key(people[person as usize].name);
        let key = name_key(name);
        if !key.is_empty() && key != register {
            let list = others.entry(person).or_default();
            if !list.iter().any(|k| *k == key) {
                list.push(key.into_owned());
            }
        }
    }
    let mut names: Vec<(u32, Vec<String>)> = others.into_iter().collect();
    names.sort_unstable();
    out.names = names;

    // Sorting beats hashing a million string keys.
    let mut keyed: Vec<(std::borrow::Cow<'_, str>, Date, Option<&str>, u32)> =
        people.iter().enumerate().map(|(i, p)| (name_key(p.name), p.birth, p.street, i as u32)).collect();
    keyed.sort_unstable();
    let mut people_groups: Vec<Vec<u32>> = keyed
        .chunk_by(|a, b| (&a.0, a.1, a.2) == (&b.0, b.1, b.2))
        .filter(|g| g.len() > 1)
        .map(|g| g.iter().map(|x| x.3).collect())
        .collect();
    people_groups.sort_unstable();
    out.people = people_groups;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(household: Option<u32>, categories: &[u16], deceased: bool) -> CheckPerson {
        CheckPerson { household, categories: categories.to_vec(), deceased, ..Default::default() }
    }

    fn project(exclusive_group: Option<u32>, per_household: bool, targets: &[u16]) -> CheckProject {
        CheckProject { exclusive_group, per_household, targets: targets.to_vec(), ..Default::default() }
    }

    fn e(project: u32, person: u32) -> CheckEntitlement {
        CheckEntitlement { project, person, ..Default::default() }
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

#[cfg(test)]
mod rule_tests {
    use time::macros::date;

    use super::*;
    use crate::Fen;

    fn rules() -> CheckRules {
        CheckRules { coverage: None, exclusions: Vec::new(), cap_fen: None, on: date!(2020 - 01 - 01) }
    }

    fn ent(project: u32, person: u32, amount_fen: i64) -> CheckEntitlement {
        CheckEntitlement { project, person, amount_fen, ..Default::default() }
    }

    #[test]
    fn coverage_rules_replace_the_targeted_categories() {
        let people = vec![
            CheckPerson { categories: vec![1], ..Default::default() },
            CheckPerson { categories: vec![2], ..Default::default() },
        ];
        let projects = vec![CheckProject { targets: vec![1], ..Default::default() }];
        let default = check_all(&people, &projects, &[], &rules());
        assert_eq!(default.core.omissions, vec![0], "by default only the targeted category 1 is covered");
        let only_two = check_all(&people, &projects, &[], &CheckRules { coverage: Some(vec![2]), ..rules() });
        assert_eq!(only_two.core.omissions, vec![1]);
    }

    #[test]
    fn age_and_sex_conditions_are_taken_on_the_reference_date() {
        let people = vec![
            CheckPerson { birth: Some(date!(1960 - 01 - 02)), sex: Some(Sex::Female), ..Default::default() },
            CheckPerson { birth: Some(date!(1960 - 01 - 01)), sex: Some(Sex::Male), ..Default::default() },
            CheckPerson { birth: Some(date!(2001 - 06 - 01)), sex: Some(Sex::Female), ..Default::default() },
        ];
        let projects = vec![
            CheckProject { min_age: Some(60), ..Default::default() },
            CheckProject { max_age: Some(17), sex: Some(Sex::Female), ..Default::default() },
        ];
        let f = check_all(&people, &projects, &[ent(0, 0, 1), ent(0, 1, 1), ent(1, 2, 1), ent(1, 1, 1)], &rules());
        assert_eq!(
            f.condition,
            vec![
                (0, ConditionMiss::TooYoung { age: 59, min: 60 }),
                (2, ConditionMiss::TooOld { age: 18, max: 17 }),
                (3, ConditionMiss::TooOld { age: 60, max: 17 }),
                (3, ConditionMiss::WrongSex { required: Sex::Female }),
            ]
        );
    }

    #[test]
    fn an_exclusion_counts_household_members_who_receive_the_other_project() {
        // Household 0 has three registered members; member 1 receives the special-object project 0.
        let people = (0..3).map(|_| CheckPerson { household: Some(0), ..Default::default() }).collect::<Vec<_>>();
        let projects = vec![CheckProject::default(), CheckProject { per_household: true, ..Default::default() }];
        let rule = CheckRules { exclusions: vec![Exclusion { receives: 0, not_counted_in: 1 }], ..rules() };
        let paid = |size| CheckEntitlement {
            project: 1,
            person: 0,
            household: Some(0),
            household_size: Some(size),
            amount_fen: 1,
            source: 0,
        };
        let right = check_all(&people, &projects, &[ent(0, 1, 1), paid(2)], &rule);
        assert!(right.exclusion.is_empty(), "two of three members counted: the receiver is left out");
        let wrong = check_all(&people, &projects, &[ent(0, 1, 1), paid(3)], &rule);
        assert_eq!(wrong.exclusion, vec![(0, 1, 1, 3)]);
        let nobody = check_all(&people, &projects, &[paid(3)], &rule);
        assert!(nobody.exclusion.is_empty(), "nobody receives the excluded project");
    }

    #[test]
    fn streets_amounts_budgets_caps_and_moves() {
        let people = vec![CheckPerson { moved_away: true, ..Default::default() }, CheckPerson::default()];
        let projects = vec![
            CheckProject {
                street: Some(1),
                standard: Some(Standard::PerPerson(Fen(50_000))),
                budget: vec![(0, 100_000)],
                ..Default::default()
            },
            CheckProject { street: Some(2), ..Default::default() },
            CheckProject { street: Some(1), ..Default::default() },
        ];
        let ents = vec![ent(0, 0, 50_000), ent(0, 1, 60_000), ent(1, 1, 10), ent(2, 0, 10)];
        let f = check_all(&people, &projects, &ents, &CheckRules { cap_fen: Some(60_000), ..rules() });
        assert_eq!(f.moved_away_paid, vec![0, 3]);
        assert_eq!(f.amount_outside, vec![1], "60,000 fen is not the 500元 standard");
        assert_eq!(f.over_budget, vec![(0, 0, 100_000, 110_000)]);
        assert_eq!(f.two_streets, vec![(1, vec![1, 2])], "person 0 is listed twice by the same street only");
        assert_eq!(f.over_cap, vec![(1, 60_010)]);
    }

    #[test]
    fn near_duplicates_by_listed_name_and_by_name_birth_and_street() {
        let people = vec![
            NamedPerson { name: "张 伟", birth: date!(1950 - 01 - 01), street: Some("S1") },
            NamedPerson { name: "张伟", birth: date!(1950 - 01 - 01), street: Some("S1") },
            NamedPerson { name: "张伟", birth: date!(1950 - 01 - 01), street: Some("S2") },
            NamedPerson { name: "李娜", birth: date!(1970 - 05 - 05), street: None },
        ];
        let f = near_duplicates(&people, &[(3, "李娜"), (3, "李 娜"), (3, "李丽娜"), (3, "李丽娜")]);
        assert_eq!(f.names, vec![(3, vec!["李丽娜".to_string()])], "spacing is not a different name");
        assert_eq!(f.people, vec![vec![0, 1]], "another street is another person");
    }
}
