//! 帮困对象 (people) and 户 (households). The ID number is stored encrypted with a keyed hash as its
//! key; reads return the masked form, and the full number only through `reveal`, which is
//! audited.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use time::Date;
use yikou_domain::{format_date, Actor, Day, IdNumber, Phone, Scope, Sex};

mod list;
mod timeline;

pub use crate::paging::Seek;
use list::age_of;
pub use list::{PeoplePage, PeopleQuery, PeopleSort, PersonListItem, EXPORT_PAGE};
pub use timeline::TimelineItem;

use crate::contacts::{open_text, seal_phone, seal_text, write_contact, SealedPhone};
use crate::db::{Tx, BULK_ROWS};
use crate::distribution::person_key;
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// Is the person within the scope (inside a write: a write may only touch its own area's people)?
pub(crate) async fn person_visible(tx: &mut WriteTx<'_>, scope: &Scope, person_id: i64) -> Result<bool> {
    let (cond, arg) = crate::scope::people(scope, 2);
    let sql = format!("SELECT COUNT(*) FROM people pe WHERE pe.id = $1 AND {cond}");
    let visible: i64 = on_tx!(&mut tx.tx, c => {
        let q = sqlx::query_scalar(&sql).bind(person_id);
        let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
        q.fetch_one(c).await?
    });
    Ok(visible > 0)
}

/// A category membership with its dates (end None: still current).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CategorySpan {
    pub code: String,
    pub start: Day,
    pub end: Option<Day>,
}

/// A person to register.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// The sender's own id (exchange loads), given back on export.
    pub external_id: Option<String>,
    pub id_number: IdNumber,
    pub name: String,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
    pub household_id: Option<i64>,
    pub is_household_head: bool,
    pub categories: Vec<(String, Date, Option<Date>)>,
}

/// A person as read back (masked by default).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub id_number_masked: String,
    pub name: String,
    pub sex: Sex,
    /// 年龄 (whole years today). The birth date itself is never shown beside a masked ID number:
    /// the masked digits are the birth date, so the two together rebuild the number.
    pub age: Option<i32>,
    pub phone_masked: Option<String>,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
    pub household_id: Option<i64>,
    /// 户号 (the household's code).
    pub household_code: Option<String>,
    pub is_household_head: bool,
    pub deceased_on: Option<Day>,
    pub moved_away_on: Option<Day>,
    pub categories: Vec<CategorySpan>,
}

fn validate_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(StoreError::rejected("name_empty", "姓名不能为空"));
    }
    if n.chars().count() > 50 {
        return Err(StoreError::rejected("name_too_long", "姓名过长（超过50个字）"));
    }
    Ok(n.to_string())
}

pub(crate) fn mask_phone(stored: &str) -> String {
    Phone::parse(stored).map(|p| p.masked()).unwrap_or_else(|_| "****".into())
}

/// Creates a household with a code unique in the register.
pub async fn create_household(
    tx: &mut WriteTx<'_>,
    code: &str,
    street_code: Option<&str>,
    committee_code: Option<&str>,
) -> Result<i64> {
    crate::atomic!(tx, {
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "INSERT INTO households (code, street_code, committee_code, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(code).bind(street_code).bind(committee_code).bind(now())
        .fetch_one(c).await?);
        let after = json!({ "code": code, "street": street_code, "committee": committee_code });
        tx.audit("household.create", "household", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// Bulk households for generated or loaded data: one audit record for the batch.
pub async fn insert_households(
    tx: &mut WriteTx<'_>,
    rows: &[(String, Option<String>, Option<String>)],
) -> Result<Vec<i64>> {
    crate::atomic!(tx, {
        let at = now();
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(BULK_ROWS) {
            let got = crate::dialect::insert_households(&mut tx.tx, chunk, &at).await?;
            let by_code: std::collections::HashMap<String, i64> = got.into_iter().map(|(i, c)| (c, i)).collect();
            ids.extend(chunk.iter().map(|(code, _, _)| by_code[code]));
        }
        tx.audit("household.bulk_create", "household", "*", None, Some(&json!({ "count": rows.len() }))).await?;
        Ok(ids)
    })
}

/// Registers people in bulk and returns their ids in input order. An ID number already in the
/// register is refused (callers decide beforehand whether a row is new or an update).
pub async fn insert_people(tx: &mut WriteTx<'_>, people: &[NewPerson], batch_label: &str) -> Result<Vec<i64>> {
    crate::atomic!(tx, {
        let ids = insert_people_rows(tx, people).await?;
        let categories: usize = people.iter().map(|p| p.categories.len()).sum();
        let after = json!({ "count": people.len(), "categories": categories, "batch": batch_label });
        tx.audit("person.bulk_create", "person", "*", None, Some(&after)).await?;
        Ok(ids)
    })
}

/// A person ready to insert: keyed, encrypted and masked.
pub(crate) struct PersonRow<'a> {
    pub(crate) key: &'a [u8],
    pub(crate) cipher: Vec<u8>,
    pub(crate) masked: String,
    pub(crate) name: &'a str,
    pub(crate) phone: SealedPhone,
    pub(crate) address: Option<Vec<u8>>,
    pub(crate) p: &'a NewPerson,
}

/// The people of a bulk insert, checked and in the order of their keyed hashes (the unique index on
/// the random keys then fills page after page), each encrypted only when its row is asked for: on
/// SQLite the next rows are prepared on another core while the current ones are written.
pub(crate) struct PeopleToInsert<'a> {
    keys: &'a crate::crypto::Keys,
    people: &'a [NewPerson],
    names: Vec<String>,
    /// `(keyed hash, index in people)`, sorted.
    order: Vec<(Vec<u8>, usize)>,
}

impl<'a> PeopleToInsert<'a> {
    /// Keys every person and checks names; an ID number twice in the list is refused.
    fn new(keys: &'a crate::crypto::Keys, people: &'a [NewPerson]) -> Result<Self> {
        let mut names = Vec::with_capacity(people.len());
        let mut order = Vec::with_capacity(people.len());
        for (i, p) in people.iter().enumerate() {
            names.push(validate_name(&p.name)?);
            order.push((keys.id_key(p.id_number.as_str()), i));
        }
        order.sort_unstable();
        if let Some(w) = order.windows(2).find(|w| w[0].0 == w[1].0) {
            let repeated = people[w[0].1.min(w[1].1)].id_number.masked();
            return Err(StoreError::rejected("id_repeated", format!("同一批中身份证号 {repeated} 重复")));
        }
        Ok(PeopleToInsert { keys, people, names, order })
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `j`-th person in key order, encrypted.
    pub(crate) fn row(&self, j: usize) -> PersonRow<'_> {
        let (key, i) = &self.order[j];
        let p = &self.people[*i];
        PersonRow {
            key,
            cipher: self.keys.encrypt(p.id_number.as_str()),
            masked: p.id_number.masked(),
            name: &self.names[*i],
            phone: seal_phone(self.keys, p.phone.as_ref().map(|x| x.canonical()).as_deref()),
            address: seal_text(self.keys, p.address.as_deref()),
            p,
        }
    }
}

async fn insert_people_rows(tx: &mut WriteTx<'_>, people: &[NewPerson]) -> Result<Vec<i64>> {
    let batch = tx.batch;
    let keys = tx.keys_for_batch();
    let rows = PeopleToInsert::new(keys, people)?;
    let at = now();
    let in_order = crate::dialect::insert_people(&mut tx.tx, &rows, &at, batch).await?;
    let mut ids = vec![0i64; people.len()];
    let mut person_keys = vec![0i64; people.len()];
    for ((key, i), id) in rows.order.iter().zip(in_order) {
        ids[*i] = id;
        person_keys[*i] = person_key(key);
    }
    let mut cats: Vec<(i64, i64, String, String, Option<String>)> = Vec::new();
    for ((id, key), p) in ids.iter().zip(&person_keys).zip(people) {
        for (code, start, end) in &p.categories {
            cats.push((*id, *key, code.clone(), format_date(*start), end.map(format_date)));
        }
    }
    insert_categories(tx, &cats).await?;
    Ok(ids)
}

/// The distribution keys of registered people, by id.
pub(crate) async fn person_keys(
    tx: &mut Tx,
    ids: &[i64],
) -> std::result::Result<std::collections::HashMap<i64, i64>, sqlx::Error> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for part in ids.chunks(BULK_ROWS) {
        let list = part.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT id, person_key FROM people WHERE id IN ({list})");
        let rows: Vec<(i64, i64)> = on_tx!(tx, c => sqlx::query_as(&sql).fetch_all(c).await?);
        out.extend(rows);
    }
    Ok(out)
}

async fn insert_categories(tx: &mut WriteTx<'_>, cats: &[(i64, i64, String, String, Option<String>)]) -> Result<()> {
    let batch = tx.batch;
    for chunk in cats.chunks(BULK_ROWS) {
        crate::dialect::insert_categories(&mut tx.tx, chunk, batch).await?;
    }
    Ok(())
}

/// Registers one person (with an audit record of its own).
pub async fn create_person(tx: &mut WriteTx<'_>, p: &NewPerson) -> Result<i64> {
    crate::atomic!(tx, {
        let key = tx.keys().id_key(p.id_number.as_str());
        let exists: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT id FROM people WHERE id_key = $1")
        .bind(&key).fetch_optional(c).await?);
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "身份证号 {} 已在帮困对象库中，不能重复登记",
                p.id_number.masked()
            )));
        }
        let ids = insert_people_rows(tx, std::slice::from_ref(p)).await?;
        let id = ids[0];
        let after = json!({
            "id_number": p.id_number.masked(), "name": p.name.trim(), "street": p.street_code, "committee": p.committee_code,
            "household": p.household_id, "categories": p.categories.iter().map(|c| &c.0).collect::<Vec<_>>(),
        });
        tx.audit("person.create", "person", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// What a register edit may change. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PersonUpdate {
    pub name: Option<String>,
    pub phone: Option<Option<Phone>>,
    pub address: Option<Option<String>>,
    pub street_code: Option<String>,
    pub committee_code: Option<Option<String>>,
    pub household_id: Option<Option<i64>>,
    pub deceased_on: Option<Option<Date>>,
    pub moved_away_on: Option<Option<Date>>,
}

/// Applies an edit and records which fields changed, before and after (phones masked).
/// Returns the names of the fields that actually changed.
pub async fn update_person(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    id: i64,
    u: &PersonUpdate,
) -> Result<Vec<&'static str>> {
    crate::atomic!(tx, {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!(
            "SELECT name, phone_cipher, address_cipher, street_code, committee_code, household_id, deceased_on, moved_away_on
         FROM people pe WHERE pe.id = $1 AND {cond}"
        );
        type Stored = (
            String,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let stored: Option<Stored> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        let Some(s) = stored else {
            return Err(StoreError::NotFound("该帮困对象".into()));
        };
        let cur = (
            s.0,
            open_text(tx.keys(), s.1.as_deref())?,
            open_text(tx.keys(), s.2.as_deref())?,
            s.3,
            s.4,
            s.5,
            s.6,
            s.7,
        );
        let mut next = cur.clone();
        if let Some(n) = &u.name {
            next.0 = validate_name(n)?;
        }
        if let Some(p) = &u.phone {
            next.1 = p.as_ref().map(|p| p.canonical());
        }
        if let Some(a) = &u.address {
            next.2 = a.clone();
        }
        if let Some(s) = &u.street_code {
            next.3 = Some(s.clone());
        }
        if let Some(c) = &u.committee_code {
            next.4 = c.clone();
        }
        if let Some(h) = &u.household_id {
            next.5 = *h;
        }
        if let Some(d) = &u.deceased_on {
            next.6 = d.map(format_date);
        }
        if let Some(d) = &u.moved_away_on {
            next.7 = d.map(format_date);
        }
        let mut changed = Vec::new();
        let mut before = serde_json::Map::new();
        let mut after = serde_json::Map::new();
        macro_rules! diff {
            ($f:tt, $name:literal, $show:expr) => {
                if cur.$f != next.$f {
                    changed.push($name);
                    before.insert($name.into(), $show(&cur.$f));
                    after.insert($name.into(), $show(&next.$f));
                }
            };
        }
        let plain = |v: &Option<String>| json!(v);
        diff!(0, "name", |v: &String| json!(v));
        diff!(1, "phone", |v: &Option<String>| json!(v.as_deref().map(mask_phone)));
        diff!(2, "address", |v: &Option<String>| json!(v.as_ref().map(|_| "（已变更）")));
        diff!(3, "street_code", |v: &Option<String>| plain(v));
        diff!(4, "committee_code", |v: &Option<String>| plain(v));
        diff!(5, "household_id", |v: &Option<i64>| json!(v));
        diff!(6, "deceased_on", |v: &Option<String>| plain(v));
        diff!(7, "moved_away_on", |v: &Option<String>| plain(v));
        if changed.is_empty() {
            return Ok(changed);
        }
        on_tx!(&mut tx.tx, c => sqlx::query(
        "UPDATE people SET name = $1, street_code = $2, committee_code = $3, household_id = $4,
         deceased_on = $5, moved_away_on = $6, updated_at = $7 WHERE id = $8")
        .bind(&next.0).bind(&next.3).bind(&next.4).bind(next.5).bind(&next.6).bind(&next.7)
        .bind(now()).bind(id)
        .execute(c).await?.rows_affected());
        if cur.1 != next.1 || cur.2 != next.2 {
            write_contact(tx, id, next.1.as_deref(), next.2.as_deref()).await?;
        }
        tx.audit("person.update", "person", &id.to_string(), Some(&before.into()), Some(&after.into())).await?;
        Ok(changed)
    })
}

/// Adds a category membership.
pub async fn add_category(
    tx: &mut WriteTx<'_>,
    person_id: i64,
    code: &str,
    start: Date,
    end: Option<Date>,
) -> Result<()> {
    crate::atomic!(tx, {
        let Some(key) = person_keys(&mut tx.tx, &[person_id]).await?.remove(&person_id) else {
            return Err(StoreError::NotFound("帮困对象不存在".into()));
        };
        insert_categories(tx, &[(person_id, key, code.to_string(), format_date(start), end.map(format_date))]).await?;
        let after = json!({ "category": code, "start": format_date(start), "end": end.map(format_date) });
        tx.audit("person.category_add", "person", &person_id.to_string(), None, Some(&after)).await
    })
}

/// A stored date (written as `YYYY-MM-DD` by this crate).
fn stored_day(text: &str) -> Result<Day, sqlx::Error> {
    Day::parse(text).ok_or_else(|| sqlx::Error::Decode(format!("日期“{text}”无法识别").into()))
}

fn stored_days(text: Option<String>) -> Result<Option<Day>, sqlx::Error> {
    text.as_deref().map(stored_day).transpose()
}

const PERSON_COLUMNS: &str =
    "pe.id, pe.id_masked, pe.name, pe.sex, pe.birth_date, pe.phone_masked, pe.street_code, pe.committee_code,
     pe.household_id, h.code AS household_code, pe.is_household_head, pe.deceased_on, pe.moved_away_on";

impl Store {
    /// One person, if the scope may see them (None otherwise: the caller answers 404).
    pub async fn person(&self, scope: &Scope, id: i64) -> Result<Option<Person>> {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people pe LEFT JOIN households h ON h.id = pe.household_id WHERE pe.id = $1 AND {cond}");
        let person = on_db!(&self.db, p => {
            let q = sqlx::query(&sql).bind(id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            match q.fetch_optional(p).await? {
                None => None,
                Some(r) => Some(Person {
                    id: r.try_get("id")?,
                    id_number_masked: r.try_get("id_masked")?,
                    name: r.try_get("name")?,
                    sex: Sex::parse(r.try_get::<&str, _>("sex")?).unwrap_or(Sex::Male),
                    age: age_of(&r.try_get::<String, _>("birth_date")?),
                    phone_masked: r.try_get("phone_masked")?,
                    street_code: r.try_get("street_code")?,
                    committee_code: r.try_get("committee_code")?,
                    household_id: r.try_get("household_id")?,
                    household_code: r.try_get("household_code")?,
                    is_household_head: r.try_get::<i64, _>("is_household_head")? != 0,
                    deceased_on: stored_days(r.try_get("deceased_on")?)?,
                    moved_away_on: stored_days(r.try_get("moved_away_on")?)?,
                    categories: Vec::new(),
                }),
            }
        });
        let Some(mut person) = person else {
            return Ok(None);
        };
        person.categories = on_db!(&self.db, p => {
            let rows = sqlx::query(
                "SELECT category_code, start_date, end_date FROM person_categories WHERE person_id = $1 ORDER BY start_date, category_code")
                .bind(id).fetch_all(p).await?;
            rows.iter().map(|r| Ok::<_, sqlx::Error>(CategorySpan {
                code: r.try_get("category_code")?,
                start: stored_day(r.try_get("start_date")?)?,
                end: stored_days(r.try_get("end_date")?)?,
            })).collect::<Result<Vec<_>, _>>()?
        });
        Ok(Some(person))
    }

    /// The address of a person of the scope (decrypted: the page that shows it is the person's
    /// own, within the area). `NotFound` outside the scope.
    pub async fn person_address(&self, scope: &Scope, id: i64) -> Result<Option<String>> {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!("SELECT pe.address_cipher FROM people pe WHERE pe.id = $1 AND {cond}");
        let row: Option<Option<Vec<u8>>> = on_db!(&self.db, p => {
            let q = sqlx::query_scalar(&sql).bind(id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(p).await?
        });
        let blob = row.ok_or_else(|| StoreError::NotFound("该帮困对象".into()))?;
        open_text(&self.keys, blob.as_deref())
    }

    /// Looks a person up by ID number (exact, through the keyed hash), within the scope.
    pub async fn find_person_by_id_number(&self, scope: &Scope, id_number: &IdNumber) -> Result<Option<i64>> {
        let key = self.keys.id_key(id_number.as_str());
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!("SELECT pe.id FROM people pe WHERE pe.id_key = $1 AND {cond}");
        Ok(on_db!(&self.db, p => {
            let q = sqlx::query_scalar(&sql).bind(key);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(p).await?
        }))
    }

    /// 查看完整: the full ID number and phone of a person in the actor's scope (NotFound outside
    /// it), audited.
    pub async fn reveal(&self, actor: &Actor, id: i64) -> Result<Revealed> {
        let (cond, arg) = crate::scope::people(&actor.scope, 2);
        let sql = format!("SELECT pe.id_cipher, pe.phone_cipher FROM people pe WHERE pe.id = $1 AND {cond}");
        let mut tx = self.write(actor).await?;
        let row: Option<(Vec<u8>, Option<Vec<u8>>)> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        let (blob, phone) = row.ok_or_else(|| StoreError::NotFound("该帮困对象".into()))?;
        let plain = self.keys.decrypt(&blob)?;
        let id_number = IdNumber::parse(&plain).map_err(|_| StoreError::Decrypt)?;
        let phone = open_text(&self.keys, phone.as_deref())?;
        let after = serde_json::json!({ "phone": phone.is_some() });
        tx.audit("person.reveal_id", "person", &id.to_string(), None, Some(&after)).await?;
        tx.commit().await?;
        Ok(Revealed { id_number, phone })
    }

    /// Number of people the scope may see.
    pub async fn count_people(&self, scope: &Scope) -> Result<i64> {
        let (cond, arg) = crate::scope::people(scope, 1);
        let sql = format!("SELECT COUNT(*) FROM people pe WHERE {cond}");
        Ok(on_db!(&self.db, p => {
            let q = sqlx::query_scalar(&sql);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_one(p).await?
        }))
    }
}

/// What 查看完整 shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revealed {
    pub id_number: IdNumber,
    pub phone: Option<String>,
}
