//! Findings with stable keys, digests of their facts and Chinese explanations, built kind by kind
//! (in report order) from what the rules found.

use yikou_domain::check::{CheckEntitlement, ConditionMiss};
use yikou_domain::{CountingUnit, Fen};

use super::engine::{Found, Input};
use super::load::Rows;
use yikou_domain::{FindingKind, FindingStatus};

use super::{digest, Finding, FindingPerson};

/// Every finding, in report order; people's masked ID numbers and reviewers' decisions are added
/// afterwards.
pub(super) fn build(rows: &Rows, input: &Input, found: &Found) -> Vec<Finding> {
    let of_person = OfPerson::new(rows.people.len(), &input.entitlements);
    let mut b = Builder { rows, input, found, of_person, out: Vec::new() };
    b.duplicates();
    b.register_state();
    b.eligibility();
    b.money();
    b.people();
    b.out
}

struct Builder<'a> {
    rows: &'a Rows,
    input: &'a Input,
    found: &'a Found,
    of_person: OfPerson,
    out: Vec<Finding>,
}

/// Entitlements per person (indices, in order), for the findings that name a person's
/// entitlements: one list of all and where each person's part starts (not a vector a person: at
/// city scale a million small allocations).
struct OfPerson {
    starts: Vec<u32>,
    ents: Vec<u32>,
}

impl OfPerson {
    fn new(people: usize, entitlements: &[CheckEntitlement]) -> OfPerson {
        let mut starts = vec![0u32; people + 1];
        for e in entitlements {
            starts[e.person as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut ents = vec![0u32; entitlements.len()];
        for (i, e) in entitlements.iter().enumerate() {
            let at = &mut next[e.person as usize];
            ents[*at as usize] = i as u32;
            *at += 1;
        }
        OfPerson { starts, ents }
    }

    fn of(&self, x: u32) -> impl Iterator<Item = usize> + '_ {
        let (from, to) = (self.starts[x as usize] as usize, self.starts[x as usize + 1] as usize);
        self.ents[from..to].iter().map(|&i| i as usize)
    }
}

impl Builder<'_> {
    fn id(&self, x: u32) -> i64 {
        self.rows.people[x as usize].0
    }

    fn name(&self, x: u32) -> &str {
        &self.rows.people[x as usize].5
    }

    fn pcode(&self, j: u32) -> String {
        self.rows.projects[j as usize].project.code.clone()
    }

    fn pname(&self, j: u32) -> String {
        let p = &self.rows.projects[j as usize].project;
        format!("{}（{}）", p.name, p.code)
    }

    fn ent_facts(&self, i: usize) -> String {
        let e = &self.rows.entitlements[i];
        format!("{}:{}:{}:{}", e.0, e.5, e.4.unwrap_or(0), e.3.unwrap_or(0))
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: FindingKind,
        key: String,
        explanation: String,
        people_in: Vec<u32>,
        projects_in: Vec<u32>,
        ent_in: Vec<usize>,
        extra: String,
    ) {
        let mut facts: Vec<String> = ent_in.iter().map(|&i| self.ent_facts(i)).collect();
        facts.extend(people_in.iter().map(|&i| format!("p{}", self.id(i))));
        facts.push(extra);
        let people_out: Vec<FindingPerson> = people_in
            .iter()
            .map(|&i| {
                let p = &self.rows.people[i as usize];
                FindingPerson {
                    id: p.0,
                    name: p.5.to_string(),
                    id_number_masked: p.8.to_string(),
                    street_code: p.4.as_deref().map(str::to_string),
                }
            })
            .collect();
        let finding = Finding {
            key,
            kind,
            severity: kind.severity(),
            explanation,
            street_code: people_out.first().and_then(|p| p.street_code.clone()),
            people: people_out,
            projects: projects_in.iter().map(|&j| self.pcode(j)).collect(),
            entitlements: ent_in.iter().map(|&i| self.rows.entitlements[i].0).collect(),
            facts: digest(&facts),
            status: FindingStatus::Open,
            reason: None,
            decided_by: None,
            decided_at: None,
        };
        self.out.push(finding);
    }

    /// One entitlement's finding: its person, its project and itself.
    fn push_one(&mut self, kind: FindingKind, key: String, explanation: String, i: usize) {
        let e = &self.input.entitlements[i];
        let (person, project) = (e.person, e.project);
        self.push(kind, key, explanation, vec![person], vec![project], vec![i], String::new());
    }

    /// Listed twice: in one project, in an exclusive group, one household twice, an exclusion broken.
    fn duplicates(&mut self) {
        let (f, input, ents) = (&self.found.all, self.input, &self.input.entitlements);
        for &(j, x) in &f.core.dup_in_project {
            let list: Vec<usize> = self.of_person.of(x).filter(|&i| ents[i].project == j).collect();
            let explanation = format!("{} 在项目{}中列入{}次，应只列入一次", self.name(x), self.pname(j), list.len());
            let key = format!("dup_in_project:{}:{}", self.pcode(j), self.id(x));
            self.push(FindingKind::DupInProject, key, explanation, vec![x], vec![j], list, String::new());
        }
        for &(g, x) in &f.core.dup_exclusive {
            let list: Vec<usize> = self
                .of_person
                .of(x)
                .filter(|&i| input.projects[ents[i].project as usize].exclusive_group == Some(g))
                .collect();
            let mut pj: Vec<u32> = list.iter().map(|&i| ents[i].project).collect();
            pj.sort_unstable();
            pj.dedup();
            let group = &input.groups[g as usize];
            let explanation = format!(
                "{} 同时享受互斥组“{}”中的{}个项目：{}；只能享受其中一项",
                self.name(x),
                group,
                pj.len(),
                pj.iter().map(|&j| self.pname(j)).collect::<Vec<_>>().join("、")
            );
            let key = format!("dup_exclusive:{}:{}", group, self.id(x));
            self.push(FindingKind::DupExclusive, key, explanation, vec![x], pj, list, String::new());
        }
        for &(j, h) in &f.core.household_twice {
            let list: Vec<usize> = ents
                .iter()
                .enumerate()
                .filter(|(_, e): &(usize, &CheckEntitlement)| {
                    e.project == j && input.people[e.person as usize].household == h
                })
                .map(|(i, _)| i)
                .collect();
            let mut who: Vec<u32> = list.iter().map(|&i| ents[i].person).collect();
            who.dedup();
            let key = format!("household_twice:{}:{}", self.pcode(j), h.map_or("-".into(), |h| h.to_string()));
            let explanation = format!("项目{}按户发放，同一户有{}人列入：每户只应发放一次", self.pname(j), who.len());
            self.push(FindingKind::HouseholdTwice, key, explanation, who, vec![j], list, String::new());
        }
        for &(r, i, m, registered) in &f.exclusion {
            let rule = &self.rows.rules.exclusions[r];
            let e = &ents[i];
            let explanation = if self.rows.projects[e.project as usize].project.counting_unit == CountingUnit::Household
                || e.household_size.is_some()
            {
                format!(
                    "项目{}按{}人计发，但户内登记{}人中有{}人已享受{}，按规定不应计入户内人数",
                    self.pname(e.project),
                    e.household_size.unwrap_or(1),
                    registered,
                    m,
                    rule.receives
                )
            } else {
                format!("已享受{}的人员不应再列入项目{}", rule.receives, self.pname(e.project))
            };
            let key =
                format!("exclusion_broken:{}:{}:{}", rule.receives, rule.not_counted_in, self.rows.entitlements[i].0);
            let (person, project) = (e.person, e.project);
            self.push(
                FindingKind::ExclusionBroken,
                key,
                explanation,
                vec![person],
                vec![project],
                vec![i],
                format!("{m}/{registered}"),
            );
        }
    }

    /// Listed although the register says deceased or moved away.
    fn register_state(&mut self) {
        let (f, ents) = (&self.found.all, &self.input.entitlements);
        for &i in &f.core.deceased_paid {
            let e = &ents[i];
            let explanation =
                format!("{} 已登记死亡，仍列入项目{}：请核实并撤销", self.name(e.person), self.pname(e.project));
            self.push_one(
                FindingKind::DeceasedPaid,
                format!("deceased_paid:{}", self.rows.entitlements[i].0),
                explanation,
                i,
            );
        }
        for &i in &f.moved_away_paid {
            let e = &ents[i];
            let explanation =
                format!("{} 已登记迁出本区，仍列入项目{}：请核实", self.name(e.person), self.pname(e.project));
            self.push_one(
                FindingKind::MovedAwayPaid,
                format!("moved_away_paid:{}", self.rows.entitlements[i].0),
                explanation,
                i,
            );
        }
    }

    /// Outside a project's categories, conditions or standard.
    fn eligibility(&mut self) {
        let (f, ents) = (&self.found.all, &self.input.entitlements);
        for &i in &f.core.ineligible {
            let e = &ents[i];
            let explanation = format!(
                "{} 不属于项目{}的对象类别（{}）",
                self.name(e.person),
                self.pname(e.project),
                self.rows.projects[e.project as usize].project.target_categories.join("、")
            );
            self.push_one(
                FindingKind::Ineligible,
                format!("ineligible:{}", self.rows.entitlements[i].0),
                explanation,
                i,
            );
        }
        for &(i, miss) in &f.condition {
            let e = &ents[i];
            let why = match miss {
                ConditionMiss::TooYoung { age, min } => format!("{age}岁，未满{min}岁"),
                ConditionMiss::TooOld { age, max } => format!("{age}岁，超过{max}岁"),
                ConditionMiss::WrongSex { required } => format!("项目只面向{}性", required.label()),
            };
            let tag = match miss {
                ConditionMiss::WrongSex { .. } => "sex",
                _ => "age",
            };
            let explanation = format!("{} 不符合项目{}的条件：{why}", self.name(e.person), self.pname(e.project));
            let key = format!("ineligible_condition:{tag}:{}", self.rows.entitlements[i].0);
            self.push_one(FindingKind::IneligibleCondition, key, explanation, i);
        }
        for &i in &f.amount_outside {
            let e = &ents[i];
            let p = &self.rows.projects[e.project as usize].project;
            let explanation = format!(
                "{} 在项目{}中的金额{}元不符合标准（{}{}）",
                self.name(e.person),
                self.pname(e.project),
                Fen(e.amount_fen).yuan(),
                p.standard.describe(),
                e.household_size.map_or(String::new(), |s| format!("，户内{s}人"))
            );
            self.push_one(
                FindingKind::AmountOutside,
                format!("amount_outside:{}", self.rows.entitlements[i].0),
                explanation,
                i,
            );
        }
    }

    /// Over a project's planned money or the cap per person.
    fn money(&mut self) {
        let f = &self.found.all;
        for &(j, s, planned, actual) in &f.over_budget {
            let source = &self.input.sources[s as usize];
            // The source by its name (区级资金), not its code.
            let source_name = yikou_domain::reference::FUNDING_SOURCES
                .iter()
                .find(|f| f.code == source.as_str())
                .map_or(source.as_str(), |f| f.name);
            let explanation = format!(
                "项目{}的资金来源“{}”计划{}元，实际{}元，超出{}元",
                self.pname(j),
                source_name,
                Fen(planned).yuan(),
                Fen(actual).yuan(),
                Fen(actual - planned).yuan()
            );
            let key = format!("over_budget:{}:{}", self.pcode(j), source);
            self.push(
                FindingKind::OverBudget,
                key,
                explanation,
                Vec::new(),
                vec![j],
                Vec::new(),
                format!("{planned}/{actual}"),
            );
        }
        for &(x, total) in &f.over_cap {
            let explanation = format!(
                "{} 本次活动共享受{}元，超过每人封顶{}元",
                self.name(x),
                Fen(total).yuan(),
                Fen(self.rows.rules.cap_per_person_fen.unwrap_or(0)).yuan()
            );
            let list: Vec<usize> = self.of_person.of(x).collect();
            self.push(
                FindingKind::OverCap,
                format!("over_cap:{}", self.id(x)),
                explanation,
                vec![x],
                Vec::new(),
                list,
                String::new(),
            );
        }
    }

    /// About people: listed by two streets, near-duplicates, omissions, not visited.
    fn people(&mut self) {
        let (f, near, input) = (&self.found.all, &self.found.near, self.input);
        for (x, st) in &f.two_streets {
            let list: Vec<usize> = self.of_person.of(*x).collect();
            let pj: Vec<u32> = list
                .iter()
                .map(|&i| input.entitlements[i].project)
                .filter(|&j| input.projects[j as usize].street.is_some())
                .collect();
            let explanation = format!(
                "{} 同时被{}个街镇的项目列入：{}",
                self.name(*x),
                st.len(),
                pj.iter().map(|&j| self.pname(j)).collect::<Vec<_>>().join("、")
            );
            self.push(
                FindingKind::TwoStreets,
                format!("two_streets:{}", self.id(*x)),
                explanation,
                vec![*x],
                pj,
                list,
                String::new(),
            );
        }
        for (x, names) in &near.names {
            // The entitlements that list the person under another name: their projects say which
            // roster each name came from (the import files are added by `attach_roster_files`).
            let listed: Vec<usize> = self
                .of_person
                .of(*x)
                .filter(|&i| self.rows.entitlements[i].7.as_deref().is_some_and(|n| names.iter().any(|m| m == n)))
                .collect();
            let mut pj: Vec<u32> = listed.iter().map(|&i| input.entitlements[i].project).collect();
            pj.sort_unstable();
            pj.dedup();
            let named = names
                .iter()
                .map(|n| {
                    let mut from: Vec<u32> = listed
                        .iter()
                        .filter(|&&i| self.rows.entitlements[i].7.as_deref() == Some(n.as_str()))
                        .map(|&i| input.entitlements[i].project)
                        .collect();
                    from.dedup();
                    let from = from.iter().map(|&j| self.pname(j)).collect::<Vec<_>>().join("、");
                    if from.is_empty() {
                        format!("“{n}”")
                    } else {
                        format!("“{n}”（项目{from}的名单）")
                    }
                })
                .collect::<Vec<_>>()
                .join("、");
            let explanation =
                format!("同一身份证号在库中登记为“{}”，但有名单填写为{named}：请核实是否为同一人", self.name(*x));
            let key = format!("near_duplicates:name:{}", self.id(*x));
            self.push(FindingKind::NearDuplicates, key, explanation, vec![*x], Vec::new(), Vec::new(), names.join(","));
            // Projects and entitlements named after the digest: the facts stay the names (a decision
            // taken before rosters were named holds).
            let id_of: Vec<i64> = listed.iter().map(|&i| self.rows.entitlements[i].0).collect();
            let codes: Vec<String> = pj.iter().map(|&j| self.pcode(j)).collect();
            if let Some(f) = self.out.last_mut() {
                f.entitlements = id_of;
                f.projects = codes;
            }
        }
        for group in &near.people {
            let ids: Vec<String> = group.iter().map(|&i| self.id(i).to_string()).collect();
            let explanation = format!(
                "{}人姓名、出生日期、街镇相同（{}）而身份证号不同：请核实是否错用了他人（如亲属）的身份证号",
                group.len(),
                self.name(group[0])
            );
            let key = format!("near_duplicates:person:{}", ids.join("-"));
            self.push(
                FindingKind::NearDuplicates,
                key,
                explanation,
                group.clone(),
                Vec::new(),
                Vec::new(),
                String::new(),
            );
        }
        for &x in &f.core.omissions {
            let explanation = format!(
                "{} 属于应覆盖的类别（{}），但未享受任何项目：请核实是否遗漏",
                self.name(x),
                input.people[x as usize]
                    .categories
                    .iter()
                    .filter(|c| input.covered.contains(c))
                    .map(|c| input.category_names[*c as usize].as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            );
            self.push(
                FindingKind::Omissions,
                format!("omissions:{}", self.id(x)),
                explanation,
                vec![x],
                Vec::new(),
                Vec::new(),
                String::new(),
            );
        }
        for &x in &self.found.not_visited {
            let explanation = format!(
                "{} 属于应走访的类别（{}），本次活动尚无走访记录：请安排走访并登记",
                self.name(x),
                input.people[x as usize]
                    .categories
                    .iter()
                    .filter(|c| input.visit_covered.contains(c))
                    .map(|c| input.category_names[*c as usize].as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            );
            self.push(
                FindingKind::NotVisited,
                format!("not_visited:{}", self.id(x)),
                explanation,
                vec![x],
                Vec::new(),
                Vec::new(),
                String::new(),
            );
        }
    }
}
