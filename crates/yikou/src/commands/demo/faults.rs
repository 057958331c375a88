//! The default `yikou demo` (not `--clean`): a realistic sprinkling of every kind of cross-check
//! finding planted into the generated demo campaign, and the answer key (the finding keys the check
//! must report) used by the tests. Faults never add or remove entitlements: they re-point existing
//! ones (another person, another funding source, money moved between two amounts of one project),
//! mark life events and add people without entitlements, so every project keeps the plan's count
//! and money and the summary still rebuilds the plan's table. Indices stay valid; each fault uses
//! people no other fault touches (donors included), so one cannot hide another.

use std::collections::{BTreeMap, HashMap, HashSet};

use yikou_domain::id_number::compose;
use yikou_domain::rng::Rng;
use yikou_domain::{Standard, UnitGroup};

use super::generate::{DemoData, GenPerson};
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
    /// A fault on one person: two_streets, omissions, near_duplicates (listed under another name),
    /// not_visited.
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
    /// Each person's entitlements, kept up to date as entitlements are re-pointed.
    by_person: Vec<Vec<usize>>,
    /// Each project's entitlements (their number never changes).
    by_project: Vec<Vec<usize>>,
    /// Each household's members.
    members: Vec<Vec<usize>>,
}

impl Planter<'_> {
    fn project(&self, code: &str) -> usize {
        self.d.projects.iter().position(|p| p.code == code).unwrap_or_else(|| panic!("demo project {code}"))
    }

    fn ents_of(&self, person: usize) -> Vec<usize> {
        self.by_person[person].clone()
    }

    fn members(&self, household: usize) -> Vec<usize> {
        self.members[household].clone()
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
            // The charity supermarket's voucher roster stays clean, so the demo pays it in vouchers.
            let voucher = self.d.projects[self.d.entitlements[e].project].form == yikou_domain::Form::Voucher;
            if voucher || self.used.contains(&person) || !pred(self, e) {
                continue;
            }
            self.used.insert(person);
            got.push(e);
        }
        got
    }

    /// An entitlement of `project` to give to someone else: its person is unused, is not `not`, and
    /// keeps another entitlement (so nobody is left with nothing, which would be an omission).
    /// Marks the person used.
    fn donor(&mut self, project: usize, not: usize) -> Option<usize> {
        let list = &self.by_project[project];
        for _ in 0..list.len() * 4 {
            let e = list[self.rng.below(list.len() as u64) as usize];
            let b = self.d.entitlements[e].person;
            if b != not && !self.used.contains(&b) && self.by_person[b].len() >= 2 {
                self.used.insert(b);
                return Some(e);
            }
        }
        None
    }

    /// The entitlement `e` now belongs to `to` (project, amount and source unchanged: the
    /// summary's counts and money stay those of the plan).
    fn repoint(&mut self, e: usize, to: usize) {
        let from = self.d.entitlements[e].person;
        self.by_person[from].retain(|&x| x != e);
        self.by_person[to].push(e);
        self.d.entitlements[e].person = to;
    }

    /// Re-points an entitlement of `project` from a donor to `to`; the entitlement, if any.
    fn give(&mut self, project: usize, to: usize) -> Option<usize> {
        let e = self.donor(project, to)?;
        self.repoint(e, to);
        Some(e)
    }

    fn new_person(&mut self, p: GenPerson) -> usize {
        let household = self.d.households.len();
        self.d.households.push((p.street, p.committee));
        self.members.push(Vec::new());
        let person = self.d.people.len();
        self.d.people.push(GenPerson { household, ..p });
        self.members[household].push(person);
        self.by_person.push(Vec::new());
        self.used.insert(person);
        person
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

/// Plants every kind of fault into `d` by re-pointing entitlements it already has (to another
/// person, another funding source, another amount within the project) and by life events and new
/// people without entitlements: every project keeps its count and its money, so the summary still
/// rebuilds the plan's table. Returns what was planted.
pub fn plant(d: &mut DemoData, seed: u64) -> Vec<Planted> {
    let ids = d.people.iter().map(|p| p.id_number.as_str().to_string()).collect();
    let mut by_person = vec![Vec::new(); d.people.len()];
    let mut by_project = vec![Vec::new(); d.projects.len()];
    for (i, e) in d.entitlements.iter().enumerate() {
        by_person[e.person].push(i);
        by_project[e.project].push(i);
    }
    let mut members = vec![Vec::new(); d.households.len()];
    for (i, p) in d.people.iter().enumerate() {
        members[p.household].push(i);
    }
    let rng = Rng::new(seed ^ 0x5EED_FA17);
    let mut p = Planter { d, rng, used: HashSet::new(), ids, out: Vec::new(), by_person, by_project, members };
    let (mz01, mz04, mz06, bm09, bm17) =
        (p.project("MZ-01"), p.project("MZ-04"), p.project("MZ-06"), p.project("BM-09"), p.project("BM-17"));
    let ruled: HashSet<usize> =
        ["MZ-04", "MZ-06", "MZ-07", "MZ-11", "BM-09", "BM-17", "BM-20"].iter().map(|c| p.project(c)).collect();
    let alone = |p: &Planter, e: usize| {
        let person = p.d.entitlements[e].person;
        p.members[p.d.people[person].household].len() == 1 && p.by_person[person].iter().all(|&x| p.per_person(x))
    };

    over_cap(&mut p);
    // Same person twice in one project.
    for e in p.pick(12, |p, e| p.per_person(e)) {
        let (project, person) = (p.d.entitlements[e].project, p.d.entitlements[e].person);
        if p.give(project, person).is_some() {
            p.out.push(Planted::DupInProject { project, person });
        }
    }
    // Both bursaries of the exclusive group.
    for e in p.pick(6, |p, e| p.d.entitlements[e].project == bm09) {
        let person = p.d.entitlements[e].person;
        if p.give(bm17, person).is_some() {
            p.out.push(Planted::DupExclusive { person });
        }
    }
    // A second member of a 低保 household paid the household subsidy again (another household's).
    let full = |p: &Planter, e: usize| {
        let x = &p.d.entitlements[e];
        x.project == mz01 && x.household_size == Some(p.members[p.d.people[x.person].household].len() as i64)
    };
    for e in p.pick(8, |p, e| full(p, e) && p.d.entitlements[e].household_size.unwrap_or(1) >= 2) {
        let head = p.d.entitlements[e].person;
        let household = p.d.people[head].household;
        let other = *p.members(household).iter().find(|&&m| m != head).expect("two members");
        p.used.insert(other);
        if p.give(mz01, other).is_some() {
            p.d.people[other].categories.push("DB");
            p.out.push(Planted::HouseholdTwice { project: mz01, household });
        }
    }
    // A 重残无业 recipient still counted in the household's 低保 subsidy.
    for e in p.pick(8, full) {
        let head = p.d.entitlements[e].person;
        if p.give(mz04, head).is_some() {
            p.d.people[head].categories.push("CJ");
            p.out.push(Planted::Exclusion { entitlement: e });
        }
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
        if let Some(entitlement) = p.give(q, person) {
            p.out.push(Planted::Entitlement { kind: "ineligible", entitlement });
        }
    }
    // Children given the elderly gift pack: wrong category and under the project's minimum age.
    for e in p.pick(8, |p, e| {
        alone(p, e) && p.d.people[p.d.entitlements[e].person].categories.iter().any(|c| c.starts_with("ET"))
    }) {
        let person = p.d.entitlements[e].person;
        if let Some(entitlement) = p.give(mz06, person) {
            p.out.push(Planted::Entitlement { kind: "ineligible", entitlement });
            p.out.push(Planted::Entitlement { kind: "ineligible_condition", entitlement });
        }
    }
    amounts_off_the_standard(&mut p);
    funding_source_swapped(&mut p);
    // Listed by the 困难家庭节日慰问金 of a second street/town.
    let first_of_street: Vec<usize> = (0..p.d.projects.len())
        .filter(|&j| p.d.projects[j].code.starts_with("JZ-") && p.d.projects[j].code.ends_with("-01"))
        .collect();
    for e in p.pick(8, |p, e| alone(p, e) && first_of_street.contains(&p.d.entitlements[e].project)) {
        let (person, here) = (p.d.entitlements[e].person, p.d.entitlements[e].project);
        let there = *first_of_street.iter().find(|&&j| j != here).expect("two streets");
        if p.give(there, person).is_some() {
            p.out.push(Planted::Person { kind: "two_streets", person });
        }
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
        let (a, project) = (p.d.entitlements[e].person, p.d.entitlements[e].project);
        let like = p.d.people[a].clone_person();
        let id_number = p.new_id(&like);
        let b = p.new_person(GenPerson { id_number, head: true, phone: None, legacy15: false, ..like });
        if p.give(project, b).is_some() {
            p.out.push(Planted::NearPerson { a, b });
        } else {
            // Nobody to take it from: the relative stays without entitlements, an omission.
            p.out.push(Planted::Person { kind: "omissions", person: b });
        }
    }
    // Covered by the visit rule (独居老人, 困境儿童), alive, and nobody visited them.
    let coverage: Vec<String> = super::plan::DEMO_VISIT_COVERAGE.iter().map(|c| c.to_string()).collect();
    for e in p.pick(8, |p, e| {
        let person = &p.d.people[p.d.entitlements[e].person];
        !person.deceased
            && !person.moved_away
            && person.categories.iter().any(|c| yikou_domain::visit::covers(&coverage, c))
    }) {
        let person = p.d.entitlements[e].person;
        p.d.unvisited.push(person);
        p.out.push(Planted::Person { kind: "not_visited", person });
    }
    // Registered in a covered category, received nothing.
    for _ in 0..10 {
        let Some(e) = p.pick(1, alone).pop() else { break };
        let like = p.d.people[p.d.entitlements[e].person].clone_person();
        let id_number = p.new_id(&like);
        let name = format!("{}{}", like.name.chars().next().unwrap_or('王'), "遗");
        let person = p.new_person(GenPerson { id_number, name, head: true, phone: None, legacy15: false, ..like });
        p.out.push(Planted::Person { kind: "omissions", person });
    }
    p.out
}

/// One list wrote 100 元 more for one person and 100 元 less for another of the same fixed-amount
/// project: the project's money is unchanged, both amounts are off the standard. Only projects
/// whose amounts stay inside their group's range (the summary's 标准 column) are used.
fn amounts_off_the_standard(p: &mut Planter) {
    const DELTA: i64 = 10_000;
    let mut range: HashMap<UnitGroup, (i64, i64)> = HashMap::new();
    for e in &p.d.entitlements {
        let r = range.entry(p.d.projects[e.project].unit_group).or_insert((i64::MAX, i64::MIN));
        *r = (r.0.min(e.amount_fen), r.1.max(e.amount_fen));
    }
    let inside = |p: &Planter, e: usize| {
        let x = &p.d.entitlements[e];
        let (lo, hi) = range[&p.d.projects[x.project].unit_group];
        matches!(p.d.projects[x.project].standard, Standard::PerPerson(_))
            && x.amount_fen - DELTA >= lo
            && x.amount_fen + DELTA <= hi
    };
    for e in p.pick(4, inside) {
        let project = p.d.entitlements[e].project;
        let Some(other) = p.donor(project, p.d.entitlements[e].person) else { continue };
        p.d.entitlements[e].amount_fen += DELTA;
        p.d.entitlements[other].amount_fen -= DELTA;
        for entitlement in [e, other] {
            p.out.push(Planted::Entitlement { kind: "amount_outside", entitlement });
        }
    }
}

/// Two entitlements of the same amount in two projects of one group, each recorded under the
/// other's funding source: each project spends money its plan does not have from that source
/// (over budget), while the group's money by source and every project's total stay the same.
fn funding_source_swapped(p: &mut Planter) {
    let fixed = |p: &Planter, j: usize| match p.d.projects[j].standard {
        Standard::PerPerson(f) if p.d.projects[j].planned_budget.len() == 1 => Some(f.0),
        _ => None,
    };
    let n = p.d.projects.len();
    let pair = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).find(|&(a, b)| {
        let (x, y) = (&p.d.projects[a], &p.d.projects[b]);
        x.unit_group == y.unit_group
            && fixed(p, a).is_some()
            && fixed(p, a) == fixed(p, b)
            && x.planned_budget[0].0 != y.planned_budget[0].0
    });
    let Some((a, b)) = pair else { return };
    let (Some(ea), Some(eb)) = (p.donor(a, usize::MAX), p.donor(b, usize::MAX)) else { return };
    let (sa, sb) = (p.d.entitlements[ea].source, p.d.entitlements[eb].source);
    p.d.entitlements[ea].source = sb;
    p.d.entitlements[eb].source = sa;
}

/// Someone whose entitlements add up to more than the demo's cap per person (see
/// `DemoData::cap_per_person_fen`): one of their case-by-case amounts is raised within its range,
/// the same money taken from another recipient of that project (still within the range).
fn over_cap(p: &mut Planter) {
    let cap = p.d.cap_per_person_fen;
    let mut total = vec![0i64; p.d.people.len()];
    for e in &p.d.entitlements {
        total[e.person] += e.amount_fen;
    }
    let mut order: Vec<usize> = (0..total.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(total[i]));
    for x in order.into_iter().take(200) {
        let need = cap - total[x] + 10_000;
        for e in p.ents_of(x) {
            let project = p.d.entitlements[e].project;
            let Standard::Range { min, max } = p.d.projects[project].standard else { continue };
            if p.d.entitlements[e].amount_fen + need > max.0 {
                continue;
            }
            // The donor stays within the range and is not at its top (which may be the group's
            // highest amount, the summary's 标准 column).
            let room = |p: &Planter, o: usize| {
                let a = p.d.entitlements[o].amount_fen;
                o != e && a - need >= min.0 && a < max.0
            };
            let Some(&o) = p.by_project[project].iter().find(|&&o| {
                room(p, o) && !p.used.contains(&p.d.entitlements[o].person) && p.d.entitlements[o].person != x
            }) else {
                continue;
            };
            p.used.insert(x);
            p.used.insert(p.d.entitlements[o].person);
            p.d.entitlements[e].amount_fen += need;
            p.d.entitlements[o].amount_fen -= need;
            return;
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
    // Entitlements under another funding source spend more than their projects planned from it.
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
    // The cap: whoever received more than it in all (planted on purpose, or pushed over by a fault).
    let mut total = vec![0i64; d.people.len()];
    for e in &d.entitlements {
        total[e.person] += e.amount_fen;
    }
    for (i, t) in total.iter().enumerate().filter(|(_, t)| **t > d.cap_per_person_fen) {
        let _ = t;
        out.entry("over_cap").or_default().push(format!("over_cap:{}", pid(i)));
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
