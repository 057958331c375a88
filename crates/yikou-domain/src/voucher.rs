//! 慈善超市卡券 (R12, 粮油补助券(卡)): batches of vouchers or cards with a face value, a validity and
//! the supermarket that honours them; each voucher goes to one person, is redeemed at most once (a
//! database constraint, not only this code) or expires unredeemed. A voucher's code carries a check
//! character, so a mistyped code is refused before it is looked up.

use thiserror::Error;
use time::Date;

use crate::finding::coded_enum;
use crate::Fen;

coded_enum! {
    /// Where a voucher stands (the API's `state`).
    VoucherState {
        /// Made, not yet given to anyone.
        Unissued = "unissued", "未发放";
        Issued = "issued", "已发放";
        Redeemed = "redeemed", "已兑换";
        /// Past its validity without being redeemed.
        Expired = "expired", "已过期";
    }
}

/// A voucher's state on `day`: redeemed whenever it was; otherwise expired after its last valid day.
pub fn state_on(issued: bool, redeemed: bool, valid_until: Date, day: Date) -> VoucherState {
    match (redeemed, issued) {
        (true, _) => VoucherState::Redeemed,
        _ if day > valid_until => VoucherState::Expired,
        (false, true) => VoucherState::Issued,
        (false, false) => VoucherState::Unissued,
    }
}

/// Why a voucher act is refused, in words a clerk or a supermarket cashier can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VoucherError {
    #[error("卡券面值应大于0元、不超过100万元")]
    NoValue,
    #[error("有效期不对：开始日期 {from} 在截止日期 {until} 之后")]
    Period { from: String, until: String },
    #[error("一批卡券应为 1 至 100000 张，实为 {0} 张")]
    Count(u32),
    #[error("请填写发放卡券的慈善超市")]
    NoSupermarket,
    #[error("卡券编号前缀应为 1 至 8 位字母或数字，实为“{0}”")]
    Prefix(String),
    #[error("卡券编号“{0}”不正确：请核对后重新输入（编号形如 LY-000123-K）")]
    Code(String),
    #[error("该卡券已于 {at} 在“{supermarket}”兑换，不能重复兑换")]
    AlreadyRedeemed { at: String, supermarket: String },
    #[error("该卡券已于 {0} 过期，不能兑换")]
    Expired(String),
    #[error("该卡券有效期自 {0} 开始，尚不能兑换")]
    NotYetValid(String),
    #[error("该卡券尚未发放给帮困对象，不能兑换")]
    NotIssued,
    #[error("该卡券已发放给其他对象")]
    IssuedElsewhere,
}

/// A batch of vouchers as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherBatch {
    pub name: String,
    pub face_value: Fen,
    pub valid_from: Date,
    pub valid_until: Date,
    pub supermarket: String,
    pub count: u32,
    /// The codes' prefix (LY for 粮油 …).
    pub prefix: String,
}

impl VoucherBatch {
    pub fn check(&self) -> Result<(), VoucherError> {
        if self.face_value.0 <= 0 || self.face_value.0 > 100_000_000 {
            return Err(VoucherError::NoValue);
        }
        if self.valid_from > self.valid_until {
            return Err(VoucherError::Period {
                from: crate::format_date(self.valid_from),
                until: crate::format_date(self.valid_until),
            });
        }
        if !(1..=100_000).contains(&self.count) {
            return Err(VoucherError::Count(self.count));
        }
        if self.supermarket.trim().is_empty() {
            return Err(VoucherError::NoSupermarket);
        }
        let p = &self.prefix;
        if p.is_empty() || p.len() > 8 || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(VoucherError::Prefix(p.clone()));
        }
        Ok(())
    }

    /// The batch's codes, `PREFIX-000001-C` … (`first` is the batch's first serial number).
    pub fn codes(&self, first: u32) -> Vec<String> {
        (first..first + self.count).map(|n| code(&self.prefix.to_ascii_uppercase(), n)).collect()
    }
}

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The check character over "PREFIX-NNNNNN": weighted sum mod 36 (catches any one wrong character
/// and any swap of two neighbours).
fn check_char(body: &str) -> char {
    let sum: usize = body
        .bytes()
        .filter(|b| *b != b'-')
        .enumerate()
        .map(|(i, b)| (i + 2) * ALPHABET.iter().position(|a| *a == b).unwrap_or(35))
        .sum();
    ALPHABET[sum % 36] as char
}

/// A voucher's code: prefix, a six-digit serial number, the check character.
pub fn code(prefix: &str, serial: u32) -> String {
    let body = format!("{prefix}-{serial:06}");
    let c = check_char(&body);
    format!("{body}-{c}")
}

/// A code as typed (any case, spaces around), checked: its canonical form.
pub fn parse_code(typed: &str) -> Result<String, VoucherError> {
    let s = typed.trim().to_ascii_uppercase();
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() == 3
        && !parts[0].is_empty()
        && parts[0].len() <= 8
        && parts[0].chars().all(|c| c.is_ascii_alphanumeric())
        && parts[1].len() >= 6
        && parts[1].chars().all(|c| c.is_ascii_digit())
        && parts[2].len() == 1
        && parts[2].chars().next() == Some(check_char(&format!("{}-{}", parts[0], parts[1])));
    if ok {
        Ok(s)
    } else {
        Err(VoucherError::Code(typed.trim().chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn codes_carry_a_check_character_that_catches_a_wrong_or_swapped_character() {
        let c = code("LY", 123);
        assert_eq!(parse_code(&format!(" {} ", c.to_lowercase())), Ok(c.clone()));
        let chars: Vec<char> = c.chars().collect();
        for i in 0..chars.len() - 1 {
            if chars[i] == '-' || chars[i + 1] == '-' || chars[i] == chars[i + 1] {
                continue;
            }
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            assert!(parse_code(&swapped.iter().collect::<String>()).is_err(), "swap at {i} of {c}");
        }
        assert!(parse_code("LY-000124-".to_string().as_str()).is_err());
        assert!(parse_code(&c.replace("000123", "000124")).is_err(), "a wrong digit");
        assert!(parse_code("LY000123").unwrap_err().to_string().contains("形如 LY-000123-K"));
    }

    #[test]
    fn a_voucher_is_redeemed_or_expired_after_its_last_day() {
        let until = date!(2027 - 02 - 28);
        assert_eq!(state_on(true, false, until, date!(2027 - 02 - 28)), VoucherState::Issued);
        assert_eq!(state_on(true, false, until, date!(2027 - 03 - 01)), VoucherState::Expired);
        assert_eq!(state_on(true, true, until, date!(2027 - 03 - 01)), VoucherState::Redeemed);
        assert_eq!(state_on(false, false, until, date!(2027 - 01 - 01)), VoucherState::Unissued);
    }

    #[test]
    fn a_batch_is_checked_and_numbered() {
        let b = VoucherBatch {
            name: "粮油补助券".into(),
            face_value: Fen::from_yuan(200),
            valid_from: date!(2026 - 12 - 15),
            valid_until: date!(2027 - 02 - 28),
            supermarket: "古美慈善超市".into(),
            count: 3,
            prefix: "ly".into(),
        };
        assert_eq!(b.check(), Ok(()));
        let codes = b.codes(41);
        assert_eq!(codes.len(), 3);
        assert!(codes[0].starts_with("LY-000041-") && codes[2].starts_with("LY-000043-"));
        assert!(codes.iter().all(|c| parse_code(c).is_ok()));
        assert_eq!(VoucherBatch { count: 0, ..b.clone() }.check(), Err(VoucherError::Count(0)));
        assert_eq!(VoucherBatch { face_value: Fen(0), ..b.clone() }.check(), Err(VoucherError::NoValue));
        assert!(matches!(
            VoucherBatch { valid_from: date!(2027 - 03 - 01), ..b.clone() }.check(),
            Err(VoucherError::Period { .. })
        ));
        assert_eq!(VoucherBatch { prefix: "粮油".into(), ..b }.check(), Err(VoucherError::Prefix("粮油".into())));
    }
}
