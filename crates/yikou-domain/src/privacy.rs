//! 隐私保护 (privacy): what may be kept in records that many people read, such as the audit log.
//! Audit records never hold a full ID number, phone or bank account, whatever a user typed into a
//! search box or a file named: [`redact_identifiers`] masks every run of digits shaped like one.

use std::borrow::Cow;

/// Masks digit runs that look like an ID number (15–18 characters, a final X allowed), a bank
/// account (13 digits or more), a mobile or landline with area code (11 digits) or a local landline
/// (8 digits). Full-width digits count as digits, and digits joined by single spaces or hyphens
/// count as one run ("138 1234 5678", "3101-1219-…"); an 8-digit run joined by hyphens is a date
/// (2026-12-02) and stays. Runs that touch a letter or another digit (hex hashes, codes such as
/// B2026-000001, times such as 2026-12-02T15:02) are left alone, and so are 12-digit area codes.
pub fn redact_identifiers(text: &str) -> Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    // Full-width digits and letters (３１０…，Ｘ) are read as what they stand for.
    let normal: Cow<'_, str> =
        if text.is_ascii() { Cow::Borrowed(text) } else { Cow::Owned(text.nfkc().collect::<String>()) };
    let chars: Vec<char> = normal.chars().collect();
    let mut out: Option<String> = None;
    let mut copied = 0; // chars of `normal` already accounted for in `out`
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        // A run: digits, single spaces or hyphens between digits, and an optional final X.
        let start = i;
        let mut end = i;
        let mut digits = String::new();
        let mut hyphens = false;
        while end < chars.len() {
            let c = chars[end];
            if c.is_ascii_digit() {
                digits.push(c);
                end += 1;
            } else if matches!(c, ' ' | '-') && end + 1 < chars.len() && chars[end + 1].is_ascii_digit() {
                hyphens |= c == '-';
                end += 1;
            } else {
                break;
            }
        }
        if end < chars.len() && matches!(chars[end], 'X' | 'x') && digits.len() == 17 {
            digits.push('X');
            end += 1;
        }
        let touches = end < chars.len() && chars[end].is_ascii_alphanumeric();
        let date_like = hyphens && digits.len() <= 8;
        let masked = if touches || date_like { None } else { mask_run(&digits) };
        if let Some(m) = masked {
            let o = out.get_or_insert_with(String::new);
            o.extend(&chars[copied..start]);
            o.push_str(&m);
            copied = end;
        }
        i = end.max(start + 1);
    }
    match (out, normal) {
        (None, Cow::Borrowed(_)) => Cow::Borrowed(text),
        (None, Cow::Owned(n)) => Cow::Owned(n),
        (Some(mut o), _) => {
            o.extend(&chars[copied..]);
            Cow::Owned(o)
        }
    }
}

fn mask_run(d: &str) -> Option<String> {
    let n = d.len();
    let keep = |head: usize, tail: usize| format!("{}{}{}", &d[..head], "*".repeat(n - head - tail), &d[n - tail..]);
    match n {
        // ID numbers: the usual display mask (first 6, last 4).
        15 | 18 => Some(keep(6, 4)),
        // Bank accounts and other long numbers: last 4 only.
        13..=14 | 16..=17 | 19.. => Some(keep(0, 4)),
        // Mobile (138****5678) or landline with area code.
        11 => Some(keep(3, 4)),
        // Local landline.
        8 => Some(keep(4, 0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_phones_and_accounts_are_masked() {
        assert_eq!(redact_identifiers("310112198001010989"), "310112********0989");
        assert_eq!(redact_identifiers("q=11010519491231002X 张三"), "q=110105********002X 张三");
        assert_eq!(redact_identifiers("310112800101098"), "310112*****1098");
        assert_eq!(redact_identifiers("电话13812345678"), "电话138****5678");
        assert_eq!(redact_identifiers("138 1234 5678"), "138****5678");
        assert_eq!(redact_identifiers("021-64123456"), "021****3456");
        assert_eq!(redact_identifiers("64123456"), "6412****");
        assert_eq!(redact_identifiers("6222021234567890123"), "***************0123");
        // Separators and full-width digits, as a security test typed them.
        assert_eq!(redact_identifiers("3101-1219-5908-1079-56"), "310112********7956");
        assert_eq!(redact_identifiers("３１０１１２１９５９０８１０７９５６"), "310112********7956");
        assert_eq!(redact_identifiers("139-7296-4859"), "139****4859");
    }

    #[test]
    fn codes_dates_hashes_and_batches_stay_readable() {
        for keep in [
            "310112006010",
            "2026-12-02T15:02:34.123Z",
            "B2026-000017",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "person 1234567",
            "金额 4937900",
        ] {
            assert_eq!(redact_identifiers(keep), keep);
        }
    }
}
