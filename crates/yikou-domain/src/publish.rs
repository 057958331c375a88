//! 公示 (R15): the aggregate figures a campaign may publish — totals and breakdowns by unit group,
//! street/town and category — with small cells suppressed: a count below 5 is shown as "<5", the money
//! beside it withheld, and when a table would hide exactly one cell its smallest other cell is withheld
//! too, shown as "—" (otherwise the total minus the rest gives it back). Nothing here carries a name, an ID number, a
//! phone, an address, a diagnosis or a bank account: it is built from counts only.

use serde::Serialize;

use crate::report::Figures;
use crate::Fen;

/// Cells below this are suppressed.
pub const MIN_CELL: i64 = 5;

/// A published count: the number, or "<5".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Count {
    Shown(i64),
    /// Below 5: "<5".
    #[serde(serialize_with = "few")]
    Few,
    /// Not small, hidden so that the total cannot give a small one back: "—" (JSON "withheld").
    #[serde(serialize_with = "withheld")]
    Withheld,
}

fn few<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<5")
}

fn withheld<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("withheld")
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Shown(n) => f.write_str(&crate::money::group_thousands((*n).max(0) as u64)),
            Count::Few => f.write_str("<5"),
            Count::Withheld => f.write_str("—"),
        }
    }
}

/// A published line: its name (a group, street or category name — never a person's), people,
/// person-times and money in 万元 (withheld with a suppressed count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub name: String,
    pub people: Count,
    pub person_times: Count,
    /// The money in fen and in 万元 with two decimals; None when withheld.
    pub amount_fen: Option<i64>,
    pub amount_wan: Option<String>,
}

/// Which of `values` may be shown: below [`MIN_CELL`] (and above 0) suppressed; when that leaves
/// exactly one suppressed, the smallest value still shown is suppressed as well.
pub fn shown(values: &[i64]) -> Vec<bool> {
    let mut keep: Vec<bool> = values.iter().map(|v| *v == 0 || *v >= MIN_CELL).collect();
    if keep.iter().filter(|k| !**k).count() == 1 {
        let smallest = (0..values.len()).filter(|&i| keep[i] && values[i] > 0).min_by_key(|&i| values[i]);
        if let Some(i) = smallest {
            keep[i] = false;
        }
    }
    keep
}

/// The lines of one table (names given per row), suppressed together.
pub fn lines(rows: &[(String, &Figures)]) -> Vec<Line> {
    let people = shown(&rows.iter().map(|r| r.1.people).collect::<Vec<_>>());
    let times = shown(&rows.iter().map(|r| r.1.person_times).collect::<Vec<_>>());
    rows.iter()
        .enumerate()
        .map(|(i, (name, f))| {
            let open = people[i] && times[i];
            let hidden = |v: i64| if v > 0 && v < MIN_CELL { Count::Few } else { Count::Withheld };
            Line {
                name: name.clone(),
                people: if open { Count::Shown(f.people) } else { hidden(f.people) },
                person_times: if open { Count::Shown(f.person_times) } else { hidden(f.person_times) },
                amount_fen: open.then_some(f.listed_fen),
                amount_wan: open.then(|| Fen(f.listed_fen).wan()),
            }
        })
        .collect()
}

/// The total line, suppressed on its own.
pub fn total(f: &Figures) -> Line {
    lines(&[("合计".to_string(), f)]).remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(people: i64, times: i64) -> Figures {
        Figures { people, person_times: times, listed_fen: times * 50_000, ..Default::default() }
    }

    #[test]
    fn small_cells_show_as_fewer_than_five_with_their_money_withheld() {
        let rows = [("甲".to_string(), &f(120, 130)), ("乙".to_string(), &f(3, 3)), ("丙".to_string(), &f(40, 44))];
        let out = lines(&rows);
        assert_eq!(out[1].people, Count::Few);
        assert_eq!(out[1].amount_wan, None);
        // One hidden cell would be given back by the total: the next smallest (丙) is hidden too,
        // shown as withheld (not as "<5": it is not small).
        assert_eq!(out[2].people, Count::Withheld);
        assert_eq!(out[2].amount_wan, None);
        assert_eq!(out[0].people, Count::Shown(120));
        assert_eq!(out[0].amount_wan.as_deref(), Some("6.50"));
        assert_eq!(serde_json::to_string(&out[1].people).unwrap(), "\"<5\"");
        assert_eq!(serde_json::to_string(&out[0].people).unwrap(), "120");
    }

    #[test]
    fn zero_is_shown_and_two_small_cells_need_no_third() {
        assert_eq!(shown(&[0, 10, 20]), vec![true, true, true]);
        assert_eq!(shown(&[1, 2, 20, 30]), vec![false, false, true, true]);
        assert_eq!(shown(&[4]), vec![false]);
        assert_eq!(total(&f(4, 4)).person_times, Count::Few);
    }
}
