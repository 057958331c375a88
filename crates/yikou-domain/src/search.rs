//! 帮困对象查询: what a text typed into the register's search box means.
//!
//! The register shows ID numbers masked (`310112********0013`: the area code and the last four
//! kept, the eight hidden digits are exactly the birth date) and mobile phones masked
//! (`138****5678`). A search that matches on something the masked forms already show reveals
//! nothing new, so anyone may use it; a search that matches on hidden digits (the birth date, the
//! fifth and sixth digit from the end, a whole number) confirms or refutes a guess of them one try
//! at a time, so it is kept to the roles that may see full numbers anyway and audited
//! ([`Needle::probes_hidden_digits`]). A number that looks like a mistyped ID number is said to be
//! one rather than searched as a name.

use time::Date;

use crate::id_number::{normalize, IdError};
use crate::{IdNumber, Phone};

/// A search box's text, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needle {
    /// A name or part of one (any position).
    Name(String),
    /// A whole, valid ID number (exact, through the keyed hash).
    IdNumber(IdNumber),
    /// A whole phone number (exact, through the keyed hash).
    Phone(Phone),
    /// Four characters: the last four of an ID number (`0013`, `001X`) or of a mobile phone —
    /// both shown in the masked forms.
    Tail4(String),
    /// The last five or six characters of an ID number: beyond the last four they are the birth
    /// day, hidden by the mask.
    IdTail(String),
    /// A birth date and the last four (`19500312 0013` or `195003120013`).
    BirthAndTail(Date, String),
}

/// Why a typed number was not searched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NeedleError {
    /// Looks like an ID number but is not one (a check digit, a length, a date …).
    #[error("{0}。请核对后重新输入，或只输入身份证号后4位查找")]
    BadIdNumber(IdError),
    /// Digits that are neither a whole number nor a part the search understands.
    #[error("“{shown}”不是可以查找的号码：可输入姓名中的字、身份证号或手机号后4位、出生日期加身份证号后4位（如 19500312 0013），或完整的身份证号、电话")]
    Unclear { shown: String },
}

impl NeedleError {
    /// A stable code (for the API and tests).
    pub fn code(&self) -> &'static str {
        match self {
            NeedleError::BadIdNumber(e) => e.code(),
            NeedleError::Unclear { .. } => "search_unclear",
        }
    }
}

fn tail_ok(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 4 && b[..3].iter().all(u8::is_ascii_digit) && (b[3].is_ascii_digit() || b[3] == b'X')
}

impl Needle {
    /// Understands a search text (`None` for a blank one), as of `today` (an ID number's birth
    /// date may not be in the future).
    pub fn parse_at(raw: &str, today: Date) -> Option<Result<Needle, NeedleError>> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let n = normalize(raw);
        let digits = n.bytes().filter(u8::is_ascii_digit).count();
        let numeric =
            !n.is_empty() && n.bytes().enumerate().all(|(i, c)| c.is_ascii_digit() || (c == b'X' && i == n.len() - 1));
        if !numeric {
            // Mostly digits with a stray character: a mistyped number, not a name.
            if digits >= 14 {
                return Some(IdNumber::parse_at(raw, today).map(Needle::IdNumber).map_err(NeedleError::BadIdNumber));
            }
            if digits >= 4 && digits * 2 > n.chars().count() {
                if let Ok(p) = Phone::parse(raw) {
                    return Some(Ok(Needle::Phone(p)));
                }
                return Some(Err(NeedleError::Unclear { shown: crate::id_number::mask(raw) }));
            }
            return Some(Ok(Needle::Name(raw.to_string())));
        }
        let len = n.len();
        let out = match len {
            15 | 18 => IdNumber::parse_at(&n, today).map(Needle::IdNumber).map_err(NeedleError::BadIdNumber),
            _ if !n.ends_with('X') && Phone::parse(raw).is_ok() => {
                Ok(Needle::Phone(Phone::parse(raw).expect("checked")))
            }
            4 if tail_ok(&n) => Ok(Needle::Tail4(n)),
            5 | 6 if tail_ok(&n[len - 4..]) && n[..len - 4].bytes().all(|c| c.is_ascii_digit()) => {
                Ok(Needle::IdTail(n))
            }
            12 if tail_ok(&n[8..]) => match crate::parse_date(&format!("{}-{}-{}", &n[..4], &n[4..6], &n[6..8])) {
                Some(d) if d <= today => Ok(Needle::BirthAndTail(d, n[8..].to_string())),
                _ => Err(NeedleError::Unclear { shown: crate::id_number::mask(&n) }),
            },
            13.. => IdNumber::parse_at(&n, today).map(Needle::IdNumber).map_err(NeedleError::BadIdNumber),
            _ => Err(NeedleError::Unclear { shown: crate::id_number::mask(&n) }),
        };
        Some(out)
    }

    /// [`Needle::parse_at`] as of today.
    pub fn parse(raw: &str) -> Option<Result<Needle, NeedleError>> {
        Self::parse_at(raw, crate::today())
    }

    /// The search as an audit record may hold it: the hidden digits starred (the audit log is read
    /// by the audit administrator, who holds no business data).
    pub fn masked(&self) -> String {
        match self {
            Needle::Name(n) => n.clone(),
            Needle::Tail4(t) => t.clone(),
            Needle::IdNumber(id) => id.masked(),
            Needle::Phone(p) => p.masked(),
            Needle::IdTail(t) => format!("{}{}", "*".repeat(t.len() - 4), &t[t.len() - 4..]),
            Needle::BirthAndTail(_, t) => format!("********{t}"),
        }
    }

    /// How the box was understood, said under the result ("按电话号码查找") so that a number read
    /// otherwise than meant (eight digits of an ID number read as a landline) is noticed.
    pub fn understood(&self) -> &'static str {
        match self {
            Needle::Name(_) => "按姓名（含其中的字）查找",
            Needle::IdNumber(_) => "按完整身份证号查找",
            Needle::Phone(_) => "按完整电话号码查找",
            Needle::Tail4(_) => "按身份证号或手机号后4位查找",
            Needle::IdTail(_) => "按身份证号末尾几位查找",
            Needle::BirthAndTail(..) => "按出生日期加身份证号后4位查找",
        }
    }

    /// What to try when nothing was found, where the box may have been meant otherwise.
    pub fn when_nothing_found(&self) -> Option<&'static str> {
        match self {
            Needle::Phone(_) => Some(
                "若输入的是身份证号的一部分，请输入后4位、后5至6位，或出生日期加后4位（如 19500312 0013）；电话请输入完整号码。",
            ),
            Needle::Tail4(_) | Needle::IdTail(_) => Some("请核对号码，或改用姓名查找。"),
            _ => None,
        }
    }

    /// Does a match on this needle confirm digits the masked forms hide (a whole number, the
    /// birth date, the birth day)? Such searches are for roles that may see full numbers, and
    /// audited.
    pub fn probes_hidden_digits(&self) -> bool {
        matches!(self, Needle::IdNumber(_) | Needle::Phone(_) | Needle::IdTail(_) | Needle::BirthAndTail(..))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn parse(s: &str) -> Result<Needle, NeedleError> {
        Needle::parse_at(s, date!(2026 - 12 - 01)).unwrap()
    }

    #[test]
    fn numbers_and_names_are_told_apart() {
        assert_eq!(Needle::parse_at("  ", date!(2026 - 12 - 01)), None);
        assert_eq!(parse("张"), Ok(Needle::Name("张".into())));
        assert_eq!(parse("王小明"), Ok(Needle::Name("王小明".into())));
        assert!(matches!(parse("11010519491231002X"), Ok(Needle::IdNumber(_))));
        assert!(matches!(parse("13812345678"), Ok(Needle::Phone(_))));
        assert!(matches!(parse("021-64123456"), Ok(Needle::Phone(_))));
        assert_eq!(parse("0013"), Ok(Needle::Tail4("0013".into())));
        assert_eq!(parse("002x"), Ok(Needle::Tail4("002X".into())));
        assert_eq!(parse("310013"), Ok(Needle::IdTail("310013".into())));
        assert_eq!(parse("19491231 002X"), Ok(Needle::BirthAndTail(date!(1949 - 12 - 31), "002X".into())));
        assert_eq!(parse("194912310021"), Ok(Needle::BirthAndTail(date!(1949 - 12 - 31), "0021".into())));
    }

    #[test]
    fn a_mistyped_id_number_is_said_to_be_one() {
        let e = parse("110105194912310021").unwrap_err();
        assert_eq!(e.code(), "id_bad_check");
        assert!(e.to_string().contains("校验位不对"), "{e}");
        assert!(!e.to_string().contains("19491231"), "masked: {e}");
        assert_eq!(parse("1101051949123100").unwrap_err().code(), "id_bad_length");
        assert_eq!(parse("11010519491231002Y").unwrap_err().code(), "id_bad_character");
        assert_eq!(parse("1234567").unwrap_err().code(), "search_unclear");
        assert_eq!(parse("194913310021").unwrap_err().code(), "search_unclear");
    }

    #[test]
    fn eight_digits_are_said_to_be_read_as_a_phone_with_what_to_type_for_part_of_an_id_number() {
        let n = parse("20120305").unwrap();
        assert_eq!(n.understood(), "按完整电话号码查找");
        assert!(n.when_nothing_found().unwrap().contains("出生日期加后4位"));
        assert_eq!(parse("张").unwrap().when_nothing_found(), None);
    }

    #[test]
    fn hidden_digits_are_starred_for_the_record() {
        assert_eq!(parse("19491231 002X").unwrap().masked(), "********002X");
        assert_eq!(parse("31002X").unwrap().masked(), "**002X");
        assert_eq!(parse("11010519491231002X").unwrap().masked(), "110105********002X");
        assert_eq!(parse("13812345678").unwrap().masked(), "138****5678");
    }

    #[test]
    fn only_what_the_masks_show_is_free() {
        assert!(!parse("0013").unwrap().probes_hidden_digits());
        assert!(!parse("张三").unwrap().probes_hidden_digits());
        for s in ["310013", "20013", "19491231 002X", "11010519491231002X", "13812345678"] {
            assert!(parse(s).unwrap().probes_hidden_digits(), "{s}");
        }
    }
}
