//! 帮困对象库 (the register) as use cases: searching and counting it, revealing a full number,
//! correcting a person's contact details.
//!
//! Searching: what the box means is decided by `yikou_domain::search::Needle`. A search that
//! matches only what the masked forms show (a name fragment, the last four of an ID number or
//! mobile) is open to every business role. One that matches hidden digits — a full ID number or
//! phone (an exact lookup through a keyed hash), the last five or six of an ID number, a birth date
//! with the last four — confirms or refutes a guess one try at a time; so it is open only to roles
//! that may see full numbers anyway (through the audited 查看完整), and every such search is
//! audited (the query masked). A mistyped ID number is refused with the reason, not searched as a
//! name.

use serde_json::json;
use yikou_domain::search::Needle;
use yikou_domain::{Actor, Phone};
use yikou_store::register::{PeoplePage, PeopleQuery, PersonListItem, PersonUpdate, Revealed, Seek, TimelineItem};
use yikou_store::Store;

use crate::{Result, ServiceError};

/// Is this query a full ID number or phone (an exact lookup)?
pub fn is_exact(q: &str) -> bool {
    matches!(Needle::parse(q), Some(Ok(Needle::IdNumber(_) | Needle::Phone(_))))
}

/// Refuses a text that is not a search, and a search of hidden digits by a role that may not see
/// them. Returns the search to put on record (masked), if it is one.
fn allowed(actor: &Actor, query: &PeopleQuery) -> Result<Option<String>> {
    match query.q.as_deref().and_then(Needle::parse) {
        None => Ok(None),
        Some(Err(e)) => Err(ServiceError::Rejected(e.to_string())),
        Some(Ok(n)) if !n.probes_hidden_digits() => Ok(None),
        Some(Ok(_)) if actor.role.is_some_and(|r| !r.may_reveal()) => Err(ServiceError::Rejected(
            "您的角色只能按姓名或身份证号、手机号后4位查找帮困对象：完整号码、出生日期和更多位数请有权限的同事查找"
                .into(),
        )),
        Some(Ok(n)) => Ok(Some(n.masked())),
    }
}

/// A page of the register the actor may see, and the keys of the pages before and after.
///
/// A match on hidden digits tells the searcher those digits (a birth date tried with the last four
/// the mask shows, one guess after another, rebuilds the whole number): so every person such a
/// search finds is on record as revealed (`person.reveal_id`, `via: search`), like 查看完整 — the
/// auditor sees whose number was found, not only that someone searched.
pub async fn search(store: &Store, actor: &Actor, query: &PeopleQuery) -> Result<PeoplePage> {
    let probe = allowed(actor, query)?;
    let found = store.search_people(&actor.scope, query).await?;
    put_on_record(store, actor, query, probe, &found.items).await?;
    Ok(found)
}

/// A page of an export of the register ([`Store::export_people`]: registration order, thousands
/// of people a page): refused and put on record as [`search`] is.
pub async fn export_page(
    store: &Store,
    actor: &Actor,
    query: &PeopleQuery,
) -> Result<(Vec<PersonListItem>, Option<i64>)> {
    let probe = allowed(actor, query)?;
    let found = store.export_people(&actor.scope, query).await?;
    put_on_record(store, actor, query, probe, &found.0).await?;
    Ok(found)
}

/// A search of hidden digits on record: the search once (not per page of it; the store masks the
/// number in the record), and every person it found as revealed.
async fn put_on_record(
    store: &Store,
    actor: &Actor,
    query: &PeopleQuery,
    probe: Option<String>,
    found: &[PersonListItem],
) -> Result<()> {
    let Some(q) = probe else { return Ok(()) };
    let mut tx = store.write(actor).await?;
    // Once per search: on its first (or last) page, not on each page turned.
    if matches!(query.seek, Seek::First | Seek::Last) {
        tx.audit("person.search", "person", "*", None, Some(&json!({ "q": q, "found": found.len() }))).await?;
    }
    for p in found {
        let what = json!({ "via": "search", "q": q });
        tx.audit("person.reveal_id", "person", &p.id.to_string(), None, Some(&what)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How many people of the actor's area match (共 N 人); refused like [`search`], not audited (the
/// search it counts is).
pub async fn count(store: &Store, actor: &Actor, query: &PeopleQuery) -> Result<i64> {
    allowed(actor, query)?;
    Ok(store.count_people_matching(&actor.scope, query).await?)
}

/// 查看完整身份证号: the full ID number and phone of one person of the actor's area, for roles that
/// may see them; the store audits the reveal in the same transaction. `NotFound` outside the area.
pub async fn reveal(store: &Store, actor: &Actor, id: i64) -> Result<Revealed> {
    if !actor.role.is_some_and(|r| r.may_reveal()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.reveal(actor, id).await?)
}

/// A correction of a person's contact details, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChange {
    /// None: the phone stays as it is (the form never shows it whole); Some(None): removed.
    pub phone: Option<Option<Phone>>,
    pub address: Option<String>,
}

/// The longest address kept (a full Shanghai address is well under it).
pub const ADDRESS_MAX_CHARS: usize = 200;

/// Reads the contact form: a blank phone keeps the phone, `remove_phone` removes it; each problem
/// named with its field (`phone`, `address`) so the form can show it beside the field.
pub fn contact_change(
    phone: &str,
    remove_phone: bool,
    address: &str,
) -> std::result::Result<ContactChange, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let phone = match (phone.trim(), remove_phone) {
        (_, true) => Some(None),
        ("", false) => None,
        (p, false) => match Phone::parse(p) {
            Ok(p) => Some(Some(p)),
            Err(e) => {
                errors.push(("phone", e.to_string()));
                None
            }
        },
    };
    let address = address.trim();
    if address.chars().count() > ADDRESS_MAX_CHARS {
        errors.push(("address", format!("地址过长：最多{ADDRESS_MAX_CHARS}个字")));
    }
    if address.chars().any(char::is_control) {
        errors.push(("address", "地址中含有不可见的控制字符，请重新输入".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ContactChange { phone, address: (!address.is_empty()).then(|| address.to_string()) })
}

/// Corrects the phone and address of a person of the actor's area (`NotFound` outside it, the
/// area being part of the store's write), audited with before and after (phones masked, the
/// address only said to have changed). Returns the fields that changed.
pub async fn edit_contacts(store: &Store, actor: &Actor, id: i64, change: &ContactChange) -> Result<Vec<&'static str>> {
    if !actor.role.is_some_and(|r| r.may_edit_contacts()) {
        return Err(ServiceError::Forbidden);
    }
    let update =
        PersonUpdate { phone: change.phone.clone(), address: Some(change.address.clone()), ..Default::default() };
    let mut tx = store.write(actor).await?;
    let changed = yikou_store::register::update_person(&mut tx, &actor.scope, id, &update).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Everything a person of the actor's area received, as one timeline (oldest first). `NotFound`
/// outside the area; business roles only.
pub async fn timeline(store: &Store, actor: &Actor, person_id: i64) -> Result<Vec<TimelineItem>> {
    if actor.role.is_some_and(|r| !r.is_business()) {
        return Err(ServiceError::Forbidden);
    }
    store.timeline(&actor.scope, person_id).await?.ok_or(ServiceError::NotFound)
}
