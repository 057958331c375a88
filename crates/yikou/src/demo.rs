//! 演示活动: "2020年元旦春节帮困送温暖" rebuilt as synthetic data, deterministic for a seed, so that
//! `yikou report summary` reproduces the plan's section 四 exactly. Every person is generated (names
//! from surname and given-name lists, valid ID numbers); none is real.

use std::collections::{HashMap, HashSet};

use time::macros::date;
use time::{Date, Duration};
use yikou_domain::id_number::compose;
use yikou_domain::reference::{streets, UnitKind, BUREAU_CODE};
use yikou_domain::{
    Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Phase, Phone, Project, Standard, UnitGroup,
};
use yikou_store::campaigns::{self, NewEntitlement};
use yikou_store::people::{self, NewPerson};
use yikou_store::{reference, WriteTx};

use yikou_domain::rng::Rng;

pub const DEMO_YEAR: i32 = 2020;

/// The plan's figures (section 四): per group, projects, person-times and 元.
pub const PLAN_GROUPS: [(UnitGroup, usize, i64, i64); 3] = [
    (UnitGroup::CivilAffairs, 11, 63_426, 37_311_400),
    (UnitGroup::Departments, 34, 23_149, 18_453_300),
    (UnitGroup::Streets, 77, 21_469, 17_460_600),
];
/// 民政部门 by funding source (元): 市级 1.98万, 部门预算 2,677.20万, 区级 536.35万, 街镇配套 515.61万.
const CIVIL_AFFAIRS_SOURCES: [(&str, i64); 4] =
    [("SJ", 19_800), ("BMYS", 26_772_000), ("QJ", 5_363_500), ("JZPT", 5_156_100)];
/// Person-times per 民政 funding pool (the plan gives only money; these counts make each pool's
/// average fall inside its projects' standards).
const CIVIL_AFFAIRS_POOL_COUNTS: [(&str, i64); 4] = [("SJ", 22), ("BMYS", 43_810), ("QJ", 6_704), ("JZPT", 12_890)];
pub const STATED_PERSON_TIMES: i64 = 112_800;
pub const STATED_AMOUNT_FEN: i64 = 7_322_830_000;

#[derive(Clone, Copy)]
enum Std {
    Fixed(i64),
    Household(i64, i64),
    Range(i64, i64),
}

#[derive(Clone, Copy)]
struct Tpl {
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    targets: &'static [&'static str],
    form: Form,
    std: Std,
    source: &'static str,
    weight: u32,
}

const fn t(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    targets: &'static [&'static str],
    form: Form,
    std: Std,
    source: &'static str,
    weight: u32,
) -> Tpl {
    Tpl { code, name, unit, targets, form, std, source, weight }
}

use Form::{Cash, GiftPack, Service, Voucher};
use Std::{Fixed, Household, Range};

const CIVIL_AFFAIRS: &[Tpl] = &[
    t("MZ-01", "低保家庭节日补助", BUREAU_CODE, &["DB"], Cash, Household(600, 100), "BMYS", 30),
    t("MZ-02", "低收入困难家庭节日补助", BUREAU_CODE, &["DSR"], Cash, Fixed(500), "BMYS", 40),
    t("MZ-03", "特困供养人员节日补助", BUREAU_CODE, &["TK"], Cash, Fixed(900), "BMYS", 8),
    t("MZ-04", "重残无业人员节日补助", BUREAU_CODE, &["CJ"], Cash, Fixed(900), "QJ", 40),
    t("MZ-05", "因病支出型贫困家庭节日补助", BUREAU_CODE, &["YB"], Cash, Household(600, 100), "QJ", 25),
    t("MZ-06", "困难老人节日慰问礼包", BUREAU_CODE, &["LR"], GiftPack, Fixed(300), "JZPT", 60),
    t("MZ-07", "困境儿童节日关爱金", BUREAU_CODE, &["ET"], Cash, Fixed(1100), "JZPT", 12),
    t("MZ-08", "散居孤儿节日补助", BUREAU_CODE, &["ET-GE"], Cash, Fixed(1000), "BMYS", 2),
    t("MZ-09", "市级特殊困难对象节日补助", BUREAU_CODE, &["TK", "CJ"], Cash, Fixed(900), "SJ", 1),
    t("MZ-10", "临时困难对象节日救助", BUREAU_CODE, &["LS"], Cash, Fixed(800), "QJ", 15),
    t("MZ-11", "独居老人关爱慰问", BUREAU_CODE, &["LR-DJ"], GiftPack, Fixed(400), "JZPT", 25),
];

const DEPARTMENTS: &[Tpl] = &[
    t("BM-01", "就业困难人员节日慰问", "310112-RSJ", &["ZG"], Cash, Fixed(700), "TXZC", 18),
    t("BM-02", "支内回沪人员帮困", "310112-RSJ", &["ZG-ZN"], Cash, Fixed(500), "QJ", 6),
    t("BM-03", "落实政策人员慰问", "310112-RSJ", &["ZG-LSZC"], Cash, Fixed(600), "QJ", 3),
    t("BM-04", "乡村离岗医生节日慰问", "310112-WJW", &["ZG-XCYS"], Cash, Fixed(800), "QJ", 2),
    t("BM-05", "计划生育特殊家庭慰问", "310112-WJW", &["LR"], Cash, Fixed(1000), "SJ", 6),
    t("BM-06", "认知症老人关爱服务", "310112-WJW", &["LR-RZZ"], Service, Fixed(300), "TXZC", 6),
    t("BM-07", "因病困难对象医疗帮扶", "310112-YBJ", &["YB"], Cash, Range(2_000, 20_000), "QJ", 1),
    t("BM-08", "大病医保困难对象慰问", "310112-YBJ", &["YB"], Cash, Fixed(500), "QJ", 4),
    t("BM-09", "困难学生新春助学金", "310112-JYJ", &["ET-XS"], Cash, Fixed(1000), "QJ", 6),
    t("BM-10", "困难学生寒假关爱礼包", "310112-JYJ", &["ET-XS"], GiftPack, Fixed(300), "TXZC", 4),
    t("BM-11", "重点优抚对象节日慰问", "310112-TYJ", &["YF-ZD"], Cash, Fixed(1100), "SJ", 10),
    t("BM-12", "烈士遗属节日慰问", "310112-TYJ", &["YF-LS"], Cash, Fixed(1500), "SJ", 1),
    t("BM-13", "优抚对象新春慰问品", "310112-TYJ", &["YF"], GiftPack, Fixed(300), "TXZC", 8),
    t("BM-14", "廉租住房困难家庭慰问", "310112-FGJ", &["DB", "DSR"], Cash, Fixed(400), "TXZC", 6),
    t("BM-15", "旧区改造困难户节日补助", "310112-FGJ", &["DSR"], Cash, Fixed(600), "QJ", 3),
    t("BM-16", "困难职工节日送温暖", "310112-ZGH", &["ZG"], Cash, Fixed(800), "TXZC", 12),
    t("BM-17", "困难职工子女助学", "310112-ZGH", &["ET-XS"], Cash, Fixed(1000), "TXZC", 3),
    t("BM-18", "工会特困职工帮扶", "310112-ZGH", &["ZG"], Cash, Range(2_000, 10_000), "TXZC", 1),
    t("BM-19", "困难劳模节日帮扶", "310112-ZGH", &["ZG"], Cash, Fixed(2_000), "TXZC", 1),
    t("BM-20", "困难青少年新春慰问", "310112-TQW", &["ET"], GiftPack, Fixed(200), "TXZC", 8),
    t("BM-21", "“爱与童行”困境儿童关爱", "310112-TQW", &["ET"], Cash, Fixed(500), "TXZC", 4),
    t("BM-22", "困难单亲母亲节日慰问", "310112-FL", &["DSR"], Cash, Fixed(500), "TXZC", 5),
    t("BM-23", "困境女童关爱", "310112-FL", &["ET"], GiftPack, Fixed(400), "TXZC", 3),
    t("BM-24", "困难妇女大病帮扶", "310112-FL", &["YB"], Cash, Range(1_000, 10_000), "TXZC", 1),
    t("BM-25", "重残人员节日慰问", "310112-CL", &["CJ"], Cash, Fixed(500), "TXZC", 10),
    t("BM-26", "孤独症家庭帮扶", "310112-CL", &["CJ-GDZ"], Cash, Fixed(1000), "QJ", 3),
    t("BM-27", "残疾人助残上门服务", "310112-CL", &["CJ"], Service, Fixed(300), "TXZC", 6),
    t("BM-28", "红十字博爱送万家", "310112-HSH", &["DSR", "LR"], GiftPack, Fixed(300), "TXZC", 8),
    t("BM-29", "白血病、器官移植专项帮扶", "310112-HSH", &["YB-BXB", "YB-QGYZ"], Cash, Range(5_000, 30_000), "TXZC", 1),
    t("BM-30", "慈善帮困节日补助", "310112-CSJJ", &["DSR", "DB"], Cash, Fixed(500), "TXZC", 10),
    t("BM-31", "大病困难家庭慈善助医", "310112-CSJJ", &["YB"], Cash, Range(2_000, 15_000), "TXZC", 1),
    t("BM-32", "慈善超市粮油补助券", "310112-CSJJ", &["DB", "DSR", "TK"], Voucher, Fixed(200), "TXZC", 12),
    t("BM-33", "市民帮扶基金助困", "310112-CSJJ", &["LS"], Cash, Fixed(1000), "TXZC", 3),
    t("BM-34", "困难老人慈善助餐", "310112-CSJJ", &["LR"], Service, Fixed(400), "TXZC", 5),
];

/// Per street/town; the sixth only in the first seven, so 7 × 6 + 7 × 5 = 77.
const STREET_TEMPLATES: &[(&str, &[&str], Form, Std, &str, u32)] = &[
    ("困难家庭节日慰问金", &["DB", "DSR"], Cash, Fixed(1_000), "JZPT", 30),
    ("独居老人年夜饭", &["LR-DJ"], Service, Fixed(200), "JZPT", 10),
    ("困难群众爱心礼包", &["LR", "CJ", "TK"], GiftPack, Fixed(400), "SHMJ", 20),
    ("大病困难家庭帮扶", &["YB"], Cash, Range(2_000, 10_000), "JZPT", 2),
    ("困境儿童新春关爱", &["ET"], Cash, Fixed(1_500), "SHMJ", 6),
    ("“一老养一老”及边缘困难群体慰问", &["LR-YLYL", "ZG-AH", "ZG-ZN"], Cash, Fixed(800), "TXZC", 6),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋",
    "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈", "姚", "卢", "姜", "钟", "陆", "汪", "范", "金", "顾",
    "钱", "严", "戴",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "建", "国", "文", "德", "福", "根", "宝", "妹", "林", "凤",
    "珍", "美", "云", "龙", "海", "荣", "生", "金", "忠", "康", "佳", "欣", "怡", "晨", "宇", "浩", "轩", "梓", "涵",
    "睿", "琳", "雪",
];
const PLACES: &[&str] = &[
    "春申", "景谷", "银都", "华坪", "古龙", "平阳", "航华", "梅园", "曹行", "莲花", "东苑", "西溪", "南华", "北桥",
    "新华", "红旗", "友谊", "金都", "锦江", "碧溪", "龙柏", "万源", "田园", "明星", "康城", "浦乐", "永德", "闵联",
    "竹园", "瑞丽",
];
const PLACE_SUFFIX: &[&str] = &["一村", "二村", "三村", "新村", "苑", "花园", "家园", "城"];
const OTHER_PROVINCES: &[&str] = &["340524", "320102", "330102", "410102", "510104", "420102", "360102", "110105"];

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
}

/// The demo's exclusive groups: a pupil gets one of the two bursaries.
const DEMO_EXCLUSIVE_GROUPS: &[(&str, &[&str])] = &[("助学金", &["BM-09", "BM-17"])];

/// The demo campaign's rule set: its exclusive group, the per-household projects, the
/// special-object exclusion from DOMAIN.md (重残无业 members are not counted in their 低保
/// household's subsidy) and age conditions the generated people satisfy.
pub fn demo_rules(projects: &[Project]) -> yikou_domain::rules::RuleSet {
    use yikou_domain::rules::{Condition, ExclusionRule, RuleSet};
    let mut r = RuleSet::default();
    for (g, codes) in DEMO_EXCLUSIVE_GROUPS {
        r.exclusive_groups.insert(g.to_string(), codes.iter().map(|c| c.to_string()).collect());
    }
    r.per_household =
        projects.iter().filter(|p| p.counting_unit == CountingUnit::Household).map(|p| p.code.clone()).collect();
    r.exclusions.push(ExclusionRule {
        receives: "MZ-04".into(),
        not_counted_in: "MZ-01".into(),
        note: Some("享受重残无业补助的成员不计入低保家庭补助户内人数".into()),
    });
    for code in ["MZ-06", "MZ-11"] {
        r.conditions.insert(code.into(), Condition { min_age: Some(60), ..Default::default() });
    }
    for code in ["MZ-07", "BM-20"] {
        r.conditions.insert(code.into(), Condition { max_age: Some(17), ..Default::default() });
    }
    r
}

pub fn demo_campaign() -> Campaign {
    // The usual schedule; the plan's "2020年12月下旬至1月底" for 组织实施 means 2019年12月下旬.
    let mut c = Campaign::standard(DEMO_YEAR);
    c.stated_person_times = Some(STATED_PERSON_TIMES);
    c.stated_amount_fen = Some(STATED_AMOUNT_FEN);
    c
}

/// One pool of projects that must reach `count` entitlements and `total` 元 together.
struct PoolProject {
    project: usize,
    count: i64,
    floor: i64,
    /// Amounts (元) of variable projects, decided before solving the fixed ones.
    variable: Option<Vec<(i64, Option<i64>)>>,
    fixed: Option<i64>,
}

/// Splits `count` by weights, then moves entitlements between fixed-amount projects until the pool's
/// money is exactly `total` (in 元; all standards are multiples of 100 元, so is every total).
fn solve_pool(rng: &mut Rng, tpls: &[(&Tpl, usize)], count: i64, total: i64) -> Result<Vec<PoolProject>, String> {
    let wsum: i64 = tpls.iter().map(|(t, _)| i64::from(t.weight)).sum();
    let mut out: Vec<PoolProject> = tpls
        .iter()
        .map(|(t, idx)| {
            let c = count * i64::from(t.weight) / wsum;
            PoolProject { project: *idx, count: c, floor: (c / 4).max(1), variable: None, fixed: None }
        })
        .collect();
    let assigned: i64 = out.iter().map(|p| p.count).sum();
    let n = out.len();
    for i in 0..(count - assigned) as usize {
        out[i % n].count += 1;
    }
    let mut variable_sum = 0;
    for (pp, (tpl, _)) in out.iter_mut().zip(tpls) {
        match tpl.std {
            Fixed(a) => pp.fixed = Some(a),
            Household(base, extra) => {
                let v: Vec<(i64, Option<i64>)> = (0..pp.count)
                    .map(|_| {
                        let size = 1 + rng.weighted(&[45, 30, 17, 8]) as i64;
                        (base + extra * (size - 1), Some(size))
                    })
                    .collect();
                variable_sum += v.iter().map(|x| x.0).sum::<i64>();
                pp.variable = Some(v);
            }
            Range(min, max) => {
                let v: Vec<(i64, Option<i64>)> = (0..pp.count)
                    .map(|i| {
                        if i == 0 {
                            return (max, None);
                        }
                        let u = rng.below(1_000_000) as f64 / 1_000_000.0;
                        let a = min + ((max - min) as f64 * u * u) as i64;
                        ((a / 100 * 100).max(min), None)
                    })
                    .collect();
                variable_sum += v.iter().map(|x| x.0).sum::<i64>();
                pp.variable = Some(v);
            }
        }
    }
    // Fixed projects: reach the rest of the money in units of 100 元.
    let fixed_total: i64 = out.iter().filter_map(|p| p.fixed.map(|a| a * p.count)).sum();
    let mut d = (total - variable_sum - fixed_total) / 100;
    if (total - variable_sum - fixed_total) % 100 != 0 {
        return Err("pool total is not a multiple of 100 元".into());
    }
    let fixed: Vec<usize> = (0..out.len()).filter(|&i| out[i].fixed.is_some()).collect();
    let unit = |out: &[PoolProject], i: usize| out[i].fixed.expect("fixed project") / 100;
    let mut guard = 0;
    while d != 0 {
        guard += 1;
        if guard > 1_000_000 {
            return Err(format!("pool cannot reach its total (left {d} × 100 元)"));
        }
        // Donor: the fullest project that can give; receiver: the fullest that moves d the right way
        // by no more than |d|.
        let mut best: Option<(usize, usize, i64)> = None;
        for &i in &fixed {
            if out[i].count <= out[i].floor {
                continue;
            }
            for &j in &fixed {
                let diff = unit(&out, j) - unit(&out, i);
                if diff == 0 || diff.signum() != d.signum() || diff.abs() > d.abs() {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((bi, bj, _)) => (out[i].count, out[j].count) > (out[bi].count, out[bj].count),
                };
                if better {
                    best = Some((i, j, diff));
                }
            }
        }
        if let Some((i, j, diff)) = best {
            let k = (d / diff).min(out[i].count - out[i].floor).min((out[i].count / 20).max(1));
            out[i].count -= k;
            out[j].count += k;
            d -= k * diff;
            continue;
        }
        // Stuck on a small remainder: two moves in opposite directions that add up to it, letting
        // donors go down to one entitlement if need be.
        let mut pair = None;
        'search: for floor_relaxed in [false, true] {
            let spare = |out: &[PoolProject], i: usize| out[i].count > if floor_relaxed { 1 } else { out[i].floor };
            for &i in &fixed {
                for &j in &fixed {
                    for &k in &fixed {
                        for &l in &fixed {
                            let total = unit(&out, j) - unit(&out, i) + unit(&out, l) - unit(&out, k);
                            let ok = total == d
                                && i != j
                                && k != l
                                && spare(&out, i)
                                && spare(&out, k)
                                && (i != k || out[i].count > 2);
                            if ok {
                                pair = Some((i, j, k, l));
                                break 'search;
                            }
                        }
                    }
                }
            }
        }
        let Some((i, j, k, l)) = pair else {
            return Err(format!("pool cannot reach its total (left {d} × 100 元)"));
        };
        out[i].count -= 1;
        out[j].count += 1;
        out[k].count -= 1;
        out[l].count += 1;
        d = 0;
    }
    Ok(out)
}

fn pick_str(rng: &mut Rng, items: &[&'static str]) -> &'static str {
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
        people: g.people,
        projects,
        entitlements,
    })
}

/// The demo accounts' shared password (demo data only; real accounts get one-time passwords).
pub const DEMO_PASSWORD: &str = "Demo-2020-yikou";

/// Demo accounts, one per kind of user, made once; returns (login, description).
pub async fn accounts(store: &yikou_store::Store) -> anyhow::Result<Vec<(String, String)>> {
    use yikou_domain::Role;
    use yikou_store::users::{create_user, NewUser};
    let list: [(&str, &str, &str, Role); 5] = [
        ("bureau", "区民政局管理员（演示）", BUREAU_CODE, Role::Bureau),
        ("reviewer", "区民政局审核员（演示）", BUREAU_CODE, Role::Reviewer),
        ("gumei", "古美街道经办（演示）", "310112006000", Role::Street),
        ("rsj", "区人社局经办（演示）", "310112-RSJ", Role::Department),
        ("auditor", "审计管理员（演示）", BUREAU_CODE, Role::AuditAdmin),
    ];
    let mut tx = store.write(&yikou_domain::Actor::system("demo")).await?;
    let mut out = Vec::new();
    for (login, name, unit, role) in list {
        let u = NewUser {
            login: login.into(),
            display_name: name.into(),
            unit_code: unit.into(),
            role,
            password: DEMO_PASSWORD.into(),
            must_change_password: false,
        };
        match create_user(&mut tx, &u).await {
            Ok(_) | Err(yikou_store::StoreError::Invalid(_)) => {}
            Err(e) => return Err(e.into()),
        }
        out.push((login.to_string(), format!("{name}，{}", role.label())));
    }
    tx.commit().await?;
    Ok(out)
}

/// Fictional contacts for the district's units (通讯录, 附件2), set once.
pub async fn contacts(store: &yikou_store::Store) -> anyhow::Result<()> {
    use yikou_store::reference::{set_contact, ContactUpdate};
    let mut rng = Rng::new(DEMO_YEAR as u64);
    let mut tx = store.write(&yikou_domain::Actor::system("demo")).await?;
    for (i, u) in store.contacts().await?.into_iter().enumerate() {
        if u.kind == "committee" || u.parent_code.is_none() || u.contact_name.is_some() {
            continue;
        }
        let name = format!("{}{}", rng.pick(SURNAMES), pick_str(&mut rng, GIVEN));
        let update = ContactUpdate {
            contact_name: name,
            contact_title: if u.kind == "street" || u.kind == "town" {
                "社会救助所所长".into()
            } else {
                "科长".into()
            },
            office_phone: format!("021-64{:06}", 100_000 + i * 37),
            mobile: format!("139{:08}", rng.below(100_000_000)),
        };
        set_contact(&mut tx, &u.code, &update).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What `write` did.
pub struct Written {
    pub person_ids: Vec<i64>,
    pub household_ids: Vec<i64>,
    pub entitlement_ids: Vec<i64>,
    pub people: usize,
    /// People whose ID number was entered in the 15-digit legacy form and upgraded.
    pub legacy15: usize,
    pub households: usize,
    pub projects: usize,
    pub entitlements: usize,
}

/// Writes the generated campaign in one transaction: all of it, or nothing.
pub async fn write(tx: &mut WriteTx<'_>, data: &DemoData) -> anyhow::Result<Written> {
    let mut clock = std::time::Instant::now();
    let mut lap = |step: &str| {
        tracing::info!(step, ms = clock.elapsed().as_millis() as u64, "demo write");
        clock = std::time::Instant::now();
    };
    for (code, name, kind, parent) in &data.committees {
        reference::add_unit(tx, code, name, *kind, parent).await?;
    }
    let household_rows: Vec<(String, Option<String>, Option<String>)> = data
        .households
        .iter()
        .enumerate()
        .map(|(i, (street, committee))| {
            (
                format!("DEMO{DEMO_YEAR}-H{:06}", i + 1),
                Some(street.to_string()),
                Some(data.committees[*committee].0.clone()),
            )
        })
        .collect();
    lap("committees");
    let household_ids = people::insert_households(tx, &household_rows).await?;
    lap("households");
    let since = date!(2019 - 01 - 01);
    let new_people: Vec<NewPerson> = data
        .people
        .iter()
        .map(|p| NewPerson {
            external_id: None,
            id_number: p.id_number.clone(),
            name: p.name.clone(),
            phone: p.phone.clone(),
            address: None,
            street_code: Some(p.street.to_string()),
            committee_code: Some(data.committees[p.committee].0.clone()),
            household_id: Some(household_ids[p.household]),
            is_household_head: p.head,
            categories: p.categories.iter().map(|c| (c.to_string(), since, None)).collect(),
        })
        .collect();
    let person_ids = people::insert_people(tx, &new_people, "demo").await?;
    lap("people");
    let campaign_id = campaigns::create_campaign(tx, &data.campaign).await?;
    campaigns::set_phase(tx, campaign_id, Phase::FollowUp).await?;
    let mut project_ids = Vec::with_capacity(data.projects.len());
    for p in &data.projects {
        project_ids.push(campaigns::create_project(tx, campaign_id, p).await?);
    }
    let rows: Vec<NewEntitlement> = data
        .entitlements
        .iter()
        .map(|e| NewEntitlement {
            external_id: None,
            project_id: project_ids[e.project],
            person_id: person_ids[e.person],
            household_id: e.household_size.map(|_| household_ids[data.people[e.person].household]),
            household_size: e.household_size,
            source_code: e.source.to_string(),
            amount: Fen(e.amount_fen),
            listed_name: e.listed_name.clone(),
        })
        .collect();
    // A finished campaign: every entitlement was approved and paid.
    lap("campaign and projects");
    let entitlement_ids = campaigns::insert_entitlements(tx, &rows, EntitlementState::Disbursed, "demo").await?;
    lap("entitlements");
    for (i, p) in data.people.iter().enumerate().filter(|(_, p)| p.deceased || p.moved_away) {
        let on = Some(data.campaign.start);
        let u = people::PersonUpdate {
            deceased_on: p.deceased.then_some(on),
            moved_away_on: p.moved_away.then_some(on),
            ..Default::default()
        };
        people::update_person(tx, &yikou_domain::Scope::All, person_ids[i], &u).await?;
    }
    yikou_store::check::save_rules(tx, campaign_id, &demo_rules(&data.projects)).await?;
    lap("life events and rules");
    Ok(Written {
        entitlement_ids,
        household_ids: household_ids.clone(),
        person_ids: person_ids.clone(),
        people: person_ids.len(),
        legacy15: data.people.iter().filter(|p| p.legacy15).count(),
        households: household_ids.len(),
        projects: project_ids.len(),
        entitlements: rows.len(),
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
