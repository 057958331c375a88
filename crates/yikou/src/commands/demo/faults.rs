//! `yikou demo --faults`: a realistic sprinkling of every kind of cross-check finding planted into
//! the generated demo campaign, and the answer key (the finding keys the check must report) used by
//! the tests. Faults only add people and entitlements or change a planted entitlement in place, so
//! indices stay valid; each fault uses people no other fault touches, so one cannot hide another.

use std::collections::{BTreeMap, HashSet};

use yikou_domain::id_number::compose;
use yikou_domain::rng::Rng;
use yikou_domain::{Standard, UnitGroup};

use super::generate::{DemoData, GenEntitlement, GenPerson};
use super::write::Written;

/// One planted fault, in the generated data's indices.
#[derive(Debug, Clone)]
pub enum Planted {
    DupInProject {
        project: usize,
        person: usize,
    },
    DupExclusive {
        person: usize,
    },
    HouseholdTwice {
        project: usize,
        household: usize,
    },
    /// The per-household entitlement that counts a member who receives the excluded project.
    Exclusion {
        entitlement: usize,
    },
    /// A fault on one entitlement: deceased_paid, moved_away_paid, ineligible, ineligible_condition, amount_outside.
    Entitlement {
        kind: &'static str,
        entitlement: usize,
    },
    /// A fault on one person: two_streets, omissions, near_duplicates (listed under another name).
    Person {
        kind: &'static str,
        person: usize,
    },
    /// Two people with the same name, birth date and street under different ID numbers.
    NearPerson {
        a: usize,
        b: usize,
    },
}

struct Planter<'a> {
    d: &'a mut DemoData,
    rng: Rng,
    used: HashSet<usize>,
    ids: HashSet<String>,
    out: Vec<Planted>,
}

impl Planter<'_> {
    fn project(&self, code: &str) -> usize {
        self.d.projects.iter().position(|p| p.code == code).unwrap_or_else(|| panic!("demo project {code}"))
    }

    fn ents_of(&self, person: usize) -> Vec<usize> {
        (0..self.d.entitlements.len()).filter(|&i| self.d.entitlements[i].person == person).collect()
    }

    fn members(&self, household: usize) -> Vec<usize> {
        (0..self.d.people.len()).filter(|&i| self.d.people[i].household == household).collect()
    }

    fn per_person(&self, e: usize) -> bool {
        self.d.entitlements[e].household_size.is_none()
    }

    /// Up to `n` entitlements matching `pred`, of distinct people nobody else used; marks them used.
    fn pick(&mut self, n: usize, pred: impl Fn(&Self, usize) -> bool) -> Vec<usize> {
        let mut got = Vec::new();
        let total = self.d.entitlements.len();
        let mut tries = 0;
        while got.len() < n && tries < total * 4 {
            tries += 1;
            let e = self.rng.below(total as u64) as usize;
            let person = self.d.entitlements[e].person;
            if self.used.contains(&person) || !pred(self, e) {
                continue;
            }
            self.used.insert(person);
            got.push(e);
        }
        got
    }

    fn add(&mut self, project: usize, person: usize, source: &'static str, amount_fen: i64) -> usize {
        self.d.entitlements.push(GenEntitlement {
            project,
            person,
            household_size: None,
            source,
            amount_fen,
            listed_name: None,
        });
        self.d.entitlements.len() - 1
    }

    fn fixed_amount(&self, project: usize) -> i64 {
        match self.d.projects[project].standard {
            Standard::PerPerson(f) => f.0,
            _ => panic!("fixed-standard project expected"),
        }
    }

    fn new_id(&mut self, like: &GenPerson) -> yikou_domain::IdNumber {
        loop {
            let id = compose(&like.id_number.as_str()[..6], like.id_number.birth_date(), self.rng.below(1000) as u16);
            if self.ids.insert(id.as_str().to_string()) {
                return id;
            }
        }
    }
}

/// Plants every kind of fault into `d`; returns what was planted.
pub fn plant(d: &mut DemoData, seed: u64) -> Vec<Planted> {
    let ids = d.people.iter().map(|p| p.id_number.as_str().to_string()).collect();
    let mut p = Planter { d, rng: Rng::new(seed ^ 0x5EED_FA17), used: HashSet::new(), ids, out: Vec::new() };
    let (mz01, mz04, mz06, bm09, bm17) =
        (p.project("MZ-01"), p.project("MZ-04"), p.project("MZ-06"), p.project("BM-09"), p.project("BM-17"));
    let ruled: HashSet<usize> =
        ["MZ-04", "MZ-06", "MZ-07", "MZ-11", "BM-09", "BM-17", "BM-20"].iter().map(|c| p.project(c)).collect();
    let alone = |p: &Planter, e: usize| {
        let person = p.d.entitlements[e].person;
        p.members(p.d.people[person].household).len() == 1 && p.ents_of(person).iter().all(|&x| p.per_person(x))
    };

    // Same person twice in one project.
    for e in p.pick(12, |p, e| p.per_person(e)) {
        let x = p.d.entitlements[e].clone_row();
        p.d.entitlements.push(x);
        let (project, person) = (p.d.entitlements[e].project, p.d.entitlements[e].person);
        p.out.push(Planted::DupInProject { project, person });
    }
    // Both bursaries of the exclusive group.
    for e in p.pick(6, |p, e| p.d.entitlements[e].project == bm09) {
        let person = p.d.entitlements[e].person;
        let amount = p.fixed_amount(bm17);
        p.add(bm17, person, "TXZC", amount);
        p.out.push(Planted::DupExclusive { person });
    }
    // A second member of a 低保 household paid the household subsidy again.
    let full = |p: &Planter, e: usize| {
        let x = &p.d.entitlements[e];
        let m = p.members(p.d.people[x.person].household).len() as i64;
        x.project == mz01 && x.household_size == Some(m)
    };
    for e in p.pick(8, |p, e| full(p, e) && p.d.entitlements[e].household_size.unwrap_or(1) >= 2) {
        let head = p.d.entitlements[e].person;
        let household = p.d.people[head].household;
        let other = *p.members(household).iter().find(|&&m| m != head).expect("two members");
        p.used.insert(other);
        p.d.people[other].categories.push("DB");
        let x = GenEntitlement { person: other, ..p.d.entitlements[e].clone_row() };
        p.d.entitlements.push(x);
        p.out.push(Planted::HouseholdTwice { project: mz01, household });
    }
    // A 重残无业 recipient still counted in the household's 低保 subsidy.
    for e in p.pick(8, full) {
        let head = p.d.entitlements[e].person;
        p.d.people[head].categories.push("CJ");
        let amount = p.fixed_amount(mz04);
        p.add(mz04, head, "QJ", amount);
        p.out.push(Planted::Exclusion { entitlement: e });
    }
    // Deceased and moved away, still listed.
    for (kind, n) in [("deceased_paid", 10), ("moved_away_paid", 6)] {
        for e in p.pick(n, alone) {
            let person = p.d.entitlements[e].person;
            if kind == "deceased_paid" {
                p.d.people[person].deceased = true;
            } else {
                p.d.people[person].moved_away = true;
            }
            for entitlement in p.ents_of(person) {
                p.out.push(Planted::Entitlement { kind, entitlement });
            }
        }
    }
    // Listed in a project whose categories the person does not have.
    let open: Vec<usize> = (0..p.d.projects.len())
        .filter(|&j| {
            let pr = &p.d.projects[j];
            pr.unit_group != UnitGroup::Streets && matches!(pr.standard, Standard::PerPerson(_)) && !ruled.contains(&j)
        })
        .collect();
    for e in p.pick(10, alone) {
        let person = p.d.entitlements[e].person;
        let cats = p.d.people[person].categories.clone();
        let have: HashSet<usize> = p.ents_of(person).iter().map(|&x| p.d.entitlements[x].project).collect();
        let Some(&q) = open.iter().find(|&&j| {
            !have.contains(&j) && !p.d.projects[j].target_categories.iter().any(|t| cats.contains(&t.as_str()))
        }) else {
            continue;
        };
        let amount = p.fixed_amount(q);
        let entitlement = p.add(q, person, "TXZC", amount);
        p.out.push(Planted::Entitlement { kind: "ineligible", entitlement });
    }
    // Children given the elderly gift pack: wrong category and under the project's minimum age.
    for e in p.pick(8, |p, e| {
        alone(p, e) && p.d.people[p.d.entitlements[e].person].categories.iter().any(|c| c.starts_with("ET"))
    }) {
        let person = p.d.entitlements[e].person;
        let amount = p.fixed_amount(mz06);
        let entitlement = p.add(mz06, person, "JZPT", amount);
        p.out.push(Planted::Entitlement { kind: "ineligible", entitlement });
        p.out.push(Planted::Entitlement { kind: "ineligible_condition", entitlement });
    }
    // Amounts off the standard.
    for e in p.pick(8, |p, e| {
        alone(p, e) && matches!(p.d.projects[p.d.entitlements[e].project].standard, Standard::PerPerson(_))
    }) {
        p.d.entitlements[e].amount_fen += 10_000;
        p.out.push(Planted::Entitlement { kind: "amount_outside", entitlement: e });
    }
    // Listed by the 困难家庭节日慰问金 of a second street/town.
    let first_of_street: Vec<usize> = (0..p.d.projects.len())
        .filter(|&j| p.d.projects[j].code.starts_with("JZ-") && p.d.projects[j].code.ends_with("-01"))
        .collect();
    for e in p.pick(8, |p, e| alone(p, e) && first_of_street.contains(&p.d.entitlements[e].project)) {
        let (person, here) = (p.d.entitlements[e].person, p.d.entitlements[e].project);
        let there = *first_of_street.iter().find(|&&j| j != here).expect("two streets");
        let amount = p.fixed_amount(there);
        p.add(there, person, "JZPT", amount);
        p.out.push(Planted::Person { kind: "two_streets", person });
    }
    // One ID, another name on a list.
    for e in p.pick(12, |_, _| true) {
        let person = p.d.entitlements[e].person;
        let name = &p.d.people[person].name;
        let mut other: String = name.chars().take(name.chars().count() - 1).collect();
        let last = name.chars().last().unwrap_or('某');
        other.push(if last == '华' { '桦' } else { '华' });
        p.d.entitlements[e].listed_name = Some(other);
        p.out.push(Planted::Person { kind: "near_duplicates", person });
    }
    // A relative's ID: same name, birth date and street, another ID number, listed in the same project.
    for e in p.pick(12, |p, e| alone(p, e)) {
        let a = p.d.entitlements[e].person;
        let like = p.d.people[a].clone_person();
        let id_number = p.new_id(&like);
        let household = p.d.households.len();
        p.d.households.push((like.street, like.committee));
        p.d.people.push(GenPerson { id_number, household, head: true, phone: None, legacy15: false, ..like });
        let b = p.d.people.len() - 1;
        p.used.insert(b);
        let x = GenEntitlement { person: b, ..p.d.entitlements[e].clone_row() };
        p.d.entitlements.push(x);
        p.out.push(Planted::NearPerson { a, b });
    }
    // Registered in a covered category, received nothing.
    for _ in 0..10 {
        let Some(e) = p.pick(1, alone).pop() else { break };
        let like = p.d.people[p.d.entitlements[e].person].clone_person();
        let id_number = p.new_id(&like);
        let household = p.d.households.len();
        p.d.households.push((like.street, like.committee));
        let name = format!("{}{}", like.name.chars().next().unwrap_or('王'), "遗");
        p.d.people.push(GenPerson { id_number, name, household, head: true, phone: None, legacy15: false, ..like });
        let person = p.d.people.len() - 1;
        p.out.push(Planted::Person { kind: "omissions", person });
    }
    p.out
}

impl GenEntitlement {
    fn clone_row(&self) -> GenEntitlement {
        GenEntitlement {
            project: self.project,
            person: self.person,
            household_size: self.household_size,
            source: self.source,
            amount_fen: self.amount_fen,
            listed_name: self.listed_name.clone(),
        }
    }
}

impl GenPerson {
    fn clone_person(&self) -> GenPerson {
        GenPerson {
            id_number: self.id_number.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            street: self.street,
            committee: self.committee,
            household: self.household,
            head: self.head,
            categories: self.categories.clone(),
            legacy15: self.legacy15,
            deceased: self.deceased,
            moved_away: self.moved_away,
        }
    }
}

/// The finding keys the check must report for the planted faults, by finding type.
pub fn answer_key(planted: &[Planted], d: &DemoData, w: &Written) -> BTreeMap<&'static str, Vec<String>> {
    let code = |j: usize| d.projects[j].code.clone();
    let pid = |i: usize| w.person_ids[i];
    let eid = |i: usize| w.entitlement_ids[i];
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for p in planted {
        let (kind, key) = match p {
            Planted::DupInProject { project, person } => {
                ("dup_in_project", format!("dup_in_project:{}:{}", code(*project), pid(*person)))
            }
            Planted::DupExclusive { person } => ("dup_exclusive", format!("dup_exclusive:助学金:{}", pid(*person))),
            Planted::HouseholdTwice { project, household } => {
                ("household_twice", format!("household_twice:{}:{}", code(*project), w.household_ids[*household]))
            }
            Planted::Exclusion { entitlement } => {
                ("exclusion_broken", format!("exclusion_broken:MZ-04:MZ-01:{}", eid(*entitlement)))
            }
            Planted::Entitlement { kind: "ineligible_condition", entitlement } => {
                ("ineligible_condition", format!("ineligible_condition:age:{}", eid(*entitlement)))
            }
            Planted::Entitlement { kind, entitlement } => (*kind, format!("{kind}:{}", eid(*entitlement))),
            Planted::Person { kind: "near_duplicates", person } => {
                ("near_duplicates", format!("near_duplicates:name:{}", pid(*person)))
            }
            Planted::Person { kind, person } => (*kind, format!("{kind}:{}", pid(*person))),
            Planted::NearPerson { a, b } => {
                let (x, y) = (pid(*a).min(pid(*b)), pid(*a).max(pid(*b)));
                ("near_duplicates", format!("near_duplicates:person:{x}-{y}"))
            }
        };
        out.entry(kind).or_default().push(key);
    }
    // Added and changed entitlements spend more than some projects planned.
    let mut actual: BTreeMap<(usize, &str), i64> = BTreeMap::new();
    for e in &d.entitlements {
        *actual.entry((e.project, e.source)).or_default() += e.amount_fen;
    }
    for ((j, source), spent) in actual {
        let planned = d.projects[j].planned_budget.iter().find(|(s, _)| s == source).map_or(0, |(_, f)| f.0);
        if spent > planned {
            out.entry("over_budget").or_default().push(format!("over_budget:{}:{source}", code(j)));
        }
    }
    for keys in out.values_mut() {
        keys.sort();
        keys.dedup();
    }
    out
}

pub fn describe(key: &BTreeMap<&'static str, Vec<String>>) -> String {
    let title = |k: &'static str| yikou_domain::FindingKind::from_code(k).map_or(k, |k| k.title());
    key.iter().map(|(k, v)| format!("{} {}", title(k), v.len())).collect::<Vec<_>>().join("、")
}
