//! 居民身份证号码 (resident ID number, GB 11643-1999) and the residence permits that share its form.
//!
//! A number is normalised once, at the edge, then validated; the canonical 18-character form is the
//! person key everywhere else.

use std::fmt;

use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Province-level prefixes of GB/T 2260, plus 71 (台湾) for completeness.
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// 证件种类 derived from the number's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// 居民身份证
    Resident,
    /// 港澳居民居住证 (810000 / 820000)
    HongKongMacauPermit,
    /// 台湾居民居住证 (830000)
    TaiwanPermit,
    /// 外国人永久居留身份证 (2023 form, first digit 9)
    ForeignPermanentResident,
}

impl IdKind {
    pub fn label(self) -> &'static str {
        match self {
            IdKind::Resident => "居民身份证",
            IdKind::HongKongMacauPermit => "港澳居民居住证",
            IdKind::TaiwanPermit => "台湾居民居住证",
            IdKind::ForeignPermanentResident => "外国人永久居留身份证",
        }
    }
}

/// 性别, derived from the 17th digit (odd = male). Stored and serialized as its code (M/F).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
    /// Reads 男/女/M/F as written in lists.
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "男" | "M" | "m" | "男性" => Some(Sex::Male),
            "女" | "F" | "f" | "女性" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Why a number was refused. Messages name the rule; the value appears masked, so a message can be
/// logged or shown to a role without full-ID rights.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("身份证号为空，请填写18位身份证号")]
    Empty,
    #[error("身份证号“{shown}”含有非法字符“{ch}”，只能是数字，末位可以是X")]
    BadCharacter { shown: String, ch: char },
    #[error("身份证号“{shown}”为{len}位，应为18位（或旧版15位）")]
    BadLength { shown: String, len: usize },
    #[error("身份证号“{shown}”的地址码前两位“{prefix}”不是有效的省级代码")]
    UnknownProvince { shown: String, prefix: String },
    #[error("身份证号“{shown}”中的出生日期“{date}”不是真实日期")]
    ImpossibleDate { shown: String, date: String },
    #[error("身份证号“{shown}”中的出生日期“{date}”晚于今天")]
    FutureDate { shown: String, date: String },
    #[error("身份证号“{shown}”中的出生日期“{date}”早于1890年，不可能")]
    TooEarly { shown: String, date: String },
    #[error("身份证号“{shown}”校验位不对：末位是“{got}”，按前17位算应是“{expected}”，请核对号码是否抄错")]
    BadCheck { shown: String, got: char, expected: char },
}

impl IdError {
    /// Stable machine code for the rule that failed (used in JSON and tests).
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Empty => "id_empty",
            IdError::BadCharacter { .. } => "id_bad_character",
            IdError::BadLength { .. } => "id_bad_length",
            IdError::UnknownProvince { .. } => "id_unknown_province",
            IdError::ImpossibleDate { .. } => "id_impossible_date",
            IdError::FutureDate { .. } => "id_future_date",
            IdError::TooEarly { .. } => "id_too_early",
            IdError::BadCheck { .. } => "id_bad_check",
        }
    }
}

/// A validated ID number in canonical 18-character form (upper-case X).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl fmt::Debug for IdNumber {
    // Never print the full number, not even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// Normalises a number as typed or pasted: NFKC (full-width digits, ｘ, U+3000), ×/Χ → X, zero-width
/// characters, whitespace, `-` and `.` removed, a leading `'` (Excel's text marker) removed, a final x
/// upper-cased.
pub fn normalize(raw: &str) -> String {
    // The common case, plain digits (and X), needs no Unicode work.
    let b = raw.as_bytes();
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_digit() || *c == b'X') {
        return raw.to_string();
    }
    let nfkc: String = raw.nfkc().collect();
    let mut out = String::with_capacity(18);
    for ch in nfkc.trim_start().trim_start_matches('\'').chars() {
        match ch {
            '×' | 'Χ' | 'χ' => out.push('X'),
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            '-' | '.' => {}
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    if out.ends_with('x') {
        out.pop();
        out.push('X');
    }
    out
}

/// Masks a (possibly invalid) number for display: first 6 and last 4 characters kept.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let mut m: String = chars[..6].iter().collect();
    m.extend(std::iter::repeat_n('*', chars.len() - 10));
    m.extend(&chars[chars.len() - 4..]);
    m
}

/// The GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let s: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(s % 11) as usize] as char
}

fn parse_date(digits: &[u8]) -> Option<Date> {
    let num = |r: std::ops::Range<usize>| -> u32 { digits[r].iter().fold(0, |a, d| a * 10 + u32::from(d - b'0')) };
    let year = num(0..4) as i32;
    let month = Month::try_from(num(4..6) as u8).ok()?;
    Date::from_calendar_date(year, month, num(6..8) as u8).ok()
}

impl IdNumber {
    /// Normalises and validates against today's date.
    pub fn parse(raw: &str) -> Result<IdNumber, IdError> {
        Self::parse_at(raw, crate::today())
    }

    /// Normalises and validates; `today` bounds the birth date.
    pub fn parse_at(raw: &str, today: Date) -> Result<IdNumber, IdError> {
        let s = normalize(raw);
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        let shown = mask(&s);
        if let Some(ch) =
            s.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || (c == 'X' && i == s.len() - 1))).map(|(_, c)| c)
        {
            return Err(IdError::BadCharacter { shown, ch });
        }
        let bytes = s.as_bytes();
        let canonical: Vec<u8> = match bytes.len() {
            18 => bytes.to_vec(),
            15 if !s.contains('X') => {
                // 15-digit legacy numbers: century 19 implied, no check character.
                let mut v = Vec::with_capacity(18);
                v.extend_from_slice(&bytes[..6]);
                v.extend_from_slice(b"19");
                v.extend_from_slice(&bytes[6..]);
                let c = check_char(&v);
                v.push(c as u8);
                v
            }
            _ => return Err(IdError::BadLength { shown, len: s.chars().count() }),
        };
        let prefix = &canonical[..2];
        let province = u32::from(prefix[0] - b'0') * 10 + u32::from(prefix[1] - b'0');
        let province_ok = if canonical[0] == b'9' {
            // 2023 foreigner number: 9 + issuing province (2 digits) + nationality code.
            let issuing = u32::from(canonical[1] - b'0') * 10 + u32::from(canonical[2] - b'0');
            PROVINCES[..31].contains(&(issuing as u8))
        } else {
            PROVINCES.contains(&(province as u8))
        };
        if !province_ok {
            return Err(IdError::UnknownProvince { shown, prefix: String::from_utf8_lossy(prefix).into() });
        }
        let date_text = String::from_utf8_lossy(&canonical[6..14]).into_owned();
        let birth = parse_date(&canonical[6..14])
            .ok_or_else(|| IdError::ImpossibleDate { shown: shown.clone(), date: date_text.clone() })?;
        if birth > today {
            return Err(IdError::FutureDate { shown, date: date_text });
        }
        if birth < Date::from_calendar_date(1890, Month::January, 1).expect("valid constant") {
            return Err(IdError::TooEarly { shown, date: date_text });
        }
        let expected = check_char(&canonical[..17]);
        let got = canonical[17] as char;
        if got != expected {
            return Err(IdError::BadCheck { shown, got, expected });
        }
        Ok(IdNumber(String::from_utf8(canonical).expect("ascii")))
    }

    /// The canonical 18-character form. Handle with care: this is the plaintext.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Display form: first 6 + last 4, e.g. `310112********0013`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    pub fn kind(&self) -> IdKind {
        match &self.0[..2] {
            "81" | "82" => IdKind::HongKongMacauPermit,
            "83" => IdKind::TaiwanPermit,
            p if p.starts_with('9') => IdKind::ForeignPermanentResident,
            _ => IdKind::Resident,
        }
    }

    /// Six-digit address code (lifelong: may name a district that no longer exists).
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> Date {
        parse_date(&self.0.as_bytes()[6..14]).expect("validated at construction")
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `at`.
    pub fn age_at(&self, at: Date) -> i32 {
        crate::age_between(self.birth_date(), at)
    }

    /// Ages over 110 are possible but rare enough to be flagged for review.
    pub fn age_is_suspicious(&self, at: Date) -> bool {
        self.age_at(at) > 110
    }

    /// The 15-digit legacy form, when the number has one (resident IDs born 1900–1999).
    pub fn legacy15(&self) -> Option<String> {
        (self.kind() == IdKind::Resident && &self.0[6..8] == "19")
            .then(|| format!("{}{}", &self.0[..6], &self.0[8..17]))
    }
}

/// Valid numbers one substitution or one adjacent transposition away from an invalid one. Two valid
/// numbers never differ that way (the check character guarantees it), so if one of these is in the
/// register it is almost surely the person meant: "did you mean".
pub fn near_misses(raw: &str, today: Date) -> Vec<IdNumber> {
    let s = normalize(raw);
    let b = s.as_bytes();
    if b.len() != 18 || !b.iter().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 17 && *c == b'X')) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut try_push = |cand: &[u8]| {
        if let Ok(id) = IdNumber::parse_at(std::str::from_utf8(cand).expect("ascii"), today) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    };
    let mut cand = b.to_vec();
    for i in 0..18 {
        let original = cand[i];
        let options: &[u8] = if i == 17 { b"0123456789X" } else { b"0123456789" };
        for &c in options {
            if c != original {
                cand[i] = c;
                try_push(&cand);
            }
        }
        cand[i] = original;
    }
    for i in 0..17 {
        if cand[i] != cand[i + 1] {
            cand.swap(i, i + 1);
            try_push(&cand);
            cand.swap(i, i + 1);
        }
    }
    out
}

/// Builds a valid number from its parts (used by generators and tests).
pub fn compose(address: &str, birth: Date, sequence: u16) -> IdNumber {
    let mut s = format!(
        "{address:0>6}{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        sequence % 1000
    );
    let c = check_char(s.as_bytes());
    s.push(c);
    IdNumber(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 30);

    fn ok(raw: &str) -> IdNumber {
        IdNumber::parse_at(raw, TODAY).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    #[test]
    fn domain_test_vectors() {
        assert_eq!(ok("11010519491231002X").as_str(), "11010519491231002X");
        ok("34052419800101001X");
        assert!(matches!(
            IdNumber::parse_at("340524198001010013", TODAY),
            Err(IdError::BadCheck { expected: 'X', got: '3', .. })
        ));
        ok("310221194503150021");
        assert!(matches!(IdNumber::parse_at("310112201502290015", TODAY), Err(IdError::ImpossibleDate { .. })));
        ok("310112201602290020");
        assert_eq!(ok("810000199408230021").kind(), IdKind::HongKongMacauPermit);
        assert_eq!(ok("830000199201300022").kind(), IdKind::TaiwanPermit);
        assert_eq!(ok("610104620927690").as_str(), "610104196209276908");
    }

    #[test]
    fn normalisation_handles_what_people_paste() {
        assert_eq!(ok("１１０１０５１９４９１２３１００２ｘ").as_str(), "11010519491231002X");
        assert_eq!(ok("11010519491231002×").as_str(), "11010519491231002X");
        assert_eq!(ok("11010519491231002Χ").as_str(), "11010519491231002X");
        assert_eq!(ok("110105 1949\u{3000}1231-002x").as_str(), "11010519491231002X");
        assert_eq!(ok("'11010519491231002X").as_str(), "11010519491231002X");
        assert_eq!(ok("1101051949\u{200B}1231002X\u{FEFF}").as_str(), "11010519491231002X");
        assert_eq!(ok("110105.19491231.002X").as_str(), "11010519491231002X");
    }

    #[test]
    fn derived_facts() {
        let id = ok("11010519491231002X");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.age_at(date!(2020 - 01 - 01)), 70);
        assert_eq!(id.age_at(date!(2019 - 12 - 30)), 69);
        assert_eq!(ok("610104620927690").sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    #[test]
    fn foreigner_permanent_resident_number_uses_the_same_check() {
        // 9 + issuing province 31 + nationality 156? (any 3 digits) + date + sequence + check
        let mut s = String::from("931840198506150011");
        s.pop();
        let c = check_char(s.as_bytes());
        s.push(c);
        assert_eq!(ok(&s).kind(), IdKind::ForeignPermanentResident);
        let mut bad = String::from("999840198506150011");
        bad.pop();
        let c = check_char(bad.as_bytes());
        bad.push(c);
        assert!(matches!(IdNumber::parse_at(&bad, TODAY), Err(IdError::UnknownProvince { .. })));
    }

    #[test]
    fn rejections_name_the_rule_in_chinese() {
        let e = IdNumber::parse_at("", TODAY).unwrap_err();
        assert_eq!(e.code(), "id_empty");
        let e = IdNumber::parse_at("3101121980", TODAY).unwrap_err();
        assert!(e.to_string().contains("10位"), "{e}");
        let e = IdNumber::parse_at("31011219800101001A", TODAY).unwrap_err();
        assert!(e.to_string().contains("非法字符“A”"), "{e}");
        let e = IdNumber::parse_at("990112198001010013", TODAY).unwrap_err();
        assert_eq!(e.code(), "id_unknown_province");
        let e = IdNumber::parse_at("340524198001010013", TODAY).unwrap_err();
        assert!(
            e.to_string().contains("校验位不对") && e.to_string().contains("应是“X”") && !e.to_string().contains("GB"),
            "{e}"
        );
        assert!(e.to_string().contains("340524********0013"), "{e}");
        // Unknown province beats the check so the user hears the most basic problem first.
        let future = compose("310112", date!(2027 - 01 - 01), 1);
        assert_eq!(IdNumber::parse_at(future.as_str(), TODAY).unwrap_err().code(), "id_future_date");
        let old = compose("310112", date!(1889 - 12 - 31), 1);
        assert_eq!(IdNumber::parse_at(old.as_str(), TODAY).unwrap_err().code(), "id_too_early");
    }

    #[test]
    fn old_people_are_flagged_not_refused() {
        let id = compose("310112", date!(1900 - 01 - 01), 12);
        let id = ok(id.as_str());
        assert!(id.age_is_suspicious(TODAY));
        assert!(!ok("11010519491231002X").age_is_suspicious(TODAY));
    }

    #[test]
    fn retired_address_codes_are_accepted() {
        ok(compose("310102", date!(1950 - 03 - 01), 21).as_str());
        ok(compose("310221", date!(1950 - 03 - 01), 21).as_str());
    }

    fn valid_id() -> impl Strategy<Value = IdNumber> {
        let prefixes = prop::sample::select(vec![
            "310112", "310221", "310102", "110105", "340524", "440305", "510104", "810000", "830000", "650102",
        ]);
        (prefixes, 0i32..(2026 - 1890) * 365, 0u16..1000).prop_map(|(p, days, seq)| {
            let birth = date!(1890 - 01 - 01) + time::Duration::days(days as i64);
            compose(p, birth, seq)
        })
    }

    #[test]
    fn near_misses_find_the_number_meant() {
        // A typo in the sequence digits: the right number is among the candidates.
        let right = "11010519491231002X";
        let typo = "11010519491231005X";
        assert!(IdNumber::parse_at(typo, TODAY).is_err());
        let c = near_misses(typo, TODAY);
        assert!(c.iter().any(|id| id.as_str() == right), "{c:?}");
        // A transposition.
        let swapped = "11010519492131002X";
        assert!(near_misses(swapped, TODAY).iter().any(|id| id.as_str() == right));
        assert!(near_misses("123", TODAY).is_empty());
    }

    proptest! {
        #[test]
        fn generated_numbers_validate(id in valid_id()) {
            prop_assert_eq!(IdNumber::parse_at(id.as_str(), TODAY).unwrap(), id);
        }

        #[test]
        fn every_single_substitution_is_rejected(id in valid_id(), pos in 0usize..18, d in 0u8..11) {
            let mut b = id.as_str().as_bytes().to_vec();
            let new = if d == 10 { b'X' } else { b'0' + d };
            prop_assume!(b[pos] != new);
            b[pos] = new;
            let s = String::from_utf8(b).unwrap();
            prop_assert!(IdNumber::parse_at(&s, TODAY).is_err(), "{} accepted", s);
        }

        #[test]
        fn every_adjacent_transposition_is_rejected(id in valid_id(), pos in 0usize..17) {
            let mut b = id.as_str().as_bytes().to_vec();
            prop_assume!(b[pos] != b[pos + 1]);
            b.swap(pos, pos + 1);
            let s = String::from_utf8(b).unwrap();
            prop_assert!(IdNumber::parse_at(&s, TODAY).is_err(), "{} accepted", s);
        }

        #[test]
        fn legacy_15_digit_form_round_trips(id in valid_id()) {
            if let Some(short) = id.legacy15() {
                prop_assert_eq!(short.len(), 15);
                prop_assert_eq!(IdNumber::parse_at(&short, TODAY).unwrap(), id);
            }
        }
    }
}
