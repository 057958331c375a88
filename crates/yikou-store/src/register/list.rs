//! The register list: a page of the people a scope may see, filtered, and a household's members
//! (masked; age, never the birth date).

use serde::Serialize;
use yikou_domain::{IdNumber, Phone, Scope, Sex};

use crate::contacts::phone_key;
use crate::{on_db, Result, Store};

/// One row of the register list (masked).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonListItem {
    pub id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub sex: Sex,
    /// 年龄, not the birth date (see [`Person::age`]).
    pub age: Option<i32>,
    pub phone_masked: Option<String>,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
}

/// Whole years from a stored birth date to today.
pub(super) fn age_of(birth_date: &str) -> Option<i32> {
    yikou_domain::parse_date(birth_date).map(|b| yikou_domain::age_between(b, yikou_domain::today()))
}

/// What the register list is filtered by. `q` is an ID number (exact), a phone number (exact) or
/// the start of a name.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub street: Option<String>,
    pub committee: Option<String>,
    pub category: Option<String>,
    /// Key pagination: people with a larger id than this.
    pub after: Option<i64>,
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
    }
}

impl Store {
    /// A page of the register the scope may see, ordered by id; the next page's key if there is one.
    pub async fn search_people(
        &self,
        scope: &Scope,
        query: &PeopleQuery,
    ) -> Result<(Vec<PersonListItem>, Option<i64>)> {
        let (cond, scope_arg) = crate::scope::people(scope, 1);
        let mut sql = format!(
            "SELECT pe.id, pe.name, pe.id_masked, pe.sex, pe.birth_date, pe.phone_masked, pe.street_code, pe.committee_code
             FROM people pe WHERE {cond}"
        );
        enum Arg {
            T(String),
            B(Vec<u8>),
            I(i64),
        }
        let mut args: Vec<Arg> = Vec::new();
        if let Some(a) = scope_arg {
            args.push(Arg::T(a));
        }
        let next = |sql: &mut String, clause: &str, arg: Arg, args: &mut Vec<Arg>| {
            args.push(arg);
            sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
        };
        if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            if let Ok(id) = IdNumber::parse(q) {
                next(&mut sql, " AND pe.id_key = $?", Arg::B(self.keys.id_key(id.as_str())), &mut args);
            } else if let Ok(phone) = Phone::parse(q) {
                next(&mut sql, " AND pe.phone_key = $?", Arg::B(phone_key(&self.keys, &phone.canonical())), &mut args);
            } else {
                next(&mut sql, " AND pe.name >= $?", Arg::T(q.to_string()), &mut args);
                next(&mut sql, " AND pe.name < $?", Arg::T(format!("{q}\u{10FFFF}")), &mut args);
            }
        }
        if let Some(s) = &query.street {
            next(&mut sql, " AND pe.street_code = $?", Arg::T(s.clone()), &mut args);
        }
        if let Some(c) = &query.committee {
            next(&mut sql, " AND pe.committee_code = $?", Arg::T(c.clone()), &mut args);
        }
        if let Some(c) = &query.category {
            next(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM person_categories pc WHERE pc.person_id = pe.id AND pc.category_code = $?)",
                Arg::T(c.clone()),
                &mut args,
            );
        }
        if let Some(after) = query.after {
            next(&mut sql, " AND pe.id > $?", Arg::I(after), &mut args);
        }
        let limit = query.limit.clamp(1, 500);
        sql.push_str(&format!(" ORDER BY pe.id LIMIT {}", limit + 1));
        let mut rows: Vec<ListRow> = on_db!(&self.db, p => {
            let mut q = sqlx::query_as(&sql);
            for a in &args {
                q = match a {
                    Arg::T(t) => q.bind(t.clone()),
                    Arg::B(b) => q.bind(b.clone()),
                    Arg::I(i) => q.bind(*i),
                };
            }
            q.fetch_all(p).await?
        });
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_key = if more { rows.last().map(|r| r.0) } else { None };
        let items = rows.into_iter().map(list_item).collect();
        Ok((items, next_key))
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
