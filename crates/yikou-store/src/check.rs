//! 一口比对 over a stored campaign: the rule set in force (versioned, audited), the rows the engine
//! needs (read packed as one JSON value per table: far fewer driver round trips than row by row),
//! findings with stable keys and Chinese explanations, and reviewers' decisions that survive re-runs.

use std::collections::{BTreeMap, HashMap};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;
use yikou_domain::check::{
    check_all, near_duplicates, CheckEntitlement, CheckPerson, CheckProject, CheckRules, ConditionMiss, Exclusion,
    NamedPerson,
};
use yikou_domain::reference::DISTRICT_CODE;
use yikou_domain::rules::RuleSet;
use yikou_domain::{format_date, parse_date, CountingUnit, Scope, Sex, UnitGroup};

use crate::db::Db;
use crate::dialect::{Bind, PerBackend};
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// Every count `yikou check --json` reports. The first six mean exactly what peer_check.py counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CheckCounts {
    pub dup_in_project: u64,
    pub dup_exclusive: u64,
    pub household_twice: u64,
    pub omissions: u64,
    pub ineligible: u64,
    pub deceased_paid: u64,
    pub near_duplicates: u64,
    pub moved_away_paid: u64,
    pub ineligible_condition: u64,
    pub exclusion_broken: u64,
    pub two_streets: u64,
    pub amount_outside: u64,
    pub over_budget: u64,
    pub over_cap: u64,
}

/// The finding types, in report order: (code, sheet title, severity).
pub const FINDING_TYPES: &[(&str, &str, &str)] = &[
    ("dup_in_project", "同一项目重复", "error"),
    ("dup_exclusive", "互斥项目重复享受", "error"),
    ("household_twice", "按户项目同户重复", "error"),
    ("exclusion_broken", "违反排除规则", "error"),
    ("deceased_paid", "已故人员在册", "error"),
    ("moved_away_paid", "已迁出人员在册", "error"),
    ("ineligible", "不符合对象类别", "error"),
    ("ineligible_condition", "不符合年龄或性别条件", "error"),
    ("amount_outside", "金额超出标准", "error"),
    ("over_budget", "超出计划资金", "error"),
    ("over_cap", "超过每人封顶", "warning"),
    ("two_streets", "多个街镇重复列入", "warning"),
    ("near_duplicates", "疑似重复（需人工核实）", "review"),
    ("omissions", "遗漏（未享受任何项目）", "warning"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingPerson {
    pub id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub street_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable across runs: the type and the codes/ids of what is involved.
    pub key: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub severity: &'static str,
    pub explanation: String,
    /// The street/town the finding belongs to (the first person's), for filtering.
    pub street_code: Option<String>,
    pub people: Vec<FindingPerson>,
    pub projects: Vec<String>,
    pub entitlements: Vec<i64>,
    /// A digest of the facts; a decision holds while they stay the same.
    pub facts: String,
    /// open, confirmed, dismissed, or reopened (dismissed or confirmed before, facts changed since).
    pub status: &'static str,
    pub reason: Option<String>,
}

impl Finding {
    /// Is this finding within the scope? A street reviews the findings about its people; the
    /// bureau all; departments and committees do not review the district-wide check.
    pub fn within(&self, scope: &Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Street(c) => self.people.iter().any(|p| p.street_code.as_deref() == Some(c.as_str())),
            Scope::Nothing | Scope::Committee(_) | Scope::Unit(_) => false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub rules_version: i64,
    pub counts: CheckCounts,
    pub findings: Vec<Finding>,
    /// Seconds spent reading the rows and running the rules.
    #[serde(skip)]
    pub read_seconds: f64,
    #[serde(skip)]
    pub check_seconds: f64,
}

/// Reads one packed JSON array produced by the database (`json_group_array` on SQLite, `json_agg`
/// on PostgreSQL) into rows.
async fn packed<T: DeserializeOwned, B: Bind + 'static>(db: &Db, sql: &PerBackend, bind: B) -> Result<Vec<T>> {
    match crate::dialect::text_scalar(db, sql, bind).await? {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Invalid(format!("比对数据无法解析：{e}"))),
    }
}

fn digest(parts: &[String]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

/// Person id → position in the id-ordered list. Ids are nearly dense, so a direct table from the
/// smallest id is used when it is small enough; otherwise a binary search.
struct PersonIndex {
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

struct PersonRow {
    id: i64,
    name: String,
    street: Option<String>,
}

impl CheckReport {
    /// The findings a user of this scope may see and decide.
    pub fn within<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.within(scope))
    }
}

impl Store {
    /// The rule set in force and its version; version 0 is the default taken from the projects
    /// (their exclusive groups and counting units) when the bureau has saved none.
    pub async fn rules(&self, campaign_id: i64) -> Result<(i64, RuleSet)> {
        let saved: Option<(i64, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT version, rules_json FROM rule_sets WHERE campaign_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(campaign_id).fetch_optional(p).await?);
        if let Some((v, text)) = saved {
            let rules = serde_json::from_str(&text)
                .map_err(|e| StoreError::Invalid(format!("第{v}版比对规则无法读取：{e}")))?;
            return Ok((v, rules));
        }
        let mut rules = RuleSet::default();
        for sp in self.projects(&Scope::All, campaign_id).await? {
            if let Some(g) = &sp.project.exclusive_group {
                rules.exclusive_groups.entry(g.clone()).or_default().push(sp.project.code.clone());
            }
            if sp.project.counting_unit == CountingUnit::Household {
                rules.per_household.push(sp.project.code.clone());
            }
        }
        Ok((0, rules))
    }

    /// Runs every rule over the campaign and attaches the reviewers' decisions.
    pub async fn run_check(&self, campaign_id: i64, on: Date) -> Result<CheckReport> {
        let started = std::time::Instant::now();
        let on_s = format_date(on);
        // (id, household, deceased_on, moved_away_on, street, name, birth, sex); masked ID numbers are
        // read afterwards for the people in findings only.
        type P = (i64, Option<i64>, Option<String>, Option<String>, Option<String>, String, String, String);
        // (id, project, person, household, household_size, amount, source, listed_name)
        type E = (i64, i64, i64, Option<i64>, Option<i64>, i64, String, Option<String>);
        // The reads are independent: on separate connections of the pool they run side by side.
        let people_read = packed::<P, _>(
            &self.db,
            &PerBackend {
                sqlite:
                    "SELECT json_group_array(json_array(id, household_id, deceased_on, moved_away_on, street_code, name,
             birth_date, sex)) FROM people WHERE $1 = $1",
                postgres:
                    "SELECT json_agg(json_build_array(id, household_id, deceased_on, moved_away_on, street_code, name,
             birth_date, sex))::text FROM people WHERE $1 = $1",
            },
            0i64,
        );
        let cats_read = packed::<(i64, String), _>(
            &self.db,
            &PerBackend {
                sqlite: "SELECT json_group_array(json_array(person_id, category_code)) FROM person_categories
                     WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)",
                postgres: "SELECT json_agg(json_build_array(person_id, category_code))::text FROM person_categories
                     WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)",
            },
            on_s.clone(),
        );
        let ents_read = packed::<E, _>(
            &self.db,
            &PerBackend {
                // `+e.project_id`: scan the table in order rather than visit each row through the project
                // index (random page reads for a campaign's every row).
                sqlite: "SELECT json_group_array(json_array(e.id, e.project_id, e.person_id, e.household_id, e.household_size,
             e.amount_fen, e.source_code, e.listed_name)) FROM entitlements e
             WHERE +e.project_id IN (SELECT id FROM projects WHERE campaign_id = $1)",
                postgres: "SELECT json_agg(json_build_array(e.id, e.project_id, e.person_id, e.household_id, e.household_size,
             e.amount_fen, e.source_code, e.listed_name))::text FROM entitlements e
             JOIN projects pr ON pr.id = e.project_id WHERE pr.campaign_id = $1",
            },
            campaign_id,
        );
        let (rules_read, projects_read) = (self.rules(campaign_id), self.projects(&Scope::All, campaign_id));
        let (mut people, cats, mut ents, (version, rules), projects) =
            tokio::try_join!(people_read, cats_read, ents_read, rules_read, projects_read)?;
        people.sort_unstable_by_key(|p| p.0);
        ents.sort_unstable_by_key(|e| e.0);
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            people = people.len(),
            entitlements = ents.len(),
            "check: rows read"
        );
        let read_seconds = started.elapsed().as_secs_f64();

        // Codes become small indices for the engine.
        let mut codes: HashMap<String, u16> = HashMap::new();
        let mut code = |c: &str| match codes.get(c) {
            Some(k) => *k,
            None => {
                let n = codes.len() as u16;
                codes.insert(c.to_string(), n);
                n
            }
        };
        let mut streets: HashMap<String, u16> = HashMap::new();
        let mut street = |s: &str| match streets.get(s) {
            Some(k) => *k,
            None => {
                let n = streets.len() as u16;
                streets.insert(s.to_string(), n);
                n
            }
        };
        // People come ordered by id: a binary search finds one (no hashing of a million keys).
        let person_index = PersonIndex::new(people.iter().map(|p| p.0).collect());
        let mut check_people: Vec<CheckPerson> = people
            .iter()
            .map(|p| CheckPerson {
                household: p.1.map(|h| h as u32),
                categories: Vec::new(),
                deceased: p.2.as_deref().and_then(parse_date).is_some_and(|d| d <= on),
                moved_away: p.3.as_deref().and_then(parse_date).is_some_and(|d| d <= on),
                street: p.4.as_deref().map(&mut street),
                birth: parse_date(&p.6),
                sex: match p.7.as_str() {
                    "M" => Some(Sex::Male),
                    "F" => Some(Sex::Female),
                    _ => None,
                },
            })
            .collect();
        for (person, c) in &cats {
            if let Some(i) = person_index.get(*person) {
                let k = code(c);
                check_people[i].categories.push(k);
            }
        }
        let project_index: HashMap<i64, usize> = projects.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let by_code: HashMap<&str, usize> =
            projects.iter().enumerate().map(|(i, p)| (p.project.code.as_str(), i)).collect();
        let groups: Vec<&String> = rules.exclusive_groups.keys().collect();
        let mut sources: Vec<String> = Vec::new();
        let mut source = |s: &str| match sources.iter().position(|x| x == s) {
            Some(i) => i as u16,
            None => {
                sources.push(s.to_string());
                (sources.len() - 1) as u16
            }
        };
        let check_projects: Vec<CheckProject> = projects
            .iter()
            .map(|sp| {
                let p = &sp.project;
                let cond = rules.conditions.get(&p.code);
                CheckProject {
                    exclusive_group: rules
                        .group_of(&p.code)
                        .and_then(|g| groups.iter().position(|x| *x == g))
                        .map(|i| i as u32),
                    per_household: rules.per_household.contains(&p.code),
                    targets: p.target_categories.iter().map(|c| code(c)).collect(),
                    street: (p.unit_group == UnitGroup::Streets && p.unit_code != DISTRICT_CODE)
                        .then(|| street(&p.unit_code)),
                    min_age: cond.and_then(|c| c.min_age),
                    max_age: cond.and_then(|c| c.max_age),
                    sex: cond.and_then(|c| c.sex()),
                    standard: Some(p.standard),
                    budget: p.planned_budget.iter().map(|(s, f)| (source(s), f.0)).collect(),
                }
            })
            .collect();
        let check_ents: Vec<CheckEntitlement> = ents
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
        let coverage: Option<Vec<u16>> = rules.coverage.as_ref().map(|list| list.iter().map(|c| code(c)).collect());
        let mut code_names = vec![String::new(); codes.len()];
        for (c, k) in &codes {
            code_names[*k as usize] = yikou_domain::reference::CATEGORIES
                .iter()
                .find(|x| x.code == c)
                .map_or_else(|| c.clone(), |x| x.name.to_string());
        }
        let covered: std::collections::HashSet<u16> = match &coverage {
            Some(list) => list.iter().copied().collect(),
            None => check_projects.iter().flat_map(|p| p.targets.iter().copied()).collect(),
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
        let engine_rules = CheckRules { coverage, exclusions, cap_fen: rules.cap_per_person_fen, on };
        tracing::info!(ms = started.elapsed().as_millis() as u64, "check: rows prepared");
        let f = check_all(&check_people, &check_projects, &check_ents, &engine_rules);
        let named: Vec<NamedPerson> = people
            .iter()
            .zip(&check_people)
            .map(|(p, c)| NamedPerson { name: &p.5, birth: c.birth.unwrap_or(on), street: p.4.as_deref() })
            .collect();
        let listed: Vec<(u32, &str)> =
            ents.iter().filter_map(|e| Some((person_index.at(e.2) as u32, e.7.as_deref()?))).collect();
        let near = near_duplicates(&named, &listed);
        tracing::info!(ms = started.elapsed().as_millis() as u64, "check: rules run");

        // Findings with keys, facts and explanations.
        let rows: Vec<PersonRow> =
            people.iter().map(|p| PersonRow { id: p.0, name: p.5.clone(), street: p.4.clone() }).collect();
        let person = |i: u32| {
            let r = &rows[i as usize];
            FindingPerson {
                id: r.id,
                name: r.name.clone(),
                id_number_masked: String::new(),
                street_code: r.street.clone(),
            }
        };
        let pcode = |j: u32| projects[j as usize].project.code.clone();
        let pname = |j: u32| format!("{}（{}）", projects[j as usize].project.name, projects[j as usize].project.code);
        let ent_facts = |i: usize| {
            let e = &ents[i];
            format!("{}:{}:{}:{}", e.0, e.5, e.4.unwrap_or(0), e.3.unwrap_or(0))
        };
        let mut out: Vec<Finding> = Vec::new();
        let mut push = |kind: &'static str,
                        key: String,
                        explanation: String,
                        people_in: Vec<u32>,
                        projects_in: Vec<u32>,
                        ent_in: Vec<usize>,
                        extra: String| {
            let severity = FINDING_TYPES.iter().find(|t| t.0 == kind).map_or("warning", |t| t.2);
            let mut facts: Vec<String> = ent_in.iter().map(|&i| ent_facts(i)).collect();
            facts.extend(people_in.iter().map(|&i| format!("p{}", rows[i as usize].id)));
            facts.push(extra);
            let people_out: Vec<FindingPerson> = people_in.iter().map(|&i| person(i)).collect();
            out.push(Finding {
                key,
                kind,
                severity,
                explanation,
                street_code: people_out.first().and_then(|p| p.street_code.clone()),
                people: people_out,
                projects: projects_in.iter().map(|&j| pcode(j)).collect(),
                entitlements: ent_in.iter().map(|&i| ents[i].0).collect(),
                facts: digest(&facts),
                status: "open",
                reason: None,
            });
        };
        let ents_of = |pred: &dyn Fn(&CheckEntitlement) -> bool| -> Vec<usize> {
            check_ents.iter().enumerate().filter(|(_, e)| pred(e)).map(|(i, _)| i).collect()
        };
        // Entitlements per person, for the findings that name a person's entitlements.
        let mut of_person: Vec<Vec<usize>> = vec![Vec::new(); people.len()];
        for (i, e) in check_ents.iter().enumerate() {
            of_person[e.person as usize].push(i);
        }

        for &(j, x) in &f.core.dup_in_project {
            let list: Vec<usize> =
                of_person[x as usize].iter().copied().filter(|&i| check_ents[i].project == j).collect();
            push(
                "dup_in_project",
                format!("dup_in_project:{}:{}", pcode(j), rows[x as usize].id),
                format!("{} 在项目{}中列入{}次，应只列入一次", rows[x as usize].name, pname(j), list.len()),
                vec![x],
                vec![j],
                list,
                String::new(),
            );
        }
        for &(g, x) in &f.core.dup_exclusive {
            let list: Vec<usize> = of_person[x as usize]
                .iter()
                .copied()
                .filter(|&i| check_projects[check_ents[i].project as usize].exclusive_group == Some(g))
                .collect();
            let mut pj: Vec<u32> = list.iter().map(|&i| check_ents[i].project).collect();
            pj.sort_unstable();
            pj.dedup();
            push(
                "dup_exclusive",
                format!("dup_exclusive:{}:{}", groups[g as usize], rows[x as usize].id),
                format!(
                    "{} 同时享受互斥组“{}”中的{}个项目：{}；只能享受其中一项",
                    rows[x as usize].name,
                    groups[g as usize],
                    pj.len(),
                    pj.iter().map(|&j| pname(j)).collect::<Vec<_>>().join("、")
                ),
                vec![x],
                pj,
                list,
                String::new(),
            );
        }
        for &(j, h) in &f.core.household_twice {
            let list =
                ents_of(&|e: &CheckEntitlement| e.project == j && check_people[e.person as usize].household == h);
            let mut who: Vec<u32> = list.iter().map(|&i| check_ents[i].person).collect();
            who.dedup();
            push(
                "household_twice",
                format!("household_twice:{}:{}", pcode(j), h.map_or("-".into(), |h| h.to_string())),
                format!("项目{}按户发放，同一户有{}人列入：每户只应发放一次", pname(j), who.len()),
                who,
                vec![j],
                list,
                String::new(),
            );
        }
        for &(r, i, m, registered) in &f.exclusion {
            let rule = &rules.exclusions[r];
            let e = &check_ents[i];
            push(
                "exclusion_broken",
                format!("exclusion_broken:{}:{}:{}", rule.receives, rule.not_counted_in, ents[i].0),
                if projects[e.project as usize].project.counting_unit == CountingUnit::Household
                    || e.household_size.is_some()
                {
                    format!(
                        "项目{}按{}人计发，但户内登记{}人中有{}人已享受{}，按规定不应计入户内人数",
                        pname(e.project),
                        e.household_size.unwrap_or(1),
                        registered,
                        m,
                        rule.receives
                    )
                } else {
                    format!("已享受{}的人员不应再列入项目{}", rule.receives, pname(e.project))
                },
                vec![e.person],
                vec![e.project],
                vec![i],
                format!("{m}/{registered}"),
            );
        }
        for &i in &f.core.deceased_paid {
            let e = &check_ents[i];
            push(
                "deceased_paid",
                format!("deceased_paid:{}", ents[i].0),
                format!("{} 已登记死亡，仍列入项目{}：请核实并撤销", rows[e.person as usize].name, pname(e.project)),
                vec![e.person],
                vec![e.project],
                vec![i],
                String::new(),
            );
        }
        for &i in &f.moved_away_paid {
            let e = &check_ents[i];
            push(
                "moved_away_paid",
                format!("moved_away_paid:{}", ents[i].0),
                format!("{} 已登记迁出本区，仍列入项目{}：请核实", rows[e.person as usize].name, pname(e.project)),
                vec![e.person],
                vec![e.project],
                vec![i],
                String::new(),
            );
        }
        for &i in &f.core.ineligible {
            let e = &check_ents[i];
            push(
                "ineligible",
                format!("ineligible:{}", ents[i].0),
                format!(
                    "{} 不属于项目{}的对象类别（{}）",
                    rows[e.person as usize].name,
                    pname(e.project),
                    projects[e.project as usize].project.target_categories.join("、")
                ),
                vec![e.person],
                vec![e.project],
                vec![i],
                String::new(),
            );
        }
        for &(i, miss) in &f.condition {
            let e = &check_ents[i];
            let why = match miss {
                ConditionMiss::TooYoung { age, min } => format!("{age}岁，未满{min}岁"),
                ConditionMiss::TooOld { age, max } => format!("{age}岁，超过{max}岁"),
                ConditionMiss::WrongSex { required } => format!("项目只面向{}性", required.label()),
            };
            let tag = match miss {
                ConditionMiss::WrongSex { .. } => "sex",
                _ => "age",
            };
            push(
                "ineligible_condition",
                format!("ineligible_condition:{tag}:{}", ents[i].0),
                format!("{} 不符合项目{}的条件：{why}", rows[e.person as usize].name, pname(e.project)),
                vec![e.person],
                vec![e.project],
                vec![i],
                String::new(),
            );
        }
        for &i in &f.amount_outside {
            let e = &check_ents[i];
            let p = &projects[e.project as usize].project;
            push(
                "amount_outside",
                format!("amount_outside:{}", ents[i].0),
                format!(
                    "{} 在项目{}中的金额{}元不符合标准（{}{}）",
                    rows[e.person as usize].name,
                    pname(e.project),
                    yikou_domain::Fen(e.amount_fen).yuan(),
                    p.standard.describe(),
                    e.household_size.map_or(String::new(), |s| format!("，户内{s}人"))
                ),
                vec![e.person],
                vec![e.project],
                vec![i],
                String::new(),
            );
        }
        for &(j, s, planned, actual) in &f.over_budget {
            push(
                "over_budget",
                format!("over_budget:{}:{}", pcode(j), sources[s as usize]),
                format!(
                    "项目{}的资金来源“{}”计划{}元，实际{}元，超出{}元",
                    pname(j),
                    sources[s as usize],
                    yikou_domain::Fen(planned).yuan(),
                    yikou_domain::Fen(actual).yuan(),
                    yikou_domain::Fen(actual - planned).yuan()
                ),
                Vec::new(),
                vec![j],
                Vec::new(),
                format!("{planned}/{actual}"),
            );
        }
        for &(x, total) in &f.over_cap {
            push(
                "over_cap",
                format!("over_cap:{}", rows[x as usize].id),
                format!(
                    "{} 本次活动共享受{}元，超过每人封顶{}元",
                    rows[x as usize].name,
                    yikou_domain::Fen(total).yuan(),
                    yikou_domain::Fen(rules.cap_per_person_fen.unwrap_or(0)).yuan()
                ),
                vec![x],
                Vec::new(),
                of_person[x as usize].clone(),
                String::new(),
            );
        }
        for (x, st) in &f.two_streets {
            let list = of_person[*x as usize].clone();
            let pj: Vec<u32> = list
                .iter()
                .map(|&i| check_ents[i].project)
                .filter(|&j| check_projects[j as usize].street.is_some())
                .collect();
            push(
                "two_streets",
                format!("two_streets:{}", rows[*x as usize].id),
                format!(
                    "{} 同时被{}个街镇的项目列入：{}",
                    rows[*x as usize].name,
                    st.len(),
                    pj.iter().map(|&j| pname(j)).collect::<Vec<_>>().join("、")
                ),
                vec![*x],
                pj,
                list,
                String::new(),
            );
        }
        for (x, names) in &near.names {
            push(
                "near_duplicates",
                format!("near_duplicates:name:{}", rows[*x as usize].id),
                format!(
                    "同一身份证号在库中登记为“{}”，但有名单填写为“{}”：请核实是否为同一人",
                    rows[*x as usize].name,
                    names.join("”“")
                ),
                vec![*x],
                Vec::new(),
                Vec::new(),
                names.join(","),
            );
        }
        for group in &near.people {
            let ids: Vec<String> = group.iter().map(|&i| rows[i as usize].id.to_string()).collect();
            push(
                "near_duplicates",
                format!("near_duplicates:person:{}", ids.join("-")),
                format!(
                    "{}人姓名、出生日期、街镇相同（{}）而身份证号不同：请核实是否错用了他人（如亲属）的身份证号",
                    group.len(),
                    rows[group[0] as usize].name
                ),
                group.clone(),
                Vec::new(),
                Vec::new(),
                String::new(),
            );
        }
        for &x in &f.core.omissions {
            push(
                "omissions",
                format!("omissions:{}", rows[x as usize].id),
                format!(
                    "{} 属于应覆盖的类别（{}），但未享受任何项目：请核实是否遗漏",
                    rows[x as usize].name,
                    check_people[x as usize]
                        .categories
                        .iter()
                        .filter(|c| covered.contains(c))
                        .map(|c| code_names[*c as usize].as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                vec![x],
                Vec::new(),
                Vec::new(),
                String::new(),
            );
        }

        // Masked ID numbers of the people named in findings.
        let mut named_ids: Vec<i64> = out.iter().flat_map(|f| f.people.iter().map(|p| p.id)).collect();
        named_ids.sort_unstable();
        named_ids.dedup();
        let masked: HashMap<i64, String> = if named_ids.len() > people.len() / 8 {
            packed::<(i64, String), _>(
                &self.db,
                &PerBackend {
                    sqlite: "SELECT json_group_array(json_array(id, id_masked)) FROM people WHERE $1 = $1",
                    postgres: "SELECT json_agg(json_build_array(id, id_masked))::text FROM people WHERE $1 = $1",
                },
                0i64,
            )
            .await?
            .into_iter()
            .collect()
        } else {
            let mut m = HashMap::new();
            for part in named_ids.chunks(500) {
                let list = part.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
                let got: Vec<(i64, String)> = on_db!(&self.db, p => sqlx::query_as(&format!(
                    "SELECT id, id_masked FROM people WHERE id IN ({list})")).fetch_all(p).await?);
                m.extend(got);
            }
            m
        };
        for f in &mut out {
            for p in &mut f.people {
                p.id_number_masked = masked.get(&p.id).cloned().unwrap_or_default();
            }
        }

        // Decisions: kept while the facts are the same; reopened when they changed.
        let decisions: Vec<(String, String, String, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT finding_key, facts, decision, reason FROM finding_decisions WHERE campaign_id = $1")
            .bind(campaign_id).fetch_all(p).await?);
        let decisions: HashMap<String, (String, String, String)> =
            decisions.into_iter().map(|(k, f, d, r)| (k, (f, d, r))).collect();
        for finding in &mut out {
            if let Some((facts, decision, reason)) = decisions.get(&finding.key) {
                if *facts == finding.facts {
                    finding.status = if decision == "confirmed" { "confirmed" } else { "dismissed" };
                    finding.reason = Some(reason.clone());
                } else {
                    finding.status = "reopened";
                }
            }
        }

        let counts = CheckCounts {
            dup_in_project: f.core.dup_in_project.len() as u64,
            dup_exclusive: f.core.dup_exclusive.len() as u64,
            household_twice: f.core.household_twice.len() as u64,
            omissions: f.core.omissions.len() as u64,
            ineligible: f.core.ineligible.len() as u64,
            deceased_paid: f.core.deceased_paid.len() as u64,
            near_duplicates: (near.names.len() + near.people.len()) as u64,
            moved_away_paid: f.moved_away_paid.len() as u64,
            ineligible_condition: f.condition.len() as u64,
            exclusion_broken: f.exclusion.len() as u64,
            two_streets: f.two_streets.len() as u64,
            amount_outside: f.amount_outside.len() as u64,
            over_budget: f.over_budget.len() as u64,
            over_cap: f.over_cap.len() as u64,
        };
        let check_seconds = started.elapsed().as_secs_f64() - read_seconds;
        Ok(CheckReport { rules_version: version, counts, findings: out, read_seconds, check_seconds })
    }
}

/// Saves a new version of the campaign's rules after checking every code in it.
pub async fn save_rules(tx: &mut WriteTx<'_>, campaign_id: i64, rules: &RuleSet) -> Result<i64> {
    crate::atomic!(tx, {
        let projects: Vec<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM projects WHERE campaign_id = $1")
            .bind(campaign_id).fetch_all(c).await?);
        let categories: Vec<String> =
            on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM categories").fetch_all(c).await?);
        let p: Vec<&str> = projects.iter().map(String::as_str).collect();
        let c: Vec<&str> = categories.iter().map(String::as_str).collect();
        let problems = rules.problems(&p, &c);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(format!("比对规则有{}处问题：{}", problems.len(), problems.join("；"))));
        }
        let last: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT MAX(version) FROM rule_sets WHERE campaign_id = $1").bind(campaign_id).fetch_one(c).await?);
        let version = last.unwrap_or(0) + 1;
        let text = serde_json::to_string(rules).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let actor = tx.actor().login.clone();
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO rule_sets (campaign_id, version, rules_json, actor, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(campaign_id).bind(version).bind(&text).bind(&actor).bind(now()).execute(c).await?.rows_affected());
        let after: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        tx.audit(
            "rules.save",
            "campaign",
            &campaign_id.to_string(),
            None,
            Some(&json!({ "version": version, "rules": after })),
        )
        .await?;
        Ok(version)
    })
}

/// A reviewer's decision on a finding of the current run: confirmed (the data will be fixed) or
/// dismissed with a reason. Kept while the finding's facts stay the same.
pub async fn decide(
    tx: &mut WriteTx<'_>,
    campaign_id: i64,
    finding: &Finding,
    confirm: bool,
    reason: &str,
) -> Result<()> {
    let reason = reason.trim();
    if !confirm && reason.chars().count() < 2 {
        return Err(StoreError::Invalid("排除疑点必须填写理由（至少2个字）".into()));
    }
    // No savepoint: the only writes are the decision and its audit record, so a failure leaves the
    // caller's transaction to roll back (and the future stays `Send` for the web server).
    {
        let before: Option<(String, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT decision, reason FROM finding_decisions WHERE campaign_id = $1 AND finding_key = $2")
            .bind(campaign_id).bind(&finding.key).fetch_optional(c).await?);
        let decision = if confirm { "confirmed" } else { "dismissed" };
        let actor = tx.actor().login.clone();
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO finding_decisions (campaign_id, finding_key, facts, decision, reason, actor, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (campaign_id, finding_key) DO UPDATE SET facts = excluded.facts, decision = excluded.decision,
             reason = excluded.reason, actor = excluded.actor, decided_at = excluded.decided_at")
            .bind(campaign_id).bind(&finding.key).bind(&finding.facts).bind(decision).bind(reason).bind(&actor).bind(now())
            .execute(c).await?.rows_affected());
        tx.audit(
            &format!("finding.{}", if confirm { "confirm" } else { "dismiss" }),
            "finding",
            &finding.key,
            before.map(|(d, r)| json!({ "decision": d, "reason": r })).as_ref(),
            Some(&json!({ "decision": decision, "reason": reason, "facts": finding.facts })),
        )
        .await?;
        Ok(())
    }
}

/// Counts per finding type and street/town (for the overview page and the summary sheet).
pub fn by_type_and_street(findings: &[Finding]) -> BTreeMap<(&'static str, String), u64> {
    let mut out = BTreeMap::new();
    for f in findings {
        *out.entry((f.kind, f.street_code.clone().unwrap_or_default())).or_default() += 1;
    }
    out
}
