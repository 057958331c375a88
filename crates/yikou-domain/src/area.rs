//! 区划代码 (statistical area codes): 6-digit district, 9- or 12-digit street/town, 12-digit committee.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("区划代码“{0}”不正确：应为6位（区）、9位或12位（街镇、居村委）数字")]
pub struct AreaCodeError(pub String);

impl AreaCode {
    /// Accepts 6, 9 or 12 digits; a 9-digit street code is widened to 12 (`310112001` → `310112001000`).
    pub fn parse(raw: &str) -> Result<AreaCode, AreaCodeError> {
        let t = raw.trim();
        if !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(AreaCodeError(t.to_string()));
        }
        match t.len() {
            6 | 12 => Ok(AreaCode(t.to_string())),
            9 => Ok(AreaCode(format!("{t}000"))),
            _ => Err(AreaCodeError(t.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit district part.
    pub fn district(&self) -> &str {
        &self.0[..6]
    }

    /// The street/town this code lies in (itself for a street), or None for a district code.
    pub fn street(&self) -> Option<AreaCode> {
        (self.0.len() == 12).then(|| AreaCode(format!("{}000", &self.0[..9])))
    }

    pub fn is_street(&self) -> bool {
        self.0.len() == 12 && self.0.ends_with("000")
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AreaCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_nine_digit_street_codes() {
        let a = AreaCode::parse("310112001").unwrap();
        assert_eq!(a.as_str(), "310112001000");
        assert!(a.is_street());
        let c = AreaCode::parse("310112001003").unwrap();
        assert_eq!(c.street().unwrap().as_str(), "310112001000");
        assert!(!c.is_street());
        assert_eq!(AreaCode::parse("310112").unwrap().district(), "310112");
        assert!(AreaCode::parse("31011200").is_err());
        assert!(AreaCode::parse("31011200100A").is_err());
    }
}
