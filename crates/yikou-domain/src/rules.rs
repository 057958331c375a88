//! 比对规则 (cross-check rules) as data: what the bureau may edit between runs. Stored as versioned
//! JSON documents per campaign; each save is a new version, audited. Codes, not ids, so a rule set
//! reads the same in the file the bureau edits and in the store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Sex;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// 互斥组: group name → project codes; a person may receive from at most one of them.
    #[serde(default)]
    pub exclusive_groups: BTreeMap<String, Vec<String>>,
    /// Projects paid once per household (按户发放).
    #[serde(default)]
    pub per_household: Vec<String>,
    /// "Members who receive `receives` are not counted in their household's `not_counted_in`".
    #[serde(default)]
    pub exclusions: Vec<ExclusionRule>,
    /// Categories every member of which should receive at least one project; absent: every
    /// category some project targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Vec<String>>,
    /// Categories every living resident of which should be visited during the campaign (全覆盖的走访慰问,
    /// e.g. 独居老人 and 困境儿童); the cross-check's `not_visited` names who was not. Empty: no rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visit_coverage: Vec<String>,
    /// Person conditions per project code.
    #[serde(default)]
    pub conditions: BTreeMap<String, Condition>,
    /// Most one person may receive in the campaign (fen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_person_fen: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionRule {
    pub receives: String,
    pub not_counted_in: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u8>,
    /// "男" or "女".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
}

impl Condition {
    pub fn sex(&self) -> Option<Sex> {
        match self.sex.as_deref() {
            Some("男") => Some(Sex::Male),
            Some("女") => Some(Sex::Female),
            _ => None,
        }
    }
}

impl RuleSet {
    /// Every problem with the rule set, in Chinese; empty when it can be saved.
    pub fn problems(&self, projects: &[&str], categories: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let known = |code: &str| projects.contains(&code);
        let mut seen_in_group: BTreeMap<&str, &str> = BTreeMap::new();
        for (group, codes) in &self.exclusive_groups {
            if group.trim().is_empty() {
                out.push("互斥组名称不能为空".into());
            }
            if codes.len() < 2 {
                out.push(format!("互斥组“{group}”至少要包含两个项目"));
            }
            for c in codes {
                if !known(c) {
                    out.push(format!("互斥组“{group}”中的项目编号“{c}”不存在"));
                } else if let Some(other) = seen_in_group.insert(c, group) {
                    out.push(format!("项目“{c}”同时属于互斥组“{other}”和“{group}”，一个项目只能属于一个互斥组"));
                }
            }
        }
        for c in &self.per_household {
            if !known(c) {
                out.push(format!("按户发放项目编号“{c}”不存在"));
            }
        }
        for (i, e) in self.exclusions.iter().enumerate() {
            for c in [&e.receives, &e.not_counted_in] {
                if !known(c) {
                    out.push(format!("第{}条排除规则中的项目编号“{c}”不存在", i + 1));
                }
            }
            if e.receives == e.not_counted_in {
                out.push(format!("第{}条排除规则的两个项目相同", i + 1));
            }
        }
        for c in self.coverage.iter().flatten() {
            if !categories.contains(&c.as_str()) {
                out.push(format!("覆盖规则中的类别代码“{c}”不存在"));
            }
        }
        for c in &self.visit_coverage {
            if !categories.contains(&c.as_str()) {
                out.push(format!("走访覆盖规则中的类别代码“{c}”不存在"));
            }
        }
        for (code, cond) in &self.conditions {
            if !known(code) {
                out.push(format!("条件中的项目编号“{code}”不存在"));
            }
            if let (Some(min), Some(max)) = (cond.min_age, cond.max_age) {
                if min > max {
                    out.push(format!("项目“{code}”的年龄条件颠倒：最小{min}岁大于最大{max}岁"));
                }
            }
            if cond.sex.is_some() && cond.sex().is_none() {
                out.push(format!("项目“{code}”的性别条件只能填“男”或“女”"));
            }
        }
        if self.cap_per_person_fen.is_some_and(|c| c <= 0) {
            out.push("每人封顶金额必须大于0".into());
        }
        out
    }

    /// The exclusive group of a project, if any.
    pub fn group_of(&self, code: &str) -> Option<&str> {
        self.exclusive_groups.iter().find(|(_, codes)| codes.iter().any(|c| c == code)).map(|(g, _)| g.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_set_naming_unknown_codes_is_refused_with_each_problem() {
        let rules: RuleSet = serde_json::from_str(
            r#"{"exclusive_groups": {"助学": ["P1", "P9"], "双": ["P1", "P2"]},
                "exclusions": [{"receives": "P1", "not_counted_in": "P1"}],
                "coverage": ["DB", "XX"],
                "visit_coverage": ["YY"],
                "conditions": {"P2": {"min_age": 70, "max_age": 60, "sex": "M"}},
                "cap_per_person_fen": 0}"#,
        )
        .unwrap();
        let p = rules.problems(&["P1", "P2"], &["DB"]);
        assert!(p.iter().any(|m| m.contains("“P9”不存在")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("同时属于互斥组")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("两个项目相同")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("“XX”不存在")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("走访覆盖规则中的类别代码“YY”不存在")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("年龄条件颠倒")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("只能填“男”或“女”")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("封顶")), "{p:?}");
    }

    #[test]
    fn unknown_fields_are_refused_rather_than_ignored() {
        assert!(serde_json::from_str::<RuleSet>(r#"{"exclusive_group": {}}"#).is_err());
    }

    #[test]
    fn a_valid_rule_set_has_no_problems_and_finds_groups() {
        let rules: RuleSet =
            serde_json::from_str(r#"{"exclusive_groups": {"助学": ["P1", "P2"]}, "per_household": ["P3"]}"#).unwrap();
        assert!(rules.problems(&["P1", "P2", "P3"], &[]).is_empty());
        assert_eq!(rules.group_of("P2"), Some("助学"));
        assert_eq!(rules.group_of("P3"), None);
    }
}
