//! 帮扶记录 (entitlement): one person or household in one project, and its state machine
//! (一口下达、一口发放).

use serde::Serialize;

use crate::money::Fen;

/// States: 草稿 → 已提交 → 已下达 → 已发放 | 发放失败; 发放失败 → 重新下达 → 已发放 | 发放失败.
/// The bureau may return a submitted list (已提交 → 草稿, 退回).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntitlementState {
    Draft,
    Submitted,
    Approved,
    Disbursed,
    Failed,
    Reissued,
}

impl EntitlementState {
    pub const ALL: [EntitlementState; 6] = [
        EntitlementState::Draft,
        EntitlementState::Submitted,
        EntitlementState::Approved,
        EntitlementState::Disbursed,
        EntitlementState::Failed,
        EntitlementState::Reissued,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EntitlementState::Draft => "草稿",
            EntitlementState::Submitted => "已提交",
            EntitlementState::Approved => "已下达",
            EntitlementState::Disbursed => "已发放",
            EntitlementState::Failed => "发放失败",
            EntitlementState::Reissued => "重新下达",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            EntitlementState::Draft => "draft",
            EntitlementState::Submitted => "submitted",
            EntitlementState::Approved => "approved",
            EntitlementState::Disbursed => "disbursed",
            EntitlementState::Failed => "failed",
            EntitlementState::Reissued => "reissued",
        }
    }

    pub fn from_code(s: &str) -> Option<EntitlementState> {
        EntitlementState::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Once approved (下达), the amount is frozen.
    pub fn is_frozen(self) -> bool {
        !matches!(self, EntitlementState::Draft | EntitlementState::Submitted)
    }

    pub fn can_move_to(self, to: EntitlementState) -> bool {
        use EntitlementState::*;
        matches!(
            (self, to),
            (Draft, Submitted)
                | (Submitted, Approved)
                | (Submitted, Draft)
                | (Approved, Disbursed)
                | (Approved, Failed)
                | (Failed, Reissued)
                | (Reissued, Disbursed)
                | (Reissued, Failed)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntitlementError {
    #[error("状态不能从“{}”变为“{}”：帮扶记录须按 草稿→已提交→已下达→已发放/发放失败 的顺序办理", from.label(), to.label())]
    BadTransition { from: EntitlementState, to: EntitlementState },
    #[error("该记录已下达，金额 {frozen} 已锁定，不能改为 {requested}；如确需调整，请先办理退回")]
    AmountFrozen { frozen: Fen, requested: Fen },
    #[error("金额不能为负数：{0}")]
    NegativeAmount(Fen),
    #[error("该记录{}，不能撤销：只有尚未提交的名单（草稿）中的记录可以撤销；已提交的名单请先由审核人退回", state.label())]
    NotWithdrawable { state: EntitlementState },
    #[error("请写明撤销理由（至少2个字），例如“与另一笔重复”")]
    NoReason,
}

/// The amount-and-state part of an entitlement; the store carries identities around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entitlement {
    pub amount: Fen,
    pub state: EntitlementState,
    /// Fixed at approval; never changes afterwards.
    pub approved_amount: Option<Fen>,
}

impl Entitlement {
    pub fn draft(amount: Fen) -> Result<Entitlement, EntitlementError> {
        if amount.0 < 0 {
            return Err(EntitlementError::NegativeAmount(amount));
        }
        Ok(Entitlement { amount, state: EntitlementState::Draft, approved_amount: None })
    }

    pub fn transition(&mut self, to: EntitlementState) -> Result<(), EntitlementError> {
        if !self.state.can_move_to(to) {
            return Err(EntitlementError::BadTransition { from: self.state, to });
        }
        if to == EntitlementState::Approved {
            self.approved_amount = Some(self.amount);
        }
        if to == EntitlementState::Draft {
            self.approved_amount = None;
        }
        self.state = to;
        Ok(())
    }

    /// May this entitlement be withdrawn (撤销: taken off its roster, e.g. a duplicate a finding
    /// points at), for this reason? Only a draft — a roster under review or approved is not changed
    /// under its reviewer; a reason of at least two characters is kept.
    pub fn check_withdrawal(&self, reason: &str) -> Result<(), EntitlementError> {
        if self.state != EntitlementState::Draft {
            return Err(EntitlementError::NotWithdrawable { state: self.state });
        }
        if reason.trim().chars().count() < 2 {
            return Err(EntitlementError::NoReason);
        }
        Ok(())
    }

    pub fn set_amount(&mut self, amount: Fen) -> Result<(), EntitlementError> {
        if amount.0 < 0 {
            return Err(EntitlementError::NegativeAmount(amount));
        }
        if self.state.is_frozen() && amount != self.amount {
            return Err(EntitlementError::AmountFrozen { frozen: self.amount, requested: amount });
        }
        self.amount = amount;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntitlementState::*;

    #[test]
    fn the_happy_path_and_reissue() {
        let mut e = Entitlement::draft(Fen::from_yuan(900)).unwrap();
        for s in [Submitted, Approved, Failed, Reissued, Disbursed] {
            e.transition(s).unwrap();
        }
        assert_eq!(e.approved_amount, Some(Fen::from_yuan(900)));
    }

    #[test]
    fn every_transition_not_in_the_machine_is_refused() {
        let allowed = [
            (Draft, Submitted),
            (Submitted, Approved),
            (Submitted, Draft),
            (Approved, Disbursed),
            (Approved, Failed),
            (Failed, Reissued),
            (Reissued, Disbursed),
            (Reissued, Failed),
        ];
        for from in EntitlementState::ALL {
            for to in EntitlementState::ALL {
                assert_eq!(from.can_move_to(to), allowed.contains(&(from, to)), "{from:?}→{to:?}");
            }
        }
        let mut e = Entitlement::draft(Fen(1)).unwrap();
        let err = e.transition(Disbursed).unwrap_err();
        assert!(err.to_string().contains("“草稿”变为“已发放”"));
        assert_eq!(e.state, Draft);
    }

    #[test]
    fn only_a_draft_may_be_withdrawn_and_only_with_a_reason() {
        let mut e = Entitlement::draft(Fen(50_000)).unwrap();
        assert_eq!(e.check_withdrawal(" "), Err(EntitlementError::NoReason));
        assert_eq!(e.check_withdrawal("重复"), Ok(()));
        for to in [Submitted, Approved] {
            e.transition(to).unwrap();
            let err = e.check_withdrawal("与另一笔重复").unwrap_err();
            assert_eq!(err, EntitlementError::NotWithdrawable { state: to });
            assert!(err.to_string().contains("不能撤销"), "{err}");
        }
    }

    #[test]
    fn approved_amount_is_frozen() {
        let mut e = Entitlement::draft(Fen::from_yuan(600)).unwrap();
        e.set_amount(Fen::from_yuan(700)).unwrap();
        e.transition(Submitted).unwrap();
        e.transition(Approved).unwrap();
        let err = e.set_amount(Fen::from_yuan(800)).unwrap_err();
        assert!(matches!(err, EntitlementError::AmountFrozen { .. }));
        assert_eq!(e.amount, Fen::from_yuan(700));
        assert_eq!(e.approved_amount, Some(Fen::from_yuan(700)));
        e.transition(Disbursed).unwrap();
        assert!(e.set_amount(Fen::from_yuan(1)).is_err());
    }
}
