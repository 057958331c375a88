//! 金额 (money) as integer fen (分). Formatting to 元 and 万元 happens only at the edges.

use std::fmt;
use std::iter::Sum;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额为空")]
    Empty,
    #[error("金额“{0}”无法识别，请填写数字，如 1200 或 1,200.50")]
    NotANumber(String),
    #[error("金额“{0}”超过两位小数，金额只能精确到分")]
    TooManyDecimals(String),
    #[error("金额“{0}”为负数，金额不能为负")]
    Negative(String),
    #[error("金额“{0}”过大，超出系统可处理的范围")]
    TooLarge(String),
    #[error("金额合计溢出")]
    Overflow,
}

impl MoneyError {
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::Empty => "amount_empty",
            MoneyError::NotANumber(_) => "amount_not_a_number",
            MoneyError::TooManyDecimals(_) => "amount_too_many_decimals",
            MoneyError::Negative(_) => "amount_negative",
            MoneyError::TooLarge(_) => "amount_too_large",
            MoneyError::Overflow => "amount_overflow",
        }
    }
}

/// Upper bound for one amount: 1 亿元, far above any relief payment; guards against typos and overflow.
pub const MAX_FEN: i64 = 100_000_000 * 100;

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Is this an amount one record may hold (0 to 1 亿元)? Amounts sent as numbers (the API) are
    /// held to the same bound as amounts typed on a form.
    pub fn in_range(self) -> bool {
        (0..=MAX_FEN).contains(&self.0)
    }

    pub fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    /// Parses amounts as clerks type them: "1,200.50", "1200.5元", "¥1200", "￥ 300", "1，200".
    pub fn parse(raw: &str) -> Result<Fen, MoneyError> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(MoneyError::Empty);
        }
        let mut s: String = t.chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}' | '¥' | '￥')).collect();
        if let Some(stripped) = s.strip_suffix('元') {
            s = stripped.trim().to_string();
        }
        if s.starts_with('-') {
            return Err(MoneyError::Negative(t.to_string()));
        }
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s.as_str(), ""),
        };
        if int.is_empty() && frac.is_empty()
            || !int.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(MoneyError::NotANumber(t.to_string()));
        }
        if frac.len() > 2 {
            // "12.500" is still exact; only non-zero third decimals lose money.
            if frac[2..].chars().any(|c| c != '0') {
                return Err(MoneyError::TooManyDecimals(t.to_string()));
            }
        }
        if int.len() > 12 {
            return Err(MoneyError::TooLarge(t.to_string()));
        }
        let yuan: i64 =
            if int.is_empty() { 0 } else { int.parse().map_err(|_| MoneyError::NotANumber(t.to_string()))? };
        let mut cents = 0i64;
        for (i, c) in frac.chars().take(2).enumerate() {
            cents += i64::from(c as u8 - b'0') * if i == 0 { 10 } else { 1 };
        }
        let fen = yuan * 100 + cents;
        if fen > MAX_FEN {
            return Err(MoneyError::TooLarge(t.to_string()));
        }
        Ok(Fen(fen))
    }

    /// A numeric spreadsheet cell: at most two decimals survive as exact fen.
    pub fn from_cell_number(v: f64) -> Result<Fen, MoneyError> {
        let shown = format_f64(v);
        if !v.is_finite() {
            return Err(MoneyError::NotANumber(shown));
        }
        if v < 0.0 {
            return Err(MoneyError::Negative(shown));
        }
        let scaled = v * 100.0;
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-6 * scaled.abs().max(1.0) {
            return Err(MoneyError::TooManyDecimals(shown));
        }
        if rounded > MAX_FEN as f64 {
            return Err(MoneyError::TooLarge(shown));
        }
        Ok(Fen(rounded as i64))
    }

    pub fn checked_add(self, o: Fen) -> Result<Fen, MoneyError> {
        self.0.checked_add(o.0).map(Fen).ok_or(MoneyError::Overflow)
    }

    pub fn checked_mul(self, n: i64) -> Result<Fen, MoneyError> {
        self.0.checked_mul(n).map(Fen).ok_or(MoneyError::Overflow)
    }

    /// Checked sum of many amounts.
    pub fn checked_sum<I: IntoIterator<Item = Fen>>(items: I) -> Result<Fen, MoneyError> {
        items.into_iter().try_fold(Fen::ZERO, Fen::checked_add)
    }

    /// "1,200.50" (元, two decimals, thousands separators).
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", group_thousands(a / 100), a % 100)
    }

    /// "3,731.14" (万元, two decimals, rounded half up).
    pub fn wan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        // 1 万元 = 1,000,000 fen; two decimals = units of 10,000 fen.
        let units = (a + 5_000) / 10_000;
        format!("{sign}{}.{:02}", group_thousands(units / 100), units % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}元", self.yuan())
    }
}

impl Sum for Fen {
    /// Panics on overflow; use [`Fen::checked_sum`] where input is untrusted.
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen::checked_sum(iter).expect("money sum overflow")
    }
}

fn format_f64(v: f64) -> String {
    let s = format!("{v}");
    s
}

/// 1234567 → "1,234,567".
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_clerks_type() {
        assert_eq!(Fen::parse("1,200.50"), Ok(Fen(120_050)));
        assert_eq!(Fen::parse("1200.5元"), Ok(Fen(120_050)));
        assert_eq!(Fen::parse("¥1200"), Ok(Fen(120_000)));
        assert_eq!(Fen::parse("￥ 300 元"), Ok(Fen(30_000)));
        assert_eq!(Fen::parse("1，200"), Ok(Fen(120_000)));
        assert_eq!(Fen::parse("0.07"), Ok(Fen(7)));
        assert_eq!(Fen::parse(".5"), Ok(Fen(50)));
        assert_eq!(Fen::parse("12.500"), Ok(Fen(1250)));
    }

    #[test]
    fn refuses_what_would_lose_or_invent_money() {
        assert_eq!(Fen::parse("").unwrap_err().code(), "amount_empty");
        assert_eq!(Fen::parse("12.345").unwrap_err().code(), "amount_too_many_decimals");
        assert_eq!(Fen::parse("-300").unwrap_err().code(), "amount_negative");
        assert_eq!(Fen::parse("三百").unwrap_err().code(), "amount_not_a_number");
        assert_eq!(Fen::parse("1.2.3").unwrap_err().code(), "amount_not_a_number");
        assert_eq!(Fen::parse("9999999999999").unwrap_err().code(), "amount_too_large");
        assert!(Fen::parse("12.345").unwrap_err().to_string().contains("12.345"));
    }

    #[test]
    fn numeric_cells_keep_two_decimals_exactly() {
        assert_eq!(Fen::from_cell_number(1200.5), Ok(Fen(120_050)));
        assert_eq!(Fen::from_cell_number(0.1 + 0.2), Ok(Fen(30)));
        assert_eq!(Fen::from_cell_number(19.99), Ok(Fen(1999)));
        assert_eq!(Fen::from_cell_number(1.005).unwrap_err().code(), "amount_too_many_decimals");
        assert_eq!(Fen::from_cell_number(-1.0).unwrap_err().code(), "amount_negative");
        assert_eq!(Fen::from_cell_number(f64::NAN).unwrap_err().code(), "amount_not_a_number");
    }

    #[test]
    fn formats_yuan_and_wan() {
        assert_eq!(Fen(120_050).yuan(), "1,200.50");
        assert_eq!(Fen(3_731_140_000).wan(), "3,731.14");
        assert_eq!(Fen(1_980_000).wan(), "1.98");
        assert_eq!(Fen(7_322_530_000).wan(), "7,322.53");
        assert_eq!(Fen(5_000).wan(), "0.01");
        assert_eq!(Fen(4_999).wan(), "0.00");
        assert_eq!(Fen(-120_050).yuan(), "-1,200.50");
        assert_eq!(Fen(5).to_string(), "0.05元");
    }

    #[test]
    fn sums_are_checked() {
        assert_eq!(Fen::checked_sum([Fen(1), Fen(2)]), Ok(Fen(3)));
        assert_eq!(Fen::checked_sum([Fen(i64::MAX), Fen(1)]), Err(MoneyError::Overflow));
    }
}
