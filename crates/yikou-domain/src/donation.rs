//! 社会捐赠 (R12): money and goods given by 爱心企业, organisations and individuals (anonymous
//! allowed), each with a receipt number (unique); money allocated to projects as their 社会募集
//! funding, goods to gift packs. A donation is never allocated beyond what it brought — a database
//! check, not only this code — and what is left unallocated is shown.

use thiserror::Error;

use crate::finding::coded_enum;
use crate::Fen;

coded_enum! {
    /// 捐赠方.
    DonorKind {
        Company = "company", "爱心企业";
        Organisation = "organisation", "社会组织";
        Individual = "individual", "个人";
    }
}

coded_enum! {
    /// What part of a donation an allocation uses.
    AllocationKind {
        /// Money, as the project's 社会募集 funding.
        Money = "money", "资金";
        /// Goods, into a project's gift packs.
        Goods = "goods", "物资";
    }
}

/// Why a donation act is refused, in words the clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DonationError {
    #[error("请填写捐赠方名称；不愿具名的请勾选“匿名”")]
    NoDonor,
    #[error("捐赠金额和物资价值不能为负数")]
    Negative,
    #[error("请填写捐赠金额或物资（至少一项）")]
    Empty,
    #[error("捐赠金额或物资价值过大（每笔不超过1亿元），请核对")]
    TooMuch,
    #[error("收到日期 {0} 在今天之后，请填写实际收到的日期")]
    InFuture(String),
    #[error("填写了物资价值，请同时填写物资名称")]
    ValueWithoutGoods,
    #[error("请填写收据编号")]
    NoReceipt,
    #[error("收据编号“{0}”已登记过，同一张收据不能登记两次")]
    ReceiptTaken(String),
    #[error("“{0}”太长，请控制在 {1} 字以内")]
    TooLong(&'static str, usize),
    #[error("分配金额应大于0元")]
    NothingAllocated,
    #[error("本笔捐赠{what}尚余 {left} 元未分配，不能再分配 {asked} 元")]
    OverAllocated { what: &'static str, left: String, asked: String },
    #[error("物资只能分配给发放慰问品的项目，“{0}”不是")]
    NotGiftPack(String),
}

/// A donation as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Donation {
    pub donor_kind: DonorKind,
    /// The donor's name (may be empty when anonymous).
    pub donor_name: String,
    pub anonymous: bool,
    pub money: Fen,
    pub goods: String,
    pub goods_value: Fen,
    pub receipt_no: String,
    pub received_on: time::Date,
}

impl Donation {
    pub fn check(&self, today: time::Date) -> Result<(), DonationError> {
        if self.received_on > today {
            return Err(DonationError::InFuture(crate::format_date(self.received_on)));
        }
        if self.donor_name.trim().is_empty() && !self.anonymous {
            return Err(DonationError::NoDonor);
        }
        if self.money.0 < 0 || self.goods_value.0 < 0 {
            return Err(DonationError::Negative);
        }
        if self.money.0 == 0 && self.goods_value.0 == 0 {
            return Err(DonationError::Empty);
        }
        if !self.money.in_range() || !self.goods_value.in_range() {
            return Err(DonationError::TooMuch);
        }
        if self.goods_value.0 > 0 && self.goods.trim().is_empty() {
            return Err(DonationError::ValueWithoutGoods);
        }
        if self.receipt_no.trim().is_empty() {
            return Err(DonationError::NoReceipt);
        }
        for (field, text, max) in
            [("捐赠方", &self.donor_name, 100), ("物资", &self.goods, 200), ("收据编号", &self.receipt_no, 40)]
        {
            if text.chars().count() > max {
                return Err(DonationError::TooLong(field, max));
            }
        }
        Ok(())
    }

    /// The donor as shown: "匿名" for an anonymous donor.
    pub fn shown_donor(name: &str, anonymous: bool) -> String {
        if anonymous {
            "匿名".into()
        } else {
            name.to_string()
        }
    }
}

/// Checks an allocation of `asked` against what is `left` of the donation's money or goods.
pub fn check_allocation(kind: AllocationKind, asked: Fen, left: Fen) -> Result<(), DonationError> {
    if asked.0 <= 0 {
        return Err(DonationError::NothingAllocated);
    }
    if asked.0 > left.0 {
        let what = match kind {
            AllocationKind::Money => "资金",
            AllocationKind::Goods => "物资",
        };
        return Err(DonationError::OverAllocated { what, left: left.yuan(), asked: asked.yuan() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: time::Date = date!(2020 - 02 - 01);

    fn gift() -> Donation {
        Donation {
            donor_kind: DonorKind::Company,
            donor_name: "某某爱心企业".into(),
            anonymous: false,
            money: Fen::from_yuan(10_000),
            goods: String::new(),
            goods_value: Fen(0),
            receipt_no: "SJ-2020-0001".into(),
            received_on: date!(2020 - 01 - 05),
        }
    }

    #[test]
    fn a_donation_needs_a_donor_or_anonymity_something_given_and_a_receipt() {
        assert_eq!(gift().check(TODAY), Ok(()));
        assert_eq!(Donation { donor_name: " ".into(), ..gift() }.check(TODAY), Err(DonationError::NoDonor));
        assert_eq!(Donation { donor_name: String::new(), anonymous: true, ..gift() }.check(TODAY), Ok(()));
        assert_eq!(Donation { money: Fen(0), ..gift() }.check(TODAY), Err(DonationError::Empty));
        assert_eq!(Donation { goods_value: Fen(100), ..gift() }.check(TODAY), Err(DonationError::ValueWithoutGoods));
        assert_eq!(Donation { receipt_no: String::new(), ..gift() }.check(TODAY), Err(DonationError::NoReceipt));
        assert_eq!(Donation::shown_donor("张某", true), "匿名");
    }

    #[test]
    fn an_allocation_takes_at_most_what_is_left() {
        let left = Fen::from_yuan(600);
        assert_eq!(check_allocation(AllocationKind::Money, Fen::from_yuan(600), left), Ok(()));
        let e = check_allocation(AllocationKind::Money, Fen::from_yuan(601), left).unwrap_err();
        assert_eq!(e.to_string(), "本笔捐赠资金尚余 600.00 元未分配，不能再分配 601.00 元");
        assert_eq!(check_allocation(AllocationKind::Goods, Fen(0), left), Err(DonationError::NothingAllocated));
    }
}
