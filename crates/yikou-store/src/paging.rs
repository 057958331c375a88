//! Keyset paging: a list ordered by (a column, the row's id) continues from the row a key names —
//! its column value read again, within the reader's scope — so a page reads only its own rows
//! however deep it is (it never skips rows it has read), and a row written meanwhile never shifts a page.

/// Where a page starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Seek {
    /// The start of the list.
    #[default]
    First,
    /// The rows after this one (the last of the page before), in the list's order.
    After(i64),
    /// The rows before this one (the first of the page after), in the list's order.
    Before(i64),
    /// The end of the list.
    Last,
}

impl Seek {
    /// The key a page continues from, and whether it is read backwards (and turned round).
    pub(crate) fn key(self) -> (Option<i64>, bool) {
        match self {
            Seek::First => (None, false),
            Seek::Last => (None, true),
            Seek::After(k) => (Some(k), false),
            Seek::Before(k) => (Some(k), true),
        }
    }

    /// From a page's rows as read (at most `limit`, `more` when the read found one more): the
    /// rows in the list's order, and the keys of the page before and after.
    pub(crate) fn arrange<T>(
        self,
        mut rows: Vec<T>,
        more: bool,
        id: impl Fn(&T) -> i64,
    ) -> (Vec<T>, Option<i64>, Option<i64>) {
        let (key, backwards) = self.key();
        if backwards {
            rows.reverse();
        }
        let (first, last) = (rows.first().map(&id), rows.last().map(&id));
        // Forwards: more rows means a next page; a key means rows before it. Backwards the same,
        // the other way round.
        let (prev, next) = if backwards {
            (if more { first } else { None }, if key.is_some() { last } else { None })
        } else {
            (if key.is_some() { first } else { None }, if more { last } else { None })
        };
        (rows, prev, next)
    }
}

/// The condition that continues a list ordered by (`column`, `id`) — `column` None for the id
/// alone — past the key row whose column value is bound at `value` and id at `key`, reading in
/// ascending order when `ascending`.
pub(crate) fn past(column: Option<&str>, id: &str, ascending: bool, value: &str, key: &str) -> String {
    let op = if ascending { ">" } else { "<" };
    match column {
        None => format!("{id} {op} {key}"),
        Some(col) => format!("({col} {op} {value} OR ({col} = {value} AND {id} {op} {key}))"),
    }
}

/// `ORDER BY` for (`column`, `id`) in one direction.
pub(crate) fn order(column: Option<&str>, id: &str, ascending: bool) -> String {
    let dir = if ascending { "ASC" } else { "DESC" };
    match column {
        None => format!("{id} {dir}"),
        Some(col) => format!("{col} {dir}, {id} {dir}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_turned_round_and_keyed_both_ways() {
        let id = |r: &i64| *r;
        assert_eq!(Seek::First.arrange(vec![1, 2], true, id), (vec![1, 2], None, Some(2)));
        assert_eq!(Seek::First.arrange(vec![1, 2], false, id), (vec![1, 2], None, None));
        assert_eq!(Seek::After(2).arrange(vec![3], false, id), (vec![3], Some(3), None));
        // Read backwards from before 3: [2, 1] as read, more before them.
        assert_eq!(Seek::Before(3).arrange(vec![2, 1], true, id), (vec![1, 2], Some(1), Some(2)));
        assert_eq!(Seek::Last.arrange(vec![9, 8], true, id), (vec![8, 9], Some(8), None));
        assert_eq!(past(None, "v.id", false, "$2", "$3"), "v.id < $3");
        assert_eq!(past(Some("d"), "i", true, "$2", "$3"), "(d > $2 OR (d = $2 AND i > $3))");
        assert_eq!(order(Some("d"), "i", false), "d DESC, i DESC");
    }
}
