//! 联系电话 (phone): mobile numbers and Shanghai landlines (many elderly people have only a landline).

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Phone {
    /// 手机, 11 digits starting 1[3-9].
    Mobile(String),
    /// 上海固话, the 8-digit local number (area code 021 implied).
    ShanghaiLandline(String),
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("联系电话“{shown}”格式不正确（{what}）：应为11位手机号（1开头）或上海固定电话（可带021区号，8位号码）")]
pub struct PhoneError {
    /// The number as typed, masked (messages reach logs and error workbooks).
    pub shown: String,
    /// What is wrong, without the number: "含有“、”等非数字字符", "共9位数字".
    pub what: String,
}

/// What is wrong with a number that is no phone, said without its digits.
fn what_is_wrong(d: &str) -> String {
    if let Some(c) = d.chars().find(|c| !c.is_ascii_digit()) {
        return format!("含有“{c}”等非数字字符");
    }
    let n = d.len();
    if n == 11 {
        return "11位数字，但不是1开头的手机号".into();
    }
    if n == 8 {
        return "8位数字，但固定电话不以0或1开头".into();
    }
    format!("共{n}位数字")
}

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, PhoneError> {
        let digits: String =
            raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）' | '\u{3000}')).collect();
        let d = digits.strip_prefix('+').unwrap_or(&digits);
        let err = || PhoneError { shown: crate::id_number::mask(raw.trim()), what: what_is_wrong(d) };
        if !d.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let d = d.strip_prefix("86").filter(|r| r.len() == 11 || r.starts_with("21")).unwrap_or(d);
        let b = d.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(Phone::Mobile(d.to_string()));
        }
        let local = d.strip_prefix("021").or_else(|| d.strip_prefix("21").filter(|r| r.len() == 8)).unwrap_or(d);
        if local.len() == 8 && !local.starts_with('0') && !local.starts_with('1') {
            return Ok(Phone::ShanghaiLandline(local.to_string()));
        }
        Err(err())
    }

    /// Stored form: 11-digit mobile, or `021-XXXXXXXX`.
    pub fn canonical(&self) -> String {
        match self {
            Phone::Mobile(m) => m.clone(),
            Phone::ShanghaiLandline(l) => format!("021-{l}"),
        }
    }

    /// 138****5678 / 021-6412****.
    pub fn masked(&self) -> String {
        match self {
            Phone::Mobile(m) => format!("{}****{}", &m[..3], &m[7..]),
            Phone::ShanghaiLandline(l) => format!("021-{}****", &l[..4]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines() {
        assert_eq!(Phone::parse("138 1234 5678").unwrap().canonical(), "13812345678");
        assert_eq!(Phone::parse("+86 13812345678").unwrap().canonical(), "13812345678");
        assert_eq!(Phone::parse("021-64123456").unwrap().canonical(), "021-64123456");
        assert_eq!(Phone::parse("(021)64123456").unwrap().canonical(), "021-64123456");
        assert_eq!(Phone::parse("+86 21 6412 3456").unwrap().canonical(), "021-64123456");
        assert_eq!(Phone::parse("64123456").unwrap().canonical(), "021-64123456");
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(Phone::parse("64123456").unwrap().masked(), "021-6412****");
    }

    #[test]
    fn refuses_wrong_shapes_with_a_message() {
        for bad in ["12812345678", "1381234567", "6412345", "010-64123456", "abc", ""] {
            let e = Phone::parse(bad).unwrap_err();
            assert!(e.to_string().contains("格式不正确"), "{bad}");
        }
        // What is wrong is said without the digits (the number itself is shown masked).
        let e = Phone::parse("1381234567").unwrap_err();
        assert_eq!(e.what, "共10位数字");
        assert!(!e.to_string().contains("1381234567"), "{e}");
        assert_eq!(Phone::parse("138、1234").unwrap_err().what, "含有“、”等非数字字符");
    }
}
