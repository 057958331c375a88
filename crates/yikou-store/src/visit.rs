//! 走访慰问 (issue 17, point 1): a visit recorded for a person of the actor's area (whatever the
//! request names, a person outside it is "not found"), with its follow-up action; the visits of an
//! area listed; an action completed by the unit that owns it (or the bureau). Who was visited feeds
//! the cross-check's `not_visited` (`check::load`).

use serde::Serialize;
use serde_json::json;
use yikou_domain::visit::{Visit, VisitorKind};
use yikou_domain::{format_date, today, Scope};

use crate::paging::{self, Seek};
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// Records a visit in a campaign; its id. Refused (422, in Chinese) when the visit is incomplete or
/// names an owner unit that does not exist; `NotFound` for a person outside the actor's area.
pub async fn record(tx: &mut WriteTx<'_>, scope: &Scope, campaign_id: i64, v: &Visit) -> Result<i64> {
    v.check(today()).map_err(|e| StoreError::rejected("visit_invalid", e.to_string()))?;
    crate::atomic!(tx, {
        if !crate::register::person_visible(tx, scope, v.person_id).await? {
            return Err(StoreError::NotFound("该帮困对象".into()));
        }
        if let Some(a) = &v.action {
            let known: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE code = $1")
                .bind(a.owner_unit.trim()).fetch_one(c).await?);
            if known == 0 {
                return Err(StoreError::rejected(
                    "visit_invalid",
                    format!("承办单位“{}”不存在，请从单位列表中选择", a.owner_unit.trim()),
                ));
            }
        }
        let (unit, login) = (crate::scope::own_unit(scope), tx.actor().login.clone());
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO visits (campaign_id, person_id, visited_on, visitor_kind, visitors, unit_code, money_fen, goods,
             goods_value_fen, needs, created_by, created_at, person_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                     COALESCE((SELECT p.person_key FROM people p WHERE p.id = $2), -1))
             RETURNING id")
            .bind(campaign_id).bind(v.person_id).bind(format_date(v.day)).bind(v.visitor_kind.code())
            .bind(v.visitors.trim()).bind(&unit).bind(v.money.0).bind(v.goods.trim()).bind(v.goods_value.0)
            .bind(v.needs.trim()).bind(&login).bind(now()).fetch_one(c).await?);
        if let Some(a) = &v.action {
            on_tx!(&mut tx.tx, c => sqlx::query(
                "INSERT INTO visit_actions (visit_id, what, owner_unit, due_on, person_key)
                 VALUES ($1, $2, $3, $4, COALESCE((SELECT v.person_key FROM visits v WHERE v.id = $1), -1))")
                .bind(id).bind(a.what.trim()).bind(a.owner_unit.trim()).bind(format_date(a.due))
                .execute(c).await?.rows_affected());
        }
        // Names and needs stay out of the audit record (needs can name an illness): what, when, how much.
        let after = json!({ "person": v.person_id, "campaign": campaign_id, "visited_on": format_date(v.day),
                            "visitor_kind": v.visitor_kind.code(), "money_fen": v.money.0,
                            "goods_value_fen": v.goods_value.0, "action": v.action.is_some() });
        tx.audit("visit.record", "visit", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// A visit as a unit's own list gives it (the demo; later a list imported from Excel): the visit, the
/// unit that made it.
pub struct ListedVisit {
    pub visit: Visit,
    pub unit_code: String,
}

/// Records many visits of one campaign at once (the people as given: the caller has checked they
/// are the actor's; every visit checked as one recorded by hand); one audit record with the count.
pub async fn record_many(tx: &mut WriteTx<'_>, campaign_id: i64, visits: &[ListedVisit]) -> Result<u64> {
    let today = today();
    for (i, l) in visits.iter().enumerate() {
        l.visit.check(today).map_err(|e| StoreError::rejected("visit_invalid", format!("第{}条走访：{e}", i + 1)))?;
    }
    crate::atomic!(tx, {
        let (login, at) = (tx.actor().login.clone(), now());
        for l in visits {
            let v = &l.visit;
            let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
                "INSERT INTO visits (campaign_id, person_id, visited_on, visitor_kind, visitors, unit_code, money_fen,
                 goods, goods_value_fen, needs, created_by, created_at, person_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                         COALESCE((SELECT p.person_key FROM people p WHERE p.id = $2), -1))
                 RETURNING id")
                .bind(campaign_id).bind(v.person_id).bind(format_date(v.day)).bind(v.visitor_kind.code())
                .bind(v.visitors.trim()).bind(&l.unit_code).bind(v.money.0).bind(v.goods.trim())
                .bind(v.goods_value.0).bind(v.needs.trim()).bind(&login).bind(&at).fetch_one(c).await?);
            if let Some(a) = &v.action {
                on_tx!(&mut tx.tx, c => sqlx::query(
                    "INSERT INTO visit_actions (visit_id, what, owner_unit, due_on, person_key)
                 VALUES ($1, $2, $3, $4, COALESCE((SELECT v.person_key FROM visits v WHERE v.id = $1), -1))")
                    .bind(id).bind(a.what.trim()).bind(a.owner_unit.trim()).bind(format_date(a.due))
                    .execute(c).await?.rows_affected());
            }
        }
        let after = json!({ "campaign": campaign_id, "visits": visits.len() });
        tx.audit("visit.load", "campaign", &campaign_id.to_string(), None, Some(&after)).await?;
        Ok(visits.len() as u64)
    })
}

/// Marks a follow-up action done, by the unit that owns it or the bureau; `NotFound` otherwise, and
/// `Conflict` when it was done before.
pub async fn complete_action(tx: &mut WriteTx<'_>, scope: &Scope, action_id: i64, note: &str) -> Result<()> {
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(StoreError::rejected("visit_invalid", "办结情况请控制在 500 字以内"));
    }
    crate::atomic!(tx, {
        let (cond, arg) = crate::scope::visit_actions(scope, 2);
        let sql = format!("SELECT va.done_on FROM visit_actions va WHERE va.id = $1 AND {cond}");
        let found: Option<Option<String>> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_scalar(&sql).bind(action_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        match found {
            None => return Err(StoreError::NotFound("该跟进事项".into())),
            Some(Some(day)) => return Err(StoreError::Conflict(format!("该跟进事项已于 {day} 办结"))),
            Some(None) => {}
        }
        let day = format_date(today());
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE visit_actions SET done_on = $1, done_note = $2 WHERE id = $3 AND done_on IS NULL")
            .bind(&day).bind(note).bind(action_id).execute(c).await?.rows_affected());
        tx.audit("visit.action_done", "visit_action", &action_id.to_string(), None, Some(&json!({ "done_on": day })))
            .await?;
        Ok(())
    })
}

/// A visit as listed (the API's item and the page's row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitView {
    pub id: i64,
    pub person: i64,
    pub person_name: String,
    pub street_code: Option<String>,
    pub date: String,
    pub visitor_kind: VisitorKind,
    pub visitors: String,
    pub unit_code: String,
    pub money_fen: i64,
    pub goods: String,
    pub goods_value_fen: i64,
    pub needs: String,
    pub action: Option<ActionView>,
}

/// A follow-up action as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionView {
    pub id: i64,
    pub what: String,
    pub owner_unit: String,
    pub due: String,
    pub done_on: Option<String>,
    pub done_note: Option<String>,
}

/// Which visits to list.
#[derive(Debug, Clone, Default)]
pub struct VisitQuery {
    pub campaign_id: i64,
    pub person: Option<i64>,
    /// Only visits whose follow-up action is still open.
    pub open_actions: bool,
    /// Where the page starts (keyset on the visit day and id, newest first).
    pub seek: Seek,
    pub limit: i64,
}

/// A page of visits, how many there are in all, and the keys of the pages before and after.
#[derive(Debug, Clone, Default)]
pub struct VisitPage {
    pub items: Vec<VisitView>,
    pub total: i64,
    pub prev: Option<i64>,
    pub next: Option<i64>,
}

/// A visit's columns: (id, person, name, street, visited_on, kind, visitors, unit, money, goods,
/// goods value, needs).
type VisitRow = (i64, i64, String, Option<String>, String, String, String, String, i64, String, i64, String);
/// An action's columns: (id, visit, what, owner, due, done_on, done_note).
type ActionRow = (i64, i64, String, String, String, Option<String>, Option<String>);

impl Store {
    /// The visits the scope may see (`scope::visits`), newest first, a page from where `q.seek`
    /// says, and how many there are in all. A key naming a visit the scope may not see is refused.
    pub async fn visits(&self, scope: &Scope, q: &VisitQuery) -> Result<VisitPage> {
        let (cond, arg) = crate::scope::visits(scope, 2);
        let mut filter = format!("v.campaign_id = $1 AND {cond}");
        let mut n = if arg.is_some() { 3 } else { 2 };
        if q.person.is_some() {
            filter.push_str(&format!(" AND v.person_id = ${n}"));
            n += 1;
        }
        if q.open_actions {
            filter.push_str(" AND va.id IS NOT NULL AND va.done_on IS NULL");
        }
        let from =
            "FROM visits v JOIN people pe ON pe.id = v.person_id LEFT JOIN visit_actions va ON va.visit_id = v.id";
        macro_rules! bound {
            ($query:expr) => {{
                let x = $query.bind(q.campaign_id);
                let x = match &arg {
                    Some(a) => x.bind(a.clone()),
                    None => x,
                };
                match q.person {
                    Some(p) => x.bind(p),
                    None => x,
                }
            }};
        }
        let count_sql = format!("SELECT COUNT(*) {from} WHERE {filter}");
        let (key, backwards) = q.seek.key();
        // Newest first: read descending, or ascending when reading backwards.
        let read_asc = backwards;
        let key_day: Option<String> = match key {
            None => None,
            Some(k) => {
                let sql = format!("SELECT v.visited_on {from} WHERE {filter} AND v.id = ${n}");
                let day: Option<String> =
                    on_db!(&self.db, p => bound!(sqlx::query_scalar(&sql)).bind(k).fetch_optional(p).await?);
                Some(day.ok_or_else(|| {
                    StoreError::rejected("bad_cursor", "翻页位置无效（可能已过期）：请回到第一页".to_string())
                })?)
            }
        };
        let keyed = match key {
            Some(_) => format!(
                " AND {}",
                paging::past(Some("v.visited_on"), "v.id", read_asc, &format!("${}", n + 1), &format!("${n}"))
            ),
            None => String::new(),
        };
        let limit = q.limit.clamp(1, 10_000);
        let list_sql = format!(
            "SELECT v.id, v.person_id, pe.name, pe.street_code, v.visited_on, v.visitor_kind, v.visitors, v.unit_code,
             v.money_fen, v.goods, v.goods_value_fen, v.needs {from} WHERE {filter}{keyed}
             ORDER BY {} LIMIT {}",
            paging::order(Some("v.visited_on"), "v.id", read_asc),
            limit + 1
        );
        let total: i64 = on_db!(&self.db, p => bound!(sqlx::query_scalar(&count_sql)).fetch_one(p).await?);
        let mut rows: Vec<VisitRow> = on_db!(&self.db, p => {
            let x = bound!(sqlx::query_as(&list_sql));
            let x = match (key, &key_day) {
                (Some(k), Some(d)) => x.bind(k).bind(d.clone()),
                _ => x,
            };
            x.fetch_all(p).await?
        });
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let (rows, prev, next) = q.seek.arrange(rows, more, |r| r.0);
        // The listed visits' actions (ids are numbers: written into the statement).
        let mut actions: std::collections::HashMap<i64, ActionView> = std::collections::HashMap::new();
        if !rows.is_empty() {
            let ids = rows.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT id, visit_id, what, owner_unit, due_on, done_on, done_note FROM visit_actions WHERE visit_id IN ({ids})"
            );
            let got: Vec<ActionRow> = on_db!(&self.db, p => sqlx::query_as(&sql).fetch_all(p).await?);
            for (id, visit, what, owner_unit, due, done_on, done_note) in got {
                actions.insert(visit, ActionView { id, what, owner_unit, due, done_on, done_note });
            }
        }
        let items = rows
            .into_iter()
            .map(|r| VisitView {
                id: r.0,
                person: r.1,
                person_name: r.2,
                street_code: r.3,
                date: r.4,
                visitor_kind: VisitorKind::from_code(&r.5).unwrap_or(VisitorKind::Unit),
                visitors: r.6,
                unit_code: r.7,
                money_fen: r.8,
                goods: r.9,
                goods_value_fen: r.10,
                needs: r.11,
                action: actions.remove(&r.0),
            })
            .collect();
        Ok(VisitPage { items, total, prev, next })
    }
}
