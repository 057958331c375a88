//! 上门服务 (R11: 助餐、助洁、助医、助浴): service kinds (configurable: the bureau adds its own), the
//! providers who deliver them — organisations, volunteers, and purchased-service contracts
//! (政府购买服务) with a period and an amount — and each delivery to a person on a day, counted in
//! hours or times. Quantities are kept in hundredths (1.5 小时 = 150), never floating point.

use thiserror::Error;
use time::Date;

use crate::finding::coded_enum;
use crate::{format_date, Fen};

coded_enum! {
    /// 服务提供方.
    ProviderKind {
        Organisation = "organisation", "社会组织";
        Volunteer = "volunteer", "志愿者（团队）";
        /// 政府购买服务: a contract with a period and an amount.
        Contract = "contract", "政府购买服务";
    }
}

coded_enum! {
    /// What a service kind is counted in.
    Measure {
        Hours = "hours", "小时";
        Times = "times", "次";
    }
}

/// The service kinds every district starts with (the bureau may add more).
pub const DEFAULT_KINDS: &[(&str, &str, Measure)] = &[
    ("meals", "助餐", Measure::Times),
    ("cleaning", "助洁", Measure::Hours),
    ("medical", "助医", Measure::Times),
    ("bathing", "助浴", Measure::Times),
];

/// Why a services act is refused, in words the clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProviderError {
    #[error("请填写服务提供方名称")]
    NoName,
    #[error("政府购买服务须填写合同起止日期和合同金额")]
    ContractIncomplete,
    #[error("合同期限不对：开始日期 {from} 在结束日期 {until} 之后")]
    Period { from: String, until: String },
    #[error("合同金额应大于0元、不超过1亿元")]
    NoAmount,
    #[error("服务类别代码应为 2 至 20 位小写字母、数字或下划线，实为“{0}”")]
    KindCode(String),
    #[error("请填写服务类别名称")]
    KindName,
    #[error("“{0}”太长，请控制在 {1} 字以内")]
    TooLong(&'static str, usize),
}

/// A purchased-service contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    pub from: Date,
    pub until: Date,
    pub amount: Fen,
}

/// A provider as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub name: String,
    pub kind: ProviderKind,
    pub contract: Option<Contract>,
}

impl Provider {
    pub fn check(&self) -> Result<(), ProviderError> {
        if self.name.trim().is_empty() {
            return Err(ProviderError::NoName);
        }
        if self.name.chars().count() > 100 {
            return Err(ProviderError::TooLong("服务提供方名称", 100));
        }
        match (self.kind, self.contract) {
            (ProviderKind::Contract, None) => Err(ProviderError::ContractIncomplete),
            (_, Some(c)) if c.from > c.until => {
                Err(ProviderError::Period { from: format_date(c.from), until: format_date(c.until) })
            }
            (_, Some(c)) if c.amount.0 <= 0 || !c.amount.in_range() => Err(ProviderError::NoAmount),
            _ => Ok(()),
        }
    }
}

/// Checks a new service kind's code and name.
pub fn check_kind(code: &str, name: &str) -> Result<(), ProviderError> {
    let ok = (2..=20).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(ProviderError::KindCode(code.to_string()));
    }
    if name.trim().is_empty() {
        return Err(ProviderError::KindName);
    }
    if name.chars().count() > 20 {
        return Err(ProviderError::TooLong("服务类别名称", 20));
    }
    Ok(())
}

/// Reads a quantity as written in a list ("2", "1.5", "0.25") into hundredths; None when it is not a
/// positive number with at most two decimals, or more than 1,000 at once.
pub fn parse_quantity(text: &str) -> Option<i64> {
    let t = text.trim();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    let q = w.checked_mul(100)?.checked_add(f)?;
    (q > 0 && q <= 100_000).then_some(q)
}

/// A quantity in hundredths as shown ("1.5", "2").
pub fn quantity_text(hundredths: i64) -> String {
    let (w, f) = (hundredths / 100, hundredths % 100);
    match f {
        0 => w.to_string(),
        f if f % 10 == 0 => format!("{w}.{}", f / 10),
        f => format!("{w}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_contract_provider_needs_its_period_and_amount() {
        let p = Provider { name: "某助老服务社".into(), kind: ProviderKind::Contract, contract: None };
        assert_eq!(p.check(), Err(ProviderError::ContractIncomplete));
        let c = Contract { from: date!(2020 - 01 - 01), until: date!(2020 - 12 - 31), amount: Fen::from_yuan(100_000) };
        assert_eq!(Provider { contract: Some(c), ..p.clone() }.check(), Ok(()));
        let backwards = Contract { from: date!(2021 - 01 - 01), ..c };
        assert!(matches!(
            Provider { contract: Some(backwards), ..p.clone() }.check(),
            Err(ProviderError::Period { .. })
        ));
        let v = Provider { name: "青年志愿者服务队".into(), kind: ProviderKind::Volunteer, contract: None };
        assert_eq!(v.check(), Ok(()));
        assert!(check_kind("foot_care", "助行").is_ok() && check_kind("X", "助行").is_err());
    }

    #[test]
    fn quantities_are_hundredths_and_nonsense_is_refused() {
        assert_eq!(parse_quantity("2"), Some(200));
        assert_eq!(parse_quantity(" 1.5 "), Some(150));
        assert_eq!(parse_quantity("0.25"), Some(25));
        for bad in ["", "0", "-1", "1.234", "abc", "1,5", ".5", "2000"] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
        assert_eq!(
            (quantity_text(150), quantity_text(200), quantity_text(25)),
            ("1.5".into(), "2".into(), "0.25".into())
        );
    }
}
