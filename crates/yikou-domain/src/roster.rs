//! 名单 (roster): one project's entitlements prepared by one unit, and its way through review
//! (下达): 待提交 → 待审核 → 已批准下达, or 已退回 → (corrected) → 待审核 again. New entries added to an
//! approved roster make it 待提交 again for those entries; approved ones stay frozen.
//!
//! Separation of duties (经办与审核分离): an account that imported, edited or submitted a roster may
//! not review it — the store refuses such a review where it is written.

use serde::{Deserialize, Serialize};

use crate::finding::coded_enum;

coded_enum! {
    /// The state of a roster (the codes are the API's `state`).
    RosterState {
        Draft = "draft", "待提交";
        Submitted = "submitted", "待审核";
        Returned = "returned", "已退回";
        Approved = "approved", "已批准下达";
    }
}

coded_enum! {
    /// A reviewer's decision on a submitted roster.
    ReviewDecision {
        Approve = "approve", "批准下达";
        Return = "return", "退回修改";
    }
}

coded_enum! {
    /// What an account did to a roster (a hand on it rules out reviewing it).
    Hand {
        Imported = "import", "导入";
        Edited = "edit", "修改";
        Submitted = "submit", "提交";
    }
}

coded_enum! {
    /// What the review history records.
    RosterAct {
        Submit = "submit", "提交审核";
        Approve = "approve", "批准下达";
        Return = "return", "退回修改";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("名单{}，不能再次提交：请等待审核结果", state.label())]
    AlreadySubmitted { state: RosterState },
    #[error("名单中没有待提交的记录：请先导入名单，或名单已全部批准下达")]
    NothingToSubmit,
    #[error("名单{}，不能审核：只有待审核的名单可以批准或退回", state.label())]
    NotUnderReview { state: RosterState },
    #[error("退回时请写明原因（至少2个字），让经办人知道要改什么")]
    NoComment,
    #[error("您{}过这份名单，不能审核自己经手的名单：经办与审核须由不同的人办理，请交给其他审核人", hand.label())]
    OwnHand { hand: Hand },
}

impl RosterError {
    /// A stable code (for the API and tests).
    pub fn code(&self) -> &'static str {
        match self {
            RosterError::AlreadySubmitted { .. } => "already_submitted",
            RosterError::NothingToSubmit => "nothing_to_submit",
            RosterError::NotUnderReview { .. } => "not_under_review",
            RosterError::NoComment => "no_comment",
            RosterError::OwnHand { .. } => "own_roster",
        }
    }
}

impl RosterState {
    /// Submitting: from 待提交 or 已退回, with at least one draft entry.
    pub fn submit(self, drafts: u64) -> Result<RosterState, RosterError> {
        match self {
            RosterState::Submitted => Err(RosterError::AlreadySubmitted { state: self }),
            _ if drafts == 0 => Err(RosterError::NothingToSubmit),
            _ => Ok(RosterState::Submitted),
        }
    }

    /// Reviewing: only a submitted roster; a return needs a comment of at least two characters; the
    /// reviewer must have had no hand in it.
    pub fn review(self, decision: ReviewDecision, comment: &str, hands: &[Hand]) -> Result<RosterState, RosterError> {
        if self != RosterState::Submitted {
            return Err(RosterError::NotUnderReview { state: self });
        }
        if let Some(&hand) = hands.first() {
            return Err(RosterError::OwnHand { hand });
        }
        match decision {
            ReviewDecision::Approve => Ok(RosterState::Approved),
            ReviewDecision::Return if comment.trim().chars().count() < 2 => Err(RosterError::NoComment),
            ReviewDecision::Return => Ok(RosterState::Returned),
        }
    }

    /// May entries be added or changed (an import, a withdrawal)? Not while under review.
    pub fn open_for_changes(self) -> bool {
        self != RosterState::Submitted
    }

    /// The state after entries were added to the roster: an approved one is 待提交 again (for the
    /// new entries); the others keep theirs.
    pub fn after_additions(self) -> RosterState {
        match self {
            RosterState::Approved => RosterState::Draft,
            s => s,
        }
    }
}

/// A roster's identity: its project and the unit that prepared it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RosterKey {
    pub project_id: i64,
    pub unit_code: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewDecision::*;
    use RosterState::*;

    #[test]
    fn a_roster_is_submitted_from_draft_or_returned_with_entries_and_once() {
        assert_eq!(Draft.submit(3), Ok(Submitted));
        assert_eq!(Returned.submit(1), Ok(Submitted));
        assert_eq!(Approved.submit(2), Ok(Submitted), "new entries of an approved roster");
        assert_eq!(Draft.submit(0), Err(RosterError::NothingToSubmit));
        assert_eq!(Submitted.submit(3), Err(RosterError::AlreadySubmitted { state: Submitted }));
    }

    #[test]
    fn only_a_submitted_roster_is_reviewed_a_return_says_why_and_no_one_reviews_their_own() {
        assert_eq!(Submitted.review(Approve, "", &[]), Ok(Approved));
        assert_eq!(Submitted.review(Return, "第3行金额有误", &[]), Ok(Returned));
        assert_eq!(Submitted.review(Return, " ", &[]), Err(RosterError::NoComment));
        for s in [Draft, Returned, Approved] {
            for d in [Approve, Return] {
                assert_eq!(s.review(d, "理由充分", &[]), Err(RosterError::NotUnderReview { state: s }));
            }
        }
        for hand in [Hand::Imported, Hand::Edited, Hand::Submitted] {
            let e = Submitted.review(Approve, "", &[hand]).unwrap_err();
            assert_eq!(e, RosterError::OwnHand { hand });
            assert!(e.to_string().contains("不能审核自己经手的名单"), "{e}");
        }
    }

    #[test]
    fn a_roster_under_review_takes_no_changes_and_an_approved_one_reopens_for_additions() {
        assert!(!Submitted.open_for_changes());
        assert!(Draft.open_for_changes() && Returned.open_for_changes() && Approved.open_for_changes());
        assert_eq!(Approved.after_additions(), Draft);
        assert_eq!(Returned.after_additions(), Returned);
    }
}
