//! The demo campaign's plan: the figures of the plan's section 四 it must reproduce, the project
//! templates of the bureau, the departments and the streets, the demo's rules, and the solver that
//! splits a pool's person-times and money over its projects exactly.

use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::rng::Rng;
use yikou_domain::{Campaign, CountingUnit, Form, Project, UnitGroup};

pub const DEMO_YEAR: i32 = 2020;

/// The plan's figures (section 四): per group, projects, person-times and 元.
pub const PLAN_GROUPS: [(UnitGroup, usize, i64, i64); 3] = [
    (UnitGroup::CivilAffairs, 11, 63_426, 37_311_400),
    (UnitGroup::Departments, 34, 23_149, 18_453_300),
    (UnitGroup::Streets, 77, 21_469, 17_460_600),
];
/// 民政部门 by funding source (元): 市级 1.98万, 部门预算 2,677.20万, 区级 536.35万, 街镇配套 515.61万.
pub(super) const CIVIL_AFFAIRS_SOURCES: [(&str, i64); 4] =
    [("SJ", 19_800), ("BMYS", 26_772_000), ("QJ", 5_363_500), ("JZPT", 5_156_100)];
/// Person-times per 民政 funding pool (the plan gives only money; these counts make each pool's
/// average fall inside its projects' standards).
pub(super) const CIVIL_AFFAIRS_POOL_COUNTS: [(&str, i64); 4] =
    [("SJ", 22), ("BMYS", 43_810), ("QJ", 6_704), ("JZPT", 12_890)];
pub const STATED_PERSON_TIMES: i64 = 112_800;
pub const STATED_AMOUNT_FEN: i64 = 7_322_830_000;

#[derive(Clone, Copy)]
pub(super) enum Std {
    Fixed(i64),
    Household(i64, i64),
    Range(i64, i64),
}

#[derive(Clone, Copy)]
pub(super) struct Tpl {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) unit: &'static str,
    pub(super) targets: &'static [&'static str],
    pub(super) form: Form,
    pub(super) std: Std,
    pub(super) source: &'static str,
    pub(super) weight: u32,
}

pub(super) const fn t(
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

pub(super) const CIVIL_AFFAIRS: &[Tpl] = &[
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

pub(super) const DEPARTMENTS: &[Tpl] = &[
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
pub(super) const STREET_TEMPLATES: &[(&str, &[&str], Form, Std, &str, u32)] = &[
    ("困难家庭节日慰问金", &["DB", "DSR"], Cash, Fixed(1_000), "JZPT", 30),
    ("独居老人年夜饭", &["LR-DJ"], Service, Fixed(200), "JZPT", 10),
    ("困难群众爱心礼包", &["LR", "CJ", "TK"], GiftPack, Fixed(400), "SHMJ", 20),
    ("大病困难家庭帮扶", &["YB"], Cash, Range(2_000, 10_000), "JZPT", 2),
    ("困境儿童新春关爱", &["ET"], Cash, Fixed(1_500), "SHMJ", 6),
    ("“一老养一老”及边缘困难群体慰问", &["LR-YLYL", "ZG-AH", "ZG-ZN"], Cash, Fixed(800), "TXZC", 6),
];

/// The demo's exclusive groups: a pupil gets one of the two bursaries.
pub(super) const DEMO_EXCLUSIVE_GROUPS: &[(&str, &[&str])] = &[("助学金", &["BM-09", "BM-17"])];

/// The demo campaign's rule set: its exclusive group, the per-household projects, the
/// special-object exclusion from DOMAIN.md (重残无业 members are not counted in their 低保
/// household's subsidy), age conditions the generated people satisfy, and a cap per person.
pub fn demo_rules(projects: &[Project], cap_per_person_fen: i64) -> yikou_domain::rules::RuleSet {
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
    r.cap_per_person_fen = Some(cap_per_person_fen);
    r.visit_coverage = DEMO_VISIT_COVERAGE.iter().map(|c| c.to_string()).collect();
    r
}

/// 全覆盖的走访慰问: every 独居老人 and every 困境儿童 (with its sub-categories) is visited.
pub const DEMO_VISIT_COVERAGE: &[&str] = &["LR-DJ", "ET"];

pub fn demo_campaign() -> Campaign {
    // The usual schedule; the plan's "2020年12月下旬至1月底" for 组织实施 means 2019年12月下旬.
    let mut c = Campaign::standard(DEMO_YEAR);
    c.stated_person_times = Some(STATED_PERSON_TIMES);
    c.stated_amount_fen = Some(STATED_AMOUNT_FEN);
    c
}

/// One pool of projects that must reach `count` entitlements and `total` 元 together.
pub(super) struct PoolProject {
    pub(super) project: usize,
    pub(super) count: i64,
    pub(super) floor: i64,
    /// Amounts (元) of variable projects, decided before solving the fixed ones.
    pub(super) variable: Option<Vec<(i64, Option<i64>)>>,
    pub(super) fixed: Option<i64>,
}

/// Splits `count` by weights, then moves entitlements between fixed-amount projects until the pool's
/// money is exactly `total` (in 元; all standards are multiples of 100 元, so is every total).
pub(super) fn solve_pool(
    rng: &mut Rng,
    tpls: &[(&Tpl, usize)],
    count: i64,
    total: i64,
) -> Result<Vec<PoolProject>, String> {
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
