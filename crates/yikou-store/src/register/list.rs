//! The register list: a page of the people a scope may see, filtered, sorted and counted, and a
//! household's members (masked; age, never the birth date).
//!
//! What the search box matches is decided by [`Needle`] (domain): a name fragment, the last four
//! of an ID number or mobile phone (shown by the masks), and — for callers the service lets —
//! whole numbers through their keyed hashes, the last five or six of an ID number or a birth date
//! with the last four. The last four are read from the stored masked forms and the birth date from
//! its column: no new digits are stored for searching.

use serde::Serialize;
use time::Date;
use yikou_domain::search::Needle;
use yikou_domain::{format_date, Scope, Sex};

use crate::contacts::phone_key;
use crate::paging::{self, Seek};
use crate::{on_db, Result, Store, StoreError};

/// One row of the register list (masked).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonListItem {
    pub id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub sex: Sex,
    /// 年龄, not the birth date (see [`Person::age`](super::Person::age)).
    pub age: Option<i32>,
    pub phone_masked: Option<String>,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
    /// The current category memberships' codes (filled by [`Store::search_people`]).
    pub categories: Vec<String>,
}

/// Whole years from a stored birth date to today.
pub(super) fn age_of(birth_date: &str) -> Option<i32> {
    yikou_domain::parse_date(birth_date).map(|b| yikou_domain::age_between(b, yikou_domain::today()))
}

/// The column a list is ordered by (the person's id breaks ties, so pages never overlap).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PeopleSort {
    /// Registration order.
    #[default]
    Id,
    Name,
    /// Youngest first when ascending.
    Age,
    Street,
    Committee,
}

impl PeopleSort {
    pub const ALL: [PeopleSort; 5] =
        [PeopleSort::Id, PeopleSort::Name, PeopleSort::Age, PeopleSort::Street, PeopleSort::Committee];

    /// The name used in addresses (`sort=age`).
    pub fn code(self) -> &'static str {
        match self {
            PeopleSort::Id => "id",
            PeopleSort::Name => "name",
            PeopleSort::Age => "age",
            PeopleSort::Street => "street",
            PeopleSort::Committee => "committee",
        }
    }

    pub fn from_code(s: &str) -> Option<PeopleSort> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// The sorted column's expression (None for registration order: the id alone).
    fn column(self) -> Option<&'static str> {
        match self {
            PeopleSort::Id => None,
            PeopleSort::Name => Some("pe.name"),
            PeopleSort::Age => Some("pe.birth_date"),
            PeopleSort::Street => Some("COALESCE(pe.street_code, '')"),
            PeopleSort::Committee => Some("COALESCE(pe.committee_code, '')"),
        }
    }

    /// Ascending in SQL terms: `desc` as asked, flipped for age (a later birth date is a younger person).
    fn ascending(self, desc: bool) -> bool {
        desc == (self == PeopleSort::Age)
    }
}

/// A page of the register and the keys of its neighbours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeoplePage {
    pub items: Vec<PersonListItem>,
    /// [`Seek::After`] this id for the next page, if there is one.
    pub next: Option<i64>,
    /// [`Seek::Before`] this id for the page before, if there is one.
    pub prev: Option<i64>,
}

/// What the register list is filtered by. `q` is understood by [`Needle`]; a text it refuses is
/// refused here too (never searched as a name).
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub street: Option<String>,
    pub committee: Option<String>,
    pub category: Option<String>,
    /// 年龄 from/to (whole years today, both included).
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub sort: PeopleSort,
    pub desc: bool,
    /// Where the page starts (an export reads on with [`Seek::After`] in registration order).
    pub seek: Seek,
    pub limit: i64,
}

type ListRow = (i64, String, String, String, String, Option<String>, Option<String>, Option<String>);

fn list_item((id, name, masked, sex, birth_date, phone, street_code, committee_code): ListRow) -> PersonListItem {
    PersonListItem {
        id,
        name,
        id_number_masked: masked,
        // Written from the ID number's 17th digit (M/F) on every insert.
        sex: Sex::parse(&sex).unwrap_or(Sex::Male),
        age: age_of(&birth_date),
        phone_masked: phone,
        street_code,
        committee_code,
        categories: Vec::new(),
    }
}

/// Binds a query's [`Arg`]s in order (the same for both backends' queries).
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::T(t) => q.bind(t.clone()),
                Arg::B(b) => q.bind(b.clone()),
                Arg::I(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// People an export reads at a time.
pub const EXPORT_PAGE: i64 = 5_000;

enum Arg {
    T(String),
    B(Vec<u8>),
    I(i64),
}

/// The latest birth date of someone `years` old on `today` (29 February falls back to the 28th in
/// a common year: nobody was born on a day that did not exist).
fn born_by(today: Date, years: i32) -> Date {
    let y = today.year() - years.clamp(0, 200);
    Date::from_calendar_date(y, today.month(), today.day())
        .or_else(|_| Date::from_calendar_date(y, today.month(), today.day() - 1))
        .unwrap_or(today)
}

/// A LIKE pattern that matches `text` literally anywhere (`\` escapes).
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// The WHERE clause (alias `pe`) and its arguments for a query within a scope.
    fn people_where(&self, scope: &Scope, query: &PeopleQuery) -> Result<(String, Vec<Arg>)> {
        let (cond, scope_arg) = crate::scope::people(scope, 1);
        let mut sql = cond;
        let mut args: Vec<Arg> = Vec::new();
        if let Some(a) = scope_arg {
            args.push(Arg::T(a));
        }
        let mut next = |sql: &mut String, clause: &str, arg: Arg| {
            args.push(arg);
            sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
        };
        // The last four as the masks show them: characters 15–18 of the masked ID number.
        const ID_TAIL: &str = "substr(pe.id_masked, 15, 4) = $?";
        match query.q.as_deref().and_then(Needle::parse) {
            None => {}
            Some(Err(e)) => return Err(StoreError::rejected(e.code(), e.to_string())),
            Some(Ok(Needle::Name(n))) => {
                next(&mut sql, " AND pe.name LIKE $? ESCAPE '\\'", Arg::T(contains_pattern(&n)))
            }
            Some(Ok(Needle::IdNumber(id))) => {
                next(&mut sql, " AND pe.id_key = $?", Arg::B(self.keys.id_key(id.as_str())))
            }
            Some(Ok(Needle::Phone(p))) => {
                next(&mut sql, " AND pe.phone_key = $?", Arg::B(phone_key(&self.keys, &p.canonical())))
            }
            Some(Ok(Needle::Tail4(t))) => {
                next(&mut sql, &format!(" AND ({ID_TAIL}"), Arg::T(t.clone()));
                // A mobile's mask ends in its last four; a landline's (021-6412****) does not.
                next(&mut sql, " OR pe.phone_masked LIKE $?)", Arg::T(format!("%{t}")));
            }
            Some(Ok(Needle::IdTail(t))) => {
                let (day, tail) = t.split_at(t.len() - 4);
                // The birth day's digits sit at the end of the stored date (YYYY-MM-DD).
                let from = 11 - day.len();
                next(&mut sql, &format!(" AND substr(pe.birth_date, {from}, {}) = $?", day.len()), Arg::T(day.into()));
                next(&mut sql, &format!(" AND {ID_TAIL}"), Arg::T(tail.into()));
            }
            Some(Ok(Needle::BirthAndTail(d, tail))) => {
                next(&mut sql, " AND pe.birth_date = $?", Arg::T(format_date(d)));
                next(&mut sql, &format!(" AND {ID_TAIL}"), Arg::T(tail));
            }
        }
        if let Some(s) = &query.street {
            next(&mut sql, " AND pe.street_code = $?", Arg::T(s.clone()));
        }
        if let Some(c) = &query.committee {
            next(&mut sql, " AND pe.committee_code = $?", Arg::T(c.clone()));
        }
        if let Some(c) = &query.category {
            next(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM person_categories pc WHERE pc.person_id = pe.id AND pc.category_code = $?)",
                Arg::T(c.clone()),
            );
        }
        let today = yikou_domain::today();
        if let Some(a) = query.age_min {
            next(&mut sql, " AND pe.birth_date <= $?", Arg::T(format_date(born_by(today, a))));
        }
        if let Some(a) = query.age_max {
            next(&mut sql, " AND pe.birth_date > $?", Arg::T(format_date(born_by(today, a + 1))));
        }
        Ok((sql, args))
    }

    /// A page of the register the scope may see, in the query's order, from where `query.seek`
    /// says: keyset paging on (the sorted column, id), the column's value read from the person the
    /// key names — only if the scope may see that person (another key is refused, so a key cannot
    /// tell where someone outside the area sorts).
    pub async fn search_people(&self, scope: &Scope, query: &PeopleQuery) -> Result<PeoplePage> {
        let (mut cond, mut args) = self.people_where(scope, query)?;
        let limit = query.limit.clamp(1, 500);
        let asc = query.sort.ascending(query.desc);
        // Read forwards, or backwards from a key (or the end) and turned round.
        let (key, backwards) = query.seek.key();
        let read_asc = asc != backwards;
        if let Some(k) = key {
            let col = query.sort.column();
            let (scope_cond, scope_arg) = crate::scope::people(scope, 2);
            let sql = format!("SELECT {} FROM people pe WHERE pe.id = $1 AND {scope_cond}", col.unwrap_or("''"));
            let value: Option<String> = on_db!(&self.db, p => {
                let q = sqlx::query_scalar(&sql).bind(k);
                let q = match &scope_arg { Some(a) => q.bind(a.clone()), None => q };
                q.fetch_optional(p).await?
            });
            let value = value.ok_or_else(|| {
                StoreError::rejected("bad_cursor", "翻页位置无效（可能已过期）：请回到第一页重新查找".to_string())
            })?;
            args.push(Arg::I(k));
            let id_mark = format!("${}", args.len());
            // The column's value (none for registration order: a bound value must be used).
            if col.is_some() {
                args.push(Arg::T(value));
            }
            let v = format!("${}", args.len());
            cond.push_str(&format!(" AND {}", paging::past(col, "pe.id", read_asc, &v, &id_mark)));
        }
        let sql = format!(
            "SELECT pe.id, pe.name, pe.id_masked, pe.sex, pe.birth_date, pe.phone_masked, pe.street_code, pe.committee_code
             FROM people pe WHERE {cond} ORDER BY {} LIMIT {}",
            paging::order(query.sort.column(), "pe.id", read_asc),
            limit + 1
        );
        let mut rows: Vec<ListRow> = on_db!(&self.db, p => {
            bind_args!(sqlx::query_as(&sql), &args).fetch_all(p).await?
        });
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let (rows, prev, next) = query.seek.arrange(rows, more, |r| r.0);
        let mut items: Vec<PersonListItem> = rows.into_iter().map(list_item).collect();
        self.fill_categories(&mut items).await?;
        Ok(PeoplePage { items, next, prev })
    }

    /// A page of the register for an export: [`Store::search_people`]'s people in registration order
    /// after `query.after`, up to [`EXPORT_PAGE`] of them read as one packed value with their current
    /// categories (a second packed read over the page's range of ids), and the next page's key.
    pub async fn export_people(
        &self,
        scope: &Scope,
        query: &PeopleQuery,
    ) -> Result<(Vec<PersonListItem>, Option<i64>)> {
        let query = PeopleQuery { sort: PeopleSort::Id, desc: false, ..query.clone() };
        let (mut cond, mut args) = self.people_where(scope, &query)?;
        if let Seek::After(after) = query.seek {
            args.push(Arg::I(after));
            cond.push_str(&format!(" AND pe.id > ${}", args.len()));
        }
        let sql = crate::dialect::packed_select_db(
            &self.db,
            "pe.id, pe.name, pe.id_masked, pe.sex, pe.birth_date, pe.phone_masked, pe.street_code, pe.committee_code",
            &format!(
                "FROM (SELECT pe.id, pe.name, pe.id_masked, pe.sex, pe.birth_date, pe.phone_masked, pe.street_code,
                 pe.committee_code FROM people pe WHERE {cond} ORDER BY pe.id LIMIT {}) pe",
                EXPORT_PAGE + 1
            ),
        );
        let packed: Option<String> = on_db!(&self.db, p => {
            bind_args!(sqlx::query_scalar(&sql), &args).fetch_one(p).await?
        });
        let mut rows: Vec<ListRow> = crate::dialect::unpack(packed, "名单")?;
        rows.sort_unstable_by_key(|r| r.0);
        let more = rows.len() as i64 > EXPORT_PAGE;
        rows.truncate(EXPORT_PAGE as usize);
        let next = if more { rows.last().map(|r| r.0) } else { None };
        let mut items: Vec<PersonListItem> = rows.into_iter().map(list_item).collect();
        if let (Some(first), Some(last)) = (items.first().map(|i| i.id), items.last().map(|i| i.id)) {
            // A page of the whole register holds most ids of its range: read the range. A page of
            // one street spans the ids of every street: read the page's people again instead.
            let dense = last - first < 2 * items.len() as i64;
            let rest = if dense {
                "FROM person_categories pc WHERE pc.end_date IS NULL AND pc.person_id BETWEEN $1 AND $2".to_string()
            } else {
                format!(
                    "FROM person_categories pc WHERE pc.end_date IS NULL AND pc.person_id IN
                     (SELECT pe.id FROM people pe WHERE {cond} ORDER BY pe.id LIMIT {EXPORT_PAGE})"
                )
            };
            let sql = crate::dialect::packed_select_db(&self.db, "pc.person_id, pc.category_code", &rest);
            let range = [Arg::I(first), Arg::I(last)];
            let binds: &[Arg] = if dense { &range } else { &args };
            let packed: Option<String> = on_db!(&self.db, p => {
                bind_args!(sqlx::query_scalar(&sql), binds).fetch_one(p).await?
            });
            let mut pairs: Vec<(i64, String)> = crate::dialect::unpack(packed, "类别")?;
            pairs.sort_unstable();
            let mut at = 0;
            for (id, code) in pairs {
                // Both in id order: walk the page once.
                while at < items.len() && items[at].id < id {
                    at += 1;
                }
                if let Some(it) = items.get_mut(at).filter(|it| it.id == id) {
                    it.categories.push(code);
                }
            }
        }
        Ok((items, next))
    }

    /// Name and masked ID number of the people among `ids` the scope may see (a page of a list
    /// read from elsewhere, such as the figures behind a report).
    pub async fn people_brief(
        &self,
        scope: &Scope,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, (String, String)>> {
        let (cond, arg) = crate::scope::people(scope, 1);
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let sql = format!("SELECT pe.id, pe.name, pe.id_masked FROM people pe WHERE pe.id IN ({list}) AND {cond}");
            let rows: Vec<(i64, String, String)> = on_db!(&self.db, p => {
                let q = sqlx::query_as(&sql);
                let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
                q.fetch_all(p).await?
            });
            out.extend(rows.into_iter().map(|(id, name, masked)| (id, (name, masked))));
        }
        Ok(out)
    }

    /// How many people of the scope match the query (its filters and search, not its paging).
    pub async fn count_people_matching(&self, scope: &Scope, query: &PeopleQuery) -> Result<i64> {
        let (cond, args) = self.people_where(scope, query)?;
        let sql = format!("SELECT COUNT(*) FROM people pe WHERE {cond}");
        Ok(on_db!(&self.db, p => {
            bind_args!(sqlx::query_scalar(&sql), &args).fetch_one(p).await?
        }))
    }

    /// The current categories of the listed people (one query for the page).
    async fn fill_categories(&self, items: &mut [PersonListItem]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let marks: Vec<String> = (1..=items.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT person_id, category_code FROM person_categories WHERE end_date IS NULL AND person_id IN ({})
             ORDER BY person_id, category_code",
            marks.join(", ")
        );
        let rows: Vec<(i64, String)> = on_db!(&self.db, p => {
            let mut q = sqlx::query_as(&sql);
            for it in items.iter() {
                q = q.bind(it.id);
            }
            q.fetch_all(p).await?
        });
        for (id, code) in rows {
            if let Some(it) = items.iter_mut().find(|i| i.id == id) {
                it.categories.push(code);
            }
        }
        Ok(())
    }

    /// The other registered members of a person's household, within the scope.
    pub async fn household_members(&self, scope: &Scope, household_id: i64) -> Result<Vec<PersonListItem>> {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!(
            "SELECT pe.id, pe.name, pe.id_masked, pe.sex, pe.birth_date, pe.phone_masked, pe.street_code, pe.committee_code
             FROM people pe WHERE pe.household_id = $1 AND {cond} ORDER BY pe.is_household_head DESC, pe.id LIMIT 50"
        );
        let rows: Vec<ListRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(household_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        Ok(rows.into_iter().map(list_item).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ages_become_birth_date_bounds() {
        assert_eq!(born_by(date!(2026 - 12 - 01), 70), date!(1956 - 12 - 01));
        assert_eq!(born_by(date!(2024 - 02 - 29), 1), date!(2023 - 02 - 28));
        assert_eq!(contains_pattern("a%_\\b"), "%a\\%\\_\\\\b%");
    }
}
