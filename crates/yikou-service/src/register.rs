//! 帮困对象库 (the register) as use cases: searching it. A search by a full ID number or phone is
//! an exact lookup through a keyed hash — enough to confirm a guess of the hidden digits of a
//! masked number one try at a time. So it is open only to roles that may see full numbers anyway
//! (through the audited 查看完整), and every such search is audited (the query masked).

use yikou_domain::{Actor, IdNumber, Phone};
use yikou_store::register::{PeopleQuery, PersonListItem, Revealed};
use yikou_store::Store;

use crate::{Result, ServiceError};

/// Is this query a full ID number or phone (an exact lookup)?
pub fn is_exact(q: &str) -> bool {
    let q = q.trim();
    IdNumber::parse(q).is_ok() || Phone::parse(q).is_ok()
}

/// A page of the register the actor may see, and the next page's key.
pub async fn search(store: &Store, actor: &Actor, query: &PeopleQuery) -> Result<(Vec<PersonListItem>, Option<i64>)> {
    if let Some(q) = query.q.as_deref().filter(|q| is_exact(q)) {
        if actor.role.is_some_and(|r| !r.may_reveal()) {
            return Err(ServiceError::Rejected(
                "您的角色不能按完整身份证号或电话查找帮困对象：请按姓名查找，或请有权限的同事查找".into(),
            ));
        }
        // Once per search (not per page of it); the store masks the number in the record.
        if query.after.is_none() {
            let mut tx = store.write(actor).await?;
            tx.audit("person.search", "person", "*", None, Some(&serde_json::json!({ "q": q }))).await?;
            tx.commit().await?;
        }
    }
    Ok(store.search_people(&actor.scope, query).await?)
}

/// 查看完整身份证号: the full ID number and phone of one person of the actor's area, for roles that
/// may see them; the store audits the reveal in the same transaction. `NotFound` outside the area.
pub async fn reveal(store: &Store, actor: &Actor, id: i64) -> Result<Revealed> {
    if !actor.role.is_some_and(|r| r.may_reveal()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.reveal(actor, id).await?)
}
