//! What a person received, as one timeline (issue 17, point 6 — so far the entitlements of every
//! campaign, the charity vouchers given to them, their visits, hotline requests and services
//! delivered): within the scope, by date.

use serde::Serialize;
use yikou_domain::Scope;

use crate::{on_db, Result, Store};

/// One thing a person received (the API's item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineItem {
    /// money | goods | visit | service | voucher (hotline as it comes).
    pub kind: &'static str,
    /// YYYY-MM-DD (Beijing time): paid, else last changed; a voucher: given, or redeemed.
    pub date: String,
    /// The project's name, or the voucher batch's.
    pub what: String,
    pub amount_fen: i64,
    /// The entitlement's state code, the voucher's (issued / redeemed), `visited` for a visit.
    pub state: String,
    /// An entitlement's id, a voucher's code, or `visit:ID`.
    pub reference: String,
}

/// A project's form as the timeline's kind.
fn kind_of(form: &str) -> &'static str {
    match form {
        "gift" => "goods",
        "voucher" => "voucher",
        "service" => "service",
        "visit" => "visit",
        _ => "money",
    }
}

fn day(stored: &str) -> String {
    yikou_domain::clock::beijing_datetime(stored)
        .map(|t| yikou_domain::format_date(t.date()))
        .unwrap_or_else(|| stored.chars().take(10).collect())
}

impl Store {
    /// The person's timeline, oldest first; None when the person is not in the scope.
    pub async fn timeline(&self, scope: &Scope, person_id: i64) -> Result<Option<Vec<TimelineItem>>> {
        if self.person(scope, person_id).await?.is_none() {
            return Ok(None);
        }
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT e.id, pr.name, pr.form, COALESCE(e.approved_amount_fen, e.amount_fen), e.state,
             COALESCE((SELECT MAX(pl.result_at) FROM payment_lines pl WHERE pl.entitlement_id = e.id AND pl.state = 'paid'),
                      e.updated_at)
             FROM entitlements e JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             WHERE e.person_id = $1 AND {cond}"
        );
        let rows: Vec<(i64, String, String, i64, String, String)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(person_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut items: Vec<TimelineItem> = rows
            .into_iter()
            .map(|(id, name, form, amount_fen, state, at)| TimelineItem {
                kind: kind_of(&form),
                date: day(&at),
                what: name,
                amount_fen,
                state,
                reference: id.to_string(),
            })
            .collect();
        let vouchers: Vec<(String, String, i64, Option<String>, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT v.code, vb.name, vb.face_value_fen, v.issued_at, r.redeemed_at FROM vouchers v
             JOIN voucher_batches vb ON vb.id = v.batch_id LEFT JOIN voucher_redemptions r ON r.code = v.code
             WHERE v.person_id = $1")
            .bind(person_id).fetch_all(p).await?);
        for (code, name, value, issued, redeemed) in vouchers {
            let (state, at) = match (redeemed, issued) {
                (Some(r), _) => ("redeemed", r),
                (None, Some(i)) => ("issued", i),
                (None, None) => continue,
            };
            items.push(TimelineItem {
                kind: "voucher",
                date: day(&at),
                what: name,
                amount_fen: value,
                state: state.into(),
                reference: code,
            });
        }
        // Visits of the person in any campaign (recorded within the area: the person is the scope's).
        let visits: Vec<(i64, String, String, i64, i64, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, visited_on, visitors, money_fen, goods_value_fen, goods FROM visits WHERE person_id = $1")
            .bind(person_id).fetch_all(p).await?);
        for (id, on, visitors, money, goods_value, goods) in visits {
            let what = if goods.is_empty() {
                format!("走访慰问（{visitors}）")
            } else {
                format!("走访慰问（{visitors}）：{goods}")
            };
            items.push(TimelineItem {
                kind: "visit",
                date: on,
                what,
                amount_fen: money + goods_value,
                state: "visited".into(),
                reference: format!("visit:{id}"),
            });
        }
        let requests: Vec<(i64, String, String, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, kind, received_at, closed_at FROM hotline_requests WHERE person_id = $1")
            .bind(person_id).fetch_all(p).await?);
        for (id, kind, at, closed) in requests {
            let kind = yikou_domain::hotline::RequestKind::from_code(&kind).map_or("其他", |k| k.label());
            items.push(TimelineItem {
                kind: "hotline",
                date: day(&at),
                what: format!("热线求助（{kind}）"),
                amount_fen: 0,
                state: if closed.is_some() { "closed" } else { "open" }.into(),
                reference: format!("hotline:{id}"),
            });
        }
        let services: Vec<(i64, String, String, String, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT d.id, d.delivered_on, k.name, sp.name, d.quantity_centi FROM service_deliveries d
             JOIN service_kinds k ON k.code = d.kind_code JOIN service_providers sp ON sp.id = d.provider_id
             WHERE d.person_id = $1")
            .bind(person_id).fetch_all(p).await?);
        for (id, on, kind, provider, q) in services {
            items.push(TimelineItem {
                kind: "service",
                date: on,
                what: format!("{kind}（{provider}，{}）", yikou_domain::service::quantity_text(q)),
                amount_fen: 0,
                state: "delivered".into(),
                reference: format!("service:{id}"),
            });
        }
        items.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.reference.cmp(&b.reference)));
        Ok(Some(items))
    }
}
