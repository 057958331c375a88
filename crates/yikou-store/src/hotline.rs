//! 生活服务热线 (issue 17, point 3): a request taken within the taker's area (a named person must be
//! the taker's), given to a unit with a deadline, closed by that unit (or the bureau) with a result;
//! the area's requests listed open, overdue or closed, with the hours each took to close.

use serde::Serialize;
use serde_json::json;
use time::Date;
use yikou_domain::hotline::{check_due, check_result, overdue, HotlineRequest, RequestKind, RequestState};
use yikou_domain::{format_date, parse_date, today, Scope};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

fn rejected(e: yikou_domain::hotline::HotlineError) -> StoreError {
    StoreError::rejected("hotline_invalid", e.to_string())
}

/// Takes a request in a campaign; its id. The request's area: the person's street, else the taker's.
pub async fn take(tx: &mut WriteTx<'_>, scope: &Scope, campaign_id: i64, r: &HotlineRequest) -> Result<i64> {
    r.check().map_err(rejected)?;
    crate::atomic!(tx, {
        let mut street = crate::scope::own_street(scope);
        if let Some(p) = r.person_id {
            if !crate::register::person_visible(tx, scope, p).await? {
                return Err(StoreError::NotFound("该帮困对象".into()));
            }
            let s: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT street_code FROM people WHERE id = $1")
                .bind(p).fetch_one(c).await?);
            street = s.or(street);
        }
        let login = tx.actor().login.clone();
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO hotline_requests (campaign_id, person_id, caller, kind, content, street_code, received_at, received_by,
             taken_unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(campaign_id).bind(r.person_id).bind(r.caller.trim()).bind(r.kind.code()).bind(r.content.trim())
            .bind(&street).bind(now()).bind(&login).bind(crate::scope::own_unit(scope)).fetch_one(c).await?);
        // The caller's words stay out of the audit record (they can name an illness).
        let after = json!({ "person": r.person_id, "kind": r.kind.code(), "street": street });
        tx.audit("hotline.take", "hotline_request", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// One request's state columns, found within a scope condition.
async fn find(
    tx: &mut WriteTx<'_>,
    cond: (String, Option<String>),
    id: i64,
) -> Result<(Option<String>, Option<String>)> {
    let (cond, arg) = cond;
    let sql = format!("SELECT h.unit_code, h.closed_at FROM hotline_requests h WHERE h.id = $1 AND {cond}");
    let row: Option<(Option<String>, Option<String>)> = on_tx!(&mut tx.tx, c => {
        let q = sqlx::query_as(&sql).bind(id);
        let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
        q.fetch_optional(c).await?
    });
    row.ok_or_else(|| StoreError::NotFound("该求助".into()))
}

/// Gives a request the scope may see to a unit, due on `due` (given again: to the new unit).
pub async fn assign(tx: &mut WriteTx<'_>, scope: &Scope, id: i64, unit: &str, due: Date) -> Result<()> {
    check_due(due, today()).map_err(rejected)?;
    crate::atomic!(tx, {
        let (_, closed) = find(tx, crate::scope::hotline(scope, 2), id).await?;
        if closed.is_some() {
            return Err(StoreError::Conflict("该求助已办结，不能再派单".into()));
        }
        let known: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE code = $1")
            .bind(unit.trim()).fetch_one(c).await?);
        if known == 0 {
            return Err(StoreError::rejected(
                "hotline_invalid",
                format!("承办单位“{}”不存在，请从列表中选择", unit.trim()),
            ));
        }
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE hotline_requests SET unit_code = $1, due_on = $2, assigned_at = $3 WHERE id = $4 AND closed_at IS NULL")
            .bind(unit.trim()).bind(format_date(due)).bind(now()).bind(id).execute(c).await?.rows_affected());
        let after = json!({ "unit": unit.trim(), "due": format_date(due) });
        tx.audit("hotline.assign", "hotline_request", &id.to_string(), None, Some(&after)).await?;
        Ok(())
    })
}

/// Closes a request given to the actor's unit (the bureau: any) with its result.
pub async fn close(tx: &mut WriteTx<'_>, scope: &Scope, id: i64, result: &str) -> Result<()> {
    check_result(result).map_err(rejected)?;
    crate::atomic!(tx, {
        let (unit, closed) = find(tx, crate::scope::hotline_owner(scope, 2), id).await?;
        if let Some(at) = closed {
            return Err(StoreError::Conflict(format!("该求助已于 {} 办结", yikou_domain::clock::beijing_seconds(&at))));
        }
        if unit.is_none() && *scope != Scope::All {
            return Err(StoreError::NotFound("该求助".into()));
        }
        let login = tx.actor().login.clone();
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE hotline_requests SET closed_at = $1, closed_by = $2, result = $3 WHERE id = $4 AND closed_at IS NULL")
            .bind(now()).bind(&login).bind(result.trim()).bind(id).execute(c).await?.rows_affected());
        tx.audit("hotline.close", "hotline_request", &id.to_string(), None, None).await?;
        Ok(())
    })
}

/// A request as listed (the API's item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestView {
    pub id: i64,
    pub person: Option<i64>,
    pub person_name: Option<String>,
    pub caller: String,
    pub kind: RequestKind,
    pub content: String,
    pub street_code: Option<String>,
    pub received_at: String,
    pub unit_code: Option<String>,
    pub due: Option<String>,
    pub closed_at: Option<String>,
    pub result: Option<String>,
    pub state: RequestState,
    pub overdue: bool,
    /// Hours from taking to closing (closed requests).
    pub hours_to_close: Option<i64>,
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestFilter {
    #[default]
    All,
    /// Not closed (open or assigned).
    Unfinished,
    Overdue,
    Closed,
}

/// Counts over the area's requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct HotlineStats {
    pub total: u64,
    pub open: u64,
    pub assigned: u64,
    pub overdue: u64,
    pub closed: u64,
    /// Mean hours to close over the closed ones.
    pub mean_hours_to_close: Option<f64>,
}

type RequestRow = (
    i64,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn hours_between(from: &str, to: &str) -> Option<i64> {
    let parse = |s: &str| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok();
    Some((parse(to)? - parse(from)?).whole_hours())
}

impl Store {
    /// The requests of a campaign the scope may see, newest first, filtered; with the counts over all
    /// of them (a district's hotline takes thousands a season, not millions: read whole, then paged).
    pub async fn hotline_requests(
        &self,
        scope: &Scope,
        campaign_id: i64,
        filter: RequestFilter,
    ) -> Result<(Vec<RequestView>, HotlineStats)> {
        let (cond, arg) = crate::scope::hotline(scope, 2);
        let sql = format!(
            "SELECT h.id, h.person_id, pe.name, h.caller, h.kind, h.content, h.street_code, h.received_at, h.unit_code,
             h.due_on, h.closed_at, h.result FROM hotline_requests h LEFT JOIN people pe ON pe.id = h.person_id
             WHERE h.campaign_id = $1 AND {cond} ORDER BY h.received_at DESC, h.id DESC"
        );
        let rows: Vec<RequestRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let day = today();
        let mut stats = HotlineStats::default();
        let (mut hours_sum, mut hours_n) = (0i64, 0i64);
        let mut out = Vec::new();
        for r in rows {
            let state = match (&r.10, &r.8) {
                (Some(_), _) => RequestState::Closed,
                (None, Some(_)) => RequestState::Assigned,
                (None, None) => RequestState::Open,
            };
            let is_overdue = overdue(state, r.9.as_deref().and_then(parse_date), day);
            let hours = r.10.as_deref().and_then(|c| hours_between(&r.7, c));
            stats.total += 1;
            match state {
                RequestState::Open => stats.open += 1,
                RequestState::Assigned => stats.assigned += 1,
                RequestState::Closed => stats.closed += 1,
            }
            stats.overdue += u64::from(is_overdue);
            if let Some(h) = hours {
                hours_sum += h;
                hours_n += 1;
            }
            let keep = match filter {
                RequestFilter::All => true,
                RequestFilter::Unfinished => state != RequestState::Closed,
                RequestFilter::Overdue => is_overdue,
                RequestFilter::Closed => state == RequestState::Closed,
            };
            if keep {
                out.push(RequestView {
                    id: r.0,
                    person: r.1,
                    person_name: r.2,
                    caller: r.3,
                    kind: RequestKind::from_code(&r.4).unwrap_or(RequestKind::Other),
                    content: r.5,
                    street_code: r.6,
                    received_at: r.7,
                    unit_code: r.8,
                    due: r.9,
                    closed_at: r.10,
                    result: r.11,
                    state,
                    overdue: is_overdue,
                    hours_to_close: hours,
                });
            }
        }
        stats.mean_hours_to_close = (hours_n > 0).then(|| hours_sum as f64 / hours_n as f64);
        Ok((out, stats))
    }
}
