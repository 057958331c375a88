//! The rows turned into the domain engine's input (codes become small indices), and the run of
//! the rules over them.

use std::collections::{HashMap, HashSet};

use time::Date;
use yikou_domain::check::{
    check_all, near_duplicates, AllFindings, CheckEntitlement, CheckPerson, CheckProject, CheckRules, Exclusion,
    NamedPerson, NearDuplicates,
};
use yikou_domain::reference::DISTRICT_CODE;
use yikou_domain::{Sex, UnitGroup};

use super::load::Rows;
use super::CheckCounts;

/// Person id → position in the id-ordered list. Ids are nearly dense, so a direct table from the
/// smallest id is used when it is small enough; otherwise a binary search.
pub(super) struct PersonIndex {
    ids: Vec<i64>,
    first: i64,
    direct: Vec<u32>,
}

impl PersonIndex {
    fn new(ids: Vec<i64>) -> PersonIndex {
        let first = ids.first().copied().unwrap_or(0);
        let span = ids.last().map_or(0, |l| (l - first + 1) as usize);
        let mut direct = Vec::new();
        if span <= ids.len() * 4 + 1024 {
            direct = vec![u32::MAX; span];
            for (i, id) in ids.iter().enumerate() {
                direct[(id - first) as usize] = i as u32;
            }
        }
        PersonIndex { ids, first, direct }
    }

    fn get(&self, id: i64) -> Option<usize> {
        if self.direct.is_empty() {
            return self.ids.binary_search(&id).ok();
        }
        let at = usize::try_from(id - self.first).ok()?;
        self.direct.get(at).copied().filter(|i| *i != u32::MAX).map(|i| i as usize)
    }

    fn at(&self, id: i64) -> usize {
        self.get(id).expect("an entitlement's person is in the register (foreign key)")
    }
}

/// The engine's input: people, projects and entitlements by index (in the order of [`Rows`]).
pub(super) struct Input {
    pub(super) person_index: PersonIndex,
    pub(super) people: Vec<CheckPerson>,
    pub(super) projects: Vec<CheckProject>,
    pub(super) entitlements: Vec<CheckEntitlement>,
    /// Exclusive groups by index.
    pub(super) groups: Vec<String>,
    /// Funding sources by index.
    pub(super) sources: Vec<String>,
    /// Category names by index.
    pub(super) category_names: Vec<String>,
    /// The categories everyone of which should receive something.
    pub(super) covered: HashSet<u16>,
    /// The categories every living member of which should be visited.
    pub(super) visit_covered: Vec<u16>,
    pub(super) rules: CheckRules,
}

/// What the rules found.
pub(super) struct Found {
    pub(super) all: AllFindings,
    pub(super) near: NearDuplicates,
    /// People (indices) the visit coverage rule names who were not visited.
    pub(super) not_visited: Vec<u32>,
}

/// A date read as the number yyyymmdd.
fn ymd(n: i64) -> Option<Date> {
    let month = time::Month::try_from(u8::try_from(n / 100 % 100).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(n / 10_000).ok()?, month, u8::try_from(n % 100).ok()?).ok()
}

/// A code's small index, assigned in order of first use.
fn index_of(map: &mut HashMap<String, u16>, c: &str) -> u16 {
    match map.get(c) {
        Some(k) => *k,
        None => {
            let n = map.len() as u16;
            map.insert(c.to_string(), n);
            n
        }
    }
}

impl Input {
    pub(super) fn prepare(rows: &Rows, on: Date) -> Input {
        let rules = &rows.rules;
        let mut codes: HashMap<String, u16> = HashMap::new();
        let mut streets: HashMap<String, u16> = HashMap::new();
        // People come ordered by id: a binary search finds one (no hashing of a million keys).
        let person_index = PersonIndex::new(rows.people.iter().map(|p| p.0).collect());
        let mut people: Vec<CheckPerson> = rows
            .people
            .iter()
            .map(|p| CheckPerson {
                household: p.1.map(|h| h as u32),
                categories: Vec::new(),
                deceased: p.2 == 1,
                moved_away: p.3 == 1,
                street: p.4.as_deref().map(|s| index_of(&mut streets, s)),
                birth: p.6.and_then(ymd),
                sex: match p.7 {
                    1 => Some(Sex::Male),
                    2 => Some(Sex::Female),
                    _ => None,
                },
            })
            .collect();
        for (person, c) in &rows.categories {
            if let Some(i) = person_index.get(*person) {
                let k = index_of(&mut codes, c);
                people[i].categories.push(k);
            }
        }
        let project_index: HashMap<i64, usize> = rows.projects.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let by_code: HashMap<&str, usize> =
            rows.projects.iter().enumerate().map(|(i, p)| (p.project.code.as_str(), i)).collect();
        let groups: Vec<String> = rules.exclusive_groups.keys().cloned().collect();
        let mut sources: Vec<String> = Vec::new();
        let mut source = |s: &str| match sources.iter().position(|x| x == s) {
            Some(i) => i as u16,
            None => {
                sources.push(s.to_string());
                (sources.len() - 1) as u16
            }
        };
        let projects: Vec<CheckProject> = rows
            .projects
            .iter()
            .map(|sp| {
                let p = &sp.project;
                let cond = rules.conditions.get(&p.code);
                CheckProject {
                    exclusive_group: rules
                        .group_of(&p.code)
                        .and_then(|g| groups.iter().position(|x| x == g))
                        .map(|i| i as u32),
                    per_household: rules.per_household.contains(&p.code),
                    targets: p.target_categories.iter().map(|c| index_of(&mut codes, c)).collect(),
                    street: (p.unit_group == UnitGroup::Streets && p.unit_code != DISTRICT_CODE)
                        .then(|| index_of(&mut streets, &p.unit_code)),
                    min_age: cond.and_then(|c| c.min_age),
                    max_age: cond.and_then(|c| c.max_age),
                    sex: cond.and_then(|c| c.sex()),
                    standard: Some(p.standard),
                    budget: p.planned_budget.iter().map(|(s, f)| (source(s), f.0)).collect(),
                }
            })
            .collect();
        let entitlements: Vec<CheckEntitlement> = rows
            .entitlements
            .iter()
            .map(|e| CheckEntitlement {
                project: project_index[&e.1] as u32,
                person: person_index.at(e.2) as u32,
                household: e.3.map(|h| h as u32),
                household_size: e.4.map(|s| s.clamp(0, i64::from(u32::MAX)) as u32),
                amount_fen: e.5,
                source: source(&e.6),
            })
            .collect();
        let coverage: Option<Vec<u16>> =
            rules.coverage.as_ref().map(|list| list.iter().map(|c| index_of(&mut codes, c)).collect());
        // The categories the visit rule names, and every category below one of them.
        let visit_covered: Vec<u16> = codes
            .iter()
            .filter(|(c, _)| yikou_domain::visit::covers(&rules.visit_coverage, c))
            .map(|(_, k)| *k)
            .collect();
        let mut category_names = vec![String::new(); codes.len()];
        for (c, k) in &codes {
            category_names[*k as usize] = yikou_domain::reference::CATEGORIES
                .iter()
                .find(|x| x.code == c)
                .map_or_else(|| c.clone(), |x| x.name.to_string());
        }
        let covered: HashSet<u16> = match &coverage {
            Some(list) => list.iter().copied().collect(),
            None => projects.iter().flat_map(|p| p.targets.iter().copied()).collect(),
        };
        let exclusions: Vec<Exclusion> = rules
            .exclusions
            .iter()
            .filter_map(|x| {
                Some(Exclusion {
                    receives: *by_code.get(x.receives.as_str())? as u32,
                    not_counted_in: *by_code.get(x.not_counted_in.as_str())? as u32,
                })
            })
            .collect();
        let rules = CheckRules { coverage, exclusions, cap_fen: rules.cap_per_person_fen, on };
        Input {
            person_index,
            people,
            projects,
            entitlements,
            groups,
            sources,
            category_names,
            covered,
            visit_covered,
            rules,
        }
    }

    /// Runs every rule, and the near-duplicate review over names as listed.
    pub(super) fn run(&self, rows: &Rows) -> Found {
        let all = check_all(&self.people, &self.projects, &self.entitlements, &self.rules);
        let named: Vec<NamedPerson> = rows
            .people
            .iter()
            .zip(&self.people)
            .map(|(p, c)| NamedPerson { name: &p.5, birth: c.birth.unwrap_or(self.rules.on), street: p.4.as_deref() })
            .collect();
        let listed: Vec<(u32, &str)> = rows
            .entitlements
            .iter()
            .filter_map(|e| Some((self.person_index.at(e.2) as u32, e.7.as_deref()?)))
            .collect();
        let near = near_duplicates(&named, &listed);
        let visited: HashSet<u32> =
            rows.visited.iter().filter_map(|id| self.person_index.get(*id)).map(|i| i as u32).collect();
        let not_visited = yikou_domain::visit::not_visited(&self.people, &self.visit_covered, &visited);
        Found { all, near, not_visited }
    }
}

impl Found {
    pub(super) fn counts(&self) -> CheckCounts {
        let f = &self.all;
        CheckCounts {
            dup_in_project: f.core.dup_in_project.len() as u64,
            dup_exclusive: f.core.dup_exclusive.len() as u64,
            household_twice: f.core.household_twice.len() as u64,
            omissions: f.core.omissions.len() as u64,
            ineligible: f.core.ineligible.len() as u64,
            deceased_paid: f.core.deceased_paid.len() as u64,
            near_duplicates: (self.near.names.len() + self.near.people.len()) as u64,
            moved_away_paid: f.moved_away_paid.len() as u64,
            ineligible_condition: f.condition.len() as u64,
            exclusion_broken: f.exclusion.len() as u64,
            two_streets: f.two_streets.len() as u64,
            amount_outside: f.amount_outside.len() as u64,
            over_budget: f.over_budget.len() as u64,
            over_cap: f.over_cap.len() as u64,
            not_visited: self.not_visited.len() as u64,
        }
    }
}
