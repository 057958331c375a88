//! 生活服务热线 (R11): a request taken on the phone — who called, for whom if known, what kind (就医、
//! 出行、维修、购物 …), what they asked — assigned to a unit with a deadline, followed to completion.
//! Open, overdue and closed are read from the dates; the time to close is counted in hours.

use thiserror::Error;
use time::Date;

use crate::finding::coded_enum;

coded_enum! {
    /// 求助类别.
    RequestKind {
        Medical = "medical", "就医";
        Travel = "travel", "出行";
        Repair = "repair", "维修";
        Shopping = "shopping", "购物";
        Meals = "meals", "助餐";
        Care = "care", "照料";
        Other = "other", "其他";
    }
}

coded_enum! {
    /// Where a request stands.
    RequestState {
        /// Taken, not yet given to a unit.
        Open = "open", "待派单";
        /// Given to a unit, not done; past its deadline it is also overdue.
        Assigned = "assigned", "办理中";
        Closed = "closed", "已办结";
    }
}

/// Why a hotline act is refused, in words the operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HotlineError {
    #[error("请填写来电人（姓名或称呼，如“本人”“女儿 李某”）")]
    NoCaller,
    #[error("请填写求助内容")]
    NoContent,
    #[error("“{0}”太长，请控制在 {1} 字以内")]
    TooLong(&'static str, usize),
    #[error("办结期限 {0} 已过，请填写今天或以后的日期")]
    DueInPast(String),
    #[error("请填写办理结果")]
    NoResult,
}

/// A request as taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlineRequest {
    pub caller: String,
    /// The person it concerns, when known (a person of the register).
    pub person_id: Option<i64>,
    pub kind: RequestKind,
    pub content: String,
}

impl HotlineRequest {
    pub fn check(&self) -> Result<(), HotlineError> {
        if self.caller.trim().is_empty() {
            return Err(HotlineError::NoCaller);
        }
        if self.content.trim().is_empty() {
            return Err(HotlineError::NoContent);
        }
        if self.caller.chars().count() > 50 {
            return Err(HotlineError::TooLong("来电人", 50));
        }
        if self.content.chars().count() > 1000 {
            return Err(HotlineError::TooLong("求助内容", 1000));
        }
        Ok(())
    }
}

/// A deadline set on `today`.
pub fn check_due(due: Date, today: Date) -> Result<(), HotlineError> {
    if due < today {
        return Err(HotlineError::DueInPast(crate::format_date(due)));
    }
    Ok(())
}

/// A closing result.
pub fn check_result(result: &str) -> Result<(), HotlineError> {
    if result.trim().is_empty() {
        return Err(HotlineError::NoResult);
    }
    if result.chars().count() > 1000 {
        return Err(HotlineError::TooLong("办理结果", 1000));
    }
    Ok(())
}

/// Is a request overdue on `today`: given to a unit, not closed, past its deadline?
pub fn overdue(state: RequestState, due: Option<Date>, today: Date) -> bool {
    state == RequestState::Assigned && due.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_request_needs_a_caller_and_content_and_overdue_is_past_the_deadline_only_while_open() {
        let r = HotlineRequest {
            caller: "女儿 李某".into(),
            person_id: None,
            kind: RequestKind::Medical,
            content: "母亲需陪同就医".into(),
        };
        assert_eq!(r.check(), Ok(()));
        assert_eq!(HotlineRequest { caller: " ".into(), ..r.clone() }.check(), Err(HotlineError::NoCaller));
        assert_eq!(HotlineRequest { content: String::new(), ..r.clone() }.check(), Err(HotlineError::NoContent));
        assert!(check_due(date!(2020 - 01 - 09), date!(2020 - 01 - 10)).is_err());
        assert!(check_result("  ").is_err());
        let today = date!(2020 - 01 - 10);
        assert!(overdue(RequestState::Assigned, Some(date!(2020 - 01 - 09)), today));
        assert!(!overdue(RequestState::Assigned, Some(today), today));
        assert!(!overdue(RequestState::Closed, Some(date!(2020 - 01 - 01)), today));
        assert_eq!(RequestKind::from_code("repair").map(|k| k.label()), Some("维修"));
    }
}
