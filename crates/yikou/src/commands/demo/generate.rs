//! The demo campaign generated for a seed: households, people (names from surname and given-name
//! lists, valid ID numbers, none real) and their entitlements, hitting the plan's figures. Pure:
//! nothing is written (see `write.rs`).

use std::collections::{HashMap, HashSet};

use time::{Date, Duration};
use yikou_domain::id_number::compose;
use yikou_domain::reference::{streets, UnitKind};
use yikou_domain::rng::Rng;
use yikou_domain::{Campaign, CountingUnit, Fen, IdNumber, Phone, Project, Standard, UnitGroup};

use super::plan::Std::{Fixed, Household, Range};
use super::plan::*;

pub(super) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋",
    "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈", "姚", "卢", "姜", "钟", "陆", "汪", "范", "金", "顾",
    "钱", "严", "戴",
];
pub(super) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "建", "国", "文", "德", "福", "根", "宝", "妹", "林", "凤",
    "珍", "美", "云", "龙", "海", "荣", "生", "金", "忠", "康", "佳", "欣", "怡", "晨", "宇", "浩", "轩", "梓", "涵",
    "睿", "琳", "雪",
];
pub(super) const PLACES: &[&str] = &[
    "春申", "景谷", "银都", "华坪", "古龙", "平阳", "航华", "梅园", "曹行", "莲花", "东苑", "西溪", "南华", "北桥",
    "新华", "红旗", "友谊", "金都", "锦江", "碧溪", "龙柏", "万源", "田园", "明星", "康城", "浦乐", "永德", "闵联",
    "竹园", "瑞丽",
];
pub(super) const PLACE_SUFFIX: &[&str] = &["一村", "二村", "三村", "新村", "苑", "花园", "家园", "城"];
pub(super) const OTHER_PROVINCES: &[&str] =
    &["340524", "320102", "330102", "410102", "510104", "420102", "360102", "110105"];

/// A generated person (index-linked to its household).
pub struct GenPerson {
    pub id_number: IdNumber,
    pub name: String,
    pub phone: Option<Phone>,
    pub street: &'static str,
    pub committee: usize,
    pub household: usize,
    pub head: bool,
    pub categories: Vec<&'static str>,
    /// Entered as a 15-digit legacy number (exercises the upgrade path).
    pub legacy15: bool,
    /// Life events the register knows (planted faults only: the clean demo has none).
    pub deceased: bool,
    pub moved_away: bool,
}

pub struct GenEntitlement {
    pub project: usize,
    pub person: usize,
    pub household_size: Option<i64>,
    pub source: &'static str,
    pub amount_fen: i64,
    /// The name the list gave, where it differs from the register's (planted faults only).
    pub listed_name: Option<String>,
}

/// The whole generated campaign, before it is written.
pub struct DemoData {
    pub campaign: Campaign,
    /// (code, name, kind, parent street code)
    pub committees: Vec<(String, String, UnitKind, &'static str)>,
    pub households: Vec<(&'static str, usize)>,
    pub people: Vec<GenPerson>,
    pub projects: Vec<Project>,
    pub entitlements: Vec<GenEntitlement>,
    /// The rules' cap per person (see [`person_cap`]).
    pub cap_per_person_fen: i64,
    /// People the visit rule covers whom nobody visited (planted faults only: in the clean demo
    /// everyone the rule names was visited).
    pub unvisited: Vec<usize>,
}

/// The demo rules' cap on what one person receives in all: the most anyone received in the
/// generated (clean) campaign, rounded up to 1,000 元, so the clean campaign has nobody over it and
/// the planted fault pushes one person just past it.
fn person_cap(people: usize, entitlements: &[GenEntitlement]) -> i64 {
    let mut total = vec![0i64; people];
    for e in entitlements {
        total[e.person] += e.amount_fen;
    }
    let most = total.into_iter().max().unwrap_or(0);
    (most + 99_999) / 100_000 * 100_000
}

pub(super) fn pick_str(rng: &mut Rng, items: &[&'static str]) -> &'static str {
    items[rng.below(items.len() as u64) as usize]
}

struct Gen {
    rng: Rng,
    people: Vec<GenPerson>,
    households: Vec<(&'static str, usize)>,
    seen: HashSet<String>,
    by_category: HashMap<&'static str, Vec<usize>>,
    by_category_street: HashMap<(&'static str, &'static str), Vec<usize>>,
    committees_of: HashMap<&'static str, Vec<usize>>,
    street_codes: Vec<&'static str>,
    street_weights: Vec<u32>,
}

fn birth_range(category: &str) -> (i32, i32) {
    match category.split('-').next().unwrap_or("") {
        "LR" => (1925, 1958),
        "ET" => (2003, 2018),
        "YF" => (1925, 1965),
        "ZG" => (1950, 1975),
        "CJ" => (1950, 2000),
        "TK" => (1935, 1990),
        _ => (1940, 1990),
    }
}

impl Gen {
    fn name(&mut self) -> String {
        let mut n = String::from(*self.rng.pick(SURNAMES));
        n.push_str(pick_str(&mut self.rng, GIVEN));
        if self.rng.chance(0.6) {
            n.push_str(pick_str(&mut self.rng, GIVEN));
        }
        n
    }

    fn phone(&mut self) -> Option<Phone> {
        let r = self.rng.below(100);
        let s = if r < 65 {
            format!("1{}{:09}", self.rng.pick(&["3", "5", "8"]), self.rng.below(1_000_000_000))
        } else if r < 90 {
            format!("{}{:07}", self.rng.pick(&["5", "6"]), self.rng.below(10_000_000))
        } else {
            return None;
        };
        Phone::parse(&s).ok()
    }

    fn id_number(&mut self, years: (i32, i32)) -> (IdNumber, bool) {
        loop {
            let birth = Date::from_calendar_date(years.0, time::Month::January, 1).unwrap()
                + Duration::days(self.rng.below(((years.1 - years.0 + 1) * 365) as u64) as i64);
            let r = self.rng.below(100);
            let address = if r < 75 || (r < 85 && birth.year() >= 1993) {
                "310112"
            } else if r < 85 {
                "310221"
            } else {
                self.rng.pick(OTHER_PROVINCES)
            };
            let id = compose(address, birth, self.rng.below(1000) as u16);
            if !self.seen.insert(id.as_str().to_string()) {
                continue;
            }
            // Some older records arrive as 15-digit numbers; they must come out as the same person.
            if let Some(short) = id.legacy15().filter(|_| self.rng.chance(0.04)) {
                let upgraded = IdNumber::parse(&short).expect("legacy form of a valid number");
                debug_assert_eq!(upgraded, id);
                return (upgraded, true);
            }
            return (id, false);
        }
    }

    fn committee(&mut self, street: &'static str) -> usize {
        let list = &self.committees_of[street];
        list[self.rng.below(list.len() as u64) as usize]
    }

    fn street(&mut self) -> &'static str {
        self.street_codes[self.rng.weighted(&self.street_weights)]
    }

    fn register(&mut self, p: GenPerson) -> usize {
        let idx = self.people.len();
        for c in &p.categories {
            self.by_category.entry(c).or_default().push(idx);
            self.by_category_street.entry((c, p.street)).or_default().push(idx);
        }
        self.people.push(p);
        idx
    }

    /// A new person of `category` (and its parent), in a household of their own or as its head.
    fn new_person(&mut self, category: &'static str, street: &'static str, household_size: i64) -> usize {
        let (id_number, legacy15) = self.id_number(birth_range(category));
        // About a third of children in difficulty live in a 低保 or 低收入 household already listed.
        let family = if category.starts_with("ET") && household_size == 1 && self.rng.chance(0.35) {
            let heads = self.by_category_street.get(&(*self.rng.pick(&["DB", "DSR"]), street));
            heads.filter(|h| !h.is_empty()).map(|h| h[self.rng.below(h.len() as u64) as usize])
        } else {
            None
        };
        if let Some(head) = family {
            let (household, committee) = (self.people[head].household, self.people[head].committee);
            let mut categories = vec![category];
            if let Some((parent, _)) = category.split_once('-') {
                categories
                    .insert(0, yikou_domain::reference::CATEGORIES.iter().find(|c| c.code == parent).unwrap().code);
            }
            let name = format!("{}{}", self.people[head].name.chars().next().unwrap(), &self.name()[3..]);
            return self.register(GenPerson {
                id_number,
                name,
                phone: None,
                street,
                committee,
                household,
                head: false,
                categories,
                legacy15,
                deceased: false,
                moved_away: false,
            });
        }
        let committee = self.committee(street);
        let household = self.households.len();
        self.households.push((street, committee));
        let mut categories = vec![category];
        if let Some((parent, _)) = category.split_once('-') {
            let parent = yikou_domain::reference::CATEGORIES.iter().find(|c| c.code == parent).unwrap().code;
            categories.insert(0, parent);
        }
        let name = self.name();
        let phone = self.phone();
        let head = self.register(GenPerson {
            id_number,
            name,
            phone,
            street,
            committee,
            household,
            head: true,
            categories,
            legacy15,
            deceased: false,
            moved_away: false,
        });
        for _ in 1..household_size {
            // Other members are in the register without a category of their own: the household's
            // category is recorded on its head.
            let (id_number, legacy15) = self.id_number((1940, 2018));
            let name = self.name();
            self.register(GenPerson {
                id_number,
                name,
                phone: None,
                street,
                committee,
                household,
                head: false,
                categories: Vec::new(),
                legacy15,
                deceased: false,
                moved_away: false,
            });
        }
        head
    }

    /// Someone already registered with `category` (in `street` if given) and not yet in `taken`.
    fn reuse(&mut self, category: &'static str, street: Option<&'static str>, taken: &HashSet<usize>) -> Option<usize> {
        let list = match street {
            Some(s) => self.by_category_street.get(&(category, s))?,
            None => self.by_category.get(category)?,
        };
        for _ in 0..8 {
            let i = list[self.rng.below(list.len() as u64) as usize];
            if !taken.contains(&i) {
                return Some(i);
            }
        }
        None
    }
}

/// Generates the demo campaign for `seed`. Pure: nothing is written.
pub fn generate(seed: u64) -> Result<DemoData, String> {
    let mut rng = Rng::new(seed);
    let street_units: Vec<_> = streets().collect();
    let street_codes: Vec<&'static str> = street_units.iter().map(|u| u.code).collect();
    let street_weights: Vec<u32> = street_codes.iter().map(|_| 60 + rng.below(80) as u32).collect();

    // Committees: 8–16 per street/town (村委 in towns from 201 on).
    let mut committees = Vec::new();
    let mut committees_of: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for u in &street_units {
        let n = 8 + rng.below(9) as usize;
        let mut used = HashSet::new();
        for k in 0..n {
            let village = u.kind == UnitKind::Town && k >= n * 2 / 3;
            let number = if village { 201 + k } else { 1 + k };
            let name = loop {
                let candidate = format!("{}{}", rng.pick(PLACES), rng.pick(PLACE_SUFFIX));
                if used.insert(candidate.clone()) {
                    break candidate;
                }
            };
            let (suffix, kind) =
                if village { ("村委会", UnitKind::Committee) } else { ("居委会", UnitKind::Committee) };
            committees_of.entry(u.code).or_default().push(committees.len());
            committees.push((format!("{}{:03}", &u.code[..9], number), format!("{name}{suffix}"), kind, u.code));
        }
    }

    // Projects and, per pool, how many entitlements each gets at which amount.
    let mut projects: Vec<Project> = Vec::new();
    let mut tpl_of: Vec<Tpl> = Vec::new();
    let mut street_of: Vec<Option<&'static str>> = Vec::new();
    let push = |tpl: &Tpl,
                group: UnitGroup,
                street: Option<&'static str>,
                projects: &mut Vec<Project>,
                tpl_of: &mut Vec<Tpl>,
                street_of: &mut Vec<Option<&'static str>>| {
        let (standard, counting) = match tpl.std {
            Fixed(a) => (Standard::PerPerson(Fen::from_yuan(a)), CountingUnit::Person),
            Household(b, e) => (
                Standard::PerHousehold { base: Fen::from_yuan(b), per_extra_member: Fen::from_yuan(e) },
                CountingUnit::Household,
            ),
            Range(lo, hi) => {
                (Standard::Range { min: Fen::from_yuan(lo), max: Fen::from_yuan(hi) }, CountingUnit::Person)
            }
        };
        projects.push(Project {
            code: tpl.code.to_string(),
            name: tpl.name.to_string(),
            unit_code: tpl.unit.to_string(),
            unit_group: group,
            target_categories: tpl.targets.iter().map(|s| s.to_string()).collect(),
            form: tpl.form,
            standard,
            counting_unit: counting,
            planned_count: 0,
            planned_budget: Vec::new(),
            exclusive_group: None,
        });
        tpl_of.push(*tpl);
        street_of.push(street);
    };
    for tpl in CIVIL_AFFAIRS {
        push(tpl, UnitGroup::CivilAffairs, None, &mut projects, &mut tpl_of, &mut street_of);
    }
    for tpl in DEPARTMENTS {
        push(tpl, UnitGroup::Departments, None, &mut projects, &mut tpl_of, &mut street_of);
    }
    // Street projects: names and codes are built per street, so they are leaked once into 'static.
    for (si, u) in street_units.iter().enumerate() {
        let take = if si < 7 { 6 } else { 5 };
        let scale = 60 + rng.below(80) as u32;
        for (k, (name, targets, form, std, source, weight)) in STREET_TEMPLATES.iter().take(take).enumerate() {
            let code: &'static str = Box::leak(format!("JZ-{:02}-{:02}", si + 1, k + 1).into_boxed_str());
            let full: &'static str = Box::leak(format!("{}{}", u.name, name).into_boxed_str());
            let tpl = Tpl {
                code,
                name: full,
                unit: u.code,
                targets,
                form: *form,
                std: *std,
                source,
                weight: *weight * scale,
            };
            push(&tpl, UnitGroup::Streets, Some(u.code), &mut projects, &mut tpl_of, &mut street_of);
        }
    }

    let mut solved: Vec<PoolProject> = Vec::new();
    let members = |group: UnitGroup, source: Option<&str>| -> Vec<(&Tpl, usize)> {
        projects
            .iter()
            .enumerate()
            .filter(|(i, p)| p.unit_group == group && source.is_none_or(|s| tpl_of[*i].source == s))
            .map(|(i, _)| (&tpl_of[i], i))
            .collect()
    };
    for ((source, total), (_, count)) in CIVIL_AFFAIRS_SOURCES.iter().zip(CIVIL_AFFAIRS_POOL_COUNTS) {
        solved.extend(solve_pool(&mut rng, &members(UnitGroup::CivilAffairs, Some(source)), count, *total)?);
    }
    for (group, _, count, total) in &PLAN_GROUPS[1..] {
        solved.extend(solve_pool(&mut rng, &members(*group, None), *count, *total)?);
    }

    // People: each entitlement goes to a new person or, about a third of the time, to someone already
    // registered in one of the project's categories (so people appear in several projects).
    let mut g = Gen {
        rng,
        people: Vec::new(),
        households: Vec::new(),
        seen: HashSet::new(),
        by_category: HashMap::new(),
        by_category_street: HashMap::new(),
        committees_of,
        street_codes,
        street_weights,
    };
    let mut entitlements = Vec::new();
    solved.sort_by_key(|p| p.project);
    for pp in &solved {
        let tpl = &tpl_of[pp.project];
        let amounts: Vec<(i64, Option<i64>)> = match (&pp.variable, pp.fixed) {
            (Some(v), _) => v.clone(),
            (None, Some(a)) => vec![(a, None); pp.count as usize],
            _ => unreachable!("every pool project has amounts"),
        };
        let per_household = matches!(tpl.std, Household(..));
        // Recipients of the other projects of the same exclusive group are not reused here.
        let mut taken: HashSet<usize> = HashSet::new();
        let code = projects[pp.project].code.as_str();
        for group in DEMO_EXCLUSIVE_GROUPS.iter().filter(|(_, g)| g.contains(&code)) {
            taken.extend(
                entitlements
                    .iter()
                    .filter(|e: &&GenEntitlement| group.1.contains(&projects[e.project].code.as_str()))
                    .map(|e| e.person),
            );
        }
        for (amount, size) in amounts {
            let category = *g.rng.pick(tpl.targets);
            let street = street_of[pp.project];
            let reused = if per_household || !g.rng.chance(0.33) { None } else { g.reuse(category, street, &taken) };
            let person = match reused {
                Some(i) => i,
                None => {
                    let s = street.unwrap_or_else(|| g.street());
                    g.new_person(category, s, size.unwrap_or(1))
                }
            };
            taken.insert(person);
            entitlements.push(GenEntitlement {
                project: pp.project,
                person,
                household_size: size,
                source: tpl.source,
                amount_fen: amount * 100,
                listed_name: None,
            });
        }
        let p = &mut projects[pp.project];
        p.planned_count = pp.count;
        let money: i64 = entitlements.iter().filter(|e| e.project == pp.project).map(|e| e.amount_fen).sum();
        p.planned_budget = vec![(tpl.source.to_string(), Fen(money))];
    }

    Ok(DemoData {
        campaign: demo_campaign(),
        committees,
        households: g.households,
        cap_per_person_fen: person_cap(g.people.len(), &entitlements),
        unvisited: Vec::new(),
        people: g.people,
        projects,
        entitlements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_campaign_hits_the_plans_figures_exactly() {
        let d = generate(2020).unwrap();
        for (gi, (group, projects, count, yuan)) in PLAN_GROUPS.iter().enumerate() {
            let idx: Vec<usize> = (0..d.projects.len()).filter(|&i| d.projects[i].unit_group == *group).collect();
            assert_eq!(idx.len(), *projects, "group {gi}");
            let ents: Vec<&GenEntitlement> = d.entitlements.iter().filter(|e| idx.contains(&e.project)).collect();
            assert_eq!(ents.len() as i64, *count);
            assert_eq!(ents.iter().map(|e| e.amount_fen).sum::<i64>(), yuan * 100);
        }
        for (src, yuan) in CIVIL_AFFAIRS_SOURCES {
            let sum: i64 = d
                .entitlements
                .iter()
                .filter(|e| d.projects[e.project].unit_group == UnitGroup::CivilAffairs && e.source == src)
                .map(|e| e.amount_fen)
                .sum();
            assert_eq!(sum, yuan * 100, "{src}");
        }
    }

    #[test]
    fn amounts_stay_inside_each_groups_range_and_each_projects_standard() {
        let d = generate(7).unwrap();
        let bounds = [(300, 1_100), (200, 30_000), (200, 10_000)];
        for (gi, (group, ..)) in PLAN_GROUPS.iter().enumerate() {
            let amounts: Vec<i64> = d
                .entitlements
                .iter()
                .filter(|e| d.projects[e.project].unit_group == *group)
                .map(|e| e.amount_fen / 100)
                .collect();
            assert_eq!(*amounts.iter().min().unwrap(), bounds[gi].0, "group {gi} min");
            assert_eq!(*amounts.iter().max().unwrap(), bounds[gi].1, "group {gi} max");
        }
        for e in &d.entitlements {
            let p = &d.projects[e.project];
            let members = e.household_size.unwrap_or(1) as u32;
            assert!(p.standard.allows(Fen(e.amount_fen), members), "{} {}", p.code, e.amount_fen);
        }
    }

    #[test]
    fn the_demo_is_clean_no_one_twice_in_a_project_and_everyone_eligible() {
        let d = generate(11).unwrap();
        let mut seen = HashSet::new();
        for e in &d.entitlements {
            assert!(seen.insert((e.project, e.person)), "person twice in a project");
            let p = &d.projects[e.project];
            let cats = &d.people[e.person].categories;
            assert!(p.target_categories.iter().any(|t| cats.contains(&t.as_str())), "{} not eligible", p.code);
            if p.unit_group == UnitGroup::Streets {
                assert_eq!(d.people[e.person].street, p.unit_code);
            }
        }
        // Everyone with a category receives something (no omissions in a clean campaign).
        let receiving: HashSet<usize> = d.entitlements.iter().map(|e| e.person).collect();
        for (i, p) in d.people.iter().enumerate() {
            assert!(p.categories.is_empty() || receiving.contains(&i));
        }
        // People appear in several projects; some IDs came in as 15-digit numbers.
        assert!(receiving.len() < d.entitlements.len() * 9 / 10);
        assert!(d.people.iter().any(|p| p.legacy15));
        assert!(d.people.iter().any(|p| p.id_number.address_code() == "310221"));
        assert!(d.people.iter().any(|p| !p.id_number.as_str().starts_with("31")));
        let top: HashSet<&str> =
            d.projects.iter().flat_map(|p| p.target_categories.iter().map(|c| c.split('-').next().unwrap())).collect();
        assert_eq!(top.len(), 10);
    }

    #[test]
    fn same_seed_same_data_other_seed_other_people() {
        let a = generate(5).unwrap();
        let b = generate(5).unwrap();
        let c = generate(6).unwrap();
        assert_eq!(a.people.len(), b.people.len());
        assert!(a.people.iter().zip(&b.people).all(|(x, y)| x.id_number == y.id_number && x.name == y.name));
        assert_ne!(a.people[0].id_number, c.people[0].id_number);
    }
}
