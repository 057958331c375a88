//! 走访慰问 (R11: 全覆盖的走访慰问): who visited whom, when, what was given, what needs were heard and
//! what follow-up was promised, with an owner and a deadline. Coverage — "every 独居老人 and every
//! 困境儿童 is visited" — is data in the campaign's rule set (`RuleSet::visit_coverage`) and becomes the
//! cross-check's `not_visited` finding ([`not_visited`]).

use std::collections::HashSet;

use thiserror::Error;
use time::Date;

use crate::check::CheckPerson;
use crate::finding::coded_enum;
use crate::{format_date, Fen};

coded_enum! {
    /// 走访人 — who went.
    VisitorKind {
        /// 区领导.
        Leader = "leader", "区领导";
        /// A member unit (委办局、人民团体) or the street/town.
        Unit = "unit", "成员单位或街镇";
        /// 居村委.
        Committee = "committee", "居村委";
    }
}

/// Why a visit is refused, in words the clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VisitError {
    #[error("请填写走访人（姓名或单位）")]
    NoVisitors,
    #[error("走访日期 {0} 在今天之后，请填写实际走访的日期")]
    InFuture(String),
    #[error("慰问金和慰问品价值不能为负数")]
    Negative,
    #[error("慰问金或慰问品价值过大（每次走访不超过1亿元），请核对")]
    TooMuch,
    #[error("请填写后续跟进事项，或不填承办单位和期限")]
    NoAction,
    #[error("填写了慰问品价值，请同时填写慰问品名称")]
    ValueWithoutGoods,
    #[error("后续跟进事项请填写承办单位")]
    ActionWithoutOwner,
    #[error("后续跟进的办结期限 {due} 早于走访日期 {day}")]
    DueBeforeVisit { due: String, day: String },
    #[error("“{0}”太长，请控制在 {1} 字以内")]
    TooLong(&'static str, usize),
}

/// A follow-up promised during a visit: what, by which unit, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitAction {
    pub what: String,
    /// The unit that owns it (a unit code).
    pub owner_unit: String,
    pub due: Date,
}

/// A visit as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub person_id: i64,
    pub day: Date,
    pub visitor_kind: VisitorKind,
    /// 走访人: names or the unit's name, as the clerk writes them.
    pub visitors: String,
    /// 慰问金.
    pub money: Fen,
    /// 慰问品 (empty: none) and its value.
    pub goods: String,
    pub goods_value: Fen,
    /// 了解到的需求.
    pub needs: String,
    pub action: Option<VisitAction>,
}

fn limit(field: &'static str, text: &str, max: usize) -> Result<(), VisitError> {
    if text.chars().count() > max {
        return Err(VisitError::TooLong(field, max));
    }
    Ok(())
}

impl Visit {
    /// Checks the visit as recorded on `today`.
    pub fn check(&self, today: Date) -> Result<(), VisitError> {
        if self.visitors.trim().is_empty() {
            return Err(VisitError::NoVisitors);
        }
        if self.day > today {
            return Err(VisitError::InFuture(format_date(self.day)));
        }
        if self.money.0 < 0 || self.goods_value.0 < 0 {
            return Err(VisitError::Negative);
        }
        if !self.money.in_range() || !self.goods_value.in_range() {
            return Err(VisitError::TooMuch);
        }
        if self.goods_value.0 > 0 && self.goods.trim().is_empty() {
            return Err(VisitError::ValueWithoutGoods);
        }
        limit("走访人", &self.visitors, 100)?;
        limit("慰问品", &self.goods, 200)?;
        limit("了解到的需求", &self.needs, 1000)?;
        if let Some(a) = &self.action {
            if a.what.trim().is_empty() {
                return Err(VisitError::NoAction);
            }
            if a.owner_unit.trim().is_empty() {
                return Err(VisitError::ActionWithoutOwner);
            }
            limit("后续跟进事项", &a.what, 500)?;
            if a.due < self.day {
                return Err(VisitError::DueBeforeVisit { due: format_date(a.due), day: format_date(self.day) });
            }
        }
        Ok(())
    }
}

/// Does a coverage list name this category or one above it (困境儿童 covers 散居孤儿 and 困难学生)?
pub fn covers(coverage: &[String], category: &str) -> bool {
    let mut at = Some(category);
    let mut steps = 0;
    while let Some(code) = at {
        if coverage.iter().any(|c| c == code) {
            return true;
        }
        at = crate::reference::CATEGORIES.iter().find(|c| c.code == code).and_then(|c| c.parent);
        steps += 1;
        if steps > 8 {
            break;
        }
    }
    false
}

/// The people (indices) the coverage rules say must be visited and who were not: alive, living in the
/// district on the check date, in one of the `covered` categories, not among `visited`. In index order.
pub fn not_visited(people: &[CheckPerson], covered: &[u16], visited: &HashSet<u32>) -> Vec<u32> {
    if covered.is_empty() {
        return Vec::new();
    }
    people
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            !p.deceased
                && !p.moved_away
                && p.categories.iter().any(|c| covered.contains(c))
                && !visited.contains(&(*i as u32))
        })
        .map(|(i, _)| i as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn visit() -> Visit {
        Visit {
            person_id: 1,
            day: date!(2020 - 01 - 10),
            visitor_kind: VisitorKind::Leader,
            visitors: "区领导 王某".into(),
            money: Fen(50_000),
            goods: "米、油".into(),
            goods_value: Fen(20_000),
            needs: "冬季取暖".into(),
            action: Some(VisitAction {
                what: "送取暖器".into(),
                owner_unit: "SQ01".into(),
                due: date!(2020 - 01 - 20),
            }),
        }
    }

    #[test]
    fn a_complete_visit_passes_and_each_fault_is_named() {
        let today = date!(2020 - 01 - 15);
        assert_eq!(visit().check(today), Ok(()));
        assert_eq!(Visit { visitors: " ".into(), ..visit() }.check(today), Err(VisitError::NoVisitors));
        assert!(matches!(Visit { day: date!(2020 - 01 - 16), ..visit() }.check(today), Err(VisitError::InFuture(_))));
        assert_eq!(Visit { money: Fen(-1), ..visit() }.check(today), Err(VisitError::Negative));
        assert_eq!(Visit { money: Fen(i64::MAX), ..visit() }.check(today), Err(VisitError::TooMuch));
        let blank = VisitAction { what: " ".into(), ..visit().action.unwrap() };
        assert_eq!(Visit { action: Some(blank), ..visit() }.check(today), Err(VisitError::NoAction));
        assert_eq!(Visit { goods: String::new(), ..visit() }.check(today), Err(VisitError::ValueWithoutGoods));
        let late = VisitAction { due: date!(2020 - 01 - 09), ..visit().action.unwrap() };
        assert!(matches!(Visit { action: Some(late), ..visit() }.check(today), Err(VisitError::DueBeforeVisit { .. })));
        let unowned = VisitAction { owner_unit: String::new(), ..visit().action.unwrap() };
        assert_eq!(Visit { action: Some(unowned), ..visit() }.check(today), Err(VisitError::ActionWithoutOwner));
        assert!(VisitError::InFuture("2020-01-16".into()).to_string().contains("今天之后"));
    }

    #[test]
    fn coverage_of_a_category_takes_in_its_sub_categories() {
        let list = vec!["ET".to_string(), "LR-DJ".to_string()];
        assert!(covers(&list, "ET") && covers(&list, "ET-GE") && covers(&list, "LR-DJ"));
        assert!(!covers(&list, "LR") && !covers(&list, "DB"));
    }

    #[test]
    fn not_visited_is_exactly_the_covered_living_residents_without_a_visit() {
        let p = |cats: &[u16], deceased: bool, moved_away: bool| CheckPerson {
            categories: cats.to_vec(),
            deceased,
            moved_away,
            ..CheckPerson::default()
        };
        let people = vec![
            p(&[0], false, false),    // covered, visited
            p(&[0], false, false),    // covered, not visited
            p(&[1], false, false),    // not covered
            p(&[0], true, false),     // deceased
            p(&[2, 0], false, true),  // moved away
            p(&[2, 3], false, false), // covered by 3, not visited
        ];
        let visited: HashSet<u32> = [0, 2].into_iter().collect();
        assert_eq!(not_visited(&people, &[0, 3], &visited), vec![1, 5]);
        assert!(not_visited(&people, &[], &visited).is_empty());
    }
}
